#!/usr/bin/python3
"""Generate gazetteers/locations.tsv from Debian's unicode-cldr-core: the
names of first-level subdivisions (regions, provinces, states, nations of
the United Kingdom) and of the exemplar cities of the time zones, in
Arabic, French and English.

LOCATION is an optional type (ANNOTATION.md): evaluation neither rewards
nor punishes it. The list earns its place by what it keeps from being
misread: a city after a title is not a person, a region's name does not
become part of an organization's, and rules can tell a place from a name.
Entries get a low priority (prio=45), so that a person, agency, country or
organization with the same span wins.

Usage: /usr/bin/python3 gazetteers/scripts/gen_locations.py
Deterministic: the same packages give a byte-identical file.
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerdnorm import clean, norm_key  # noqa: E402

CLDR = '/usr/share/unicode/cldr/common'
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(HERE, 'locations.tsv')
LANGS = ('ar', 'fr', 'en')


def subdivisions(lang):
    root = ET.parse(f'{CLDR}/subdivisions/{lang}.xml').getroot()
    out = {}
    for e in root.iter('subdivision'):
        code = e.get('type')
        # first-level only: the country code and one part (gbwls, macas);
        # deeper levels are thousands of villages and districts
        if e.text and code and len(code) <= 5 and e.get('draft') in (None, 'contributed'):
            out[code] = clean(e.text)
    return out


def cities(lang):
    root = ET.parse(f'{CLDR}/main/{lang}.xml').getroot()
    out = {}
    for z in root.iter('zone'):
        c = z.find('exemplarCity')
        zone = z.get('type')
        if c is not None and c.text and zone and not zone.startswith('Etc/') \
                and c.get('alt') is None:
            out[zone] = clean(c.text)
    return out


# Subdivisions named by an ordinary word: a direction, a landform, a
# common noun (Burkina Faso's Est and Nord, Papua New Guinea's Gulf, South
# Sudan's Unity and Lakes, Cameroon's Littoral). Tagged, they turned "Est-ce
# que", "East of", جنوب (south), نور (light, and a given name) and الخليج
# (the Gulf) into places. Such one-word names are dropped (in Arabic, found
# by the English name); the longer ones ("Région du Nord", المنطقة الشرقية)
# and proper one-word names (Vesturland) name the place and stay.
GENERIC = {
    'Capital', 'Central', 'Centre', 'Coast', 'Coastal', 'East', 'Eastern',
    'Est', 'Gulf', 'Highlands', 'Interior', 'Islands', 'Lakes', 'Littoral',
    'Lower', 'Maritime', 'Mountain', 'Nord', 'North', 'Northern', 'Ouest',
    'Plateau', 'Sahel', 'South', 'Southern', 'Sud', 'Unity', 'Upper', 'West',
    'Western', 'Golfe', 'Unité', 'Southwest', 'Southeast', 'Northwest',
    'Northeast',
    # and words or given names first: Albania's Has, Czechia's Most,
    # Northern Ireland's Down (capitalised in every English headline),
    # Cape Verde's Paul, Peter, Italy's Marche as "Marches" (steps,
    # markets), Estonia's Rõuge (read "rouge", red)
    'Has', 'Most', 'Down', 'Paul', 'Peter', 'Marches', 'Rõuge',
}
# Arabic names of places that are ordinary words first: البسيط (simple;
# Albacete), الزيتون (olives; Żejtun), الوسطى (middle; Deir al-Balah),
# كنت (I was; Kent), أنا and آنا (I; A'ana), مدينة (city; Mdina), يورو
# (euro; Yoro), صباح (morning, a given name; Sabah), باي (Bay), الغربية and الشرقية (western, eastern: adjectives
# first; Egypt's Gharbia and Sharqia), الجزيرة (the island, the channel;
# Sudan's Al Jazirah).
ORDINARY_AR = {'البسيط', 'الزيتون', 'الوسطى', 'كنت', 'أنا', 'آنا', 'مدينة',
               'يورو', 'صباح', 'باي', 'الغربية', 'الشرقية', 'الجزيرة'}


def main():
    # names that are something else first: countries (their own list),
    # the hand-written regions,
    # and anything shorter than three letters
    taken = set()
    for fn in ('countries.tsv', 'countries-extra.tsv', 'regions.tsv'):
        for line in open(os.path.join(HERE, fn), encoding='utf-8'):
            if line.strip() and not line.startswith('#'):
                taken.add(norm_key(line.split('\t')[0]))
    rows, seen = [], set()
    for kind, table in (('sub', subdivisions), ('tz', cities)):
        names = {lang: table(lang) for lang in LANGS}
        for code in sorted(names['en']):
            canon = names['en'][code]
            for lang in LANGS:
                s = names[lang].get(code)
                if not s or len(s) < 3 or any(ch.isdigit() for ch in s) \
                        or s in ORDINARY_AR or s.title() in GENERIC or \
                        (lang == 'ar' and canon in GENERIC and ' ' not in s):
                    continue
                key = norm_key(s)
                if key in taken or (key, code) in seen:
                    continue
                # one entity per surface: the first (subdivisions first)
                if any(k == key for k, _ in seen):
                    continue
                seen.add((key, code))
                rows.append(f'{s}\tLOCATION\tcldr:{kind}:{code}\t{canon}\t{lang}\tprio=45\n')
    with open(OUT, 'w', encoding='utf-8') as f:
        f.write('# generated by gazetteers/scripts/gen_locations.py from CLDR '
                '(unicode-cldr-core): first-level subdivisions and time-zone '
                'exemplar cities; do not edit by hand\n')
        f.writelines(rows)
    print(f'{len(rows)} lines in {OUT}')


main()
