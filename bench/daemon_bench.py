#!/usr/bin/python3
"""End-to-end throughput of `nerd serve`: a feeder process pushes articles,
the daemon tags them, a subscriber process receives every annotation.
Prints articles/s and MB/s (of article text) for 1 and 2 workers, with the
one-frame and the two-frame input forms; then, per article, the round-trip
latency percentiles of articles sent one at a time; the image load time,
the reload time (`ctl reload` round trip, and until the old generation has
left); and the memory of each worker (RSS and PSS from
/proc/PID/smaps_rollup), which shows the workers sharing the image.
Not a test.

usage: bench/daemon_bench.py build/nerd [N] [ARTICLE_BYTES]
           [--jsonl FILE] [--image IMG] [--workers 1,2] [--json OUT]
           [--latency N] [--label NAME] [--tools c|python]
--jsonl takes the first N articles of FILE (the benchmark corpus) instead
of making articles of ARTICLE_BYTES from the test sentences; --image runs
the daemon on a compiled image instead of the source folders. --tools
picks the feeder and the subscriber: the project's own `nerd feed` and
`nerd sub` (the default: C clients that leave the CPUs to the daemon), or
Python processes with pyzmq, whose per-message cost takes a share of a
2-CPU machine and so hides how the daemon scales.
"""
import argparse
import json
import multiprocessing as mp
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))
import zmq  # noqa: E402
from daemon_harness import Daemon, sentences  # noqa: E402


def make_articles(n, size):
    sents = sentences()
    arts, k = [], 0
    for i in range(n):
        lang = sents[k % len(sents)][0]
        parts, total = [], 0
        while total < size:
            l2, s = sents[k % len(sents)]
            k += 1
            if l2 == lang:
                parts.append(s)
                total += len(s.encode())
        arts.append({"id": f"b{i}", "text": " ".join(parts),
                     "meta": {"i": i}})
    return arts


def read_articles(path, n):
    """The first n articles of the file, read again from its start (each
    copy with an id of its own) when it has fewer: a run must last long
    enough (seconds) for the processes' CPU times, counted in clock
    ticks, to mean something."""
    with open(path, encoding="utf-8") as f:
        base = [json.loads(line) for line in f if line.strip()]
    arts = []
    for i in range(n if base else 0):
        a = base[i % len(base)]
        if i >= len(base):
            a = dict(a, id=f"{a.get('id', '')}#{i // len(base)}")
        arts.append(a)
    return arts


def feeder(endpoint, msgs, go):
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUSH)
    s.sndhwm = 0
    s.connect(endpoint)
    go.wait()
    for m in msgs:
        s.send_multipart(m)
    s.close(linger=-1)
    ctx.term()


def subscriber(endpoint, n, ready, result):
    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB)
    s.rcvhwm = 0
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.connect(endpoint)
    while s.recv_multipart()[0] != b"stats":   # subscribed once stats arrive
        pass
    ready.set()
    got, nbytes = 0, 0
    while got < n:
        if not s.poll(30000):
            break
        topic, body = s.recv_multipart()
        if topic.startswith(b"ann."):
            got += 1
            nbytes += len(body)
    result.put((time.time(), got, nbytes))
    s.close(linger=0)
    ctx.term()


def encode(arts, two_frame):
    if two_frame:
        msgs = []
        for a in arts:
            env = dict(a)
            text = env.pop("text")
            msgs.append([json.dumps(env).encode(), text.encode()])
        return msgs
    return [[json.dumps(a, ensure_ascii=False).encode()] for a in arts]


class ImageDaemon(Daemon):
    """The harness's daemon, on a compiled image when one is given."""

    def __init__(self, nerd, workers, image=None, **kw):
        super().__init__(nerd, workers=workers, **kw)
        if image:
            with open(self.conf) as f:
                conf = f.read()
            conf = re.sub(r"gazetteers = .*\nrules = .*\n",
                          f"image = {os.path.abspath(image)}\n", conf)
            with open(self.conf, "w") as f:
                f.write(conf)


