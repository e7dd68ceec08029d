#!/usr/bin/python3
"""Hostile input against the real daemon: each bad message gets its `err`
event (or a correct annotation), the daemon keeps serving (a good article
sent after it is annotated), no worker dies, and the master's and the
workers' memory (VmRSS) is back near its baseline afterwards.

usage: test_hostile.py NERD CASE   (CASE: see CASES at the end)
"""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import check, fail, SRC, Collector, Daemon  # noqa: E402

import zmq  # noqa: E402

NERD = os.path.abspath(sys.argv[1])
with open(NERD, "rb") as _f:
    # An AddressSanitizer build keeps freed memory in quarantine and runs
    # several times slower: memory is not measured, timing not pressed.
    ASAN = b"__asan_init" in _f.read()
MB = 1 << 20
RSS_SLACK = 20 * MB     # what a process may keep after the storm
GOOD = {"id": "good", "text": "Emmanuel Macron visited Morocco.",
        "lang": "en"}


def rss(pid):
    """VmRSS of a process in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Probe:
    """The daemon, a collector, a PUSH socket, and the processes whose
    memory is watched (master and workers, which must all survive)."""

    def __init__(self, **kw):
        self.d = Daemon(NERD, workers=2, **kw).start()
        self.col = Collector(self.d)
        self.push = self.d.ctx.socket(zmq.PUSH)
        self.push.sndhwm = 0
        self.push.linger = 5000
        self.push.connect(self.d.ingest)
        self.n_good = 0
        # start() returns once one worker serves: the baseline needs both
        check(len(self.d.wait_serving(2)) == 2, "the second worker never "
              "became ready", self.d)
        self.pids = [self.d.proc.pid] + sorted(self.d.worker_pids())
        # Warm up every worker (first articles fault in the engine's
        # pages and grow its scratch), then take the baseline.
        for _ in range(50):
            self.good()
        self.base = {p: rss(p) for p in self.pids}

    def good(self, timeout=30):
        """Send a good article; fail unless it is annotated correctly."""
        self.n_good += 1
        g = dict(GOOD, id=f"good-{self.n_good}")
        self.push.send_string(json.dumps(g))
        ok = self.col.wait_for(lambda c: any(
            a["id"] == g["id"] for a in c.annotations()), timeout)
        check(ok, f"{g['id']} not annotated: not serving", self.d)
        ann = [a for a in self.col.annotations() if a["id"] == g["id"]][0]
        found = {(e["text"], e["type"]) for e in ann["entities"]}
        check(("Morocco", "COUNTRY") in found, f"bad annotation {ann}", self.d)

    def errors(self):
        return self.col.errors()

    def alive(self, what):
        check(self.d.proc.poll() is None, f"daemon died after {what}", self.d)
        now = [self.d.proc.pid] + sorted(self.d.worker_pids())
        st = self.d.ctl("stats")
        if st["hello_kills"] and now != self.pids:
            # A worker that never said hello was replaced: a start-up
            # hang (under ASan, an allocator lock inherited across fork),
            # not a death caused by the input. The new one is the baseline.
            print(f"  (a worker replaced before its hello: {self.pids} -> {now})")
            self.pids = now
            self.base = {p: self.base.get(p, rss(p)) for p in now}
        check(now == self.pids, f"a worker died after {what}: {self.pids} "
              f"-> {now}", self.d)
        check(st["worker_deaths"] == st["hello_kills"] and
              st["deadline_kills"] == 0,
              f"worker deaths after {what}: {st}", self.d)

    def memory(self, what, settle=5.0):
        """Every process back within RSS_SLACK of its baseline (freed
        memory may take a moment to be returned)."""
        if ASAN:
            print(f"  (memory after {what} not measured: ASan build)")
            return 0
        t0 = time.time()
        while True:
            over = {p: rss(p) - self.base[p] for p in self.pids}
            if all(v < RSS_SLACK for v in over.values()):
                break
            if time.time() - t0 > settle:
                fail(f"memory after {what}: " + ", ".join(
                    f"pid {p} +{v / MB:.1f} MB" for p, v in over.items()),
                    self.d)
            time.sleep(0.2)
        return max(over.values())

    def close(self):
        self.push.close()
        self.col.stop()
        self.d.close()


def expect(p, label, frames, want):
    """Send one message; want is an err kind, or a function that checks
    the annotation of id want.__name__... (see 'ann' below)."""
    before = len(p.errors())
    p.push.send_multipart(frames)
    p.good()
    # With two workers the good article may be done first, by the other
    # worker: wait for the message's own outcome, then judge it.
    if isinstance(want, str):
        p.col.wait_for(lambda c: len(c.errors()) > before, 30)
    else:
        p.col.wait_for(lambda c: any(
            a["id"] == want[0] for a in c.annotations()), 30)
    errs = p.errors()[before:]
    if isinstance(want, str):
        check(len(errs) == 1, f"{label}: {len(errs)} err events, wanted "
              f"one {want}: {errs}", p.d)
        e = errs[0]
        check(e["error"] == want, f"{label}: wanted {want}, got {e}", p.d)
        check(e["schema"] == "nerd.error/1" and e["message"],
              f"{label}: err event {e}", p.d)
    else:
        check(not errs, f"{label}: unexpected err {errs}", p.d)
        aid, fn = want
        anns = [a for a in p.col.annotations() if a["id"] == aid]
        check(len(anns) == 1, f"{label}: {len(anns)} annotations of {aid}",
              p.d)
        fn(anns[0])


def entities(*want):
    """A check that the annotation holds these (text, type) mentions."""
    def fn(a):
        got = {(e["text"], e["type"]) for e in a["entities"]}
        check(set(want) <= got, f"annotation {a['id']}: {got}, wanted {want}")
    return fn


def offsets_ok(text):
    """A check that every mention's offsets index `text` as sent."""
    def fn(a):
        b = text.encode()
        u16 = text.encode("utf-16-le")
        for e in a["entities"]:
            if e["field"] != "text":
                continue
            s = e["text"]
            check(text[e["start"]:e["end"]] == s and
                  b[e["byte_start"]:e["byte_end"]].decode() == s and
                  u16[2 * e["utf16_start"]:2 * e["utf16_end"]]
                  .decode("utf-16-le") == s, f"offsets of {e} in {text!r}")
    return fn


