#!/usr/bin/python3
"""The Python reference: what a careful Python developer would write to tag
the same gazetteers in the same text, as fast as Python allows.

usage: ref_python.py -g GAZ_DIR [-g ...] [--spans OUT [--spans-n N]]
                     [--json OUT] [--label NAME] FILE...

- normalization: one str.translate() with a table built once from nerd's
  folds (Arabic alef forms, ى ة, harakat and tatweel removed, Persian
  letters, Arabic-Indic digits, quotes, dashes, spaces, invisible
  characters) and, for every other character, Unicode case folding,
  compatibility decomposition and marks removed (unicodedata); a map back to
  the original offsets is built only when a character changes length;
- matching: one pyahocorasick automaton over the normalized surfaces (runs
  of spaces collapsed), plus, for a surface that starts with an Arabic word
  of two letters or more, its forms with proclitics (و ف, then ب ك ل, and ل
  + ال written لل) whose span leaves the proclitic out;
- checks: token boundaries on both sides (`str.isalnum`), the Latin
  capitalisation that nerd's lists require (Capitalised, ALL CAPS, `case`,
  `nocase`), then leftmost-longest selection of non-overlapping mentions;
- output: code-point offsets into the text as received, type, id, text,
  serialized with json.dumps per article.
It does less than nerd: no rules, no propagation of names through the
article, one offset kind instead of three, multi-word names only with the
gap the surface has (nerd accepts any soft gap: spaces, - and ').

Times are the process's CPU time (time.process_time), as in bench_engine.
FILE: plain text with articles separated by \\f, or .jsonl with a "text".
"""
import argparse
import bisect
import glob
import json
import os
import re
import sys
import time
import unicodedata

import ahocorasick


def own_fold(cp):
    """nerd's own folds (daemon/normalize.c); None: not ours, '' remove."""
    if cp in (0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673):
        return "\u0627"
    if cp == 0x0649:
        return "\u064a"
    if cp == 0x0629:
        return "\u0647"
    if cp == 0x0640:
        return ""
    if cp in (0x06A9, 0x06AA, 0x06AF):
        return "\u0643"
    if cp in (0x06CC, 0x06D2, 0x06D3, 0x06CD):
        return "\u064a"
    if cp in (0x06D5, 0x06BE, 0x06C0, 0x06C1):
        return "\u0647"
    simple = {0x067E: 0x0628, 0x0686: 0x062C, 0x0698: 0x0632, 0x06A4: 0x0641,
              0x06A5: 0x0641, 0x06A8: 0x0642, 0x06A7: 0x0642}
    if cp in simple:
        return chr(simple[cp])
    if cp in (0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x02BC, 0x00B4, 0x0060):
        return "'"
    if cp in (0x201C, 0x201D, 0x201E, 0x201F, 0x00AB, 0x00BB, 0x2033, 0x2039,
              0x203A):
        return '"'
    if cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58,
              0xFE63, 0xFF0D):
        return "-"
    if cp in (0x00A0, 0x2007, 0x202F, 0x3000) or 0x2000 <= cp <= 0x200A and cp != 0x2007:
        return " "
    if cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x200E, 0x200F, 0x061C,
              0x00AD):
        return ""
    if cp in (0x0152, 0x0153):
        return "oe"
    if cp in (0x00C6, 0x00E6):
        return "ae"
    if 0x064B <= cp <= 0x065F or cp == 0x0670 or 0x0610 <= cp <= 0x061A \
            or 0x06D6 <= cp <= 0x06ED or 0x202A <= cp <= 0x202E \
            or 0x2066 <= cp <= 0x2069:
        return ""
    if 0x0660 <= cp <= 0x0669:
        return chr(ord("0") + cp - 0x0660)
    if 0x06F0 <= cp <= 0x06F9:
        return chr(ord("0") + cp - 0x06F0)
    return None


def build_table():
    table, changes_len = {}, []
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        r = own_fold(cp)
        if r is None:
            if 0x0600 <= cp <= 0x06FF:
                continue
            d = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
            out = []
            for c in d:
                if unicodedata.category(c).startswith("M"):
                    continue
                o = own_fold(ord(c))
                if o == "":
                    continue
                out.append(o if o is not None else c)
            r = "".join(out)
            if len(r) > 3:
                continue
        if r != ch:
            table[cp] = r
            if len(r) != 1:
                changes_len.append(ch)
    special = re.compile("[" + "".join(re.escape(c) for c in changes_len) + "]")
    return table, special


TABLE, SPECIAL = build_table()
SPACES = re.compile(r" {2,}")
WORD = re.compile(r"\w+")
ARABIC_LEAD = re.compile("[\u0600-\u06ff]")
CONJ, PREP = ("", "و", "ف"), ("", "ب", "ك", "ل")


def normalize(text):
    """Normalized text, and a function from normalized index to original
    index (None: the identity)."""
    norm = text.translate(TABLE)
    if len(norm) == len(text) and not SPECIAL.search(text):
        return norm, None
    na, oa, delta = [], [], 0
    for m in SPECIAL.finditer(text):
        p = m.start()
        delta += len(TABLE[ord(m.group())]) - 1
        na.append(p + 1 + delta)
        oa.append(p + 1)
    return norm, (na, oa)


def to_orig(mp, i):
    if mp is None:
        return i
    na, oa = mp
    k = bisect.bisect_right(na, i) - 1
    return i if k < 0 else oa[k] + (i - na[k])


