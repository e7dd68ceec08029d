#!/usr/bin/python3
"""valgrind over a whole daemon run: start, feed, reload (SIGHUP), feed
again, stop (SIGTERM). The master and every worker (forked processes are
followed by valgrind itself) must end with no definite leak and no
memory error.

usage: test_valgrind.py NERD      (exit 77: valgrind absent, skipped)
"""
import glob
import os
import re
import shutil
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import SRC, Collector, Daemon, push

NERD = os.path.abspath(sys.argv[1])
FIX = os.path.join(SRC, "tests", "fixtures")
VALGRIND = shutil.which("valgrind")

# Texts that the fixture gazetteers and rules annotate.
TEXTS = [
    "استقبل السيد كريم بناني الوفد في المغرب",
    "The United Nations and the US met; the Ministry of Finance said.",
    "Le Maroc et les Nations unies. boom aa bb 1",
]


def errors(text):
    """valgrind's error reports in a log, one block each."""
    blocks, cur = [], []
    for line in text.splitlines():
        body = re.sub(r"^==\d+== ?", "", line)
        if not body.strip():
            if cur:
                blocks.append("\n".join(cur))
            cur = []
        elif cur or not body.startswith(" "):
            cur.append(body)
    if cur:
        blocks.append("\n".join(cur))
    return [b for b in blocks if not b.startswith(("HEAP SUMMARY", "LEAK SUMMARY",
            "All heap blocks", "For lists", "For counts", "ERROR SUMMARY",
            "Rerun with", "To see them"))]


def jit_only(block):
    """PCRE2's JIT code reads words it knows to be partly unset (valgrind
    cannot follow code generated at run time: its frames are ???): a
    conditional jump whose top frame is JIT code is not ours to fix."""
    frames = [l.strip() for l in block.splitlines()[1:]]
    return (block.startswith("Conditional jump or move depends on "
                             "uninitialised") and frames and
            frames[0].endswith("???"))


class ValgrindDaemon(Daemon):
    """The harness's daemon, started under valgrind; each process writes
    its own report (vg.PID) to the temporary folder."""

    start_timeout = 120

    def command(self):
        return [VALGRIND, "--quiet", "--leak-check=full",
                "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                "--error-exitcode=1",
                "--trace-children=yes", "--child-silent-after-fork=no",
                "--log-file=" + os.path.join(self.tmp, "vg.%p"),
                self.nerd, "serve", "-v", "-c", self.conf]


def main():
    if not VALGRIND:
        print("skip: valgrind not installed")
        return 77
    with open(NERD, "rb") as f:
        if b"__asan_init" in f.read():
            print("skip: an AddressSanitizer build cannot run under valgrind")
            return 77
    d = ValgrindDaemon(NERD, workers=2,
                       gazetteers=os.path.join(FIX, "gazetteers"),
                       rules=os.path.join(FIX, "rules"))
    d.start()
    failed = []
    try:
        col = Collector(d)
        arts = [{"id": f"a{i}", "text": TEXTS[i % 3]} for i in range(60)]
        push(d, arts[:30])
        if not col.wait_for(lambda c: len(c.annotations()) >= 30, 120):
            failed.append("first batch not annotated")
        gen = d.ctl("ping")["generation"]
        d.kill(signal.SIGHUP)
        t0 = time.time()
        while d.ctl("ping")["generation"] == gen and time.time() - t0 < 60:
            time.sleep(0.1)
        if d.ctl("ping")["generation"] != gen + 1:
            failed.append("no new generation after SIGHUP")
        push(d, arts[30:], two_frame=True)
        push(d, [{"id": "bad", "text": 42}])
        if not col.wait_for(lambda c: len(c.annotations()) >= 60, 120):
            failed.append(f"{len(col.annotations())} of 60 annotated")
        col.stop()
        rc = d.stop(timeout=120)
        if rc != 0:
            failed.append(f"nerd serve exited {rc} under valgrind")
        reports = sorted(glob.glob(os.path.join(d.tmp, "vg.*")))
        procs = 0
        for path in reports:
            with open(path, errors="replace") as f:
                text = f.read()
            procs += 1
            bad = [b for b in errors(text) if not jit_only(b)]
            leak = re.search(r"definitely lost: ([\d,]+) bytes", text)
            if leak and leak.group(1) != "0":
                bad.append(leak.group(0))
            if bad:
                failed.append(f"{os.path.basename(path)}:\n" +
                              "\n".join(bad)[-6000:])
        # The master, two workers, two more after the reload.
        if procs < 5:
            failed.append(f"only {procs} valgrind reports (expected 5+)")
        print(f"{procs} processes checked by valgrind")
        if failed:
            for f in failed:
                print("FAIL:", f)
            print("---- daemon log (tail) ----")
            print("\n".join(d.log().splitlines()[-30:]))
            return 1
    finally:
        d.close()
    print("ok: fed, reloaded and stopped under valgrind: no leak, no error")
    return 0


if __name__ == "__main__":
    sys.exit(main())
