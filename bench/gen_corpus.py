#!/usr/bin/python3
"""Generate the benchmark corpus: news-like articles of about 3 KB in
Arabic, French and English, built from the real sentences of
../shared/data/ntrex/ (runs of consecutive sentences, as the articles they
come from), with surfaces of the shipped gazetteers woven in at a realistic
density (the target is 3 to 6 mentions per KB, counting the names the
sentences already hold). Deterministic: the same seed gives the same bytes.

usage: gen_corpus.py OUT_DIR [--mb-per-lang N] [--seed S]

Writes, per language L in ar, fr, en:
  OUT_DIR/L.jsonl   one article per line: {"id","lang","title","text","meta"}
  OUT_DIR/L.txt     the same texts, articles separated by a form feed (\\f)
When ../shared/data/ntrex/ is absent, falls back (with a message) to the
sentences of examples/sample.jsonl, which makes a far less varied corpus.
"""
import argparse
import glob
import json
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NTREX = os.path.join(os.path.dirname(ROOT), "shared", "data", "ntrex")
FILES = {"ar": "newstest2019-ref.arb.txt", "fr": "newstest2019-ref.fra.txt",
         "en": "newstest2019-ref.eng-US.txt"}
# how often a list's surfaces are woven in, relative to the others: news
# names countries and agencies far more often than sanctioned individuals
WEIGHTS = {"countries": 35, "countries-extra": 3, "regions": 4,
           "persons": 22, "agencies": 14, "agencies-misp": 4,
           "organizations": 14, "un-sanctions-entities": 2,
           "un-sanctions-individuals": 2}
# Arabic proclitics put on a woven-in name now and then, as news writes
# them (و and, ب in/by, ل for, ف so)
PROCLITICS = ["و", "ب", "ل", "ف", "وب", "ول"]


def sentences(lang):
    """The file's sentences, less the one SGML tag left in the Arabic
    reference (<seg id="1">, line 1690): markup is no news text."""
    path = os.path.join(NTREX, FILES[lang])
    with open(path, encoding="utf-8") as f:
        lines = (re.sub(r"</?seg[^>]*>", "", l).strip() for l in f)
        return [l for l in lines if l]


def fallback_sentences():
    out = {"ar": [], "fr": [], "en": []}
    with open(os.path.join(ROOT, "examples", "sample.jsonl"), encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            lang = a.get("lang", "en")
            for s in re.split(r"(?<=[.!?؟])\s+|\n", a["text"]):
                if s.strip():
                    out.setdefault(lang, []).append(s.strip())
    return out


def surfaces():
    """{lang: [(list, surface)]} from the shipped lists ('*' goes to all)."""
    out = {"ar": {}, "fr": {}, "en": {}}
    for path in sorted(glob.glob(os.path.join(ROOT, "gazetteers", "*.tsv"))):
        name = os.path.basename(path)[:-4]
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                p = line.rstrip("\n").split("\t")
                if len(p) < 5:
                    continue
                langs = ("ar", "fr", "en") if p[4] == "*" else (p[4],)
                for l in langs:
                    if l in out:
                        out[l].setdefault(name, []).append(p[0])
    return out


def weave(rng, sent, name, lang):
    """Put name into sentence sent at a word boundary."""
    words = sent.split(" ")
    k = rng.randrange(len(words) + 1)
    if lang == "ar" and rng.random() < 0.3 and "\u0600" <= name[0] <= "\u06ff":
        name = rng.choice(PROCLITICS) + name
    return " ".join(words[:k] + [name] + words[k:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb-per-lang", type=float, default=18.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--article-bytes", type=int, default=3000)
    ap.add_argument("--per-kb", type=float, default=3.0,
                    help="woven-in names per KB (the sentences hold more)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if os.path.isdir(NTREX):
        sents = {l: sentences(l) for l in FILES}
        source = "ntrex"
    else:
        print(f"gen_corpus: {NTREX} is absent: falling back to the sentences "
              "of examples/sample.jsonl (a far less varied corpus)",
              file=sys.stderr)
        sents = fallback_sentences()
        source = "examples/sample.jsonl"
    surf = surfaces()
    summary = {"source": source, "seed": a.seed, "languages": {}}
    for lang in ("ar", "fr", "en"):
        rng = random.Random(f"{a.seed}-{lang}")
        lists = [n for n in sorted(surf[lang]) if WEIGHTS.get(n)]
        weights = [WEIGHTS[n] for n in lists]
        ss = sents[lang]
        target = int(a.mb_per_lang * 1e6)
        total = woven = n = 0
        with open(os.path.join(a.out, f"{lang}.jsonl"), "w", encoding="utf-8") as fj, \
                open(os.path.join(a.out, f"{lang}.txt"), "w", encoding="utf-8") as ft:
            while total < target:
                size = int(a.article_bytes * rng.uniform(0.7, 1.3))
                k = rng.randrange(len(ss))
                paras, para, nbytes = [], [], 0
                while nbytes < size:
                    s = ss[k % len(ss)]
                    k += 1
                    # names woven into this sentence, at per-kb per 1000 bytes
                    expect = len(s.encode()) * a.per_kb / 1000
                    m = int(expect) + (rng.random() < expect - int(expect))
                    for _ in range(m):
                        lst = rng.choices(lists, weights)[0]
                        s = weave(rng, s, rng.choice(surf[lang][lst]), lang)
                        woven += 1
                    para.append(s)
                    nbytes += len(s.encode()) + 1
                    if len(para) >= rng.randint(2, 4):
                        paras.append(" ".join(para))
                        para = []
                if para:
                    paras.append(" ".join(para))
                text = "\n".join(paras)
                title = paras[0].split(" ")
                title = " ".join(title[:8])
                art = {"id": f"bench-{lang}-{n}", "lang": lang, "title": title,
                       "text": text, "meta": {"source": "nerd-bench", "n": n}}
                fj.write(json.dumps(art, ensure_ascii=False) + "\n")
                ft.write(text + "\f")
                total += len(text.encode())
                n += 1
        summary["languages"][lang] = {"articles": n, "bytes": total,
                                      "woven_names": woven}
        print(f"gen_corpus: {lang}: {n} articles, {total / 1e6:.1f} MB, "
              f"{woven} names woven in ({woven / (total / 1e3):.2f} per KB)")
    with open(os.path.join(a.out, "corpus.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