def case_messages():
    p = Probe()
    try:
        nul_text = "Emmanuel Macron\x00visited Morocco, \x00 France."
        deep_ok = "[" * 500 + "]" * 500
        cases = [
            ("not JSON", [b"this is not JSON"], "not_json"),
            ("JSON, not an object", [b'"a string"'], "not_json"),
            ("truncated JSON", [b'{"id": "tr", "text": "Emmanuel Mac'],
             "not_json"),
            ("truncated envelope", [b'{"id": "tr2"', b"Morocco"],
             "not_json"),
            ("100k [", [b"[" * 100000], "not_json"),
            # (within max_message_bytes, 100000 in the harness)
            ("45k [ in meta", [b'{"id": "dm", "text": "x", "meta": ' +
                               b"[" * 45000 + b"]" * 45000 + b"}"],
             "not_json"),
            ("15k { in meta", [b'{"id": "dm2", "text": "x", "meta": ' +
                               b'{"a":' * 15000 + b"1" + b"}" * 15000 +
                               b"}"], "not_json"),
            ("100k [ unclosed in a two-frame envelope",
             [b'{"id": "dm3", "meta": ' + b"[" * 99000, b"x"], "not_json"),
            ("meta nested 500 deep", [json.dumps(
                {"id": "deep-ok", "text": "Morocco.", "meta": json.loads(
                    deep_ok)}).encode()],
             ("deep-ok", lambda a: check(
                 json.dumps(a["meta"], separators=(",", ":")) == deep_ok,
                 "meta not echoed"))),
            ("text a number", [b'{"id": "t1", "text": 42}'], "bad_text"),
            ("text null", [b'{"id": "t2", "text": null}'], "bad_text"),
            ("text an array", [b'{"id": "t3", "text": ["Morocco"]}'],
             "bad_text"),
            ("text an object", [b'{"id": "t4", "text": {"a": "b"}}'],
             "bad_text"),
            ("text missing", [b'{"id": "t5"}'], "bad_text"),
            ("text and a text frame", [b'{"id": "t6", "text": "a"}',
                                       b"Morocco"], "bad_text"),
            ("title not a string", [b'{"id": "t7", "text": "x", '
                                    b'"title": 1}'], "bad_field"),
            ("id an object", [b'{"id": {}, "text": "x"}'], "no_id"),
            ("\\u0000 in text", [b'{"id": "n1", "text": "a\\u0000b"}'],
             "not_json"),
            ("\\u0000 in id", [b'{"id": "a\\u0000b", "text": "x"}'],
             "not_json"),
            ("raw NUL in the JSON frame", [b'{"id": "n3", "text": "a\x00b"}'],
             "not_json"),
            ("raw NUL in the text frame", [b'{"id": "n2", "lang": "en"}',
                                           nul_text.encode()],
             ("n2", lambda a: (entities(("Morocco", "COUNTRY"))(a),
                               offsets_ok(nul_text)(a)))),
            ("invalid UTF-8 in text frame", [b'{"id": "u1"}',
                                             b"caf\xc3 \xff\xfe"], "bad_utf8"),
            ("invalid UTF-8 in JSON", [b'{"id": "u2", "text": "caf\xe9"}'],
             "bad_utf8"),
            ("overlong '/' (2 bytes)", [b'{"id": "o1"}', b"a\xc0\xafb"],
             "bad_utf8"),
            ("overlong '/' (3 bytes)", [b'{"id": "o2"}', b"a\xe0\x80\xafb"],
             "bad_utf8"),
            ("overlong NUL", [b'{"id": "o3"}', b"a\xc0\x80b"], "bad_utf8"),
            ("overlong in JSON", [b'{"id": "o4", "text": "\xc0\xaf"}'],
             "bad_utf8"),
            ("UTF-8 encoded surrogate", [b'{"id": "o5"}', b"\xed\xa0\x80"],
             "bad_utf8"),
            ("over U+10FFFF", [b'{"id": "o6"}', b"\xf4\x90\x80\x80"],
             "bad_utf8"),
            ("truncated sequence at the end", [b'{"id": "o7"}', b"Maroc\xd8"],
             "bad_utf8"),
            ("lone high surrogate \\ud800", [b'{"id": "s1", "text": '
                                             b'"x\\ud800y"}'], "not_json"),
            ("lone low surrogate \\udc00", [b'{"id": "s2", "text": '
                                            b'"x\\udc00"}'], "not_json"),
            ("reversed pair", [b'{"id": "s3", "text": "\\ude00\\ud83d"}'],
             "not_json"),
            ("surrogate in id", [b'{"id": "\\ud800", "text": "x"}'],
             "not_json"),
            ("valid pair", [b'{"id": "s4", "lang": "en", "text": '
                            b'"\\ud83d\\ude00 Emmanuel Macron visited '
                            b'Morocco."}'],
             ("s4", lambda a: (entities(("Morocco", "COUNTRY"))(a),
                               offsets_ok("\U0001F600 Emmanuel Macron "
                                          "visited Morocco.")(a)))),
            ("0 bytes", [b""], "empty"),
            ("two empty frames", [b"", b""], "empty"),
            ("empty text frame", [b'{"id": "e1"}', b""],
             ("e1", lambda a: check(a["entities"] == [], "entities"))),
            ("three frames", [b'{"id": "f3"}', b"a", b"b"], "not_json"),
            ("just over max_message_bytes",
             [b'{"id": "big"}', b"y" * 100001], "too_large"),
        ]
        for label, frames, want in cases:
            if want is None:
                # Either answer is fair; record what it is.
                before = len(p.errors())
                p.push.send_multipart(frames)
                p.good()
                e = p.errors()[before:]
                print(f"  {label}: {e[0]['error'] if e else 'annotated'}")
                continue
            expect(p, label, frames, want)
            p.alive(label)
        grew = p.memory("the bad messages")
        print(f"ok: {len(cases)} hostile messages answered; still serving; "
              f"RSS within {grew / MB:+.1f} MB of baseline")
    finally:
        p.close()