def smaps(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[2] == "kB":
                out[p[0].rstrip(":")] = int(p[1])
    return out


def cpu_s(pid):
    """User + system CPU seconds of a process."""
    with open(f"/proc/{pid}/stat") as f:
        p = f.read().rsplit(")", 1)[1].split()
    return (int(p[11]) + int(p[12])) / os.sysconf("SC_CLK_TCK")


def log_ms(d, pattern):
    m = re.findall(pattern + r" in (\d+) ms", d.log())
    return int(m[-1]) if m else None


def run_c_tools(nerd, d, arts, two_frame, tmpdir):
    """Feed with `nerd feed` and receive with `nerd sub`: the project's own
    C clients, which leave the two CPUs to the daemon where Python's
    per-message cost would take a share of them. Returns (seconds,
    annotations received, bytes received)."""
    import subprocess
    import threading
    path = os.path.join(tmpdir, "articles.jsonl")
    with open(path, "w") as f:
        for a in arts:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    sub = subprocess.Popen([nerd, "sub", "-e", d.output, "-t", "ann.",
                            "-n", str(len(arts)), "-i", "60000"],
                           stdout=subprocess.PIPE)
    counted = {"bytes": 0, "lines": 0}

    def drain():
        while True:
            chunk = sub.stdout.read(1 << 20)
            if not chunk:
                break
            counted["bytes"] += len(chunk)
            counted["lines"] += chunk.count(b"\n")

    reader = threading.Thread(target=drain)
    reader.start()
    time.sleep(1.0)                    # the SUB has joined
    t0 = time.time()
    feed = subprocess.Popen([nerd, "feed", "-e", d.ingest, "-q"] +
                            (["-2"] if two_frame else []) + [path],
                            stderr=subprocess.DEVNULL)
    sub.wait(timeout=600)
    t1 = time.time()
    reader.join()
    feed.wait(timeout=60)
    return t1 - t0, counted["lines"], counted["bytes"]


def run(nerd, arts, workers, two_frame, image, extra, tools="c"):
    d = ImageDaemon(nerd, workers, image,
                    extra_nerd="max_message_bytes = 4194304").start()
    try:
        if tools == "c":
            import tempfile
            with tempfile.TemporaryDirectory() as tmp:
                pids = d.worker_pids()
                c0 = [cpu_s(p) for p in pids] + [cpu_s(d.proc.pid)]
                dt, got, outbytes = run_c_tools(nerd, d, arts, two_frame, tmp)
                c1 = [cpu_s(p) for p in pids] + [cpu_s(d.proc.pid)]
            st = d.ctl("stats")
            cpu = {"workers_s": sum(c1[:-1]) - sum(c0[:-1]),
                   "master_s": c1[-1] - c0[-1]}
            if extra is not None:
                extra.update(extras(d, arts, workers))
            return dt, got, outbytes, st["latency_us"], cpu
        msgs = encode(arts, two_frame)
        ready, go, q = mp.Event(), mp.Event(), mp.Queue()
        sub = mp.Process(target=subscriber,
                         args=(d.output, len(arts), ready, q))
        sub.start()
        ready.wait(30)
        feed = mp.Process(target=feeder, args=(d.ingest, msgs, go))
        feed.start()
        time.sleep(0.3)               # the PUSH has connected
        pids = d.worker_pids()
        c0 = [cpu_s(p) for p in pids] + [cpu_s(d.proc.pid)]
        t0 = time.time()
        go.set()
        t1, got, outbytes = q.get(timeout=600)
        c1 = [cpu_s(p) for p in pids] + [cpu_s(d.proc.pid)]
        feed.join()
        sub.join()
        st = d.ctl("stats")
        cpu = {"workers_s": sum(c1[:-1]) - sum(c0[:-1]),
               "master_s": c1[-1] - c0[-1]}
        if extra is not None:
            extra.update(extras(d, arts, workers))
        return t1 - t0, got, outbytes, st["latency_us"], cpu
    finally:
        d.close()


def extras(d, arts, workers):
    """With the daemon warm after a run: memory per worker, per-article
    latency of articles sent one at a time, reload time."""
    out = {"load_ms": log_ms(d, "engine loaded")}
    master = smaps(d.proc.pid)
    ws = [smaps(p) for p in d.worker_pids()]
    out["memory_kb"] = {
        "master": {"rss": master.get("Rss"), "pss": master.get("Pss")},
        "workers": [{"rss": w.get("Rss"), "pss": w.get("Pss"),
                     "shared": w.get("Shared_Clean", 0) + w.get("Shared_Dirty", 0),
                     "private": w.get("Private_Clean", 0) + w.get("Private_Dirty", 0)}
                    for w in ws]}
    # latency: one article at a time, feeder and subscriber in this process
    ctx = zmq.Context.instance()
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"ann.")
    sub.connect(d.output)
    push = ctx.socket(zmq.PUSH)
    push.connect(d.ingest)
    time.sleep(0.5)
    lat = []
    for a in arts[:LATENCY_N]:
        env = dict(a)
        text = env.pop("text")
        t0 = time.perf_counter()
        push.send_multipart([json.dumps(env).encode(), text.encode()])
        if not sub.poll(10000):
            break
        sub.recv_multipart()
        lat.append((time.perf_counter() - t0) * 1e6)
    push.close(linger=0)
    sub.close(linger=0)
    lat.sort()
    if lat:
        out["latency_us"] = {p: round(lat[min(len(lat) - 1, int(len(lat) * p / 100))])
                             for p in (50, 90, 99)}
        out["latency_us"]["max"] = round(lat[-1])
        out["latency_us"]["n"] = len(lat)
    # reload: the control round trip (the build, the new generation
    # started), then until only the new generation is left
    gen = d.ctl("stats")["generation"]
    t0 = time.perf_counter()
    r = d.ctl("reload", timeout=120000)
    t_ctl = time.perf_counter() - t0
    while True:
        st = d.ctl("stats")
        ws = st["workers"]
        if (len(ws) == workers and all(w["generation"] > gen for w in ws)) \
                or time.perf_counter() - t0 > 30:
            break
        time.sleep(0.002)
    t_all = time.perf_counter() - t0
    out["reload"] = {"ctl_round_trip_ms": round(t_ctl * 1e3, 1),
                     "logged_ms": log_ms(d, "reloaded"),
                     "until_old_generation_gone_ms": round(t_all * 1e3, 1),
                     "ok": r.get("generation", 0) > gen if isinstance(r, dict) else False}
    return out


