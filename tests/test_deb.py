#!/usr/bin/python3
"""The Debian package: build it with CPack from BUILD_DIR, install it with
dpkg into a scratch root (dpkg --root, its own empty database), check the
file list, the conffile and the installed unit, then purge it and check
that nothing of it is left.

usage: test_deb.py NERD_BINARY BUILD_DIR
Exit 77 (skipped) without cpack, dpkg, dpkg-deb or dpkg-shlibdeps.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
EXPECTED = [
    "/usr/bin/nerd",
    "/etc/nerd/nerd.conf",
    "/usr/lib/systemd/system/nerd.service",
    "/usr/share/nerd/gazetteers/countries.tsv",
    "/usr/share/nerd/rules/en.rules",
]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    return r


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    build = os.path.abspath(sys.argv[2])
    for tool in ("cpack", "dpkg", "dpkg-deb", "dpkg-shlibdeps"):
        if not shutil.which(tool):
            print("SKIP: %s is not installed" % tool)
            return SKIP
    cfg = os.path.join(build, "CPackConfig.cmake")
    if not os.path.exists(cfg):
        fail("no %s: is systemd/package.cmake included?" % cfg)

    with tempfile.TemporaryDirectory(prefix="nerd-deb-") as tmp:
        out = os.path.join(tmp, "pkg")
        r = run(["cpack", "--config", cfg, "-B", out], cwd=build)
        if r.returncode:
            log = glob.glob(os.path.join(out, "_CPack_Packages/*/DEB/"
                                         "PreinstallOutput.log"))
            if log:
                r.stdout += "".join(open(log[0]).readlines()[-25:])
            fail("cpack (it builds the whole project first):\n" + r.stdout)
        debs = glob.glob(os.path.join(out, "*.deb"))
        if len(debs) != 1:
            fail("expected one .deb in %s, found %r" % (out, debs))
        deb = debs[0]
        print("built", os.path.basename(deb), os.path.getsize(deb), "bytes")

        r = run(["dpkg-deb", "-f", deb, "Package", "Depends"])
        print(r.stdout, end="")
        for lib in ("libzmq5", "libpcre2-8-0", "libjansson4", "libsystemd0"):
            if lib not in r.stdout:
                fail("Depends: lacks " + lib)
        ctl = run(["dpkg-deb", "-I", deb, "conffiles"])
        if ctl.stdout.split() != ["/etc/nerd/nerd.conf"]:
            fail("conffiles: %r" % ctl.stdout)

        root = os.path.join(tmp, "root")
        os.makedirs(os.path.join(root, "var/lib/dpkg/info"))
        os.makedirs(os.path.join(root, "var/lib/dpkg/updates"))
        open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
        # The scratch root has no libraries and no /bin/sh: ignore the
        # dependencies and run the maintainer scripts from the host
        # (they see DPKG_ROOT and leave the host's systemd alone).
        dpkg = ["dpkg", "--root=" + root, "--log=/dev/null",
                "--force-script-chrootless", "--force-depends"]
        r = run(dpkg + ["--install", deb])
        if r.returncode:
            fail("dpkg --install:\n" + r.stdout)
        r = run(["dpkg", "--root=" + root, "--status", "nerd"])
        if "Status: install ok installed" not in r.stdout:
            fail("not installed:\n" + r.stdout)
        listed = set(run(["dpkg", "--root=" + root, "--listfiles",
                          "nerd"]).stdout.split())
        expected = list(EXPECTED)
        if os.path.exists(os.path.join(build, "man", "nerd.8")):
            expected += ["/usr/share/man/man8/nerd.8",
                         "/usr/share/man/man5/nerd.conf.5",
                         "/usr/share/man/man5/nerd-gazetteer.5",
                         "/usr/share/man/man5/nerd-rules.5"]
        for p in expected:
            if p not in listed:
                fail("%s not in the package's file list" % p)
            if not os.path.isfile(root + p):
                fail("%s not installed" % p)
        if not os.access(root + "/usr/bin/nerd", os.X_OK):
            fail("/usr/bin/nerd is not executable")
        unit = open(root + "/usr/lib/systemd/system/nerd.service").read()
        want = "ExecStart=/usr/bin/nerd serve -c /etc/nerd/nerd.conf"
        if want not in unit.splitlines():
            fail("the packaged unit lacks " + want)
        conf = open(root + "/etc/nerd/nerd.conf").read()
        if "gazetteers = /usr/share/nerd/gazetteers" not in conf:
            fail("the packaged nerd.conf does not point at /usr/share/nerd")
        stray = [p for p in listed
                 if not p.startswith(("/etc/nerd", "/usr/bin", "/usr/share",
                                      "/usr/lib/systemd"))
                 and p not in ("/", "/.", "/etc", "/usr", "/usr/lib")]
        if stray:
            fail("unexpected paths in the package: %r" % sorted(stray))
        print("installed: %d paths" % len(listed))

        r = run(dpkg + ["--purge", "nerd"])
        if r.returncode:
            fail("dpkg --purge:\n" + r.stdout)
        left = []
        for d, dirs, files in os.walk(root):
            for x in files + dirs:
                rel = os.path.relpath(os.path.join(d, x), root)
                if rel.split("/")[0] != "var":   # dpkg's own database
                    left.append(rel)
        if left:
            fail("left behind after purge: %r" % sorted(left))
        r = run(["dpkg", "--root=" + root, "--status", "nerd"])
        if "install ok installed" in r.stdout:
            fail("still installed after purge")
        print("purged: nothing left")
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