def case_huge():
    """64 MiB messages: over ZMQ_MAXMSGSIZE with the harness's limit (the
    connection is dropped: counted as a disconnect), and under it with a
    daemon configured for large messages (refused as too_large after it
    was received whole). Memory goes back either way."""
    big_text = b"x" * (64 * MB)
    one = b'{"id": "huge", "text": "' + big_text + b'"}'
    for limit in ("harness", "large"):
        kw = {}
        if limit == "large":
            # max_message_bytes comes after the harness's own line: the
            # last one wins.
            kw["extra_nerd"] = f"max_message_bytes = {48 * MB}"
        p = Probe(**kw)
        try:
            st0 = p.d.ctl("stats")
            for label, frames in (("one frame", [one]),
                                  ("two frames", [b'{"id": "huge2"}',
                                                  big_text])):
                before = len(p.errors())
                s = p.d.ctx.socket(zmq.PUSH)
                s.linger = 10000
                s.connect(p.d.ingest)
                s.send_multipart(frames)
                s.close()
                # The big message travels on its own connection: wait for
                # its answer, not only for the good article's.
                t0 = time.time()
                while time.time() - t0 < 60:
                    st = p.d.ctl("stats")
                    errs = p.errors()[before:]
                    drops = st.get("disconnects", 0) - \
                        st0.get("disconnects", 0)
                    if errs or drops:
                        break
                    time.sleep(0.1)
                p.good(timeout=60)
                st0 = st
                check(len(errs) == 1 and errs[0]["error"] == "too_large" or
                      drops >= 1, f"64 MiB {label} ({limit} limit): neither "
                      f"an err event nor a counted drop: {errs} {st}", p.d)
                how = "err too_large" if errs else f"dropped ({drops} " \
                    "disconnect counted)"
                p.alive(f"64 MiB {label}")
                grew = p.memory(f"64 MiB {label}", settle=10)
                print(f"  64 MiB, {label}, max_message_bytes "
                      f"{'48 MiB' if kw else '100000'}: {how}; RSS within "
                      f"{grew / MB:+.1f} MB")
        finally:
            p.close()
    print("ok: 64 MiB messages refused, memory back to baseline")


