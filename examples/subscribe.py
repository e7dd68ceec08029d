#!/usr/bin/python3
"""Print nerd's output stream as JSON Lines with pyzmq (python3-zmq).

subscribe.py -e tcp://127.0.0.1:5563                 everything
subscribe.py -t ann.ar -t err                        Arabic annotations, errors

Each message is two frames, a topic (ann.<lang>, err, stats) and one JSON
object with "seq", a counter per publisher: a jump in seq means messages
were dropped (a PUB drops for a subscriber that falls behind).
"""
import argparse
import json
import sys

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-e", "--endpoint", default="tcp://127.0.0.1:5563")
    ap.add_argument("-t", "--topic", action="append",
                    help="topic prefix (repeatable; default: all)")
    ap.add_argument("-n", "--count", type=int, default=0,
                    help="exit after this many messages")
    a = ap.parse_args()

    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.rcvhwm = 0
    for t in a.topic or [""]:
        sock.setsockopt_string(zmq.SUBSCRIBE, t)
    sock.connect(a.endpoint)
    last, n = None, 0
    try:
        while not a.count or n < a.count:
            topic, body = sock.recv_multipart()
            msg = json.loads(body)
            if last is not None and msg["seq"] > last + 1 and not a.topic:
                print(f"gap: {msg['seq'] - last - 1} missed", file=sys.stderr)
            last = msg["seq"]
            print(json.dumps(msg, ensure_ascii=False), flush=False)
            n += 1
    except KeyboardInterrupt:
        pass
    sys.stdout.flush()
    sock.close(linger=0)
    ctx.term()


if __name__ == "__main__":
    main()
