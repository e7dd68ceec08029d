#!/usr/bin/python3
"""Quick sanity check of the gazetteer sources (an approximation of
`nerd check`): column count, required fields, types, langs, flags,
canonical consistency, duplicate and conflicting surfaces (after an
approximate normalization). Exit status 1 on errors.

Usage: /usr/bin/python3 gazetteers/scripts/check_gazetteers.py [--quiet]
"""
import glob
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerdnorm import norm_key  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = {'PERSON', 'AGENCY', 'COUNTRY', 'ORGANIZATION', 'LOCATION', 'NORP'}
LANGS = {'ar', 'fr', 'en', '*'}
FLAG = re.compile(r'^(case|nocase|prio=(\d{1,3}))$')
quiet = '--quiet' in sys.argv

errors = warnings = 0
seen = {}      # (type, key) -> {entity: loc}
canon = {}     # entity -> (canonical, loc)
counts = {}


def err(loc, msg):
    global errors
    errors += 1
    print('%s: error: %s' % (loc, msg))


def warn(loc, msg):
    global warnings
    warnings += 1
    if not quiet:
        print('%s: warning: %s' % (loc, msg))


for path in sorted(glob.glob(os.path.join(ROOT, '**', '*.tsv'), recursive=True)):
    rel = os.path.relpath(path, os.path.dirname(ROOT))
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            loc = '%s:%d' % (rel, n)
            line = line.rstrip('\n')
            if not line.strip() or line.startswith('#'):
                continue
            if '\r' in line:
                err(loc, 'CR in line')
            fields = line.split('\t')
            if len(fields) not in (5, 6):
                err(loc, '%d columns' % len(fields))
                continue
            if any(not x.strip() for x in fields[:5]) or any(x != x.strip() for x in fields):
                err(loc, 'empty field or stray spaces')
                continue
            surface, typ, eid, can, lang = fields[:5]
            if typ not in TYPES:
                err(loc, 'bad type %r' % typ)
            if lang not in LANGS:
                err(loc, 'bad lang %r' % lang)
            if len(fields) == 6:
                for fl in fields[5].split(','):
                    m = FLAG.match(fl)
                    if not m or (m.group(2) and int(m.group(2)) > 255):
                        err(loc, 'bad flag %r' % fl)
            if re.search('[\u064b-\u0652\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069]', surface):
                err(loc, 'harakat/tatweel/invisible char in surface')
            key = norm_key(surface)
            if not key:
                err(loc, 'surface normalizes to nothing')
                continue
            if eid in canon and canon[eid][0] != can:
                err(loc, 'canonical %r differs from %r at %s' % (can, canon[eid][0], canon[eid][1]))
            canon.setdefault(eid, (can, loc))
            ents = seen.setdefault((typ, key), {})
            if eid in ents:
                warn(loc, 'duplicate of %s' % ents[eid])
            else:
                for other, oloc in ents.items():
                    err(loc, 'conflict: %r is %s here and %s at %s' % (surface, eid, other, oloc))
                ents[eid] = loc
                c = counts.setdefault(typ, {})
                c[lang] = c.get(lang, 0) + 1

for path in sorted(glob.glob(os.path.join(ROOT, 'classes', '*.txt'))):
    n = sum(1 for l in open(path, encoding='utf-8') if l.strip() and not l.startswith('#'))
    print('class %s: %d entries' % (os.path.basename(path), n))
for typ in sorted(counts):
    c = counts[typ]
    print('%-12s %6d  %s' % (typ, sum(c.values()), ' '.join('%s=%d' % kv for kv in sorted(c.items()))))
print('%d errors, %d warnings' % (errors, warnings))
sys.exit(1 if errors else 0)