LATENCY_N = 500


def main():
    global LATENCY_N
    ap = argparse.ArgumentParser()
    ap.add_argument("nerd")
    ap.add_argument("n", nargs="?", type=int, default=20000)
    ap.add_argument("size", nargs="?", type=int, default=3000)
    ap.add_argument("--jsonl")
    ap.add_argument("--image")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--json")
    ap.add_argument("--label", default="")
    ap.add_argument("--latency", type=int, default=500)
    ap.add_argument("--tools", choices=("c", "python"), default="c",
                    help="feeder and subscriber: nerd feed/sub (default) "
                         "or Python processes with pyzmq")
    a = ap.parse_args()
    LATENCY_N = a.latency
    nerd = os.path.abspath(a.nerd)
    arts = read_articles(a.jsonl, a.n) if a.jsonl else make_articles(a.n, a.size)
    n = len(arts)
    mb = sum(len(x["text"].encode()) for x in arts) / 1e6
    print(f"daemon{', ' + a.label if a.label else ''}: {n} articles, "
          f"{mb:.1f} MB of text ({mb * 1e6 / n:.0f} B each), "
          f"{os.cpu_count()} CPUs (shared with other work); feeder and "
          f"subscriber: {'nerd feed / nerd sub' if a.tools == 'c' else 'Python'}")
    print(f"{'workers':>7} {'input':>9} {'articles/s':>11} {'MB/s in':>8} "
          f"{'MB/s out':>9} {'p50 us':>8} {'p99 us':>8} {'received':>9}")
    results = {"label": a.label, "articles": n, "mb": mb, "tools": a.tools,
               "runs": []}
    for workers in (int(w) for w in a.workers.split(",")):
        for two in (False, True):
            extra = {} if two else None
            dt, got, outb, lat, cpu = run(nerd, arts, workers, two, a.image,
                                          extra, a.tools)
            wcpu = mb / cpu["workers_s"] if cpu["workers_s"] > 0 else 0
            print(f"{workers:>7} {'two-frame' if two else 'one-frame':>9} "
                  f"{got / dt:>11.0f} {mb / dt:>8.1f} {outb / 1e6 / dt:>9.1f} "
                  f"{lat.get('p50', 0):>8} {lat.get('p99', 0):>8} "
                  f"{got:>9}   {wcpu:.1f} MB per worker CPU-second, "
                  f"master {cpu['master_s']:.2f} CPU-s")
            run_res = {"workers": workers, "two_frame": two,
                       "articles_per_s": got / dt, "mbs_in": mb / dt,
                       "mbs_out": outb / 1e6 / dt, "received": got,
                       "loaded_latency_us": lat,
                       "cpu": cpu, "mb_per_worker_cpu_s": wcpu}
            if extra:
                run_res.update(extra)
                mem = extra["memory_kb"]["workers"]
                print(f"{'':>7} worker memory: " + ", ".join(
                    f"RSS {w['rss'] / 1e3:.1f} MB PSS {w['pss'] / 1e3:.1f} MB"
                    for w in mem) + f"; image load {extra['load_ms']} ms")
                L, R = extra.get("latency_us", {}), extra["reload"]
                print(f"{'':>7} one at a time: p50 {L.get(50)} us, p90 "
                      f"{L.get(90)} us, p99 {L.get(99)} us; reload: ctl "
                      f"{R['ctl_round_trip_ms']} ms (logged "
                      f"{R['logged_ms']} ms), old generation gone after "
                      f"{R['until_old_generation_gone_ms']} ms")
            results["runs"].append(run_res)
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
