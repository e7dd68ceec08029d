#!/usr/bin/python3
"""Generate gazetteers/countries.tsv from Debian's unicode-cldr-core (CLDR
territory names in ar, fr, en) and iso-codes (ISO 3166-1 names and official
names, with their ar/fr translations from the .mo catalogues).

Usage: /usr/bin/python3 gazetteers/scripts/gen_countries.py
The output is deterministic: running it again on the same packages gives a
byte-identical file.
"""
import gettext
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerdnorm import clean, norm_key, is_all_caps_abbrev  # noqa: E402

CLDR = '/usr/share/unicode/cldr/common/main/%s.xml'
ISO_JSON = '/usr/share/iso-codes/json/iso_3166-1.json'
MO = '/usr/share/locale/%s/LC_MESSAGES/iso_3166-1.mo'
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   'countries.tsv')
LANGS = ('ar', 'fr', 'en')

# Surfaces (compared by normalized key) that are left out because they are
# ordinary words, common given names, ambiguous between two countries or
# collide with a city/US state. Longer forms of the same countries stay.
DROP = {
    'مالي',        # "financial": ordinary adjective (جمهورية مالي stays)
    'عمان',        # Oman vs Amman (capital of Jordan) once harakat are gone
    'الكونغو',     # Congo: ambiguous CD / CG
    'Congo',
    'Maurice',     # French given name (Île Maurice stays)
    'Dominique',   # French given name
    'Grenade',     # French: grenade / Granada
    'Jersey',      # New Jersey
    'Réunion',     # French common noun "réunion"
    'Man',
    'Géorgie du Sud',
    'Turkey',      # kept: capitalisation rules separate the bird (listed here only if needed)
}
DROP.discard('Turkey')
DROP = {norm_key(x) for x in DROP}


# canonical names where CLDR's English display name is not a good canonical
CANON = {
    'CD': 'Democratic Republic of the Congo',
    'CG': 'Republic of the Congo',
    'CC': 'Cocos (Keeling) Islands',
    'MM': 'Myanmar',
    'PS': 'Palestine',
    'VC': 'Saint Vincent and the Grenadines',
}


def cldr_names(lang):
    """{code: [names]} for ISO alpha-2 territories, main name first."""
    root = ET.parse(CLDR % lang).getroot()
    out = {}
    for t in root.iter('territory'):
        code = t.get('type')
        if not (len(code) == 2 and code.isalpha()):
            continue
        alt = t.get('alt')
        if alt not in (None, 'short', 'variant'):
            continue
        out.setdefault(code, [])
        if alt is None:
            out[code].insert(0, t.text)
        else:
            out[code].append(t.text)
    return out


def usable(s):
    """Inverted ISO forms ('Iran, Islamic Republic of'), parenthesised
    qualifiers and dotted abbreviations do not occur as such in text."""
    return s and not any(c in s for c in ',،()[].')


def main():
    iso = json.load(open(ISO_JSON, encoding='utf-8'))['3166-1']
    iso.sort(key=lambda r: r['alpha_2'])
    tr = {l: gettext.GNUTranslations(open(MO % l, 'rb')) for l in ('ar', 'fr')}
    cldr = {l: cldr_names(l) for l in LANGS}
    en_canon = {}
    for rec in iso:
        code = rec['alpha_2']
        names = cldr['en'].get(code)
        c = clean(names[0]) if names else clean(rec.get('common_name', rec['name']))
        c = c.replace(' & ', ' and ').replace('St. ', 'Saint ').replace(' SAR China', '')
        en_canon[code] = CANON.get(code, c)

    rows = []        # (code, lang, surface, origin)
    for rec in iso:
        code = rec['alpha_2']
        for lang in LANGS:
            cands = list(cldr[lang].get(code, []))
            for key in ('common_name', 'name', 'official_name'):
                if key in rec:
                    en = rec[key]
                    cands.append(en if lang == 'en' else tr[lang].gettext(en))
                    if lang != 'en' and tr[lang].gettext(en) == en:
                        cands.pop()      # untranslated: not a form of this language
            for s in cands:
                s = clean(s or '')
                if lang == 'en' and s.lower().startswith('the '):
                    s = s[4:]
                if lang == 'fr':
                    for art in ('le ', 'la ', 'les ', "l'"):
                        if s.startswith(art):     # lower-case article: not part of the name
                            s = s[len(art):]
                if lang == 'ar':
                    s = s.replace(' و ', ' و')     # the conjunction is written joined
                s = s.replace(' - ', ' ' if lang == 'ar' else '-')
                if not usable(s):
                    continue
                rows.append((code, lang, s))

    # drop surfaces that are listed for two different countries
    owners = {}
    for code, lang, s in rows:
        owners.setdefault(norm_key(s), set()).add(code)
    langs = {}
    for code, lang, s in rows:
        langs.setdefault((norm_key(s), code), set()).add(lang)
    seen = set()
    out = []
    for code, lang, s in rows:
        k = norm_key(s)
        if k in DROP or len(owners[k]) > 1:
            continue
        if (k, code) in seen:
            continue
        seen.add((k, code))
        # a form shared by several languages, or an abbreviation, gets '*'
        l = '*' if is_all_caps_abbrev(s) or len(langs[(k, code)]) > 1 else lang
        out.append('\t'.join((s, 'COUNTRY', code, en_canon[code], l)))

    with open(OUT, 'w', encoding='utf-8', newline='\n') as f:
        f.write('# GENERATED by gazetteers/scripts/gen_countries.py from Debian '
                'unicode-cldr-core (CLDR, Unicode licence) and iso-codes '
                '(LGPL-2.1+). Do not edit: edit the script or countries-extra.tsv.\n')
        f.write('# surface\ttype\tentity_id\tcanonical\tlang\n')
        for line in out:
            f.write(line + '\n')
    print('wrote %d entries to %s' % (len(out), OUT))


if __name__ == '__main__':
    main()
