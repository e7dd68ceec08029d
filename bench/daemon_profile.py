#!/usr/bin/python3
"""Instructions per article in each process of `nerd serve` (issue 7): the
daemon runs under callgrind (valgrind follows the spawner's exec and the
forks of the worker), one worker, on a compiled image; `nerd feed` sends
50 articles to warm it, the counters are zeroed, `nerd feed` sends FILE
and `nerd sub` receives every annotation, and the counters are dumped.
Prints the instructions per article of the master (both its threads) and
of the worker, and how many of the worker's are inside engine_annotate:
the rest is the daemon's own cost (article_parse, the socket to the
master, ...). Instruction counts do not move with the machine's load, as
times do; the master's cost is mostly in the kernel (its sleeps and
wakeups), which callgrind does not see: `bench/daemon_bench.py` prints its
CPU time. Each process's profile stays in the output directory for
callgrind_annotate (`cg.PID.1`: the fed articles only).

usage: bench/daemon_profile.py build/nerd FILE.jsonl [--two-frame]
           [--out DIR]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))
from daemon_harness import SRC, free_ports  # noqa: E402

WARM = 50


def totals(path):
    """The command line and the instructions of a callgrind profile."""
    cmd, total = "", 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("cmd:"):
                cmd = line[4:].strip()
            elif line.startswith("totals:"):
                total = int(line.split()[1])
    return cmd, total


def inclusive(path, fn):
    """Instructions inside fn (and what it calls), from callgrind_annotate."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", path],
                         capture_output=True, text=True).stdout
    m = re.search(r"^\s*([\d,]+) \([^)]*\)\s+\S*:" + fn + r" \[", out, re.M)
    return int(m.group(1).replace(",", "")) if m else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nerd")
    ap.add_argument("jsonl")
    ap.add_argument("--two-frame", action="store_true")
    ap.add_argument("--out")
    a = ap.parse_args()
    nerd = os.path.abspath(a.nerd)
    out = a.out or tempfile.mkdtemp(prefix="nerd-profile-")
    os.makedirs(os.path.join(out, "run"), exist_ok=True)
    for f in os.listdir(out):
        if f.startswith("cg."):
            os.unlink(os.path.join(out, f))
    img = os.path.join(out, "nerd.img")
    subprocess.run([nerd, "compile", "-g", os.path.join(SRC, "gazetteers"),
                    "-r", os.path.join(SRC, "rules"), "-o", img],
                   check=True, capture_output=True)
    p = free_ports(4)
    conf = os.path.join(out, "nerd.conf")
    with open(conf, "w") as f:
        f.write(f"""[nerd]
workers = 1
max_message_bytes = 4194304
stats_interval_s = 60
runtime_dir = {out}/run
[engine]
image = {img}
[endpoints]
ingest = bind:tcp://127.0.0.1:{p[0]}
ingest_acked = bind:tcp://127.0.0.1:{p[1]}
output = bind:tcp://127.0.0.1:{p[2]}
output_mode = pub
control = bind:tcp://127.0.0.1:{p[3]}
""")
    with open(a.jsonl, encoding="utf-8") as f:
        lines = [ln for ln in f if ln.strip()]
    warm = os.path.join(out, "warm.jsonl")
    with open(warm, "w", encoding="utf-8") as f:
        f.writelines(lines[:WARM])
    feed = [nerd, "feed", "-c", conf, "-q"] + (["-2"] if a.two_frame else [])

    def fed(path, n):
        sub = subprocess.Popen([nerd, "sub", "-c", conf, "-t", "ann.", "-t",
                                "err", "-n", str(n), "-i", "120000"],
                               stdout=subprocess.DEVNULL)
        time.sleep(1.0)                       # the SUB has joined
        subprocess.run(feed + [path], check=True, stderr=subprocess.DEVNULL)
        sub.wait(timeout=1200)

    log = open(os.path.join(out, "serve.log"), "w")
    d = subprocess.Popen(["valgrind", "--tool=callgrind", "--trace-children=yes",
                          f"--callgrind-out-file={out}/cg.%p", nerd, "serve",
                          "-c", conf], stderr=log)
    try:
        for _ in range(600):
            if subprocess.run([nerd, "ctl", "-c", conf, "stats"],
                              capture_output=True).returncode == 0:
                break
            if d.poll() is not None:
                sys.exit("nerd serve exited; see " + log.name)
            time.sleep(0.2)
        fed(warm, WARM)
        subprocess.run(["callgrind_control", "-z"], check=True,
                       capture_output=True)
        fed(a.jsonl, len(lines))
        subprocess.run(["callgrind_control", "-d"], check=True,
                       capture_output=True)
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=120)
    n = len(lines)
    procs = []
    for f in sorted(os.listdir(out)):
        if f.startswith("cg.") and f.endswith(".1"):
            cmd, total = totals(os.path.join(out, f))
            procs.append((total, cmd, os.path.join(out, f)))
    print(f"{n} articles ({'two' if a.two_frame else 'one'}-frame), "
          f"{a.jsonl}; profiles in {out}")
    for total, cmd, path in procs:
        if " serve " in cmd + " ":
            print(f"  master  {total / n:>10,.0f} instructions per article")
        elif total > 0 and inclusive(path, "worker_main"):
            eng = inclusive(path, "engine_annotate")
            print(f"  worker  {total / n:>10,.0f} instructions per article, "
                  f"{eng / n:,.0f} in engine_annotate, "
                  f"{(total - eng) / n:,.0f} outside it "
                  f"({100 * (total - eng) / total:.1f}%)  {path}")


if __name__ == "__main__":
    main()
