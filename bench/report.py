#!/usr/bin/python3
"""Gather the outputs of one bench/run.sh into a table (stdout) and one
machine-readable file.

usage: report.py OUT_DIR RESULTS.json
"""
import datetime
import glob
import json
import os
import platform
import sys

LANGS = ("ar", "fr", "en")


def jl(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for l in f:
            if l.startswith("{"):   # /usr/bin/time adds its own lines
                out.append(json.loads(l))
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def fmt(x, d=1):
    return "-" if x is None else f"{x:.{d}f}"


def main():
    out, dest = sys.argv[1], sys.argv[2]
    corpus = {}
    cpath = os.path.join(os.path.dirname(out), "corpus", "corpus.json")
    if os.path.exists(cpath):
        with open(cpath) as f:
            corpus = json.load(f)
    engine = {r["label"]: r for r in jl(os.path.join(out, "engine.jsonl"))}
    python = {r["label"]: r for r in jl(os.path.join(out, "python.jsonl"))}
    hs = {r["label"]: r for r in jl(os.path.join(out, "hyperscan.jsonl"))}
    compile_ = {}
    for r in jl(os.path.join(out, "compile.jsonl")):
        if "compile_user_s" in r:
            r["compile_s"] = r["compile_user_s"] + r["compile_sys_s"]
        compile_.setdefault(f"{r['set']}-{r['rules']}", {}).update(r)
    daemon = {r["label"]: r for r in jl(os.path.join(out, "daemon.jsonl"))}
    compare = {}
    for lang in LANGS:
        p = os.path.join(out, f"compare-{lang}.json")
        if os.path.exists(p):
            with open(p) as f:
                compare[lang] = json.load(f)
    profile = None
    if os.path.exists(os.path.join(out, "profile.txt")):
        with open(os.path.join(out, "profile.txt")) as f:
            profile = f.read()
    load = os.getloadavg()

    def e(label, key):
        return engine.get(label, {}).get(key)

    L = []
    p = L.append
    p(f"nerd benchmark, {datetime.date.today()}: {cpu_model()}, "
      f"{os.cpu_count()} CPUs shared with other work (load average "
      f"{load[0]:.1f} at the end; figures vary with it)")
    for lang in LANGS:
        c = corpus.get("languages", {}).get(lang)
        x = engine.get(f"shipped rules {lang}", {})
        if c:
            p(f"  corpus {lang}: {c['bytes'] / 1e6:.1f} MB, {c['articles']} "
              f"articles from {corpus.get('source')}, {x.get('entities_per_kb', 0):.1f} "
              f"entities per KB found by nerd ({c['woven_names'] / c['bytes'] * 1e3:.1f} "
              "names per KB woven in)")
    p("")
    p(f"{'MB/s per CPU-second, one core':<48}" + "".join(f"{l:>9}" for l in LANGS))
    rows = [
        ("nerd, shipped lists + rules: prepare", "shipped rules", "prepare_mbs"),
        ("  gazetteer matching (stage alone)", "shipped rules", "gazetteer_mbs"),
        ("  rules+resolve+propagate (stage alone)", "shipped rules", "analysis_mbs"),
        ("  output: annotation JSON (stage alone)", "shipped rules", "output_mbs"),
        ("  whole engine (bytes in, JSON out)", "shipped rules", "whole_mbs"),
        ("nerd, shipped lists, no rules: whole", "shipped norules", "whole_mbs"),
        ("nerd, 1M lists + rules: whole", "million rules", "whole_mbs"),
        ("nerd, 1M lists, no rules: whole", "million norules", "whole_mbs"),
    ]
    for name, lab, key in rows:
        p(f"{name:<48}" + "".join(f"{fmt(e(f'{lab} {l}', key)):>9}" for l in LANGS))
    p(f"{'Python reference (pyahocorasick + re), shipped':<48}" +
      "".join(f"{fmt(python.get(f'shipped {l}', {}).get('mbs')):>9}" for l in LANGS))
    p(f"{'Python reference, 1M lists':<48}" +
      "".join(f"{fmt(python.get(f'million {l}', {}).get('mbs')):>9}" for l in LANGS))
    p(f"{'Hyperscan raw scan of normalized text, shipped':<48}" +
      "".join(f"{fmt(hs.get(f'shipped {l}', {}).get('scan_mbs')):>9}" for l in LANGS))
    p(f"{'  nerd normalize + Hyperscan scan':<48}" +
      "".join(f"{fmt(hs.get(f'shipped {l}', {}).get('normalize_scan_mbs')):>9}" for l in LANGS))
    p(f"{'Hyperscan raw scan, 1M lists':<48}" +
      "".join(f"{fmt(hs.get(f'million {l}', {}).get('scan_mbs')):>9}" for l in LANGS))
    p(f"{'jansson parse of the articles (JSON Lines)':<48}" +
      "".join(f"{fmt(e(f'shipped rules {l}', 'jansson_parse_mbs')):>9}" for l in LANGS))
    p(f"{'  nerd article_parse of the same lines':<48}" +
      "".join(f"{fmt(e(f'shipped rules {l}', 'article_parse_mbs')):>9}" for l in LANGS))
    p("")
    p(f"{'ratios (nerd whole engine, shipped + rules)':<48}" + "".join(f"{l:>9}" for l in LANGS))

    def ratio(a, b):
        return a / b if a and b else None
    r_py = {l: ratio(e(f"shipped rules {l}", "whole_mbs"), python.get(f"shipped {l}", {}).get("mbs")) for l in LANGS}
    r_py_nr = {l: ratio(e(f"shipped norules {l}", "whole_mbs"), python.get(f"shipped {l}", {}).get("mbs")) for l in LANGS}
    r_hs = {l: ratio(hs.get(f"shipped {l}", {}).get("scan_mbs"), e(f"shipped rules {l}", "whole_mbs")) for l in LANGS}
    r_hs_nr = {l: ratio(hs.get(f"shipped {l}", {}).get("scan_mbs"), e(f"shipped norules {l}", "whole_mbs")) for l in LANGS}
    r_1m = {l: ratio(e(f"million rules {l}", "whole_mbs"), e(f"shipped rules {l}", "whole_mbs")) for l in LANGS}
    r_js = {l: ratio(e(f"shipped rules {l}", "whole_mbs"), e(f"shipped rules {l}", "jansson_parse_mbs")) for l in LANGS}
    for name, r in (("nerd / Python (x)", r_py), ("nerd without rules / Python (x)", r_py_nr),
                    ("Hyperscan raw / nerd (x, target <= 1.5)", r_hs),
                    ("Hyperscan raw / nerd without rules (x)", r_hs_nr),
                    ("nerd 1M / nerd shipped (target >= 0.5)", r_1m),
                    ("nerd / jansson parse alone (x)", r_js)):
        p(f"{name:<48}" + "".join(f"{fmt(r[l], 2):>9}" for l in LANGS))
    p("")
    p("build and load (CPU time)            shipped lists        1M lists")
    cs, cm = compile_.get("shipped-rules", {}), compile_.get("million-rules", {})
    p(f"  nerd compile (s, peak RSS MB)      {fmt(cs.get('compile_s'), 2):>6} s {fmt((cs.get('peak_rss_kb') or 0) / 1e3, 0):>6} MB "
      f"   {fmt(cm.get('compile_s'), 2):>6} s {fmt((cm.get('peak_rss_kb') or 0) / 1e3, 0):>6} MB")
    p(f"  nerd image (MB)                    {fmt((cs.get('image_bytes') or 0) / 1e6, 1):>8}            {fmt((cm.get('image_bytes') or 0) / 1e6, 1):>8}")
    p(f"  nerd image load, bench_engine (ms) {fmt(e('shipped rules ar', 'load_ms')):>8}            {fmt(e('million rules ar', 'load_ms')):>8}")
    hsS, hsM = hs.get("shipped ar", {}), hs.get("million ar", {})
    if hsS:
        p(f"  Hyperscan literals                 {hsS.get('literals', 0):>8}            {hsM.get('literals', '-') if hsM else '-':>8}"
          + ("  (1M: without proclitic variants)" if hsM and not hsM.get("variants", True) else ""))
        if hsM.get("failed"):
            p(f"  Hyperscan compile: shipped {fmt(hsS.get('compile_s'), 2)} s, {fmt(hsS.get('database_mb'))} MB database, "
              f"{fmt(hsS.get('peak_rss_mb'), 0)} MB peak RSS; 1M: {hsM['failed']}")
        else:
            p(f"  Hyperscan compile (s, peak RSS MB) {fmt(hsS.get('compile_s'), 2):>6} s {fmt(hsS.get('peak_rss_mb'), 0):>6} MB "
              f"   {fmt(hsM.get('compile_s'), 2):>6} s {fmt(hsM.get('peak_rss_mb'), 0):>6} MB")
            p(f"  Hyperscan database (MB)            {fmt(hsS.get('database_mb')):>8}            {fmt(hsM.get('database_mb')):>8}")
    p("")
    for lab, d in daemon.items():
        p(f"daemon end to end, {lab} image, {d['articles']} Arabic articles ({d['mb']:.1f} MB), feeder and subscriber processes")
        p(f"  {'workers':>7} {'input':>9} {'articles/s':>10} {'MB/s in':>8} {'MB/s out':>8} {'MB/s/worker':>11} "
          f"{'MB per worker CPU-s':>19} {'master CPU-s':>12}")
        for r in d["runs"]:
            p(f"  {r['workers']:>7} {'two-frame' if r['two_frame'] else 'one-frame':>9} "
              f"{r['articles_per_s']:>10.0f} {r['mbs_in']:>8.1f} {r['mbs_out']:>8.1f} {r['mbs_in'] / r['workers']:>11.1f} "
              f"{r.get('mb_per_worker_cpu_s', 0):>19.1f} {r.get('cpu', {}).get('master_s', 0):>12.2f}")
        p("  (MB/s is wall clock: the feeder, subscriber, master and workers share the 2 cores with other work;"
          " MB per worker CPU-second is what a worker does with a core of its own)")
        for r in d["runs"]:
            if "memory_kb" not in r:
                continue
            ws = r["memory_kb"]["workers"]
            lat = r.get("latency_us", {})
            rl = r.get("reload", {})
            p(f"  {r['workers']} worker(s): image load {r.get('load_ms')} ms; per article, one at a time "
              f"(feeder to subscriber): p50 {lat.get('50')} us, p90 {lat.get('90')} us, p99 {lat.get('99')} us")
            p(f"    reload: ctl round trip {rl.get('ctl_round_trip_ms')} ms (daemon log: {rl.get('logged_ms')} ms), "
              f"old generation gone after {rl.get('until_old_generation_gone_ms')} ms")
            p("    memory per worker: " + "; ".join(
                f"RSS {w['rss'] / 1e3:.1f} MB, PSS {w['pss'] / 1e3:.1f} MB (shared {w['shared'] / 1e3:.1f} MB)" for w in ws))
        p("")
    if compare:
        p("mentions found in the same 300 articles per language (nerd's gazetteer mentions, image without rules)")
        for lang, c in compare.items():
            parts = [f"nerd {c['nerd_gazetteer']} (+{c['nerd_propagated']} propagated)"]
            for name, r in c["refs"].items():
                parts.append(f"{name}: {r['both']} same, {r['nerd_only']} only nerd, {r['ref_only']} only {name} "
                             f"({100 * r['agreement']:.1f}%)")
            p(f"  {lang}: " + "; ".join(parts))
        p("  Hyperscan does less work: no token boundaries, capitalisation or longest match in its scan (the "
          "comparison applies them afterwards); the Python reference does no rules and no propagation.")
        p("")
    # targets
    T = []

    def target(name, val, ok):
        T.append({"target": name, "measured": val, "met": ok})
    ar = "ar"
    w = e(f"shipped rules {ar}", "whole_mbs")
    if w:
        target("engine >= 150 MB/s on Arabic (shipped lists + rules)", round(w, 1), w >= 150)
    if r_py[ar]:
        target("engine >= 10x Python on Arabic", round(r_py[ar], 2), r_py[ar] >= 10)
    if r_hs[ar]:
        target("Hyperscan raw <= 1.5x nerd on Arabic", round(r_hs[ar], 2), r_hs[ar] <= 1.5)
    if r_1m[ar]:
        target("1M lists >= 50% of shipped speed (Arabic)", round(r_1m[ar], 2), r_1m[ar] >= 0.5)
    for lang in LANGS:
        sh = e(f"shipped rules {lang}", "output_share")
        if sh:
            target(f"output writing < 15% of an article's time ({lang}, "
                   f"{e(f'shipped rules {lang}', 'entities_per_kb'):.1f} entities per KB)",
                   f"{100 * sh:.1f}%", sh < 0.15)
    d = daemon.get("shipped")
    if d:
        runs = {(r["workers"], r["two_frame"]): r for r in d["runs"]}
        if (1, True) in runs:
            v = runs[(1, True)]["mbs_in"]
            c = runs[(1, True)].get("mb_per_worker_cpu_s", 0)
            target("daemon two-frame >= 100 MB/s per worker", f"{v:.1f} wall, {c:.1f} per worker CPU-second",
                   max(v, c) >= 100)
        if (1, True) in runs and (2, True) in runs:
            v = runs[(2, True)]["mbs_in"] / runs[(1, True)]["mbs_in"]
            target("daemon 2 workers >= 1.7x one worker (two-frame)", round(v, 2), v >= 1.7)
        js = e(f"shipped rules {ar}", "jansson_parse_mbs")
        if (1, False) in runs and js:
            v = runs[(1, False)]["mbs_in"]
            own = e(f"shipped rules {ar}", "article_parse_mbs")
            target("daemon one-frame above jansson's parse alone",
                   f"{v:.1f} vs {js:.1f}" + (f" (nerd's own parse alone: {own:.0f})" if own else ""), v > js)
    p("targets (benchmark output, not tests)")
    for t in T:
        p(f"  {'met   ' if t['met'] else 'MISSED'} {t['target']}: {t['measured']}")
    if profile:
        p("")
        p("perf profile of engine_annotate (shipped lists + rules), self time:")
        p(profile.rstrip())
    rc = os.path.join(out, "rule_cost.txt")
    if os.path.exists(rc):
        with open(rc) as f:
            p("")
            p("cost of each rule:")
            p(f.read().rstrip())
    text = "\n".join(L)
    print(text)
    res = {"date": str(datetime.date.today()), "cpu": cpu_model(),
           "cpus": os.cpu_count(), "loadavg_end": load, "corpus": corpus,
           "engine": engine, "python": python, "hyperscan": hs,
           "compile": compile_, "daemon": daemon, "agreement": compare,
           "ratios": {"nerd_over_python": r_py, "nerd_norules_over_python": r_py_nr,
                      "hyperscan_over_nerd": r_hs, "hyperscan_over_nerd_norules": r_hs_nr,
                      "million_over_shipped": r_1m, "nerd_over_jansson": r_js},
           "targets": T, "table": text}
    with open(dest, "w") as f:
        json.dump(res, f, ensure_ascii=False, indent=1)
    print(f"\nwritten: {dest}")


if __name__ == "__main__":
    main()
