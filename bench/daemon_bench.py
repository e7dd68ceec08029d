#!/usr/bin/python3
"""End-to-end throughput of `nerd serve`: a feeder process pushes articles,
the daemon tags them, a subscriber process receives every annotation.
Prints articles/s and MB/s (of article text) for 1 and 2 workers, with the
one-frame and the two-frame input forms. Not a test.

usage: bench/daemon_bench.py build/nerd [N] [ARTICLE_BYTES]
"""
import json
import multiprocessing as mp
import os
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


def run(nerd, arts, workers, two_frame):
    if two_frame:
        msgs = []
        for a in arts:
            env = dict(a)
            text = env.pop("text")
            msgs.append([json.dumps(env).encode(), text.encode()])
    else:
        msgs = [[json.dumps(a, ensure_ascii=False).encode()] for a in arts]
    d = Daemon(nerd, workers=workers,
               extra_nerd="max_message_bytes = 4194304").start()
    try:
        ready, go, q = mp.Event(), mp.Event(), mp.Queue()
        sub = mp.Process(target=subscriber,
                         args=(d.output, len(arts), ready, q))
        sub.start()
        ready.wait(30)
        feed = mp.Process(target=feeder, args=(d.ingest, msgs, go))
        feed.start()
        time.sleep(0.3)               # the PUSH has connected
        t0 = time.time()
        go.set()
        t1, got, outbytes = q.get(timeout=600)
        feed.join()
        sub.join()
        st = d.ctl("stats")
        return t1 - t0, got, outbytes, st["latency_us"]
    finally:
        d.close()


def main():
    nerd = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 3000
    arts = make_articles(n, size)
    mb = sum(len(a["text"].encode()) for a in arts) / 1e6
    print(f"{n} articles, {mb:.1f} MB of text ({mb * 1e6 / n:.0f} B each), "
          f"{os.cpu_count()} CPUs")
    print(f"{'workers':>7} {'input':>9} {'articles/s':>11} {'MB/s in':>8} "
          f"{'MB/s out':>9} {'p50 us':>8} {'p99 us':>8} {'received':>9}")
    for workers in (1, 2):
        for two in (False, True):
            dt, got, outb, lat = run(nerd, arts, workers, two)
            print(f"{workers:>7} {'two-frame' if two else 'one-frame':>9} "
                  f"{got / dt:>11.0f} {mb / dt:>8.1f} {outb / 1e6 / dt:>9.1f} "
                  f"{lat.get('p50', 0):>8} {lat.get('p99', 0):>8} "
                  f"{got:>9}")


if __name__ == "__main__":
    main()
