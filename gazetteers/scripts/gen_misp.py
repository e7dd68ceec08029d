#!/usr/bin/python3
"""Generate gazetteers/agencies-misp.tsv (AGENCY) from the MISP galaxy
cluster of intelligence agencies (../shared/data/misp/
intelligence-agencies.json, MISP/misp-galaxy, CC0 1.0 / BSD-2).

Per agency: its English name (footnotes and '(Country)' qualifiers
removed), the abbreviation in parentheses in its description (3+ capitals),
and Latin- or Arabic-script synonyms / native names. Ids are
`nerd:misp-ia:<first 8 hex of the MISP uuid>`; an agency one of whose forms
agencies.tsv already lists is merged into that hand-written entity (its id
and canonical), and forms that agencies.tsv already has are not repeated.
A surface shared by two MISP agencies is dropped.

Usage: /usr/bin/python3 gazetteers/scripts/gen_misp.py [INPUT.json]
"""
import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerdnorm import clean, norm_key, is_all_caps_abbrev  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GAZ = os.path.dirname(HERE)
DEFAULT_IN = os.path.join(GAZ, '..', '..', 'shared', 'data', 'misp', 'intelligence-agencies.json')
if not os.path.exists(DEFAULT_IN):
    DEFAULT_IN = '/work/shared/data/misp/intelligence-agencies.json'
ARABIC_COUNTRIES = {'MA', 'DZ', 'TN', 'LY', 'MR', 'EG', 'SA', 'AE', 'QA', 'KW', 'BH', 'OM',
                    'JO', 'LB', 'SY', 'IQ', 'YE', 'SD', 'PS'}
FRENCH_COUNTRIES = {'FR', 'BE', 'MA', 'DZ', 'TN', 'SN', 'CI', 'ML', 'NE', 'BF', 'CA', 'CH', 'LU'}
BAD = re.compile(r'page does not exist|\[\d+\]|\[|\]')


def latin(s):
    return not re.search(r'[^\x00-\u024f\u2019\u2013 ]', s)


def arabic(s):
    return bool(re.search(r'[\u0600-\u06ff]', s)) and not re.search(r'[پچژگکی]', s)


def hand_cc(eid):
    """Country of a hand-written agency id (nerd:agency:ma-dgsn -> 'ma')."""
    if eid in ('Q37230', 'Q8333'):
        return 'us'
    if eid.startswith('nerd:agency:'):
        return eid.split(':')[-1][:2]
    return ''


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_IN
    hand = {}
    other = set()     # surfaces the hand-written lists give to other types
    for fn in ('agencies.tsv', 'organizations.tsv', 'countries.tsv', 'countries-extra.tsv'):
        for l in open(os.path.join(GAZ, fn), encoding='utf-8'):
            f = l.rstrip('\n').split('\t')
            if l.startswith('#') or len(f) < 5:
                continue
            if fn == 'agencies.tsv':
                hand.setdefault(norm_key(f[0]), (f[2], f[3]))
            else:
                other.add(norm_key(f[0]))
    data = json.load(open(src, encoding='utf-8'))
    recs = []
    for v in sorted(data['values'], key=lambda v: v['uuid']):
        meta = v.get('meta', {})
        cc = meta.get('country', '')
        name = clean(re.sub(r'\s*\((page does not exist|[A-Z][^()]*)\)\s*$', '', v['value']))
        name = clean(re.sub(r'\[\d+\]', '', name))
        forms = []
        if name and not BAD.search(name) and latin(name) and len(name) >= 4:
            forms.append((name, 'fr' if cc in FRENCH_COUNTRIES and re.search(r'\b(de|du|des|la|le|pour)\b', name) else 'en'))
        desc = v.get('description') or ''
        for ab in re.findall(r'\(([A-ZÀ-Ýİ][A-ZÀ-Ýİ0-9]{2,7})[;)]', desc):
            forms.append((ab, '*'))
        syn = list(meta.get('synonyms') or [])
        m = re.search(r'\s[–-]\s([^()\[\]]+)$', desc)
        if m and not syn and not re.search(
                r'\.$|\b(intelligence|security|analysis|gathering|military|domestic|foreign|counter|and)\b',
                m.group(1)):
            syn.append(m.group(1))     # native name after the dash, not an English gloss
        for s in syn:
            s = clean(re.sub(r'\[\d+\]', '', s))
            if len(s) < 4 or BAD.search(s):
                continue
            if arabic(s) and cc in ARABIC_COUNTRIES:
                forms.append((s, 'ar'))
            elif latin(s) and ' ' in s:
                forms.append((s, 'fr' if cc in FRENCH_COUNTRIES else ('en' if cc in ('US', 'GB', 'AU', 'CA', 'NZ', 'IE') else '*')))
        if not forms:
            continue
        canon = name if forms[0][0] == name else forms[0][0]
        recs.append(('nerd:misp-ia:' + v['uuid'][:8], canon, forms, cc))
    owners = {}
    for eid, _, forms, _cc in recs:
        for s, _ in forms:
            owners.setdefault(norm_key(s), set()).add(eid)
    out = []
    for eid, canon, forms, cc in recs:
        for s, _ in forms:
            h = hand.get(norm_key(s))
            if h and hand_cc(h[0]) == cc.lower():    # same agency of the same country
                eid, canon = h
                break
        seen = set()
        for s, lang in forms:
            k = norm_key(s)
            if k in hand or k in other or k in seen or len(owners[k]) > 1:
                continue
            if s.startswith('Director '):
                continue        # a person's title, not the agency
            if lang != 'ar' and is_all_caps_abbrev(s):
                lang = '*'
            seen.add(k)
            out.append('\t'.join((s, 'AGENCY', eid, canon, lang)))
    with open(os.path.join(GAZ, 'agencies-misp.tsv'), 'w', encoding='utf-8', newline='\n') as f:
        f.write('# GENERATED by gazetteers/scripts/gen_misp.py from MISP galaxy '
                'intelligence-agencies (CC0 1.0 / BSD-2). Do not edit.\n')
        f.write('# surface\ttype\tentity_id\tcanonical\tlang\n')
        for l in out:
            f.write(l + '\n')
    print('wrote %d lines to agencies-misp.tsv' % len(out))


if __name__ == '__main__':
    main()
