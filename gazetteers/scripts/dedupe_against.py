#!/usr/bin/python3
"""Maintenance helper for the hand-written lists: drop the lines whose
(surface, type, entity) already occur in other lists; inside TARGET, merge
repeated forms of one entity into one line (lang '*' when the languages
differ). Usage: dedupe_against.py TARGET.tsv [OTHER.tsv...]  (rewrites TARGET)"""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerdnorm import norm_key  # noqa: E402

target, others = sys.argv[1], sys.argv[2:]
have = set()
for p in others:
    for l in open(p, encoding='utf-8'):
        f = l.rstrip('\n').split('\t')
        if l.startswith('#') or len(f) < 5:
            continue
        have.add((norm_key(f[0]), f[1], f[2]))
lines, index, dropped = [], {}, 0
for l in open(target, encoding='utf-8'):
    f = l.rstrip('\n').split('\t')
    if not l.startswith('#') and len(f) >= 5:
        k = (norm_key(f[0]), f[1], f[2])
        if k in have:
            dropped += 1
            continue
        if k in index:
            dropped += 1
            prev = index[k]
            if prev[4] != f[4]:
                prev[4] = '*'
            continue
        index[k] = f
        lines.append(f)
    else:
        lines.append(l.rstrip('\n'))
with open(target, 'w', encoding='utf-8') as out:
    for x in lines:
        out.write(('\t'.join(x) if isinstance(x, list) else x) + '\n')
print('%s: dropped %d duplicate lines' % (target, dropped))
