#!/usr/bin/python3
"""What each rule costs: the engine's time per MB with that rule alone,
less the time per MB with no rules, on the benchmark corpus of the rule's
language (all three for a rule of every language). For finding the rule
that holds the engine back; run by bench/run.sh --profile.

usage: rule_cost.py BUILD_DIR CORPUS_DIR [RULES_DIR] [--mb N] [--json OUT]
(CORPUS_DIR holds ar.txt, fr.txt, en.txt from gen_corpus.py; the first N
MB of each, default 3, are used.)
"""
import argparse
import glob
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rules_of(path):
    """[(name, lang, text)] from a rule file: blocks that start with `rule`."""
    out, cur = [], []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n") + [""]:
            if not line.strip():
                if cur and cur[0].startswith("rule "):
                    name = cur[0].split(None, 1)[1].strip()
                    lang = next((l.split(None, 1)[1].strip() for l in cur
                                 if l.startswith("lang ")), "*")
                    out.append((name, lang, "\n".join(cur) + "\n"))
                cur = []
            elif not line.startswith("#"):
                cur.append(line)
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("corpus")
    ap.add_argument("rules", nargs="?", default=os.path.join(ROOT, "rules"))
    ap.add_argument("--mb", type=float, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    gaz = os.path.join(ROOT, "gazetteers")
    texts = {l: os.path.join(a.corpus, f"{l}.txt") for l in ("ar", "fr", "en")}
    rules = []
    for p in sorted(glob.glob(os.path.join(a.rules, "*.rules"))):
        rules.extend(rules_of(p))
    with tempfile.TemporaryDirectory() as empty:
        base = {l: engine_mbs(a.build, gaz, empty, t, a.mb, 5) for l, t in texts.items()}
    res = []
    for name, lang, text in rules:
        langs = ("ar", "fr", "en") if lang == "*" else (lang,)
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "one.rules"), "w", encoding="utf-8") as f:
                f.write(text)
            for l in langs:
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
