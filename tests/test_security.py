#!/usr/bin/python3
"""Security of `nerd serve` (issue 8): CURVE keys from `nerd keygen`, the
ZAP handler that admits only the allowed client keys, the control socket
over ipc with owner-only permissions, and oversized messages counted
through the socket monitor. The real daemon over real sockets.

usage: test_security.py NERD CASE   (CASE: see CASES at the end)
"""
import json
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import run_case, check, SRC, Collector, Daemon, articles, push  # noqa: E402

import zmq  # noqa: E402

NERD = os.path.abspath(sys.argv[1])


def keygen(base):
    """Run `nerd keygen -o base`; return (public z85, secret z85)."""
    r = subprocess.run([NERD, "keygen", "-o", base], capture_output=True,
                       text=True)
    check(r.returncode == 0, f"keygen: {r.stderr}")
    return r.stdout.strip(), read_key(base + ".key")


def read_key(path):
    """The key line of a key file: 40 characters, not a # comment."""
    with open(path) as f:
        keys = [l.strip() for l in f if len(l.strip()) == 40 and
                " " not in l.strip()]
    check(len(keys) == 1, f"{path}: {len(keys)} key lines")
    return keys[0]


def wait(pred, timeout=20, step=0.05):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class Secured(Daemon):
    """The test daemon with its control socket on ipc (the default: no
    control line at all) and an optional [security] section."""

    def __init__(self, nerd, security="", control=None, **kw):
        super().__init__(nerd, **kw)
        with open(self.conf) as f:
            text = f.read()
        text = re.sub(r"(?m)^control = .*\n", "" if control is None else
                      f"control = {control}\n", text)
        with open(self.conf, "w") as f:
            f.write(text + security)
        self.control = "ipc://" + os.path.join(self.tmp, "nerd.control") \
            if control is None else control.split(":", 1)[1]


def curve_socket(ctx, kind, server_pub, pub=None, sec=None):
    s = ctx.socket(kind)
    s.linger = 0
    if server_pub:
        if pub is None:
            pub, sec = zmq.curve_keypair()
        s.curve_serverkey = server_pub.encode() if isinstance(
            server_pub, str) else server_pub
        s.curve_publickey = pub.encode() if isinstance(pub, str) else pub
        s.curve_secretkey = sec.encode() if isinstance(sec, str) else sec
    return s


class Sub(threading.Thread):
    """A subscriber that keeps what it receives."""

    def __init__(self, ctx, url, server_pub=None, pub=None, sec=None):
        super().__init__(daemon=True)
        self.sock = curve_socket(ctx, zmq.SUB, server_pub, pub, sec)
        self.sock.rcvhwm = 0
        self.sock.setsockopt(zmq.SUBSCRIBE, b"")
        self.sock.connect(url)
        self.msgs = []
        self.done = threading.Event()
        self.start()

    def run(self):
        while not self.done.is_set():
            if self.sock.poll(50):
                t, body = self.sock.recv_multipart()
                self.msgs.append((t.decode(), json.loads(body)))
        self.sock.close()

    def ids(self):
        return {o.get("id") for t, o in list(self.msgs)
                if t.startswith("ann.")}

    def stats_seen(self):
        return any(t == "stats" for t, _ in list(self.msgs))

    def stop(self):
        self.done.set()
        self.join()


