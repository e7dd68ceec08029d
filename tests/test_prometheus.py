#!/usr/bin/python3
"""`nerd ctl stats --prometheus` (issue 9): the daemon's counters in
Prometheus' text exposition format, read back by a strict parser written
from the format's rules, and checked against what was fed.

usage: test_prometheus.py NERD
"""
import json
import math
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, articles, push, write_jsonl  # noqa: E402

NERD = os.path.abspath(sys.argv[1])
N, BAD, WORKERS = 600, 3, 3

METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class Bad(Exception):
    pass


def parse_value(s, where):
    if s in ("NaN", "+Inf", "-Inf", "Inf"):
        return float(s.replace("Inf", "inf"))
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", s):
        raise Bad(f"{where}: value {s!r} is not a float")
    return float(s)


def parse_labels(s, i, where):
    """Labels from s[i] == '{'; returns (dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if s[i] == "}":
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Bad(f"{where}: bad label name at {s[i:]!r}")
        name = m.group()
        if name.startswith("__"):
            raise Bad(f"{where}: reserved label name {name}")
        if name in labels:
            raise Bad(f"{where}: label {name} twice")
        i = m.end()
        if s[i:i + 2] != '="':
            raise Bad(f"{where}: expected =\" after {name}")
        i += 2
        v = ""
        while s[i] != '"':
            if s[i] == "\\":
                esc = s[i + 1]
                if esc not in '\\"n':
                    raise Bad(f"{where}: bad escape \\{esc}")
                v += "\n" if esc == "n" else esc
                i += 2
            elif s[i] == "\n":
                raise Bad(f"{where}: newline in a label value")
            else:
                v += s[i]
                i += 1
        labels[name] = v
        i += 1
        if s[i] == ",":
            i += 1
        elif s[i] != "}":
            raise Bad(f"{where}: expected , or }} in labels")


def family_of(name, types):
    """The family a sample belongs to (summary/histogram suffixes)."""
    for suf in ("_sum", "_count", "_bucket"):
        base = name[:-len(suf)]
        if name.endswith(suf) and types.get(base) in ("summary", "histogram"):
            return base
    return name


def parse(text):
    """{(name, frozenset(labels)): value}, {family: type}, {family: help};
    raises Bad on anything the format does not allow."""
    if not text.endswith("\n"):
        raise Bad("the last line does not end with a line feed")
    types, helps, series = {}, {}, {}
    done, current = set(), None   # families whose group has ended
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}"
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not METRIC.fullmatch(name):
                    raise Bad(f"{where}: bad metric name {name!r}")
                if name != current:
                    if name in done:
                        raise Bad(f"{where}: family {name} split in groups")
                    if current:
                        done.add(current)
                    current = name
                if parts[1] == "HELP":
                    if name in helps:
                        raise Bad(f"{where}: second HELP for {name}")
                    doc = parts[3] if len(parts) > 3 else ""
                    if re.search(r"\\[^\\n]", doc.replace("\\\\", "")):
                        raise Bad(f"{where}: bad escape in HELP")
                    helps[name] = doc
                else:
                    if name in types:
                        raise Bad(f"{where}: second TYPE for {name}")
                    if any(family_of(k[0], {name: parts[3]}) == name
                           for k in series):
                        raise Bad(f"{where}: TYPE after samples of {name}")
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise Bad(f"{where}: bad TYPE line")
                    types[name] = parts[3]
            continue
        m = METRIC.match(line)
        if not m:
            raise Bad(f"{where}: bad metric name in {line!r}")
        name, i = m.group(), m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = parse_labels(line + "\n", i, where)
        rest = line[i:]
        if not rest.startswith(" "):
            raise Bad(f"{where}: no space before the value")
        fields = rest.strip().split(" ")
        if len(fields) not in (1, 2):
            raise Bad(f"{where}: {len(fields)} fields after the name")
        value = parse_value(fields[0], where)
        if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
            raise Bad(f"{where}: bad timestamp {fields[1]!r}")
        fam = family_of(name, types)
        if fam != current:
            if fam in done:
                raise Bad(f"{where}: family {fam} split in groups")
            if current:
                done.add(current)
            current = fam
        t = types.get(fam, "untyped")
        if t == "summary" and name == fam and "quantile" not in labels:
            raise Bad(f"{where}: summary sample without quantile")
        if t == "counter" and value < 0:
            raise Bad(f"{where}: negative counter")
        key = (name, frozenset(labels.items()))
        if key in series:
            raise Bad(f"{where}: duplicate series {name}{labels}")
        series[key] = value
    return series, types, helps


def get(series, name, **labels):
    return series[(name, frozenset(labels.items()))]


def self_test():
    """The parser refuses what the format forbids."""
    good = "# HELP a_total x\n# TYPE a_total counter\na_total{k=\"v\"} 1\n"
    parse(good)
    for bad in [good.rstrip("\n"),
                good + "a_total{k=\"v\"} 2\n",
                "# TYPE a gauge\na 1\n# TYPE a gauge\n",
                "a 1\n# TYPE a gauge\n",
                "1a 1\n",
                "a{k=v} 1\n",
                "a{__k=\"v\"} 1\n",
                "a{k=\"\\x\"} 1\n",
                "a one\n",
                "a 1\nb 1\na 2\n",
                "# TYPE s summary\ns 1\n"]:
        try:
            parse(bad)
        except Bad:
            continue
        raise AssertionError(f"the parser took {bad!r}")


def ctl(d, *args):
    return subprocess.run([NERD, "ctl", "-e", d.control, *args],
                          capture_output=True, text=True, timeout=30)


def main():
    self_test()
    d = Daemon(NERD, workers=WORKERS).start()
    try:
        path = os.path.join(d.tmp, "in.jsonl")
        write_jsonl(path, articles(N))
        r = subprocess.run([NERD, "feed", "-e", d.acked, "-a", "-q", path],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        push(d, ["this is not json"] * BAD)
        t0 = time.time()
        while time.time() - t0 < 30:
            st = d.ctl("stats")
            if st["received"] >= N + BAD and st["in_flight"] == 0 and \
                    st["queued"] == 0:
                break
            time.sleep(0.05)
        r = ctl(d, "stats", "--prometheus")
        assert r.returncode == 0, r.stderr
        text = r.stdout
        js = d.ctl("stats")
        bad = ctl(d, "ping", "--prometheus")
        assert bad.returncode == 2, "ping --prometheus was taken"
    finally:
        d.close()

    try:
        series, types, helps = parse(text)
    except Bad as e:
        print(text)
        print("FAIL: not Prometheus text format:", e)
        sys.exit(1)

    def check(cond, msg):
        if not cond:
            print(text)
            print("FAIL:", msg)
            sys.exit(1)

    check(all(f.startswith("nerd_") for f in types), "a family without "
          "the nerd_ prefix")
    check(set(types) == set(helps), "HELP and TYPE do not pair up")
    for f, t in types.items():
        if t == "counter":
            check(f.endswith("_total"), f"counter {f} without _total")
        else:
            check(not f.endswith("_total"), f"{t} {f} ends in _total")
    got = get(series, "nerd_articles_received_total")
    check(got == N + BAD, f"nerd_articles_received_total {got}, fed "
          f"{N + BAD}")
    check(get(series, "nerd_annotations_published_total") == N,
          "published is not what was fed")
    check(get(series, "nerd_errors_total", kind="not_json") == BAD,
          "not_json errors")
    check(get(series, "nerd_acks_total") == N, "acks")
    check(types["nerd_latency_seconds"] == "summary", "latency type")
    q = [get(series, "nerd_latency_seconds", quantile=x)
         for x in ("0.5", "0.9", "0.99")]
    check(all(0 < v < 10 for v in q) and q == sorted(q),
          f"latency quantiles {q}")
    check(get(series, "nerd_latency_seconds_count") == N, "latency count")
    total = get(series, "nerd_latency_seconds_sum")
    check(not math.isnan(total) and total >= q[0] * N / 10, "latency sum")
    per = {dict(k[1])["worker"]: v for k, v in series.items()
           if k[0] == "nerd_worker_articles_total"}
    check(len(per) == WORKERS, f"{len(per)} workers, want {WORKERS}")
    check(sum(per.values()) >= N, "the workers' counts do not add up")
    check(get(series, "nerd_workers") == WORKERS, "nerd_workers")
    # every number of the JSON answer has a place in the exposition
    js_numbers = {k for k, v in js.items()
                  if isinstance(v, (int, float)) and k not in ("seq",)}
    names = " ".join(f for f in types)
    check(len(js_numbers) > 10, "few numbers in the JSON")
    for k in js_numbers:
        check(k in ("errors", "poison") or k.replace("_s", "_seconds")
              in names or k in names, f"stats key {k} not exported")
    print(f"ok: {len(series)} series in {len(types)} families; "
          f"received {N + BAD}, published {N}")


if __name__ == "__main__":
    main()
