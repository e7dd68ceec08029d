#!/usr/bin/env python3
"""nerd eval must print the same scores as the reference scorer,
../shared/tools/score.py, on the same gold files (skips when absent).

usage: test_eval.py NERD_BINARY
"""
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.normpath(f"{ROOT}/../shared")
NERD = sys.argv[1]
SCORE = f"{SHARED}/tools/score.py"
if not os.path.exists(SCORE):
    print(f"skipping: {SCORE} is absent (a clone without ../shared)")
    sys.exit(77)

cases = [
    ["json", *sorted(glob.glob(f"{SHARED}/seed/*.gold.json"))],
    ["json", *sorted(glob.glob(f"{SHARED}/dev/ntrex/ar/*.gold.json"))],
    ["json", *sorted(glob.glob(f"{SHARED}/dev/ntrex/fr/*.gold.json"))],
    ["json", *sorted(glob.glob(f"{SHARED}/dev/ntrex/en/*.gold.json"))],
    ["conll", f"{SHARED}/data/anercorp/train.txt", "--map", "anercorp", "--limit", "2000"],
]
failures = 0
for c in cases:
    ref = subprocess.run(["/usr/bin/python3", SCORE, *c, "--cmd", f"{NERD} tag"],
                         capture_output=True, text=True, timeout=600)
    ours = subprocess.run([NERD, "eval", *c], capture_output=True, text=True, timeout=600)
    name = " ".join(c[:2])
    if ref.returncode or ours.returncode:
        print(f"FAIL {name}: exit {ref.returncode}/{ours.returncode}: {ref.stderr[-300:]} {ours.stderr[-300:]}")
        failures += 1
    elif ref.stdout != ours.stdout:
        print(f"FAIL {name}: the scores differ\n--- score.py\n{ref.stdout}--- nerd eval\n{ours.stdout}")
        failures += 1
    else:
        print(f"ok {name}: {ref.stdout.splitlines()[-1]}")
        # The seed article is tagged exactly: every gold mention, nothing else.
        if "/seed/" in c[1] and ours.stdout.splitlines()[-1] != "micro-F1 1.000":
            print(f"FAIL the seed's F1 is not 1.000:\n{ours.stdout}")
            failures += 1
sys.exit(1 if failures else 0)
