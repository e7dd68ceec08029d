#!/usr/bin/python3
"""Send JSON Lines articles to nerd with pyzmq (Debian: python3-zmq).

Plain:         feed.py -e tcp://127.0.0.1:5561 articles.jsonl
Acknowledged:  feed.py -e tcp://127.0.0.1:5562 --acked articles.jsonl
Two frames:    add --two-frame (envelope JSON without "text", then the text)

In acknowledged mode each article is answered with {"id": ..., "status":
"ok"|"error"} once its annotation (or err event) is published; an article
unanswered after --timeout seconds is sent again (at least once delivery).
"""
import argparse
import json
import sys
import time

import zmq


def frames(line, two_frame):
    if two_frame:
        try:
            art = json.loads(line)
            text = art.pop("text")
            if isinstance(text, str):
                return [json.dumps(art).encode(), text.encode()]
        except (ValueError, KeyError, AttributeError):
            pass                      # not an article: let nerd refuse it
    return [line.encode()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-e", "--endpoint", default="tcp://127.0.0.1:5561")
    ap.add_argument("--acked", action="store_true")
    ap.add_argument("--two-frame", action="store_true")
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()

    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER if a.acked else zmq.PUSH)
    sock.connect(a.endpoint)
    waiting = {}                      # id -> (frames, sent at)
    sent = ok = refused = resent = 0

    def take_acks(timeout_ms):
        nonlocal ok, refused, resent
        while sock.poll(timeout_ms):
            ack = json.loads(sock.recv())
            timeout_ms = 0
            key = str(ack.get("id"))
            if waiting.pop(key, None) is not None:
                if ack["status"] == "ok":
                    ok += 1
                else:
                    refused += 1
        now = time.time()
        for key, (f, t) in list(waiting.items()):
            if now - t > a.timeout:
                sock.send_multipart(f)
                waiting[key] = (f, now)
                resent += 1

    for path in a.files or ["-"]:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
        for line in fh:
            line = line.strip()
            if not line:
                continue
            f = frames(line, a.two_frame)
            if a.acked:
                while len(waiting) >= a.window:
                    take_acks(100)
                try:
                    key = str(json.loads(line).get("id"))
                except (ValueError, AttributeError):
                    key = "None"
                waiting[key] = (f, time.time())
            sock.send_multipart(f)
            sent += 1
    while a.acked and waiting:
        take_acks(100)
    sock.close(linger=-1 if not a.acked else 0)
    ctx.term()
    print(f"sent {sent}" + (f", acknowledged {ok} ok, {refused} refused, "
                            f"{resent} resent" if a.acked else ""),
          file=sys.stderr)


if __name__ == "__main__":
    main()