def case_keygen():
    """keygen writes a 0600 secret and a public key that match; refuses to
    overwrite; serve refuses a secret key that others may read."""
    tmp = tempfile.mkdtemp(prefix="nerd-sec-")
    base = os.path.join(tmp, "k")
    pub, sec = keygen(base)
    mode = stat.S_IMODE(os.stat(base + ".key").st_mode)
    check(mode == 0o600, f"secret key mode {mode:o}")
    check(read_key(base + ".pub") == pub, "the .pub is not what was printed")
    check(zmq.curve_public(sec.encode()).decode() == pub,
          "the public key is not the secret key's")
    r = subprocess.run([NERD, "keygen", "-o", base], capture_output=True,
                       text=True)
    check(r.returncode == 1 and "exists" in r.stderr and
          read_key(base + ".key") == sec, "keygen overwrote a key")
    old = os.umask(0)
    try:
        r = subprocess.run([NERD, "keygen", "-f", "-o", base],
                           capture_output=True, text=True)
    finally:
        os.umask(old)
    check(r.returncode == 0 and read_key(base + ".key") != sec and
          stat.S_IMODE(os.stat(base + ".key").st_mode) == 0o600,
          "keygen -f under umask 0: not a new 0600 secret")
    # the daemon refuses a readable secret, and names the file
    _, _ = keygen(os.path.join(tmp, "c"))
    d = Secured(NERD, workers=1, tmp=tmp, security=f"""[security]
curve_server_secret = {base}.key
curve_allowed = {tmp}/c.pub
""")
    r = subprocess.run([NERD, "serve", "-n", "-c", d.conf],
                       capture_output=True, text=True)
    check(r.returncode == 0 and "CURVE on, 1 client keys" in r.stderr,
          f"serve -n: {r.stderr}")
    os.chmod(base + ".key", 0o644)
    r = subprocess.run([NERD, "serve", "-n", "-c", d.conf],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "k.key" in r.stderr and "chmod 600" in
          r.stderr, f"a 0644 secret key accepted: {r.stderr}")
    print("ok: keygen files and modes")


def case_config():
    """[security] errors name file and line or the rule broken; every key
    of the configuration is documented in etc/nerd.conf, which listens on
    loopback (and ipc) only."""
    tmp = tempfile.mkdtemp(prefix="nerd-sec-")
    keygen(os.path.join(tmp, "s"))
    keygen(os.path.join(tmp, "c"))
    with open(os.path.join(tmp, "bad.pub"), "w") as f:
        f.write("# a comment\nnot a key at all\n")
    d = Secured(NERD, workers=1, tmp=tmp)
    with open(d.conf) as f:
        base = f.read()
    for extra, want in [
        ("[security]\ncurve_server_secret = s.key\n", "go together"),
        ("[security]\ncurve_allowed = c.pub\n", "go together"),
        ("[security]\ncurve_bogus = x\n", "unknown key 'curve_bogus'"),
        ("[security]\ncurve_server_secret = s.key\ncurve_allowed = "
         "bad.pub\n", "bad.pub:2: not a key"),
        ("[security]\ncurve_server_secret = s.key\ncurve_allowed = "
         "missing.pub\n", "missing.pub: No such file"),
    ]:
        with open(d.conf, "w") as f:
            f.write(base + extra)
        r = subprocess.run([NERD, "serve", "-n", "-c", d.conf],
                           capture_output=True, text=True)
        check(r.returncode == 1 and want in r.stderr,
              f"{extra!r}: {r.returncode} {r.stderr}")
    with open(d.conf, "w") as f:
        f.write(base.replace("output = bind:", "output = bind:ipc://"
                             f"{tmp}/out bind:") +
                "[security]\ncurve_server_secret = s.key\n"
                "curve_allowed = c.pub\n")
    r = subprocess.run([NERD, "serve", "-n", "-c", d.conf],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "output mixes ipc and network" in r.stderr,
          f"mixed endpoints: {r.stderr}")

    conf = os.path.join(SRC, "etc", "nerd.conf")
    with open(conf) as f:
        bundled = f.read()
    with open(os.path.join(SRC, "daemon", "config.c")) as f:
        keys = set(re.findall(r'strcmp\(name, "(\w+)"\)', f.read()))
    undocumented = [k for k in keys
                    if not re.search(rf"(?m)^#?\s*{k}\s*=", bundled)]
    check(not undocumented, f"keys not in etc/nerd.conf: {undocumented}")
    for m in re.finditer(r"(?m)^(ingest|ingest_acked|output|control)\s*=\s*"
                         r"(.*)$", bundled):
        for ep in m.group(2).split():
            check("127.0.0.1" in ep or "ipc://" in ep,
                  f"bundled {m.group(1)} not local: {ep}")
    check(not re.search(r"(?m)^control\s*=", bundled),
          "the bundled control socket should be the ipc default")
    print(f"ok: [security] checks; {len(keys)} keys documented")


