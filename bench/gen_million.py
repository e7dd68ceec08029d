#!/usr/bin/env python3
"""Synthesize a gazetteer of N (default 1,000,000) person entries from the
shipped name classes, for the scale benchmark (bench/scale.sh).

usage: gen_million.py OUT_DIR [N]
Writes OUT_DIR/synthetic.tsv; copies nothing else (the benchmark pairs it
with the shipped lists).
"""
import itertools
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out_dir = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000


def words(name):
    with open(f"{root}/gazetteers/classes/{name}.txt", encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#") and " " not in l.strip()]


gl, fl = words("given-latin"), words("family-latin")
ga, fa = words("given-ar"), words("family-ar")
os.makedirs(out_dir, exist_ok=True)
count = 0
with open(f"{out_dir}/synthetic.tsv", "w", encoding="utf-8") as f:
    f.write("# synthetic person names for the scale benchmark (not shipped)\n")
    def gen():
        for g, fam in itertools.product(ga, fa):
            yield g + " " + fam, "ar"
        for g, fam in itertools.product(gl, fl):
            yield g + " " + fam, "en"
        for g1, g2, fam in itertools.product(ga, ga, fa):
            yield g1 + " " + g2 + " " + fam, "ar"
        for g1, g2, fam in itertools.product(gl, gl, fl):
            yield g1 + " " + g2 + " " + fam, "en"
    seen = set()
    for surface, lang in gen():
        if count >= n:
            break
        if surface.lower() in seen:  # class lists repeat some names
            continue
        seen.add(surface.lower())
        f.write(f"{surface}\tPERSON\tsyn:{count}\t{surface}\t{lang}\n")
        count += 1
print(f"{count} entries in {out_dir}/synthetic.tsv")
