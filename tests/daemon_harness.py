"""Shared helpers of the daemon's integration tests and benchmark: start
the real `nerd serve` on free loopback ports and a temporary ipc dir, talk
to it over real ZeroMQ sockets, and make test articles."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import zmq

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(SRC), "shared", "data", "ntrex")


def fail(msg, daemon=None):
    """End the test: print why, with the daemon's last log lines."""
    print("FAIL:", msg)
    if daemon:
        print("---- daemon log (tail) ----")
        print("\n".join(daemon.log().splitlines()[-40:]))
    sys.exit(1)


def check(cond, msg, daemon=None):
    if not cond:
        fail(msg, daemon)


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def sentences():
    """Real news sentences in three languages when ../shared/data is at
    hand, else sentences made here from names the gazetteers list."""
    out = []
    files = {"ar": "newstest2019-ref.arb.txt", "fr": "newstest2019-ref.fra.txt",
             "en": "newstest2019-ref.eng-US.txt"}
    if os.path.isdir(SHARED):
        for lang, f in files.items():
            with open(os.path.join(SHARED, f), encoding="utf-8") as fh:
                out.extend((lang, l.strip()) for l in fh if l.strip())
        return out
    names = ["Emmanuel Macron", "Angela Merkel", "Morocco", "France",
             "United Nations", "Abdellatif Hammouchi", "Germany"]
    for i in range(500):
        a, b = names[i % len(names)], names[(i * 3 + 1) % len(names)]
        out.append(("en", f"{a} met officials from {b} on day {i}."))
    return out


def articles(n, seed=0):
    """n articles of 1 to 3 sentences each, ids unique, meta echoed."""
    sents = sentences()
    arts = []
    k = seed * 7919
    for i in range(n):
        lang, s = sents[k % len(sents)]
        parts = [s]
        for j in range(1, 1 + (i % 3)):
            l2, s2 = sents[(k + j) % len(sents)]
            if l2 == lang:
                parts.append(s2)
        k += 1 + (i % 3)
        a = {"id": f"t{seed}-{i}", "text": " ".join(parts),
             "meta": {"n": i, "src": "test"}}
        if i % 4 == 0:
            a["lang"] = lang
        if i % 5 == 0:
            a["title"] = parts[0][:40]
        arts.append(a)
    return arts


def write_jsonl(path, arts):
    with open(path, "w", encoding="utf-8") as f:
        for a in arts:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")


def strip(o):
    """An annotation without what differs from `nerd tag` by design."""
    o = dict(o)
    o.pop("seq", None)
    o.pop("stats", None)
    return o


