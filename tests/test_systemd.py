#!/usr/bin/python3
"""The installed systemd unit: `cmake --install` it into a scratch
DESTDIR with prefix /usr, check what landed where, run `systemd-analyze
verify` on it and `systemd-analyze security --offline=true`, which must
rate it 2.0 or lower.

usage: test_systemd.py NERD_BINARY BUILD_DIR
Exit 77 (skipped) when systemd-analyze is not installed or too old.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

MAX_EXPOSURE = 2.0
SKIP = 77


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, **kw)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    nerd, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    sa = shutil.which("systemd-analyze")
    if not sa:
        print("SKIP: systemd-analyze is not installed")
        return SKIP
    v = run([sa, "--version"]).stdout
    m = re.match(r"systemd (\d+)", v)
    if not m or int(m.group(1)) < 250:
        # --offline= appeared in systemd 250
        print("SKIP: systemd-analyze too old for security --offline:",
              v.splitlines()[0] if v else "?")
        return SKIP
    cmake = shutil.which("cmake")
    if not cmake:
        print("SKIP: cmake is not installed")
        return SKIP

    with tempfile.TemporaryDirectory(prefix="nerd-systemd-") as tmp:
        root = os.path.join(tmp, "root")
        env = dict(os.environ, DESTDIR=root)
        r = run([cmake, "--install", build, "--prefix", "/usr"], env=env)
        if r.returncode:
            fail("cmake --install failed:\n" + r.stdout)

        unit = os.path.join(root, "usr/lib/systemd/system/nerd.service")
        conf = os.path.join(root, "etc/nerd/nerd.conf")
        binary = os.path.join(root, "usr/bin/nerd")
        for p in (unit, conf, binary,
                  os.path.join(root, "usr/share/nerd/gazetteers"),
                  os.path.join(root, "usr/share/nerd/rules")):
            if not os.path.exists(p):
                fail("not installed: " + os.path.relpath(p, root))
        text = open(unit).read()
        if re.search(r"@[A-Z_]+@", text):
            fail("unsubstituted @VAR@ left in the unit")
        want = "ExecStart=/usr/bin/nerd serve -c /etc/nerd/nerd.conf"
        if want not in text.splitlines():
            fail("the installed unit lacks the line " + want)
        for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID",
                     "WatchdogSec=30s", "DynamicUser=yes",
                     "RuntimeDirectory=nerd", "ConfigurationDirectory=nerd"):
            if line not in text.splitlines():
                fail("the installed unit lacks the line " + line)
        if re.search(r"^\s*MemoryDenyWriteExecute\s*=\s*(yes|true|1)",
                     text, re.M):
            fail("MemoryDenyWriteExecute=yes would disable PCRE2's JIT")
        # Sandbox settings the daemon is known to break under (measured
        # with seccomp filters outside systemd): ZeroMQ aborts when its
        # getifaddrs() on a tcp bind gets no netlink socket, and when its
        # I/O threads' sched_setscheduler() (@resources) fails.
        raf = re.findall(r"^RestrictAddressFamilies=(.*)$", text, re.M)
        if raf and "AF_NETLINK" not in " ".join(raf):
            fail("RestrictAddressFamilies= lacks AF_NETLINK: ZeroMQ "
                 "aborts on tcp binds")
        if re.search(r"^SystemCallFilter=~.*@resources", text, re.M):
            fail("SystemCallFilter=~@resources: ZeroMQ aborts when "
                 "sched_setscheduler() fails")
        ctext = open(conf).read()
        for line in ("gazetteers = /usr/share/nerd/gazetteers",
                     "rules = /usr/share/nerd/rules"):
            if line not in ctext.splitlines():
                fail("the installed nerd.conf lacks the line " + line)

        # The installed configuration must pass `nerd serve -n` once its
        # data paths point at the scratch root's data.
        tconf = os.path.join(tmp, "nerd.conf")
        with open(tconf, "w") as f:
            f.write(ctext.replace("/usr/share/nerd", root + "/usr/share/nerd"))
        r = run([nerd, "serve", "-n", "-c", tconf])
        if r.returncode:
            fail("nerd serve -n rejects the installed nerd.conf:\n" + r.stdout)

        # verify: the unit's absolute paths point outside the scratch root,
        # so check a copy whose ExecStart names the staged binary and
        # config (systemd-analyze verify --root= wants a whole OS tree).
        vdir = os.path.join(tmp, "verify")
        os.mkdir(vdir)
        vunit = os.path.join(vdir, "nerd.service")
        with open(vunit, "w") as f:
            f.write(text.replace("/usr/bin/nerd", binary)
                        .replace("/etc/nerd/nerd.conf", conf))
        # Documentation=man:... is checked too when the man pages were
        # built (scdoc installed): against the staged ones.
        mandir = os.path.join(root, "usr/share/man")
        if os.path.exists(os.path.join(mandir, "man8/nerd.8")):
            venv = dict(os.environ, MANPATH=mandir)
            vcmd = [sa, "verify", vunit]
        else:
            print("man pages not built (no scdoc): verify --man=no")
            venv = None
            vcmd = [sa, "verify", "--man=no", vunit]
        r = run(vcmd, cwd=vdir, env=venv)
        print(r.stdout, end="")
        if r.returncode or r.stdout.strip():
            fail("systemd-analyze verify: exit %d, output above"
                 % r.returncode)
        print("systemd-analyze verify: clean")

        r = run([sa, "security", "--offline=true", "--no-pager", unit],
                cwd=tmp)
        m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?) (\S+)",
                      r.stdout)
        if not m:
            print(r.stdout)
            fail("no overall exposure level in systemd-analyze security "
                 "output (exit %d)" % r.returncode)
        score = float(m.group(1))
        print("systemd-analyze security: overall exposure %.1f %s"
              % (score, m.group(2)))
        if score > MAX_EXPOSURE:
            print("\n".join(l for l in r.stdout.splitlines()
                            if l.startswith("✗")))
            fail("exposure %.1f is above %.1f" % (score, MAX_EXPOSURE))
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
