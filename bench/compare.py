#!/usr/bin/python3
"""Compare the mentions that nerd and the references find in the same
sample articles.

usage: compare.py SAMPLE.jsonl NERD_OUT.jsonl REF_NAME=SPANS.jsonl... [--json OUT]

NERD_OUT: `nerd tag` output for SAMPLE (best run with an image built
without rules, so that the gazetteer mentions are not replaced by a rule's
longer span). Its gazetteer mentions are compared, as code-point spans of
the original text, with each reference's spans (one JSON line per article,
{"i": k, "spans": [[start, end], ...]}); spans that overlap one another in
a reference are first reduced to the leftmost-longest, as nerd resolves
them. Mentions nerd found by propagation are counted apart: the references
do not do that work.
"""
import json
import sys


def leftmost_longest(spans):
    out, last = [], -1
    for s, e in sorted(spans, key=lambda x: (x[0], -x[1])):
        if s >= last:
            out.append((s, e))
            last = e
    return out


def main():
    args = [a for a in sys.argv[1:]]
    out_json = None
    if "--json" in args:
        k = args.index("--json")
        out_json = args[k + 1]
        del args[k:k + 2]
    sample, nerd_out, refs = args[0], args[1], args[2:]
    with open(sample, encoding="utf-8") as f:
        texts = [json.loads(l)["text"] for l in f if l.strip()]
    nerd, propagated, other = [], 0, 0
    with open(nerd_out, encoding="utf-8") as f:
        for l in f:
            o = json.loads(l)
            g = set()
            for e in o.get("entities", []):
                if e["source"].startswith("gazetteer:"):
                    g.add((e["start"], e["end"]))
                elif e["source"] == "propagation":
                    propagated += 1
                else:
                    other += 1
            nerd.append(g)
    res = {"articles": len(nerd), "nerd_gazetteer": sum(len(x) for x in nerd),
           "nerd_propagated": propagated, "nerd_other": other, "refs": {}}
    print(f"mentions in {len(nerd)} sample articles: nerd {res['nerd_gazetteer']} "
          f"from gazetteers (+{propagated} by propagation, +{other} by rules, "
          "which the references do not do)")
    for r in refs:
        name, path = r.split("=", 1)
        both = nerd_only = ref_only = 0
        ex_n, ex_r = [], []
        with open(path) as f:
            for l in f:
                o = json.loads(l)
                i = o["i"]
                if i >= len(nerd):
                    continue
                rs = set(leftmost_longest(tuple(s) for s in o["spans"]))
                ns = nerd[i]
                both += len(ns & rs)
                for s, e in sorted(ns - rs):
                    nerd_only += 1
                    if len(ex_n) < 8:
                        ex_n.append(texts[i][max(0, s - 15):s] + "[" +
                                    texts[i][s:e] + "]" + texts[i][e:e + 15])
                for s, e in sorted(rs - ns):
                    ref_only += 1
                    if len(ex_r) < 8:
                        ex_r.append(texts[i][max(0, s - 15):s] + "[" +
                                    texts[i][s:e] + "]" + texts[i][e:e + 15])
        tot = both + nerd_only + ref_only
        res["refs"][name] = {"both": both, "nerd_only": nerd_only,
                             "ref_only": ref_only,
                             "agreement": both / tot if tot else 1.0,
                             "examples_nerd_only": ex_n,
                             "examples_ref_only": ex_r}
        print(f"  {name}: {both} the same, {nerd_only} only nerd, {ref_only} "
              f"only {name} (agreement {100 * both / max(tot, 1):.1f}%)")
        for x in ex_n[:4]:
            print(f"    only nerd: {x!r}")
        for x in ex_r[:4]:
            print(f"    only {name}: {x!r}")
    if out_json:
        with open(out_json, "w") as f:
            json.dump(res, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
