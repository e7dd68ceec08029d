#!/usr/bin/python3
"""The sd_notify protocol of `nerd serve`, as systemd's Type=notify sees it:
the test binds the AF_UNIX datagram socket named by NOTIFY_SOCKET, sets
WATCHDOG_USEC, and checks, through start, reload (SIGHUP) and stop
(SIGTERM):

  READY=1 after start, with a STATUS=;
  STATUS= with live counters at each stats interval;
  WATCHDOG=1 pings at about half the watchdog interval;
  RELOADING=1 (with MONOTONIC_USEC=) then READY=1 on SIGHUP;
  STOPPING=1 on SIGTERM, then exit status 0;
  every message sent by the main process (the unit says NotifyAccess=main).

usage: test_notify.py NERD_BINARY [BUILD_DIR]
"""
import array
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WATCHDOG_USEC = 1000000          # 1 s: pings expected every ~0.5 s
SO_PASSCRED = getattr(socket, "SO_PASSCRED", 16)
SCM_CREDENTIALS = getattr(socket, "SCM_CREDENTIALS", 2)


class Fail(Exception):
    pass


class Notify:
    """The listening end of NOTIFY_SOCKET; keeps (time, pid, fields)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_PASSCRED, 1)
        self.sock.bind(path)
        self.msgs = []

    def poll(self, timeout):
        r, _, _ = select.select([self.sock], [], [], max(0, timeout))
        if not r:
            return None
        data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = None
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == SCM_CREDENTIALS:
                pid, _, _ = struct.unpack("iII", cdata[:12])
        fields = {}
        for line in data.decode("utf-8", "replace").split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        m = (time.monotonic(), pid, fields)
        self.msgs.append(m)
        print("notify pid=%s %r" % (pid, data.decode("utf-8", "replace")))
        return m

    def wait_for(self, key, value, timeout, what):
        """Read messages until one has key=value; return it."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Fail("no %s=%s within %.0f s (%s)"
                           % (key, value, timeout, what))
            m = self.poll(left)
            if m and m[2].get(key) == value:
                return m


def write_conf(tmp, workers=1):
    conf = os.path.join(tmp, "nerd.conf")
    ipc = lambda name: "bind:ipc://" + os.path.join(tmp, name)
    with open(conf, "w") as f:
        f.write(f"""[nerd]
workers = {workers}
deadline_ms = 10000
stats_interval_s = 1
runtime_dir = {tmp}

[engine]
gazetteers = {SRC}/gazetteers
rules = {SRC}/rules

[endpoints]
ingest = {ipc("ingest")}
ingest_acked = {ipc("acked")}
output = {ipc("output")}
output_mode = pub
control = {ipc("control")}
""")
    return conf


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    nerd = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="nerd-notify-")
    notify = Notify(os.path.join(tmp, "notify"))
    conf = write_conf(tmp)
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(tmp, "notify"),
               WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.pop("WATCHDOG_PID", None)
    log = open(os.path.join(tmp, "log"), "w+")
    proc = subprocess.Popen([nerd, "serve", "-c", conf], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    problems = []
    try:
        # start
        try:
            _, _, f = notify.wait_for("READY", "1", 60, "start")
            if "STATUS" not in f:
                problems.append("READY=1 at start carries no STATUS=")
        except Fail as e:
            problems.append(str(e))
            raise

        # watchdog: at least 3 pings in 2.5 s with a 1 s interval
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.5:
            notify.poll(t0 + 2.5 - time.monotonic())
        pings = [m for m in notify.msgs
                 if m[0] >= t0 and m[2].get("WATCHDOG") == "1"]
        print("watchdog pings in 2.5 s:", len(pings))
        if len(pings) < 3:
            problems.append("only %d WATCHDOG=1 in 2.5 s with WATCHDOG_USEC"
                            "=%d (want one every <= 0.5 s)"
                            % (len(pings), WATCHDOG_USEC))

        # live counters in STATUS= (stats_interval_s = 1)
        live = [m for m in notify.msgs
                if "received" in m[2].get("STATUS", "")]
        if not live:
            problems.append("no STATUS= with live counters within 2.5 s "
                            "with stats_interval_s = 1")

        # reload
        n0 = len(notify.msgs)
        proc.send_signal(signal.SIGHUP)
        try:
            _, _, f = notify.wait_for("RELOADING", "1", 30, "SIGHUP")
            if "MONOTONIC_USEC" not in f:
                problems.append("RELOADING=1 without MONOTONIC_USEC=")
            _, _, f = notify.wait_for("READY", "1", 60, "after RELOADING=1")
            if "STATUS" not in f:
                problems.append("READY=1 after reload carries no STATUS=")
        except Fail as e:
            problems.append(str(e))
        statuses = [m[2]["STATUS"] for m in notify.msgs[n0:]
                    if "STATUS" in m[2]]
        if len(statuses) < 2:
            problems.append("expected STATUS= on RELOADING=1 and READY=1, "
                            "got %r" % statuses)

        # stop
        proc.send_signal(signal.SIGTERM)
        try:
            _, _, f = notify.wait_for("STOPPING", "1", 30, "SIGTERM")
            if "STATUS" not in f:
                problems.append("STOPPING=1 carries no STATUS=")
        except Fail as e:
            problems.append(str(e))
        try:
            rc = proc.wait(60)
        except subprocess.TimeoutExpired:
            problems.append("still running 60 s after SIGTERM")
            rc = None
        if rc is not None and rc != 0:
            problems.append("exit status %d after SIGTERM, want 0" % rc)
        while notify.poll(0.2):
            pass

        # who notified: NotifyAccess=main in the unit
        others = sorted({m[1] for m in notify.msgs if m[1] != proc.pid})
        if others:
            problems.append("notifications from pids %s, not the main pid "
                            "%d: NotifyAccess=main would drop them"
                            % (others, proc.pid))
    except Fail:
        pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        notify.sock.close()
        log.seek(0)
        daemon_log = log.read()
        log.close()

    if problems:
        print("---- daemon log ----")
        print(daemon_log[-4000:])
        for p in problems:
            print("FAIL:", p)
        return 1
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)
    print("PASS: READY, WATCHDOG, RELOADING/READY, STATUS, STOPPING, exit 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
