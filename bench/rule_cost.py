#!/usr/bin/python3
"""What each rule costs: the engine's time per MB with that rule alone,
less the time per MB with no rules, on the benchmark corpus of the rule's
language (all three for a rule of every language). For finding the rule
that holds the engine back; run by bench/run.sh --profile.

usage: rule_cost.py BUILD_DIR CORPUS_DIR [RULES_DIR] [--mb N] [--json OUT]
                    [--instructions]
(CORPUS_DIR holds ar.txt, fr.txt, en.txt from gen_corpus.py; the first N
MB of each, default 3, are used.)

--instructions counts instructions instead of timing (valgrind's
callgrind; about ten seconds a rule): the extra instructions per MB that
each rule costs, the same from run to run whatever else the machine does.
The engine's load is cancelled by subtracting a run over the first 20
articles.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rules_of(path):
    """[(name, lang, text)] from a rule file: blocks that start with `rule`,
    each text led by the file's `define` lines, which the rule may call."""
    blocks, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n") + [""]:
            if not line.strip():
                if cur:
                    blocks.append(cur)
                cur = []
            elif not line.startswith("#"):
                cur.append(line)
    defines = "".join(l + "\n" for b in blocks if b[0].startswith("define ")
                      for l in b)
    out = []
    for b in blocks:
        if b[0].startswith("rule "):
            name = b[0].split(None, 1)[1].strip()
            lang = next((l.split(None, 1)[1].strip() for l in b
                         if l.startswith("lang ")), "*")
            out.append((name, lang, (defines + "\n" if defines else "") +
                        "\n".join(b) + "\n"))
    return out


def engine_mbs(build, gaz, rules_dir, text, mb, reps=3):
    """Best of reps runs: the machine is shared, the best is the least
    disturbed."""
    best = 0
    for _ in range(reps):
        with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as j:
            subprocess.run([os.path.join(build, "bench_engine"), "--whole-only",
                            "-g", gaz, "-r", rules_dir, "--mb", str(mb),
                            "--json", j.name, text], check=True,
                           stdout=subprocess.DEVNULL)
            best = max(best, json.loads(j.read().splitlines()[-1])["whole_mbs"])
    return best


def articles_file(text, mb, n_articles, out):
    """The first articles of text (\\f-separated): up to mb MB, or the
    first n_articles; written to out, its size returned."""
    with open(text, encoding="utf-8") as f:
        arts = f.read().split("\f")
    kept, size = [], 0
    for a in arts:
        if (mb and size >= mb * 1e6) or (n_articles and len(kept) == n_articles):
            break
        kept.append(a)
        size += len(a.encode("utf-8")) + 1
    data = "\f".join(kept).encode("utf-8")
    with open(out, "wb") as f:
        f.write(data)
    return len(data)


def instructions(build, gaz, rules_dir, text):
    """Instructions of one pass of the engine over text (and its load)."""
    p = subprocess.run(["valgrind", "--tool=callgrind",
                        "--callgrind-out-file=/dev/null",
                        os.path.join(build, "bench_engine"), "--whole-only",
                        "-g", gaz, "-r", rules_dir, "--mb", "0", text],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, check=True)
    return int(re.search(r"Collected : (\d+)", p.stderr).group(1))


def engine_ir_per_mb(build, gaz, rules_dir, big, small):
    """Instructions per MB of text, the load cancelled out: big and small
    are (path, bytes) of the same corpus, small a few articles."""
    return ((instructions(build, gaz, rules_dir, big[0]) -
             instructions(build, gaz, rules_dir, small[0])) /
            ((big[1] - small[1]) / 1e6))


def each_rule(rules, tmp):
    """(name, lang, rules dir) for each rule and each corpus it applies to
    (all three for a rule of every language); the directory, under tmp,
    holds that rule alone until the next one is yielded."""
    d = os.path.join(tmp, "one")
    os.makedirs(d, exist_ok=True)
    for name, lang, text in rules:
        with open(os.path.join(d, "one.rules"), "w", encoding="utf-8") as f:
            f.write(text)
        for l in ("ar", "fr", "en") if lang == "*" else (lang,):
            yield name, l, d


def main_instructions(a, gaz, rules):
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for l in ("ar", "fr", "en"):
            t = os.path.join(a.corpus, f"{l}.txt")
            big, small = os.path.join(tmp, f"{l}.txt"), os.path.join(tmp, f"{l}-20.txt")
            files[l] = ((big, articles_file(t, a.mb, 0, big)),
                        (small, articles_file(t, 0, 20, small)))
        empty = os.path.join(tmp, "no-rules")
        os.mkdir(empty)
        base = {l: engine_ir_per_mb(a.build, gaz, empty, *f) for l, f in files.items()}
        res = []
        for name, l, d in each_rule(rules, tmp):
            ir = engine_ir_per_mb(a.build, gaz, d, *files[l])
            res.append({"rule": name, "lang": l, "ir_per_mb": ir,
                        "extra_ir_per_mb": ir - base[l]})
    res.sort(key=lambda r: -r["extra_ir_per_mb"])
    print("engine without rules: " + ", ".join(
        f"{l} {v / 1e6:.1f}M instructions per MB" for l, v in base.items()))
    print(f"{'rule':<40} {'corpus':>6} {'+instructions per MB':>21}")
    for r in res:
        print(f"{r['rule']:<40} {r['lang']:>6} {r['extra_ir_per_mb'] / 1e6:>20.2f}M")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"no_rules_ir_per_mb": base, "rules": res}, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("corpus")
    ap.add_argument("rules", nargs="?", default=os.path.join(ROOT, "rules"))
    ap.add_argument("--mb", type=float, default=3)
    ap.add_argument("--json")
    ap.add_argument("--instructions", action="store_true")
    a = ap.parse_args()
    gaz = os.path.join(ROOT, "gazetteers")
    texts = {l: os.path.join(a.corpus, f"{l}.txt") for l in ("ar", "fr", "en")}
    rules = []
    for p in sorted(glob.glob(os.path.join(a.rules, "*.rules"))):
        rules.extend(rules_of(p))
    if a.instructions:
        main_instructions(a, gaz, rules)
        return
    with tempfile.TemporaryDirectory() as empty:
        base = {l: engine_mbs(a.build, gaz, empty, t, a.mb, 5) for l, t in texts.items()}
    res = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, l, d in each_rule(rules, tmp):
            mbs = engine_mbs(a.build, gaz, d, texts[l], a.mb)
            res.append({"rule": name, "lang": l, "mbs": mbs,
                        "ms_per_mb": 1e3 / mbs - 1e3 / base[l]})
    res.sort(key=lambda r: -r["ms_per_mb"])
    print("engine without rules: " + ", ".join(
        f"{l} {v:.1f} MB/s ({1e3 / v:.1f} ms per MB)" for l, v in base.items()))
    print(f"{'rule':<40} {'corpus':>6} {'MB/s with it alone':>19} {'+ms per MB':>11}")
    for r in res:
        print(f"{r['rule']:<40} {r['lang']:>6} {r['mbs']:>19.1f} {r['ms_per_mb']:>11.1f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"no_rules_mbs": base, "rules": res}, f, indent=1)


if __name__ == "__main__":
    main()
