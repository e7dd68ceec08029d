#!/usr/bin/python3
"""Authoring helper for the hand-written lists: converts a compact block
format into list lines and appends them to a .tsv file.

    @entity_id|TYPE|Canonical name
    ar: form; form
    fr: form; form
    en: form
    *: ABBR; ABBR

Lines of the form `# ...` are copied as comments. Usage:
    compact2tsv.py OUT.tsv < blocks.txt      (appends)"""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerdnorm import clean, is_all_caps_abbrev  # noqa: E402

out = open(sys.argv[1], 'a', encoding='utf-8')
eid = typ = can = None
for raw in sys.stdin:
    line = raw.strip()
    if not line:
        continue
    if line.startswith('#'):
        out.write(line + '\n')
        continue
    if line.startswith('@'):
        eid, typ, can = [x.strip() for x in line[1:].split('|')]
        continue
    lang, forms = line.split(':', 1)
    lang = lang.strip()
    flags = ''
    if '!' in lang:
        lang, flags = lang.split('!')
    for s in forms.split(';'):
        if s.strip().endswith("@skip"):
            continue
        s = clean(s)
        if not s:
            continue
        l = lang
        if l in ('en', 'fr') and is_all_caps_abbrev(s):
            l = '*'
        row = [s, typ, eid, can, l] + ([flags] if flags else [])
        out.write('\t'.join(row) + '\n')
