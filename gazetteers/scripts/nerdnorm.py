"""Shared helpers for the gazetteer generators: text cleaning and an
approximation of nerd's normalization (for duplicate/conflict detection)."""
import re
import unicodedata

# Arabic harakat, tanwin, shadda, sukun, superscript alef, Quranic marks, tatweel
_AR_MARKS = re.compile('[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]')
# zero-width, bidi and other invisible format characters
_INVISIBLE = re.compile('[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u00ad]')


def clean(s):
    """Clean a surface: NFC, no harakat, no invisible chars, single spaces."""
    s = unicodedata.normalize('NFC', s)
    s = _INVISIBLE.sub('', s)
    s = _AR_MARKS.sub('', s)
    s = s.replace('\u00a0', ' ').replace('\u202f', ' ').replace('\t', ' ')
    s = s.replace('\u2019', "'")
    return re.sub(r'\s+', ' ', s).strip()


_AR_FOLD = str.maketrans({'أ': 'ا', 'إ': 'ا', 'آ': 'ا', 'ٱ': 'ا', 'ة': 'ه',
                          'ى': 'ي', 'ؤ': 'و', 'ئ': 'ي'})


def norm_key(s):
    """Approximate normalized key: folded Arabic letters, lower case, no
    accents, punctuation treated as token separators."""
    s = clean(s).translate(_AR_FOLD)
    s = unicodedata.normalize('NFD', s)
    s = ''.join(c for c in s if unicodedata.category(c) != 'Mn')
    s = s.casefold()
    s = re.sub(r"[^\w]+", ' ', s)
    return ' '.join(s.split())


def is_all_caps_abbrev(s):
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and ' ' not in s.strip()
