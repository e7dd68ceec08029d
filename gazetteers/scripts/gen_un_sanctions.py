#!/usr/bin/python3
"""Generate gazetteers/un-sanctions-entities.tsv (ORGANIZATION) and
gazetteers/un-sanctions-individuals.tsv (PERSON) from the UN Security
Council Consolidated List (../shared/data/un-sanctions/
consolidated-2020-11-30.names.tsv, a UN public list).

Ids are `un:<reference number>` (un:QDi.001). Names in capitals are turned
into mixed case (the engine requires capitals in text for capitalised
surface tokens); Arabic-script names are kept with harakat removed.
Aliases: individuals keep only those of "good" quality and of two words or
more; entities keep a.k.a./f.k.a. aliases; aliases shorter than 4
characters or that are one common word are skipped. A surface that the
hand-written lists (organizations.tsv, agencies.tsv, persons.tsv) already give to an
entity makes that list's entity absorb the UN entry (its id and canonical);
a surface listed for two UN entries is dropped.

Usage: /usr/bin/python3 gazetteers/scripts/gen_un_sanctions.py [INPUT]
"""
import os
import re
import sys
import unicodedata

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nerdnorm import clean, norm_key  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GAZ = os.path.dirname(HERE)
DEFAULT_IN = os.path.join(GAZ, '..', '..', 'shared', 'data', 'un-sanctions',
                          'consolidated-2020-11-30.names.tsv')
if not os.path.exists(DEFAULT_IN):
    DEFAULT_IN = '/work/shared/data/un-sanctions/consolidated-2020-11-30.names.tsv'
HAND = ['organizations.tsv', 'agencies.tsv', 'persons.tsv']

LOWER = {'al', 'el', 'bin', 'ibn', 'bint', 'of', 'the', 'and', 'for', 'in', 'on',
         'de', 'du', 'des', 'la', 'le', 'wa', 'wal', 'fi', 'li', 'to', 'a', 'an', 'ul', 'ud', 'ur'}
COMMON = {'the base', 'base', 'youth', 'the youth', 'islamic army', 'the islamic army',
          'islamic group', 'jihad', 'al jihad', 'the federation', 'federation',
          'islamic jihad', 'charity', 'foundation', 'the foundation', 'group',
          'islamic movement', 'sword', 'al-jihad'}
TITLES = {'colonel', 'general', 'gen', 'col', 'major', 'captain', 'lieutenant', 'brigadier',
          'sheikh', 'shaykh', 'sheik', 'dr', 'doctor', 'mullah', 'mulla', 'maulavi', 'maulvi',
          'mawlawi', 'haji', 'hajji', 'qari', 'mufti', 'commander', 'emir', 'amir', 'imam'}
ABBR = re.compile(r'\(([A-Z][A-Z0-9.&\-/ ]{2,})\)')


def is_arabic(s):
    return any('\u0600' <= c <= '\u06ff' for c in s)


def is_latin(s):
    return all(unicodedata.name(c, '').startswith(('LATIN', 'SPACE', 'DIGIT', 'HYPHEN',
               'APOSTROPHE', 'FULL STOP', 'LEFT SINGLE', 'RIGHT SINGLE', 'AMPERSAND',
               'COMMA', 'SOLIDUS', 'MODIFIER LETTER')) or c in "'-.&/,‘’ʼ" for c in s)


def mixed_case(s):
    """ABU SAYYAF GROUP -> Abu Sayyaf Group; AL-QAIDA -> al-Qaida."""
    out = []
    for word in s.split(' '):
        if any(c.islower() for c in word):
            out.append(word)
            continue
        parts = []
        for part in word.split('-'):
            low = part.lower()
            if low in LOWER:
                parts.append(low)
                continue
            # capitalise the first letter, after leading apostrophes
            m = re.match(r"^([‘’'ʼ]*)(.)(.*)$", low)
            parts.append(m.group(1) + m.group(2).upper() + m.group(3) if m else low)
        out.append('-'.join(parts))
    s = ' '.join(out)
    return s[0].upper() + s[1:] if s and s[0].islower() and s.split(' ')[0].split('-')[0] not in LOWER else s


_country_keys = None


def country_keys():
    global _country_keys
    if _country_keys is None:
        _country_keys = set()
        for fn in ('countries.tsv', 'countries-extra.tsv'):
            for line in open(os.path.join(GAZ, fn), encoding='utf-8'):
                if line.strip() and not line.startswith('#'):
                    _country_keys.add(norm_key(line.split('\t')[0]))
    return _country_keys