class Daemon:
    def __init__(self, nerd, workers=2, gazetteers=None, rules=None,
                 extra_nerd="", output_mode="pub", tmp=None):
        self.nerd = nerd
        self.tmp = tmp or tempfile.mkdtemp(prefix="nerd-test-")
        self.own_tmp = tmp is None
        p = free_ports(4)
        self.ingest = f"tcp://127.0.0.1:{p[0]}"
        self.acked = f"tcp://127.0.0.1:{p[1]}"
        self.output = f"tcp://127.0.0.1:{p[2]}"
        self.control = f"tcp://127.0.0.1:{p[3]}"
        self.gazetteers = gazetteers or os.path.join(SRC, "gazetteers")
        self.rules = rules or os.path.join(SRC, "rules")
        self.conf = os.path.join(self.tmp, "nerd.conf")
        with open(self.conf, "w") as f:
            f.write(f"""[nerd]
workers = {workers}
deadline_ms = 5000
max_message_bytes = 100000
stats_interval_s = 0.2
runtime_dir = {self.tmp}
{extra_nerd}
[engine]
gazetteers = {self.gazetteers}
rules = {self.rules}
[endpoints]
ingest = bind:{self.ingest}
ingest_acked = bind:{self.acked}
output = bind:{self.output}
output_mode = {output_mode}
control = bind:{self.control}
""")
        self.logpath = os.path.join(self.tmp, "serve.log")
        self.ctx = zmq.Context.instance()
        self.proc = None

    # How long start() waits for the daemon to answer.
    start_timeout = 30

    def command(self):
        return [self.nerd, "serve", "-v", "-c", self.conf]

    def rebind(self):
        """New ports for the four endpoints, in the config file too."""
        with open(self.conf) as f:
            conf = f.read()
        for attr, port in zip(("ingest", "acked", "output", "control"),
                              free_ports(4)):
            new = f"tcp://127.0.0.1:{port}"
            conf = conf.replace(getattr(self, attr) + "\n", new + "\n")
            setattr(self, attr, new)
        with open(self.conf, "w") as f:
            f.write(conf)

    def start(self):
        """Start the daemon and wait until it answers. free_ports() can
        only promise ports that were free: under `ctest -j` another
        process may take one (its own connection's local port) before
        the daemon binds it. The daemon then exits saying so, and starts
        again here on new ports."""
        for attempt in range(5):
            self.logf = open(self.logpath, "w")
            self.proc = subprocess.Popen(self.command(), stderr=self.logf)
            deadline = time.time() + self.start_timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    if self.ctl("stats", timeout=500)["workers"]:
                        return self
                except TimeoutError:
                    pass
            else:
                raise RuntimeError("nerd serve did not answer:\n" + self.log())
            if "Address already in use" not in self.log() or attempt == 4:
                raise RuntimeError("nerd serve exited:\n" + self.log())
            sys.stderr.write("a port was taken before nerd serve bound it: "
                             "starting again on new ports\n")
            self.rebind()

    def log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def ctl(self, cmd, timeout=5000):
        s = self.ctx.socket(zmq.REQ)
        s.linger = 0
        s.connect(self.control)
        s.send_string(cmd)
        if not s.poll(timeout):
            s.close()
            raise TimeoutError(cmd)
        r = json.loads(s.recv())
        s.close()
        return r

    def serving_pids(self, st=None):
        """The pids of the workers that serve (ready, not retiring), from
        a stats answer or a new one."""
        st = st or self.ctl("stats")
        return [w["pid"] for w in st["workers"] if w["ready"] and
                not w["retiring"]]

    def wait_serving(self, n, timeout=30):
        """Wait until n workers serve (start() returns once one does);
        their pids, fewer if the time ran out."""
        t0 = time.time()
        pids = self.serving_pids()
        while len(pids) < n and time.time() - t0 < timeout:
            time.sleep(0.05)
            pids = self.serving_pids()
        return pids

    def worker_pids(self):
        return [w["pid"] for w in self.ctl("stats")["workers"]
                if not w["retiring"]]

    def kill(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("nerd serve did not stop:\n" + self.log())
        return self.proc.returncode

    def close(self):
        try:
            self.stop()
        finally:
            if self.own_tmp:
                shutil.rmtree(self.tmp, ignore_errors=True)


class Collector(threading.Thread):
    """Subscribes to the whole output stream and keeps every message."""

    def __init__(self, daemon, topics=("",)):
        super().__init__(daemon=True)
        self.sock = daemon.ctx.socket(zmq.SUB)
        self.sock.rcvhwm = 0
        self.sock.linger = 0
        for t in topics:
            self.sock.setsockopt_string(zmq.SUBSCRIBE, t)
        self.sock.connect(daemon.output)
        self.msgs = []          # (topic, object)
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.start()
        # A SUB sees nothing until its subscription reached the PUB: wait
        # for the first periodic stats message.
        t0 = time.time()
        while not any(t == "stats" for t, _ in self.snapshot()):
            if time.time() - t0 > 10:
                raise RuntimeError("no stats message: not subscribed")
            time.sleep(0.02)

    def run(self):
        while not self.done.is_set():
            if self.sock.poll(50):
                t, body = self.sock.recv_multipart()
                with self.lock:
                    self.msgs.append((t.decode(), json.loads(body)))
        self.sock.close()

    def snapshot(self):
        with self.lock:
            return list(self.msgs)

    def annotations(self):
        return [o for t, o in self.snapshot() if t.startswith("ann.")]

    def errors(self):
        return [o for t, o in self.snapshot() if t == "err"]

    def wait_for(self, pred, timeout=60):
        t0 = time.time()
        while time.time() - t0 < timeout:
            if pred(self):
                return True
            time.sleep(0.02)
        return False

    def stop(self):
        self.done.set()
        self.join()


def push(daemon, arts, two_frame=False, pause_every=0, pause=0.0):
    s = daemon.ctx.socket(zmq.PUSH)
    s.sndhwm = 0
    s.connect(daemon.ingest)
    for i, a in enumerate(arts):
        if two_frame:
            env = dict(a)
            text = env.pop("text")
            s.send_multipart([json.dumps(env).encode(), text.encode()])
        else:
            s.send(json.dumps(a, ensure_ascii=False).encode())
        if pause_every and i % pause_every == pause_every - 1:
            time.sleep(pause)
    s.linger = 10000
    s.close()


def stream(daemon, collector, arts, started=2000):
    """Push arts in the background, paced (200 at a time), and wait until
    `started` annotations are out, so that a fault lands mid-stream.
    Returns the pushing thread."""
    t = threading.Thread(target=push, args=(daemon, arts),
                         kwargs={"pause_every": 200, "pause": 0.02})
    t.start()
    check(collector.wait_for(lambda c: len(c.annotations()) >= started, 60),
          "stream did not start", daemon)
    return t


def run_case(cases, doc):
    """The entry point of a test script: argv = NERD CASE."""
    if len(sys.argv) != 3 or sys.argv[2] not in cases:
        print(doc, "cases:", " ".join(cases))
        sys.exit(2)
    cases[sys.argv[2]]()