def shape_of(tok, mode):
    """0 any, 1 capitalised, 2 all caps, 3 lower (nerd's SHAPE_*)."""
    if mode == 2 or ARABIC_LEAD.match(tok):
        return 0
    if len(tok) >= 2 and tok.isupper():
        return 2
    if tok[:1].isupper():
        return 1
    return 3 if mode == 1 else 0


def load_gazetteers(dirs):
    """{key: (skip, ((type, id, shapes, tokoffs), ...))}"""
    entries = {}
    nsurf = 0
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "**", "*.tsv"), recursive=True)):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if not line.strip() or line[0] == "#":
                        continue
                    p = line.rstrip("\n").split("\t")
                    if len(p) < 5:
                        continue
                    flags = p[5].split(",") if len(p) > 5 else []
                    mode = 1 if "case" in flags else 2 if "nocase" in flags else 0
                    surface = " ".join(p[0].split())
                    key = SPACES.sub(" ", surface.translate(TABLE)).strip()
                    if not key:
                        continue
                    toks = WORD.findall(surface)
                    shapes = tuple(shape_of(t, mode) for t in toks)
                    if not any(shapes):
                        shapes = None
                    entries.setdefault(key, []).append((p[1], p[2], shapes))
                    nsurf += 1
    A = ahocorasick.Automaton()
    nkeys = 0

    def add(k, skip, ents):
        nonlocal nkeys
        offs = tuple(m.start() for m in WORD.finditer(k))
        if skip:
            offs = (skip,) + offs[1:]
        if k not in A:
            A.add_word(k, (len(k), skip, offs, ents))
            nkeys += 1

    for key, ents in entries.items():
        ents = tuple(ents)
        add(key, 0, ents)
    for key, ents in entries.items():
        ents = tuple(ents)
        first = key.split(" ", 1)[0]
        if not ARABIC_LEAD.match(key) or len(first) < 2:
            continue
        for c in CONJ:
            for p in PREP:
                if c or p:
                    add(c + p + key, len(c) + len(p), ents)
            if key.startswith("ال") and len(key) > 2:
                add(c + "ل" + key[1:], len(c) + 1, ents)
    A.make_automaton()
    return A, nsurf, nkeys


def accepts(text, o, shapes, offs, mp, start):
    for sh, off in zip(shapes, offs):
        if not sh:
            continue
        q = to_orig(mp, start + off)
        m = WORD.match(text, q)
        tok = m.group() if m else text[q:q + 1]
        if sh == 1:
            if not tok[:1].isupper():
                return False
        elif sh == 2:
            if not (len(tok) >= 2 and tok.isupper()):
                return False
        elif tok[:1].isupper():
            return False
    return True


def tag(A, text):
    norm, mp = normalize(text)
    n = len(norm)
    cands = []
    for end, (klen, skip, offs, ents) in A.iter(norm):
        start = end - klen + 1
        if start > 0 and norm[start - 1].isalnum():
            continue
        if end + 1 < n and norm[end + 1].isalnum():
            continue
        for ent in ents:
            if ent[2] is None or accepts(text, 0, ent[2], offs, mp, start):
                cands.append((start + skip, -end - 1, ent))
                break
    if not cands:
        return []
    cands.sort()
    out, last = [], -1
    for s, ne, ent in cands:
        if s >= last:
            e = -ne
            os_ = to_orig(mp, s)
            oe = to_orig(mp, e - 1) + 1
            out.append({"type": ent[0], "start": os_, "end": oe,
                        "text": text[os_:oe], "entity_id": ent[1]})
            last = e
    return out


def load_texts(path):
    if path.endswith(".jsonl"):
        with open(path, encoding="utf-8") as f:
            return [json.loads(l)["text"] for l in f if l.strip()]
    with open(path, encoding="utf-8") as f:
        return [t for t in f.read().split("\f") if t]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-g", action="append", required=True)
    ap.add_argument("--spans")
    ap.add_argument("--spans-n", type=int, default=300)
    ap.add_argument("--json")
    ap.add_argument("--label", default="")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    t0 = time.process_time()
    A, nsurf, nkeys = load_gazetteers(a.g)
    t_build = time.process_time() - t0
    texts = []
    for f in a.files:
        texts.extend(load_texts(f))
    nbytes = sum(len(t.encode()) for t in texts)
    t0 = time.process_time()
    nent = outb = 0
    for t in texts:
        ents = tag(A, t)
        nent += len(ents)
        outb += len(json.dumps({"entities": ents}, ensure_ascii=False))
    dt = time.process_time() - t0
    mb = nbytes / 1e6
    print(f"python reference{', ' + a.label if a.label else ''}: {nsurf} surfaces, "
          f"{nkeys} keys with proclitic variants, automaton built in {t_build:.2f} s")
    print(f"  {mb:.1f} MB in {len(texts)} articles: {nent} mentions "
          f"({nent / (mb * 1e3):.1f} per KB), {mb / dt:.1f} MB/s")
    if a.spans:
        with open(a.spans, "w") as f:
            for i, t in enumerate(texts[:a.spans_n]):
                f.write(json.dumps({"i": i, "spans": [[e["start"], e["end"]]
                                    for e in tag(A, t)]}) + "\n")
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({"label": a.label, "mb": mb,
                                "articles": len(texts), "surfaces": nsurf,
                                "keys": nkeys, "build_s": t_build,
                                "mentions": nent, "mbs": mb / dt}) + "\n")


if __name__ == "__main__":
    main()