def case_large():
    """The largest article the default configuration accepts (4 MiB of
    news-like text, in both forms) is annotated in time, and a second one
    costs no more memory than the first: nothing leaks per article.

    Known gap (reported in issue 8): a worker keeps its per-article
    scratch sized for the largest article it has seen (about 150 MB after
    a 4 MiB article), and the master may keep about 50 MB of freed heap
    after relaying such articles and their 25 MB annotations; both are
    reused, not leaked (a third article adds nothing), but RSS does not
    return to the baseline. The NOTE lines print what is kept."""
    words = ("Emmanuel Macron visited Morocco and met officials of the "
             "United Nations in Rabat on Tuesday, \u0627\u0644\u0645\u063a"
             "\u0631\u0628 said. ").encode().decode("unicode_escape")
    text = words * ((4 * MB - 4096) // len(words.encode()))
    if ASAN:
        print("skip: an ASan build is too slow for the 5 s deadline here")
        sys.exit(77)
    p = Probe(extra_nerd=f"max_message_bytes = {4 * MB}")
    try:
        after = []
        one = json.dumps({"id": "large", "lang": "en", "text": text},
                         ensure_ascii=False).encode()
        for k, (label, frames) in enumerate((
                ("one frame", [one.replace(b'"large"', b'"large0"')]),
                ("two frames", [b'{"id": "large1", "lang": "en"}',
                                text.encode()]),
                ("one frame again", [one.replace(b'"large"', b'"large2"')]))):
            aid = f"large{k}"
            check(sum(len(f) for f in frames) <= 4 * MB, "too big a test")
            t0 = time.time()
            p.push.send_multipart(frames)
            ok = p.col.wait_for(lambda c: any(
                a["id"] == aid for a in c.annotations()), 60)
            check(ok, f"4 MiB article ({label}) not annotated", p.d)
            took = time.time() - t0
            a = [a for a in p.col.annotations() if a["id"] == aid][0]
            check(len(a["entities"]) > 100000,
                  f"{len(a['entities'])} entities", p.d)
            p.good()
            p.alive(f"4 MiB article, {label}")
            time.sleep(1)
            after.append({q: rss(q) for q in p.pids})
            print(f"  4 MiB article, {label}: {len(a['entities'])} entities "
                  f"in {took:.1f}s")
        for q in p.pids:
            who = "master" if q == p.pids[0] else "worker"
            more = after[2][q] - after[1][q]
            check(more < RSS_SLACK, f"{who} {q}: +{more / MB:.1f} MB more "
                  "after the third 4 MiB article: a leak", p.d)
            kept = after[2][q] - p.base[q]
            if kept > RSS_SLACK:
                print(f"  NOTE: {who} {q} keeps +{kept / MB:.0f} MB "
                      "(known gap, see the docstring)")
        print("ok: 4 MiB articles annotated; no growth per article")
    finally:
        p.close()


def case_burst():
    """100,000 tiny messages as fast as one producer sends them: every
    one answered exactly once (annotation or err, by the daemon's own
    counters: a PUB socket may drop for a subscriber that falls behind,
    and then the subscriber sees a gap in seq), the daemon serving after,
    memory back."""
    n = 100000
    p = Probe()
    try:
        st0 = p.d.ctl("stats")
        t0 = time.time()
        for i in range(n):
            if i % 10 == 9:
                p.push.send(b"{")       # a tenth of them are bad
            else:
                p.push.send(b'{"id":"b%d","text":"x"}' % i)
        sent = time.time() - t0
        while time.time() - t0 < 300:
            st = p.d.ctl("stats")
            if st["published"] + st["errors"] - st0["published"] - \
                    st0["errors"] >= n:
                break
            time.sleep(0.2)
        took = time.time() - t0
        anns = st["published"] - st0["published"]
        errs = st["errors_by_kind"]["not_json"] - \
            st0["errors_by_kind"]["not_json"]
        check(st["received"] - st0["received"] == n and
              anns == n - n // 10 and errs == n // 10,
              f"received {st['received'] - st0['received']}, published "
              f"{anns}, not_json {errs}, of {n}", p.d)
        # What the subscriber saw: each id at most once, and every one it
        # missed accounted for by a gap in seq. The daemon publishes faster
        # than a Python subscriber drains on a loaded machine: wait until
        # the subscriber has accounted for all n, or has stopped receiving
        # for 5 s (what is still in transit is neither seen nor a gap).
        last_len, still_since, waited = -1, time.time(), time.time()
        while True:
            msgs = p.col.snapshot()
            seqs = [o["seq"] for t, o in msgs]
            ids = [o["id"] for t, o in msgs if t.startswith("ann.") and
                   o["id"].startswith("b")]
            seen = len(ids) + sum(1 for t, o in msgs if t == "err")
            gaps = seqs[-1] - seqs[0] + 1 - len(seqs) if seqs else 0
            if seen + gaps >= n or time.time() - waited > 120:
                break
            if len(msgs) != last_len:
                last_len, still_since = len(msgs), time.time()
            elif time.time() - still_since > 5:
                break
            time.sleep(0.5)
        check(len(ids) == len(set(ids)), "duplicated annotations", p.d)
        check(seqs == sorted(seqs), "seq not increasing", p.d)
        check(seen + gaps >= n, f"subscriber saw {seen} of {n} with "
              f"{gaps} gaps in seq", p.d)
        p.good()
        p.alive("the burst")
        grew = p.memory("the burst", settle=10)
        print(f"ok: {n} tiny messages sent in {sent:.1f}s, all answered in "
              f"{took:.1f}s ({n / took:.0f}/s); the subscriber saw "
              f"{seen} ({gaps} dropped by PUB, seen as seq gaps); RSS "
              f"within {grew / MB:+.1f} MB")
    finally:
        p.close()


# Texts built to make each shipped rule backtrack -----------------------

def rule_defs(path):
    rules, cur, defines = [], None, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                cur = None
                continue
            if line.startswith("#"):
                continue
            k, _, v = line.partition(" ")
            v = v.strip()
            if k == "rule":
                cur = {"name": v, "lang": "*", "file": path}
                rules.append(cur)
            elif k == "define" and cur is None:
                name, pat = (v.split(None, 1) + [""])[:2]
                defines[name] = pat
            elif cur is not None:
                cur[k] = v
    for r in rules:
        r["pattern"] = with_defines(r.get("pattern", ""), defines)
    return rules


def with_defines(pat, defines):
    """The pattern as the engine compiles it: the file's defines that it
    calls as (?&NAME), directly or through others, in one (?(DEFINE)...)
    group before it, in file order; not the names it defines itself."""
    calls = lambda p: re.findall(r"\(\?&(\w+)\)", p)
    own = {a or b for a, b in re.findall(r"\(\?P?<(\w+)>|\(\?'(\w+)'", pat)}
    need, pending = set(), calls(pat)
    while pending:
        n = pending.pop()
        if n in defines and n not in need and n not in own:
            need.add(n)
            pending += calls(defines[n])
    if not need:
        return pat
    return ("(?(DEFINE)" + "".join(f"(?<{n}>{p})" for n, p in defines.items()
                                   if n in need) + ")" + pat)


def class_words(name):
    path = os.path.join(SRC, "gazetteers", "classes", name + ".txt")
    with open(path, encoding="utf-8") as f:
        return [w.strip() for w in f if w.strip() and not w.startswith("#")]


def attack_texts(r):
    """Texts of about 60 KB that keep the rule's pattern busy: runs of its
    trigger words, of the words and atoms its pattern wants, with the
    ending that would complete a match left out."""
    trig = []
    for t in r["trigger"].split():
        m = re.fullmatch(r"\{\{(.+)\}\}", t)
        # {{a|b}}: classes a and b
        trig += ([w for c in m.group(1).split("|") for w in class_words(c)[:20]]
                 if m else [t])
    pat = r["pattern"]
    atoms = re.findall(r"[A-Za-z\u0600-\u06ff]{2,}", re.sub(
        r"\\[pPk]\{\w+\}|\{\{[^}]*\}\}|\(\?<\w+>|\\[a-zA-Z]", " ", pat))
    for ref in re.findall(r"\{\{(.+?)\}\}", pat):
        for c in ref.split("|"):
            atoms += class_words(c)[:30]
    atoms = atoms or ["Abc"]
    arabic = "\u0627\u0644\u0643\u0644\u0645\u0629"          # الكلمة
    fillers = ["Xavier", "Dupont-Martin", "O'Neil", "ABC", "abc",
               arabic, "\u0627\u0644" + arabic, "12", "-", "'", ","]
    size = 60000

    def fill(unit):
        return (unit * (size // max(1, len(unit.encode())) + 1))[:size // 2]

    t0 = trig[0]
    out = [
        fill(" ".join(trig) + " "),                   # triggers, densely
        t0 + " " + fill(" ".join(atoms) + " "),       # the pattern's atoms
        fill(" ".join(t0 + " " + a for a in atoms) + " "),
    ]
    for f in fillers:
        out.append(t0 + " " + fill(f + " "))          # one word, repeated
        out.append(fill(t0 + " " + f + " "))
    out.append(t0 + " " + fill("Abc"))               # one endless word
    out.append(t0 + " " + fill(arabic))
    return out


def case_backtrack():
    p = Probe()
    try:
        rules = []
        for f in sorted(os.listdir(os.path.join(SRC, "rules"))):
            if f.endswith(".rules"):
                rules += rule_defs(os.path.join(SRC, "rules", f))
        check(rules, "no shipped rules")
        slow, n, limited = [], 0, 0
        for r in rules:
            lang = r["lang"] if r["lang"] != "*" else "en"
            for k, text in enumerate(attack_texts(r)):
                aid = f"bt-{r['name']}-{k}"
                t0 = time.time()
                p.push.send(json.dumps(
                    {"id": aid, "lang": lang, "text": text},
                    ensure_ascii=False).encode())
                ok = p.col.wait_for(lambda c: any(
                    a["id"] == aid for a in c.annotations()) or any(
                    e.get("id") == aid for e in c.errors()), 30)
                errs = [e for e in p.errors() if e.get("id") == aid]
                check(not errs, f"{aid}: {errs}", p.d)
                dt = time.time() - t0
                check(ok, f"{aid}: no annotation (rule {r['name']}, "
                      f"{len(text)} chars)", p.d)
                a = [a for a in p.col.annotations() if a["id"] == aid][0]
                limited += a["stats"].get("rule_limits", 0) > 0
                slow.append((dt, aid))
                n += 1
            p.alive(f"rule {r['name']}")
        slow.sort(reverse=True)
        p.good()
        grew = p.memory("the backtracking texts")
        print(f"ok: {n} texts against {len(rules)} rules all annotated; "
              f"{limited} hit a PCRE2 limit; slowest: " + ", ".join(
                  f"{a} {d * 1000:.0f} ms" for d, a in slow[:5]) +
              f"; RSS within {grew / MB:+.1f} MB")
        # The daemon's deadline (5 s in the harness) is never near.
        check(slow[0][0] < (4 if ASAN else 1), f"{slow[0][1]} took {slow[0][0]:.1f}s", p.d)
    finally:
        p.close()


CASES = {"messages": case_messages, "huge": case_huge, "large": case_large,
         "burst": case_burst,
         "backtrack": case_backtrack}

if __name__ == "__main__":
    CASES[sys.argv[2]]()