def case_curve():
    """A CURVE daemon with one allowed client key: a client with unknown
    keys is refused (nothing delivered, auth_refused counts it, one log
    line per address and minute), a plain client gets nothing and
    delivers nothing, the known client feeds (plain and acked) and its
    annotations reach an allowed subscriber."""
    tmp = tempfile.mkdtemp(prefix="nerd-sec-")
    spub, _ = keygen(os.path.join(tmp, "server"))
    allowed = os.path.join(tmp, "allowed")
    os.mkdir(allowed)
    cpub, csec = keygen(os.path.join(allowed, "client"))
    os.rename(os.path.join(allowed, "client.key"),
              os.path.join(tmp, "client.key"))
    d = Secured(NERD, workers=1, tmp=tmp, security=f"""[security]
curve_server_secret = server.key
curve_allowed = allowed
""")
    # The clients' configuration: the daemon's endpoints, their own keys.
    cconf = os.path.join(tmp, "client.conf")
    with open(d.conf) as f:
        text = f.read().split("[security]")[0]
    with open(cconf, "w") as f:
        f.write(text + f"""[security]
curve_client_secret = {tmp}/client.key
curve_server_public = {tmp}/server.pub
""")
    d.start()
    ctx = d.ctx
    try:
        st = d.ctl("stats")
        check(st["curve"] is True, f"curve not on: {st}", d)
        good = Sub(ctx, d.output, spub, cpub, csec)
        check(wait(good.stats_seen, 10), "allowed subscriber got nothing", d)

        stranger = Sub(ctx, d.output, spub)            # its own keys
        plain = Sub(ctx, d.output)
        check(wait(lambda: d.ctl("stats")["auth_refused"] >= 1, 10),
              "the stranger was not refused", d)

        # producers: a stranger and a plain one send; nothing arrives
        for srv in (spub, None):
            s = curve_socket(ctx, zmq.PUSH, srv)
            s.connect(d.ingest)
            tag = "stranger" if srv else "plain"
            for i in range(3):
                s.send_string(json.dumps({"id": f"{tag}-{i}", "text":
                                          "Emmanuel Macron in Rabat."}))
            time.sleep(0.5)
            s.close()
        r = subprocess.run([NERD, "ctl", "-c", cconf, "stats"],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"nerd ctl over ipc: {r.stderr}", d)
        st = json.loads(r.stdout)
        check(st["received"] == 0, f"refused clients delivered: {st}", d)
        check(st["auth_refused"] >= 2 and st["handshake_failed"] >= 2,
              f"counters: refused {st['auth_refused']}, handshake_failed "
              f"{st['handshake_failed']}", d)

        # the known client: nerd feed (plain and acked), keys from its
        # configuration; nerd sub with keys from flags
        arts = articles(50, seed=7)
        path = os.path.join(tmp, "in.jsonl")
        with open(path, "w") as f:
            for a in arts[:25]:
                f.write(json.dumps(a) + "\n")
        path2 = os.path.join(tmp, "in2.jsonl")
        with open(path2, "w") as f:
            for a in arts[25:]:
                f.write(json.dumps(a) + "\n")
        nsub = subprocess.Popen([NERD, "sub", "-e", d.output, "-t", "ann.",
                                 "-n", "50", "-i", "20000", "--client-key",
                                 os.path.join(tmp, "client.key"),
                                 "--server-key",
                                 os.path.join(tmp, "server.pub")],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(1.0)
        r = subprocess.run([NERD, "feed", "-c", cconf, "-q", path],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"nerd feed: {r.stderr}", d)
        r = subprocess.run([NERD, "feed", "-c", cconf, "-q", "-a",
                            "--give-up", "20000", path2],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and "25 acknowledged ok" in r.stderr,
              f"nerd feed -a: {r.stderr}", d)
        want = {a["id"] for a in arts}
        check(wait(lambda: want <= good.ids(), 30),
              f"allowed subscriber: {len(good.ids() & want)} of 50", d)
        out, _ = nsub.communicate(timeout=60)
        got = {json.loads(l)["id"] for l in out.splitlines()}
        check(got == want, f"nerd sub with keys got {len(got)} of 50", d)
        time.sleep(0.3)
        check(not stranger.msgs and not plain.msgs,
              f"refused subscribers received {len(stranger.msgs)} and "
              f"{len(plain.msgs)} messages", d)
        check(not any(i.startswith(("stranger", "plain"))
                      for i in good.ids() if i), "a refused article "
              "was annotated", d)

        # a client with no key, told by the configuration that it needs
        # one, says so instead of hanging
        noconf = os.path.join(tmp, "nokey.conf")
        with open(noconf, "w") as f:
            f.write(text + f"[security]\ncurve_server_secret = "
                    f"server.key\ncurve_allowed = allowed\n")
        r = subprocess.run([NERD, "feed", "-c", noconf, path],
                           capture_output=True, text=True, timeout=20)
        check(r.returncode == 1 and "demands CURVE" in r.stderr,
              f"feed without a key: {r.stderr}", d)

        # curve_allowed is read again on reload: a new key is admitted;
        # a broken file is refused and the old set kept
        bpub, bsec = keygen(os.path.join(tmp, "bob"))
        bob = Sub(ctx, d.output, spub, bpub, bsec)
        time.sleep(0.5)
        check(not bob.stats_seen(), "bob admitted before the reload", d)
        bob.stop()
        os.rename(os.path.join(tmp, "bob.pub"),
                  os.path.join(allowed, "bob.pub"))
        r = subprocess.run([NERD, "ctl", "-c", cconf, "reload"],
                           capture_output=True, text=True)
        check(r.returncode == 0, f"reload: {r.stderr}", d)
        bob = Sub(ctx, d.output, spub, bpub, bsec)
        check(wait(bob.stats_seen, 10), "bob not admitted after reload", d)
        bob.stop()
        with open(os.path.join(allowed, "broken.pub"), "w") as f:
            f.write("garbage\n")
        r = subprocess.run([NERD, "ctl", "-c", cconf, "reload"],
                           capture_output=True, text=True)
        check(r.returncode == 1 and "broken.pub:1" in r.stderr,
              f"reload with a broken key file: {r.stderr}", d)
        bob = Sub(ctx, d.output, spub, bpub, bsec)
        check(wait(bob.stats_seen, 10), "old keys lost on a bad reload", d)
        bob.stop()

        st = d.ctl("stats")
        check(st["received"] == 50 and st["published"] == 50,
              f"received {st['received']}, published {st['published']}", d)
        check(st["auth_accepted"] >= 4, f"auth_accepted {st}", d)
        lines = [l for l in d.log().splitlines() if "refused a client" in l]
        check(len(lines) == 1 and "127.0.0.1" in lines[0],
              f"{st['auth_refused']} refusals from one address should log "
              f"one line a minute, not {len(lines)}", d)
        for s in (good, stranger, plain):
            s.stop()
        print(f"ok: stranger and plain refused ({st['auth_refused']} "
              f"refusals, {st['handshake_failed']} failed handshakes), "
              f"known client served")
    finally:
        d.close()


def case_ctl_ipc():
    """With no control line the control socket is ipc in runtime_dir,
    owner-only; `nerd ctl -c` finds it; another user cannot connect."""
    d = Secured(NERD, workers=1).start()
    try:
        path = d.control[len("ipc://"):]
        st = os.stat(path)
        check(stat.S_ISSOCK(st.st_mode), f"{path} is not a socket", d)
        check(stat.S_IMODE(st.st_mode) & 0o077 == 0,
              f"control socket mode {stat.S_IMODE(st.st_mode):o}", d)
        r = subprocess.run([NERD, "ctl", "-c", d.conf, "ping"],
                           capture_output=True, text=True)
        check(r.returncode == 0 and json.loads(r.stdout)["status"] == "ok",
              f"nerd ctl -c: {r.stdout} {r.stderr}", d)
        check(not any(":5564" in l for l in open("/proc/net/tcp")),
              "something listens on 5564", d)
        if os.geteuid() == 0:
            # only the socket's own mode keeps others out here
            os.chmod(d.tmp, 0o755)
            pid = os.fork()
            if pid == 0:
                os.setgid(65534)
                os.setuid(65534)
                s = socket.socket(socket.AF_UNIX)
                try:
                    s.connect(path)
                    os._exit(1)
                except PermissionError:
                    os._exit(0)
                except BaseException:
                    os._exit(2)
            _, status = os.waitpid(pid, 0)
            check(os.WEXITSTATUS(status) == 0,
                  f"another user could connect (status {status})", d)
        r = subprocess.run([NERD, "ctl", "-e", "ipc://" + d.tmp + "/nope",
                            "ping"], capture_output=True, text=True)
        check(r.returncode == 1 and "No such file" in r.stderr,
              f"missing socket: {r.stderr}", d)
        print("ok: control over ipc, mode "
              f"{stat.S_IMODE(st.st_mode):o}, refused to another user")
    finally:
        d.close()


def case_oversize():
    """A message over ZMQ_MAXMSGSIZE (2 x max_message_bytes + 64 KiB):
    ZeroMQ drops it with its connection; the monitor counts and logs the
    disconnect; the daemon keeps serving, that producer included."""
    d = Secured(NERD, workers=1).start()
    try:
        col = Collector(d)
        base = d.ctl("stats")
        check(base["disconnects"] == 0, f"disconnects at start: {base}", d)
        s = d.ctx.socket(zmq.PUSH)
        s.linger = 1000
        s.connect(d.ingest)
        s.send_string(json.dumps({"id": "before", "text": "Angela Merkel."}))
        check(col.wait_for(lambda c: any(a["id"] == "before" for a in
                                         c.annotations()), 20),
              "no annotation before", d)
        big = json.dumps({"id": "huge", "text": "x" * 400000})
        s.send_string(big)
        check(wait(lambda: d.ctl("stats")["disconnects"] >= 1, 20),
              "the drop was not counted", d)
        check(wait(lambda: "ZMQ_MAXMSGSIZE" in d.log(), 5),
              "the drop was not logged", d)
        # the same producer reconnects; another one too
        s.send_string(json.dumps({"id": "after", "text": "Angela Merkel."}))
        push(d, [{"id": "other", "text": "Emmanuel Macron."}])
        check(col.wait_for(lambda c: {"after", "other"} <=
                           {a["id"] for a in c.annotations()}, 30),
              "not serving after the drop", d)
        st = d.ctl("stats")
        check(st["received"] == 3 and "huge" not in
              {a["id"] for a in col.annotations()},
              f"received {st['received']}", d)
        s.close()
        col.stop()
        check(d.proc.poll() is None, "daemon died", d)
        print(f"ok: oversized message dropped, {st['disconnects']} "
              f"disconnects counted, still serving")
    finally:
        d.close()


CASES = {
    "keygen": case_keygen,
    "config": case_config,
    "curve": case_curve,
    "ctl_ipc": case_ctl_ipc,
    "oversize": case_oversize,
}

if __name__ == "__main__":
    run_case(CASES, __doc__)
