#!/usr/bin/python3
"""Integration tests of `nerd serve`: the real daemon over real sockets.

usage: test_daemon.py NERD CASE   (CASE: see CASES at the end)
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import (SRC, Collector, Daemon, articles, check,
                            push, run_case, stream, strip, write_jsonl)

NERD = os.path.abspath(sys.argv[1])
N = 10000


def validator():
    """The annotation schema's validator (the schema ships with nerd)."""
    path = os.path.join(SRC, "schema", "annotation.schema.json")
    import jsonschema
    with open(path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def reference(arts, tmp, gazetteers=None):
    """What `nerd tag` writes for the same articles, by id."""
    path = os.path.join(tmp, "ref.jsonl")
    write_jsonl(path, arts)
    out = subprocess.run([NERD, "tag", "-g", gazetteers or
                          os.path.join(SRC, "gazetteers"), "-r",
                          os.path.join(SRC, "rules"), path],
                         capture_output=True, check=True)
    return {o["id"]: strip(o) for o in map(json.loads,
                                            out.stdout.decode().splitlines())}


def exactly_once(col, arts, d):
    anns = col.annotations()
    ids = [a["id"] for a in anns]
    want = {a["id"] for a in arts}
    missing = want - set(ids)
    check(not missing, f"{len(missing)} missing, e.g. {sorted(missing)[:5]}", d)
    dups = len(ids) - len(set(ids))
    check(dups == 0, f"{dups} duplicated annotations", d)
    return anns


def all_once(col, arts, d):
    """Wait for an annotation of every article (60 s), then hold the
    collector to exactly one each."""
    ok = col.wait_for(lambda c: len(c.annotations()) >= len(arts), 60)
    check(ok, f"only {len(col.annotations())} of {len(arts)}", d)
    time.sleep(0.3)               # anything extra arrives, to be seen
    col.stop()
    exactly_once(col, arts, d)


def seq_no_gaps(col, d):
    seqs = [o["seq"] for _, o in col.snapshot()]
    check(seqs == sorted(seqs), "seq not increasing", d)
    check(seqs[-1] - seqs[0] + 1 == len(seqs), "gap in seq", d)


def case_roundtrip():
    """10,000 articles in, 10,000 annotations out, each equal to nerd tag's
    (except seq and stats), half one-frame, half two-frame."""
    d = Daemon(NERD, workers=2).start()
    try:
        col = Collector(d)
        arts = articles(N)
        t0 = time.time()
        push(d, arts[: N // 2])
        push(d, arts[N // 2:], two_frame=True)
        ok = col.wait_for(lambda c: len(c.annotations()) >= N, 60)
        dt = time.time() - t0
        check(ok, f"only {len(col.annotations())} of {N} annotations", d)
        time.sleep(0.3)
        col.stop()
        anns = exactly_once(col, arts, d)
        seq_no_gaps(col, d)
        ref = reference(arts, d.tmp)
        bad = [a["id"] for a in anns if strip(a) != ref[a["id"]]]
        check(not bad, f"{len(bad)} differ from nerd tag, e.g. {bad[:3]}: "
              f"{anns[[a['id'] for a in anns].index(bad[0])] if bad else ''}"
              f" vs {ref[bad[0]] if bad else ''}", d)
        for a in anns:
            check(a["stats"]["ruleset"] and a["stats"]["worker"] in (1, 2),
                  "stats.worker/ruleset", d)
        v = validator()
        if v:
            for a in anns:
                errs = list(v.iter_errors(a))
                check(not errs, f"schema: {errs[:1]}", d)
        st = d.ctl("stats")
        check(st["received"] == N and st["published"] == N, f"stats {st}", d)
        check(st["latency_us"]["p50"] > 0, "latency", d)
        check(d.stop() == 0, "exit status", d)
        print(f"ok: {N} annotations in {dt:.2f} s ({N / dt:.0f}/s)")
    finally:
        d.close()


def case_kill_worker():
    """SIGKILL of a worker mid-stream: still every annotation, once."""
    d = Daemon(NERD, workers=2).start()
    try:
        col = Collector(d)
        arts = articles(N, seed=1)
        t = stream(d, col, arts)
        # a worker caught holding articles, so that they must be redone
        victim, t0 = None, time.time()
        while victim is None and time.time() - t0 < 10:
            busy = [w["pid"] for w in d.ctl("stats")["workers"] if w["held"]]
            victim = busy[0] if busy else None
        victim = victim or d.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        t.join()
        all_once(col, arts, d)
        st = d.ctl("stats")
        check(st["worker_deaths"] == 1, f"worker_deaths {st['worker_deaths']}",
              d)
        pids = d.worker_pids()
        check(len(pids) == 2 and victim not in pids, f"workers {pids}", d)
        check("killed by signal 9" in d.log(), "death not logged", d)
        print(f"ok: worker {victim} killed, {N} annotations, "
              f"{st['retries']} retried")
    finally:
        d.close()


ZORB = ("Zorblax Quintavious\tPERSON\tnerd:test-zorblax\t"
        "Zorblax Quintavious\ten\n")
ZART = {"id": "zorb", "lang": "en",
        "text": "Yesterday Zorblax Quintavious met the press in Rabat."}


def zorb_found(col):
    for a in col.annotations():
        if a["id"].startswith("zorb"):
            return any(e.get("entity_id") == "nerd:test-zorblax"
                       for e in a["entities"])
    return None


def case_reload():
    """SIGHUP with a changed gazetteer mid-stream: none missing, the new
    entry found afterwards."""
    tmp = tempfile.mkdtemp(prefix="nerd-test-")
    gz = os.path.join(tmp, "gazetteers")
    shutil.copytree(os.path.join(SRC, "gazetteers"), gz)
    d = Daemon(NERD, workers=2, gazetteers=gz, tmp=tmp).start()
    try:
        col = Collector(d)
        push(d, [dict(ZART, id="zorb-before")])
        check(col.wait_for(lambda c: zorb_found(c) is not None, 20),
              "no annotation", d)
        check(zorb_found(col) is False, "entry found before it was added", d)
        gen0 = d.ctl("ping")["generation"]
        arts = articles(N, seed=2)
        t = stream(d, col, arts)
        with open(os.path.join(gz, "persons.tsv"), "a") as f:
            f.write(ZORB)
        d.kill(signal.SIGHUP)
        t0 = time.time()
        while d.ctl("ping")["generation"] == gen0 and time.time() - t0 < 30:
            time.sleep(0.05)
        check(d.ctl("ping")["generation"] == gen0 + 1, "no new generation", d)
        t.join()
        ok = col.wait_for(lambda c: len(c.annotations()) >= N + 1, 60)
        check(ok, f"only {len(col.annotations()) - 1} of {N}", d)
        exactly_once(col, arts, d)
        with col.lock:
            col.msgs = [m for m in col.msgs if not m[1].get("id", "")
                        .startswith("zorb")]
        push(d, [dict(ZART, id="zorb-after")])
        check(col.wait_for(lambda c: zorb_found(c) is not None, 20),
              "no annotation after reload", d)
        check(zorb_found(col) is True, "new entry not found after reload", d)
        col.stop()
        # ctl reload does the same on request
        r = subprocess.run([NERD, "ctl", "-e", d.control, "reload"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 0 and json.loads(r.stdout)["generation"] ==
              gen0 + 2, f"ctl reload: {r.stdout} {r.stderr}", d)
        time.sleep(0.5)
        st = d.ctl("stats")
        check(all(w["generation"] == gen0 + 2 for w in st["workers"]),
              f"old generation not retired: {st['workers']}", d)
        print(f"ok: reloaded mid-stream, {N} annotations, new entry found")
    finally:
        d.close()
        shutil.rmtree(tmp, ignore_errors=True)


def case_reload_broken():
    """A broken gazetteer on SIGHUP: still serving, the error logged."""
    tmp = tempfile.mkdtemp(prefix="nerd-test-")
    gz = os.path.join(tmp, "gazetteers")
    shutil.copytree(os.path.join(SRC, "gazetteers"), gz)
    d = Daemon(NERD, workers=2, gazetteers=gz, tmp=tmp).start()
    try:
        col = Collector(d)
        before = d.ctl("ping")
        with open(os.path.join(gz, "persons.tsv"), "a") as f:
            f.write("this line has no tabs\n")
        d.kill(signal.SIGHUP)
        check(col.wait_for(lambda c: "reload failed" in d.log(), 30),
              "reload failure not logged", d)
        check(re.search(r"persons\.tsv:\d+", d.log()),
              "the log does not name file:line", d)
        after = d.ctl("ping")
        check(after["generation"] == before["generation"] and
              after["ruleset"] == before["ruleset"], "engine changed", d)
        arts = articles(500, seed=3)
        push(d, arts)
        check(col.wait_for(lambda c: len(c.annotations()) >= 500, 30),
              "not serving after a failed reload", d)
        col.stop()
        exactly_once(col, arts, d)
        r = subprocess.run([NERD, "ctl", "-e", d.control, "reload"],
                           capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and "persons.tsv" in r.stderr,
              f"ctl reload should fail: {r.stdout} {r.stderr}", d)
        check(d.ctl("stats")["reload_failures"] == 2, "reload_failures", d)
        print("ok: broken gazetteer refused, still serving")
    finally:
        d.close()
        shutil.rmtree(tmp, ignore_errors=True)


def case_sigterm_acked():
    """SIGTERM mid-stream with the acknowledged feeder (`nerd feed -a`):
    every acknowledged article was published; the daemon exits 0."""
    d = Daemon(NERD, workers=2).start()
    try:
        col = Collector(d)
        arts = articles(N, seed=4)
        path = os.path.join(d.tmp, "in.jsonl")
        write_jsonl(path, arts)
        acklog = os.path.join(d.tmp, "acks.tsv")
        feed = subprocess.Popen([NERD, "feed", "-e", d.acked, "-a", "-w", "50",
                                 "--timeout", "1000", "--retries", "1", "--give-up", "2000",
                                 "--ack-log", acklog, path],
                                stderr=subprocess.PIPE, text=True)

        def acked():
            try:
                with open(acklog) as f:
                    return sum(1 for _ in f)
            except FileNotFoundError:
                return 0
        t0 = time.time()
        while acked() < 1000 and time.time() - t0 < 30:
            time.sleep(0.005)
        check(acked() >= 1000, "the acked feed did not start", d)
        rc = d.stop(signal.SIGTERM)
        check(rc == 0, f"exit status {rc}", d)
        _, err = feed.communicate(timeout=60)
        time.sleep(0.3)
        col.stop()
        published = {a["id"] for a in col.annotations()}
        with open(acklog) as f:
            acks = [l.rstrip("\n").split("\t") for l in f]
        ok = [i for i, s in acks if s == "ok"]
        lost = [i for i in ok if i not in published]
        check(not lost, f"{len(lost)} acknowledged but not published: "
              f"{lost[:5]}", d)
        check("stopping" in d.log() and "stopped" in d.log(),
              "no drain logged", d)
        print(f"ok: stopped after {len(ok)} acknowledged, all published; "
              f"feed said: {err.strip().splitlines()[-1]}")
    finally:
        d.close()


def case_bad_input():
    """Each kind of bad input gets its err event (and its counter), and
    the next good article is still annotated."""
    import zmq
    d = Daemon(NERD, workers=2).start()
    try:
        col = Collector(d)
        s = d.ctx.socket(zmq.PUSH)
        s.connect(d.ingest)
        good = {"id": "good", "text": "Emmanuel Macron visited Morocco."}
        bad = [
            ("not_json", [b"this is not JSON"]),
            ("not_json", [b"[1, 2, 3]"]),
            ("bad_utf8", [b'{"id": "u1"}', b"caf\xc3 \xff\xfe"]),
            ("bad_utf8", [b'{"id": "u2", "text": "ok", "title": "\xff"}']),
            ("no_id", [b'{"text": "no id here"}']),
            ("bad_text", [b'{"id": "t1", "text": 42}']),
            ("bad_text", [b'{"id": "t2"}']),
            ("empty", [b""]),
            ("too_large", [json.dumps({"id": "big", "text": "x" * 200000})
                           .encode()]),
            ("too_large", [b'{"id": "big2"}', b"y" * 200000]),
        ]
        for i, (kind, frames) in enumerate(bad):
            s.send_multipart(frames)
            g = dict(good, id=f"good-{i}")
            s.send_string(json.dumps(g))
            ok = col.wait_for(lambda c: any(a["id"] == g["id"] for a in
                                            c.annotations()), 20)
            check(ok, f"good article after {kind} not annotated", d)
            errs = col.errors()
            check(len(errs) == i + 1, f"{kind}: {len(errs)} err events", d)
            e = errs[-1]
            check(e["error"] == kind, f"expected {kind}, got {e}", d)
            check(e["schema"] == "nerd.error/1" and "seq" in e and
                  e["message"], f"err event {e}", d)
        ids = [e["id"] for e in col.errors()]
        check(ids[2] == "u1" and ids[5] == "t1" and ids[9] == "big2",
              f"err ids {ids}", d)
        st = d.ctl("stats")
        for kind in set(k for k, _ in bad):
            want = sum(1 for k, _ in bad if k == kind)
            check(st["errors_by_kind"][kind] == want,
                  f"counter {kind}: {st['errors_by_kind'][kind]}", d)
        check(d.proc.poll() is None, "daemon died", d)
        s.close()
        col.stop()
        print(f"ok: {len(bad)} bad inputs reported, good ones annotated")
    finally:
        d.close()


def case_config():
    """`nerd serve -n` checks a file; errors are file:line: message; the
    bundled configuration is valid and loopback only."""
    conf = os.path.join(SRC, "etc", "nerd.conf")
    r = subprocess.run([NERD, "serve", "-n", "-c", conf], capture_output=True,
                       text=True)
    check(r.returncode == 0, f"bundled config: {r.stderr}")
    with open(conf) as f:
        for line in f:
            m = re.match(r"\s*(ingest|ingest_acked|output|control)\s*=\s*(.*)",
                         line)
            if m:
                check("127.0.0.1" in m.group(2) or "ipc://" in m.group(2),
                      f"bundled config not loopback: {line}")
    tmp = tempfile.mkdtemp(prefix="nerd-test-")
    try:
        for text, want in [
            ("[nerd]\nworkers = many\n", ":2: workers"),
            ("[nerd]\n\n[bogus]\nx = 1\n", ":4: unknown section"),
            ("[endpoints]\noutput = tcp://127.0.0.1:1\n", ":2: output"),
            ("[nerd]\nworkers = 1\n", "[engine] needs"),
        ]:
            p = os.path.join(tmp, "bad.conf")
            with open(p, "w") as f:
                f.write(text)
            r = subprocess.run([NERD, "serve", "-n", "-c", p],
                               capture_output=True, text=True)
            check(r.returncode == 1 and r.stderr.startswith(p) and
                  want in r.stderr, f"{text!r}: {r.stderr}")
        print("ok: configuration checks")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def case_clients():
    """nerd feed / sub / ctl and the Python examples against the daemon."""
    d = Daemon(NERD, workers=1).start()
    try:
        arts = articles(300, seed=5)
        path = os.path.join(d.tmp, "in.jsonl")
        write_jsonl(path, arts)
        py = "/usr/bin/python3"
        sub = subprocess.Popen([py, os.path.join(SRC, "examples",
                                "subscribe.py"), "-e", d.output, "-t",
                                "ann.", "-n", "600"],
                               stdout=subprocess.PIPE, text=True)
        nsub = subprocess.Popen([NERD, "sub", "-e", d.output, "-t", "ann.",
                                 "-n", "600", "-i", "20000"],
                                stdout=subprocess.PIPE, text=True)
        # both subscriptions must reach the PUB before the first article
        # is published (a late subscriber misses what came before it):
        # under AddressSanitizer a client takes a second or more to start
        time.sleep(3.0)
        r = subprocess.run([py, os.path.join(SRC, "examples", "feed.py"),
                            "-e", d.acked, "--acked", path],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"examples/feed.py: {r.stderr}", d)
        r = subprocess.run([NERD, "feed", "-e", d.ingest, "-2", path],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and "300 articles" in r.stderr,
              f"nerd feed: {r.stderr}", d)
        out, _ = sub.communicate(timeout=60)
        lines = [json.loads(l) for l in out.splitlines()]
        check(len(lines) == 600, f"subscribe.py got {len(lines)}", d)
        out, _ = nsub.communicate(timeout=60)
        lines = [json.loads(l) for l in out.splitlines()]
        check(len(lines) == 600 and all(o["schema"] == "nerd.annotation/1"
                                        for o in lines),
              f"nerd sub got {len(lines)}", d)
        check({o["id"] for o in lines} == {a["id"] for a in arts}, "ids", d)
        for cmd in ("ping", "stats"):
            r = subprocess.run([NERD, "ctl", "-e", d.control, cmd],
                               capture_output=True, text=True, timeout=30)
            check(r.returncode == 0 and json.loads(r.stdout), f"ctl {cmd}", d)
        st = json.loads(r.stdout)
        check(st["published"] == 600 and st["acks"] == 300, f"stats {st}", d)
        print("ok: clients")
    finally:
        d.close()


def case_restart_pub():
    """A master killed (SIGKILL) and started again, as systemd does: the
    articles its producers queued meanwhile reach the new master at once,
    the subscriber a moment later. The master reads no input before the
    subscriber is back, so it receives every one (issue 8).

    Skipped in the AddressSanitizer build: there the restarted master and
    the subscriber's reconnection race on timings the sanitizer stretches
    (one CI run lost the race); the plain build and fault_injection_quick
    keep the property tested."""
    import zmq
    with open(NERD, "rb") as f:
        if b"__asan_init" in f.read():
            print("SKIP: restart timing is not meaningful under AddressSanitizer")
            sys.exit(77)
    d = Daemon(NERD, workers=2).start()
    try:
        col = Collector(d)
        s = d.ctx.socket(zmq.PUSH)
        s.sndhwm = 0
        s.reconnect_ivl = 10      # the producer back first: the worst case
        s.connect(d.ingest)
        first = articles(200, seed=6)
        for a in first:
            s.send_string(json.dumps(a))
        check(col.wait_for(lambda c: len(c.annotations()) >= 200, 30),
              "not serving", d)
        d.proc.kill()
        d.proc.wait()
        arts = articles(2000, seed=7)
        for a in arts:            # queued in the producer meanwhile
            s.send_string(json.dumps(a))
        d.logf = open(d.logpath, "a")
        d.proc = subprocess.Popen([NERD, "serve", "-v", "-c", d.conf],
                                  stderr=d.logf)
        ok = col.wait_for(lambda c: len(c.annotations()) >= 2200, 60)
        got = {a["id"] for a in col.annotations()}
        missing = [a["id"] for a in arts if a["id"] not in got]
        check(ok and not missing, f"{len(missing)} of {len(arts)} published "
              f"before the subscriber was back, e.g. {missing[:3]}", d)
        check("reading input: subscribers connected" in d.log(),
              "the gate was not logged", d)
        s.close(linger=0)
        col.stop()
        print(f"ok: restarted, {len(arts)} queued articles all received")
    finally:
        d.close()


# SIGCHLD to a pid, every 50 us until stdin closes; prints the count.
STORM = """
import os, signal, sys, threading, time
pid, done, n = int(sys.argv[1]), threading.Event(), 0
threading.Thread(target=lambda: (sys.stdin.read(), done.set()),
                 daemon=True).start()
while not done.is_set():
    try:
        os.kill(pid, signal.SIGCHLD)
    except ProcessLookupError:
        break
    n += 1
    time.sleep(0.00005)
print(n)
"""


def stop_storm(p):
    """End the STORM process p (if any); returns the signals it sent."""
    if p is None or p.poll() is not None and p.stdout.closed:
        return 0
    out, _ = p.communicate(b"", timeout=10)
    return int(out or 0)


def case_signal_storm():
    """Signals arriving while the master is inside a ZeroMQ call (CI on a
    loaded machine: SIGCHLD of a killed or retired worker, SIGHUP) must
    not cost anything. A stream of SIGCHLD (harmless by itself: nobody
    to reap) is sent to the master while acked and plain articles flow:
    every acknowledged article must have been published, every article
    must arrive once, no worker may be left out of the dispatch, and a
    reload must still retire every old worker. Before the master blocked
    its signals, a signal inside zmq_send failed it with EINTR: an
    annotation acknowledged but never published, a live worker taken for
    unreachable and never given work (nor told to quit) again."""
    n = 4000
    d = Daemon(NERD, workers=2).start()
    # the sender is a process of its own, so that it keeps up its rate
    # beside this one's threads; it prints how many it sent
    storm = None
    try:
        # the cause, whatever luck the storm has: no handler may run in the
        # master's main thread, so it blocks them (and reads a signalfd)
        with open(f"/proc/{d.proc.pid}/task/{d.proc.pid}/status") as f:
            blk = int(next(l for l in f if l.startswith("SigBlk:"))
                      .split()[1], 16)
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM,
                    signal.SIGCHLD):
            check(blk & (1 << (sig - 1)), f"the master's main thread does "
                  f"not block {sig.name} (SigBlk {blk:x})", d)
        col = Collector(d)
        arts = articles(n, seed=7)
        acked, plain = arts[0::2], arts[1::2]
        write_jsonl(os.path.join(d.tmp, "acked.jsonl"), acked)
        write_jsonl(os.path.join(d.tmp, "plain.jsonl"), plain)
        ack_log = os.path.join(d.tmp, "acks.tsv")
        storm = subprocess.Popen([sys.executable, "-c", STORM,
                                  str(d.proc.pid)], stdout=subprocess.PIPE,
                                 stdin=subprocess.PIPE)
        # no resend within the test: an article acknowledged and never
        # published must show as lost, not be covered by a second copy
        fa = subprocess.Popen([NERD, "feed", "-q", "-a", "-e", d.acked,
                               "-w", "200", "--timeout", "100000",
                               "--ack-log", ack_log,
                               os.path.join(d.tmp, "acked.jsonl")],
                              stderr=subprocess.PIPE)
        fp = subprocess.Popen([NERD, "feed", "-q", "-e", d.ingest,
                               os.path.join(d.tmp, "plain.jsonl")],
                              stderr=subprocess.PIPE)
        fp.wait(60)
        try:
            fa.wait(60)
        except subprocess.TimeoutExpired:
            fa.kill()
            fa.wait()
        col.wait_for(lambda c: len(c.annotations()) >= n, 30)
        time.sleep(0.3)
        with open(ack_log) as f:
            # whole lines only: a feeder killed above may cut the last
            acks = [l.split("\t")[0] for l in f
                    if l.endswith("\n") and "\t" in l]
        got = {a["id"] for a in col.annotations()}
        unpublished = [i for i in acks if i not in got]
        check(not unpublished, f"{len(unpublished)} acknowledged but never "
              f"published, e.g. {unpublished[:3]}", d)
        check(len(acks) == len(acked), f"{len(acks)} of {len(acked)} "
              f"acknowledged", d)
        exactly_once(col, arts, d)
        st = d.ctl("stats")
        check(st["worker_deaths"] == 0 and st["deadline_kills"] == 0,
              f"workers died: {st['worker_deaths']} deaths, "
              f"{st['deadline_kills']} past their deadline", d)
        # a worker wrongly taken for unreachable gets no more work (the
        # other one can carry the stream alone): each must have done some.
        # One whose hello never arrived is another matter (under ASan a
        # forked worker can hang on an allocator lock; the master kills it
        # after 10 s, hello_kills), not what this test is about.
        idle = [w["pid"] for w in st["workers"]
                if w["done"] == 0 and w["greeted"]]
        check(not idle, f"workers that did nothing: {idle}", d)
        gen = d.ctl("ping")["generation"]
        check(d.ctl("reload")["status"] == "ok", "reload", d)
        t0 = time.time()
        while time.time() - t0 < 10:
            ws = d.ctl("stats")["workers"]
            if all(w["generation"] == gen + 1 for w in ws):
                break
            time.sleep(0.05)
        check(all(w["generation"] == gen + 1 for w in ws),
              f"old generation not retired after 10 s: {ws}", d)
        sent = stop_storm(storm)
        col.stop()
        # an interrupted call does not always lose an article, but on the
        # paths that log (publish, dispatch) it leaves a line
        cut = [l for l in d.log().splitlines() if "nterrupted" in l]
        check(not cut, f"{len(cut)} ZeroMQ calls cut short by a signal, "
              f"e.g. {cut[:2]}", d)
        check(d.stop() == 0, "exit status", d)
        print(f"ok: {n} articles under {sent} signals, "
              f"{len(acks)} acknowledged, all published once")
    finally:
        stop_storm(storm)
        d.close()


def tracer_of(pid):
    """The pid tracing pid (0: none), from /proc/PID/status."""
    return int(proc_field(pid, "TracerPid") or 0)


def case_silent_worker():
    """A worker that says nothing after its start is killed after
    HELLO_DEADLINE_S (10 s) and replaced; an old generation's is not left
    behind. Built by hand: strace, attached to the spawner and following
    its forks, holds every new worker in its first writev(), its hello,
    until strace goes; the workers are killed meanwhile, so that their
    replacements start held. Such a worker was once kept for ever, and
    with it the articles (seen under ASan, when workers were forked by the
    threaded master and could inherit a held allocator lock). Skipped
    without strace or without the right to trace."""
    strace = shutil.which("strace")
    if not strace:
        print("skipped: no strace")
        sys.exit(77)
    d = Daemon(NERD, workers=2).start()
    tr = None
    try:
        t0 = time.time()
        while "ready:" not in d.log() and time.time() - t0 < 20:
            time.sleep(0.05)
        check("ready:" in d.log(), "not ready at start", d)
        col = Collector(d)
        sp = d.ctl("stats")["spawner_pid"]
        tr = subprocess.Popen([strace, "-f", "-qq", "-o", os.devnull, "-p",
                               str(sp), "-e", "trace=writev", "-e",
                               "inject=writev:delay_enter=100000000"],
                              stderr=subprocess.PIPE)
        t0 = time.time()
        while tracer_of(sp) != tr.pid and time.time() - t0 < 10:
            if tr.poll() is not None:
                print("skipped: strace cannot attach: " +
                      tr.stderr.read().decode(errors="replace"))
                sys.exit(77)
            time.sleep(0.05)
        check(tracer_of(sp) == tr.pid, "strace did not attach", d)
        old = d.worker_pids()
        for pid in old:
            os.kill(pid, signal.SIGKILL)
        arts = articles(100, seed=13)
        push(d, arts)
        t0 = time.time()
        while d.ctl("stats")["hello_kills"] < 1 and time.time() - t0 < 20:
            time.sleep(0.2)
        st = d.ctl("stats")
        check(st["hello_kills"] >= 1, f"no silent worker killed: {st}", d)
        check(not col.annotations(), "annotated by a worker held silent", d)
        tr.terminate()            # it detaches: the held hellos go out
        tr.wait(10)
        all_once(col, arts, d)
        st = d.ctl("stats")
        check(len(st["workers"]) == 2 and not set(old) & {w["pid"] for w in
              st["workers"]}, f"workers {st['workers']}", d)
        check("has not said hello" in d.log(), "no log line", d)
        print(f"ok: {st['hello_kills']} silent worker(s) killed, "
              f"{len(arts)} annotated once strace had left")
    finally:
        if tr and tr.poll() is None:
            tr.kill()
            tr.wait()
        d.close()


def proc_field(pid, key):
    """A field of /proc/PID/status ("PPid", "Threads"), as text."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return None


def sockets_of(pid):
    """How many sockets process pid holds open."""
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass              # closed meanwhile
    return n


def serves_on(d, n, seed):
    """n more articles, each annotated exactly once: the daemon serves on
    after what a test did to it. Returns n."""
    col = Collector(d)
    arts = articles(n, seed=seed)
    push(d, arts)
    all_once(col, arts, d)
    return len(arts)


def case_spawner():
    """The workers are forked by a single-threaded spawner and re-parented
    to the master (spawner.h). A spawner killed mid-stream is replaced, a
    worker that dies meanwhile too, and no article is lost."""
    d = Daemon(NERD, workers=2).start()
    try:
        col = Collector(d)
        st = d.ctl("stats")
        sp, master = st["spawner_pid"], st["pid"]
        check(proc_field(sp, "PPid") == str(master),
              f"spawner {sp}'s parent is {proc_field(sp, 'PPid')}", d)
        check(proc_field(sp, "Threads") == "1",
              f"spawner runs {proc_field(sp, 'Threads')} threads", d)
        check(int(proc_field(master, "Threads")) > 1,
              "the master runs no ZeroMQ threads?", d)
        for pid in d.worker_pids():
            check(proc_field(pid, "PPid") == str(master),
                  f"worker {pid}'s parent is {proc_field(pid, 'PPid')}", d)
            # its end of its own pair, nothing of the spawner's
            check(sockets_of(pid) == 1, f"worker {pid} holds "
                  f"{sockets_of(pid)} sockets", d)
        # what ps and top show: each process by its part
        names = {p: proc_field(p, "Name") for p in [sp] + d.worker_pids()}
        check(names[sp] == "nerd-spawner" and all(
              v == "nerd-worker" for p, v in names.items() if p != sp),
              f"process names {names}", d)
        # its pair with the master only: a worker's end kept here would
        # outlive the worker, and the master would never see its stream end
        check(sockets_of(sp) == 1, f"the spawner holds {sockets_of(sp)} "
              f"sockets", d)
        os.kill(sp, signal.SIGKILL)
        arts = articles(N, seed=5)
        t = stream(d, col, arts)
        victim = d.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        t.join()
        all_once(col, arts, d)
        st = d.ctl("stats")
        check(st["spawner_restarts"] == 1 and st["spawner_pid"] not in
              (0, sp), f"spawner_restarts {st['spawner_restarts']}, "
              f"pid {st['spawner_pid']}", d)
        check(st["generation"] == 1, f"generation {st['generation']}: "
              f"the files did not change", d)
        pids = d.worker_pids()
        check(len(pids) == 2 and victim not in pids and all(
              proc_field(p, "PPid") == str(master) for p in pids),
              f"workers {pids}", d)
        check(f"the spawner (pid {sp}) was killed by signal 9" in d.log(),
              "the spawner's death was not logged", d)
        r = d.ctl("reload")
        check(r.get("status") == "ok" and r.get("generation") == 2,
              f"reload after the spawner's restart: {r}", d)
        # A worker and the spawner at once: the worker's replacement may
        # find no spawner to ask; the master must start it once the
        # spawner is back (fill_workers), not leave one worker short.
        t0 = time.time()
        while len(d.worker_pids()) != 2 and time.time() - t0 < 10:
            time.sleep(0.05)      # the reload's new generation, up
        sp2 = d.ctl("stats")["spawner_pid"]
        w = d.worker_pids()[0]
        os.kill(w, signal.SIGKILL)
        os.kill(sp2, signal.SIGKILL)
        t0, pids = time.time(), []
        while time.time() - t0 < 10:
            st = d.ctl("stats")
            pids = d.serving_pids(st)
            if len(pids) == 2 and w not in pids and st["spawner_pid"] not in (0, sp2):
                break
            time.sleep(0.1)
        check(len(pids) == 2 and w not in pids, f"after a worker and the "
              f"spawner died at once, workers {st['workers']}", d)
        more = serves_on(d, 200, seed=6)
        print(f"ok: spawner {sp} killed and replaced by "
              f"{st['spawner_pid']}, worker {victim} too, {N} annotations "
              f"once each; a worker and the spawner killed at once: both "
              f"back, {more} more annotated")
    finally:
        d.close()


def case_spawner_restart_serving():
    """A spawner that dies is replaced while the master serves on: the
    workers it has annotate what arrives while the new spawner builds its
    engine (here: a gazetteer file that is a FIFO, so that the build waits
    until the test writes to it). A worker that dies meanwhile starts
    again once the engine is built."""
    tmp = tempfile.mkdtemp(prefix="nerd-test-")
    gz = os.path.join(tmp, "gazetteers")
    shutil.copytree(os.path.join(SRC, "gazetteers"), gz)
    fifo = os.path.join(gz, "zz-hold.tsv")
    d = Daemon(NERD, workers=2, gazetteers=gz, tmp=tmp).start()
    try:
        col = Collector(d)
        sp = d.ctl("stats")["spawner_pid"]
        os.mkfifo(fifo)
        os.kill(sp, signal.SIGKILL)
        t0, st = time.time(), {}
        while time.time() - t0 < 10:
            try:
                st = d.ctl("stats", timeout=2000)
            except TimeoutError:
                check(False, "ctl stats unanswered while the new spawner "
                      "builds: the master waits for it", d)
            if st["spawner_pid"] not in (0, sp) and st["reloading_s"] > 0:
                break
            time.sleep(0.05)
        check(st["spawner_pid"] not in (0, sp) and st["reloading_s"] > 0,
              f"no new spawner building: spawner_pid {st['spawner_pid']}, "
              f"reloading_s {st['reloading_s']}", d)
        arts = articles(500, seed=8)
        push(d, arts)
        ok = col.wait_for(lambda c: len(c.annotations()) >= len(arts), 30)
        check(ok, f"while the new spawner builds, {len(col.annotations())} "
              f"of {len(arts)} annotated: the master waits for it", d)
        victim = d.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        wait_log(d, "start deferred", "the dead worker's start was not "
                 "deferred until the engine is built")
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # the build reads it
        os.close(fd)                                     # empty: a list of none
        t0, pids = time.time(), []
        while time.time() - t0 < 20:
            st = d.ctl("stats")
            pids = d.serving_pids(st)
            if len(pids) == 2 and st["reloading_s"] == 0:
                break
            time.sleep(0.1)
        check(len(pids) == 2 and victim not in pids and
              st["reloading_s"] == 0, f"after the build: workers "
              f"{st['workers']}, reloading_s {st['reloading_s']}", d)
        wait_log(d, "spawner restarted", "the restart was not logged")
        check(st["reload_failures"] == 0 and st["reloads"] == 0,
              f"a restart counted as a reload: reloads {st['reloads']}, "
              f"failures {st['reload_failures']}", d)
        more = serves_on(d, 200, seed=9)
        print(f"ok: {len(arts)} annotated while the restarted spawner "
              f"built its engine; the worker killed meanwhile started "
              f"once it was built; {more} more annotated")
    finally:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass    # no FIFO, or no build waiting on it
        d.close()
        shutil.rmtree(tmp, ignore_errors=True)


def wait_log(d, text, what, timeout=10):
    """Wait until the daemon's log says text; fail with what if not."""
    t0 = time.time()
    while text not in d.log() and time.time() - t0 < timeout:
        time.sleep(0.05)
    check(text in d.log(), what, d)


def stop_spawner(d):
    """SIGSTOP the spawner, so that a reload's build lasts until SIGCONT.
    Returns its pid and the generation serving."""
    st = d.ctl("stats")
    os.kill(st["spawner_pid"], signal.SIGSTOP)
    return st["spawner_pid"], st["generation"]


def case_reload_serving():
    """The master serves on while the spawner builds a reload's engine
    (here: the spawner stopped, so that the build never ends on its
    own): articles are annotated by the old generation, ctl answers, and
    reloads asked for meanwhile become one that follows. ctl reload is
    answered once the reload it asked for is done."""
    d = Daemon(NERD, workers=2).start()
    sp = None
    try:
        col = Collector(d)
        sp, gen0 = stop_spawner(d)
        d.kill(signal.SIGHUP)
        wait_log(d, "reloading", "SIGHUP not taken")
        # a ctl reload now waits for the reload after the one under way
        waiter = subprocess.Popen([NERD, "ctl", "-e", d.control, "-t",
                                   "60000", "reload"],
                                  stdout=subprocess.PIPE, text=True)
        # the ask must reach the master before the spawner resumes, or it
        # asks for a third reload (generation + 3): wait until it has
        wait_log(d, "it follows", "ctl reload not taken", 30)
        d.kill(signal.SIGHUP)
        d.kill(signal.SIGHUP)
        arts = articles(500, seed=7)
        push(d, arts)
        ok = col.wait_for(lambda c: len(c.annotations()) >= len(arts), 30)
        check(ok, f"while the spawner builds, {len(col.annotations())} of "
              f"{len(arts)} annotated: the master waits for it", d)
        st = d.ctl("stats", timeout=2000)
        check(st["generation"] == gen0 and st["reloads"] == 0,
              f"generation {st['generation']}, reloads {st['reloads']} "
              f"before the build ended", d)
        check(st["reloading_s"] > 0, f"stats say no reload under way: "
              f"reloading_s {st['reloading_s']}", d)
        check(waiter.poll() is None, "ctl reload answered before its "
              "reload was done", d)
        os.kill(sp, signal.SIGCONT)
        sp = None
        out, _ = waiter.communicate(timeout=60)
        r = json.loads(out)
        check(r.get("status") == "ok" and r.get("generation") == gen0 + 2,
              f"ctl reload answered {out!r}: the reload under way, then "
              f"one for the three asked meanwhile", d)
        time.sleep(1.0)           # a third reload would be under way now
        st = d.ctl("stats")
        check(st["generation"] == gen0 + 2 and st["reloads"] == 2 and
              st["reloading_s"] == 0, f"generation {st['generation']}, "
              f"reloads {st['reloads']}, reloading_s {st['reloading_s']}", d)
        arts2 = articles(200, seed=8)
        push(d, arts2)
        check(col.wait_for(lambda c: len(c.annotations()) >=
                           len(arts) + len(arts2), 30),
              "not serving after the reloads", d)
        col.stop()
        exactly_once(col, arts + arts2, d)
        print(f"ok: {len(arts)} annotated while the spawner was stopped "
              f"mid-reload; three asks became one reload after it; ctl "
              f"reload answered with generation {gen0 + 2}")
    finally:
        if sp:
            resume(sp)
        d.close()


def resume(pid):
    """SIGCONT to pid, if it still exists."""
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


def case_reload_hung_spawner():
    """A build that never ends (the spawner stopped) is abandoned after
    reload_timeout_s: the spawner is killed and replaced, the reload
    fails, and the workers that died meanwhile start again. Without the
    bound no worker would ever be replaced."""
    d = Daemon(NERD, workers=2, extra_nerd="reload_timeout_s = 2").start()
    sp = None
    try:
        col = Collector(d)
        sp, gen0 = stop_spawner(d)
        d.kill(signal.SIGHUP)
        wait_log(d, "reloading", "SIGHUP not taken")
        for pid in d.worker_pids():
            os.kill(pid, signal.SIGKILL)
        arts = articles(50, seed=3)
        push(d, arts)
        ok = col.wait_for(lambda c: len(c.annotations()) >= len(arts), 60)
        check(ok, f"{len(col.annotations())} of {len(arts)} annotated: the "
              f"workers killed during a hung build were not replaced", d)
        col.stop()
        exactly_once(col, arts, d)
        check("longer than reload_timeout_s (2 s)" in d.log(),
              "the abandoned build is not logged", d)
        st = d.ctl("stats")
        check(st["reload_failures"] == 1 and st["generation"] == gen0 and
              st["spawner_pid"] not in (0, sp), f"reload_failures "
              f"{st['reload_failures']}, generation {st['generation']}, "
              f"spawner {st['spawner_pid']}", d)
        print(f"ok: the hung build abandoned after 2 s, spawner {sp} "
              f"replaced, {len(arts)} articles annotated by new workers")
    finally:
        if sp:
            resume(sp)
        d.close()


def case_reload_stop_waiter():
    """SIGTERM while a reload builds and a ctl reload waits for it: the
    daemon drains and exits, and the waiting ctl gets an answer saying
    so, not a timeout."""
    d = Daemon(NERD, workers=2).start()
    sp = None
    try:
        sp, _ = stop_spawner(d)
        waiter = subprocess.Popen([NERD, "ctl", "-e", d.control, "-t",
                                   "20000", "reload"],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        wait_log(d, "reloading", "ctl reload not taken")
        rc = d.stop()
        out, _ = waiter.communicate(timeout=30)
        check(rc == 0, f"daemon exit {rc}", d)
        check("stopped before its reload was done" in out,
              f"ctl reload said {out.strip()!r}", d)
        print(f"ok: stopped mid-reload, the waiting ctl told: {out.strip()}")
    finally:
        if sp:
            resume(sp)
        d.close()


CASES = {
    "roundtrip": case_roundtrip,
    "kill_worker": case_kill_worker,
    "reload": case_reload,
    "reload_broken": case_reload_broken,
    "sigterm_acked": case_sigterm_acked,
    "bad_input": case_bad_input,
    "config": case_config,
    "clients": case_clients,
    "restart_pub": case_restart_pub,
    "signal_storm": case_signal_storm,
    "silent_worker": case_silent_worker,
    "spawner": case_spawner,
    "spawner_restart_serving": case_spawner_restart_serving,
    "reload_serving": case_reload_serving,
    "reload_hung_spawner": case_reload_hung_spawner,
    "reload_stop_waiter": case_reload_stop_waiter,
}

if __name__ == "__main__":
    run_case(CASES, __doc__)
