#!/usr/bin/env python3
"""Every shipped gazetteer entry is found in a sentence of its language:
each country in each language and form, agencies and organizations by
their abbreviations, each person by every listed spelling.

usage: test_gazetteers.py NERD_BINARY
"""
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NERD = sys.argv[1]
FRAME = {
    "ar": "وقال مسؤول إن {} أعلن ذلك أمس.",
    "fr": "Selon un communiqué, {} a annoncé la mesure.",
    "en": "Officials said that {} announced the measure.",
}
FRAME["*"] = FRAME["en"]

entries = []
for path in sorted(glob.glob(f"{ROOT}/gazetteers/**/*.tsv", recursive=True)):
    for ln, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        entries.append((os.path.relpath(path, ROOT), ln, f[0], f[1], f[2], f[4]))

# the same surface may be listed under two types ("Reconnaissance General
# Bureau" is an agency to MISP, an entity to the UN list): either will do
types_of = {}
for _, _, surface, typ, _, _ in entries:
    types_of.setdefault(surface, set()).add(typ)
# a surface over 16 words is skipped by nerd compile (with a warning)
entries = [e for e in entries if len(e[2].split()) <= 16]

docs = []
for i, (path, ln, surface, typ, eid, lang) in enumerate(entries):
    text = FRAME[lang].format(surface)
    docs.append({"id": str(i), "text": text, "lang": "en" if lang == "*" else lang})
inp = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
p = subprocess.run([NERD, "tag"], input=inp.encode(), capture_output=True, timeout=600)
if p.returncode:
    sys.exit(f"nerd tag failed: {p.stderr.decode()[-500:]}")
anns = [json.loads(l) for l in p.stdout.decode().splitlines()]

missed = {}
for (path, ln, surface, typ, eid, lang), d, a in zip(entries, docs, anns):
    # punctuation at a surface's edges ("U.S.", "‘Abd") stays outside spans
    core = surface.strip("".join(c for c in surface if not c.isalnum()))
    start = d["text"].index(surface) + surface.index(core)
    ok = any(e["type"] in types_of[surface] and e["start"] <= start and
             e["end"] >= start + len(core) for e in a["entities"])
    if not ok:
        missed.setdefault(typ, []).append(f"{path}:{ln}: {surface} ({typ}) not found in: {d['text']}")

total = len(entries)
bad = sum(len(v) for v in missed.values())
for typ, v in sorted(missed.items()):
    print(f"{typ}: {len(v)} missed, e.g.\n  " + "\n  ".join(v[:5]))
print(f"gazetteers: {total - bad} of {total} entries found in a sentence")
sys.exit(1 if bad else 0)