def surface_ok(s, person):
    s = s.strip()
    if len(s) < 4 or not re.search(r'\w', s):
        return False
    if any(c in s for c in '()[]";:?'):
        return False
    words = s.split()
    if person and len(words) < 2:
        return False
    if norm_key(s) in {norm_key(c) for c in COMMON}:
        return False
    if len(words) == 1 and not is_arabic(s) and (
            not s[0].isupper() or s.lower().startswith(('al-', 'el-', 'al '))):
        return False
    return True


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_IN
    hand = {}
    for fn in HAND:
        p = os.path.join(GAZ, fn)
        if not os.path.exists(p):
            continue
        for l in open(p, encoding='utf-8'):
            f = l.rstrip('\n').split('\t')
            if l.startswith('#') or len(f) < 5:
                continue
            hand.setdefault((f[1], norm_key(f[0])), (f[2], f[3]))

    records = []   # (kind, ref, canonical, [(surface, lang)])
    for line in open(src, encoding='utf-8'):
        if line.startswith('#') or line.startswith('reference\t'):
            continue
        f = line.rstrip('\n').split('\t')
        f += [''] * (6 - len(f))
        ref, kind, _lst, name, orig, aliases = f[:6]
        person = kind == 'individual'
        forms = []
        name = clean(name)
        abbrs = ABBR.findall(name)
        if ' / ' in name:       # 'AL-ITIHAAD AL-ISLAMIYA / AIAI': name / abbreviation
            name, rest = name.split(' / ', 1)
            abbrs += [x.strip() for x in rest.split(' / ') if x.strip().isupper()]
        base = clean(ABBR.sub('', name))
        canon = mixed_case(base)
        forms.append((canon, 'en'))
        for a in abbrs:
            a = a.strip()
            # "(SOMALIA)" after a branch's name is where it is, not an
            # abbreviation of it
            if (not person and len(a.replace('.', '')) >= 3 and ' ' not in a
                    and norm_key(a) not in country_keys()):
                forms.append((a, '*'))
        orig = clean(orig)
        if orig and is_arabic(orig):
            forms.append((orig, 'ar'))
        for al in aliases.split('|'):
            al = al.strip()
            m = re.match(r'^(.*?)\s*\[([^\]]+)\]$', al)
            if not m:
                continue
            text, q = clean(m.group(1)), m.group(2)
            if person and q != 'good':
                continue
            if not person and q not in ('a.k.a.', 'f.k.a.', 'good'):
                continue
            if is_arabic(text):
                forms.append((text, 'ar'))
            elif is_latin(text):
                if person:
                    if ',' in text:
                        continue        # inverted 'FAMILY, Given' forms do not occur in text
                    words = [mixed_case(w) if w.isupper() and len(w) > 1 else w for w in text.split()]
                    while words and words[0].rstrip('.').lower() in TITLES:
                        words.pop(0)    # titles stay outside a PERSON mention
                    text = ' '.join(words)
                forms.append((mixed_case(text), 'en'))
        records.append((kind, ref, canon, forms))

    outputs = {'individual': [], 'entity': []}
    owners = {}
    for kind, ref, canon, forms in records:
        typ = 'PERSON' if kind == 'individual' else 'ORGANIZATION'
        for s, _ in forms:
            owners.setdefault((typ, norm_key(s)), set()).add(ref)
    for kind, ref, canon, forms in sorted(records, key=lambda r: r[1]):
        person = kind == 'individual'
        typ = 'PERSON' if person else 'ORGANIZATION'
        eid, can = 'un:' + ref, canon
        for s, _ in forms:      # absorbed by a hand-written entity?
            h = hand.get((typ, norm_key(s)))
            if h:
                eid, can = h
                break
        seen = set()
        for s, lang in forms:
            k = norm_key(s)
            if not surface_ok(s, person) or k in seen:
                continue
            if len(owners[(typ, k)]) > 1:
                continue
            if (typ, k) in hand:
                continue   # the hand-written list has it (same or another entity)
            seen.add(k)
            outputs[kind].append('\t'.join((s, typ, eid, can, lang)))

    names = {'individual': 'un-sanctions-individuals.tsv', 'entity': 'un-sanctions-entities.tsv'}
    for kind, fn in names.items():
        with open(os.path.join(GAZ, fn), 'w', encoding='utf-8', newline='\n') as out:
            out.write('# GENERATED by gazetteers/scripts/gen_un_sanctions.py from the UN Security '
                      'Council Consolidated List as of 2020-11-30 (UN public list). Do not edit.\n')
            out.write('# surface\ttype\tentity_id\tcanonical\tlang\n')
            for l in outputs[kind]:
                out.write(l + '\n')
        print('wrote %d lines to %s' % (len(outputs[kind]), fn))


if __name__ == '__main__':
    main()
