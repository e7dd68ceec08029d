#!/usr/bin/python3
"""The HTML views (issue 9): `nerd tag --format html` and `nerd sub --format
html`, rendered by a real browser (headless Chromium, Debian's chromium
package) and checked there: the page is not blank, every mention is in the
DOM with its type and entity id, Arabic mentions are laid out right to
left (mixed Arabic and Latin lines included), English ones left to right,
and article text is escaped.

The page's inline script writes each mention's laid-out box into data-x /
data-y / data-lines, so that `chromium --dump-dom` shows the layout.

usage: test_html.py NERD CASE [--save-screenshot PNG]
Exits 77 (skipped) when chromium is not installed.
"""
import glob
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import SRC, Daemon, push  # noqa: E402

NERD = os.path.abspath(sys.argv[1])
SEED = sorted(glob.glob(os.path.join(os.path.dirname(SRC), "shared", "seed",
                                     "*.txt")))
SAMPLE = os.path.join(SRC, "examples", "sample.jsonl")
TMP = tempfile.mkdtemp(prefix="nerd-html-")

# A mixed line (Arabic around Latin names), text that must be escaped,
# and an English article.
EXTRA = [
    {"id": "mixed-1", "lang": "ar",
     "text": "استقبل عبد اللطيف حموشي في الرباط Emmanuel Macron رئيس "
             "France، ثم زار النمسا والمغرب.\nقال <script>alert(1)</script> "
             "& \"Macron\" إن تركيا وقطر شريكان."},
    {"id": "en-1", "lang": "en",
     "text": "Emmanuel Macron met Angela Merkel in Germany and then flew to "
             "Morocco."},
]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def chromium_bin():
    for name in ("chromium", "chromium-browser"):
        p = shutil.which(name)
        if p:
            return p
    print("SKIP: chromium is not installed (scripts/deps.sh installs "
          "Debian's chromium package)")
    shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(77)


def chromium(page, *args):
    """Run headless Chromium on the page; its stdout."""
    profile = tempfile.mkdtemp(dir=TMP, prefix="profile-")
    cmd = [chromium_bin(), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={profile}",
           "--window-size=1200,1600", *args, "file://" + page]
    r = subprocess.run(cmd, capture_output=True, timeout=120)
    check(r.returncode == 0, f"chromium failed ({r.returncode}): "
          f"{r.stderr.decode(errors='replace')[-2000:]}")
    return r.stdout.decode()


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB/RGBA PNG,
    decoded with zlib and struct only."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    check(depth == 8 and ctype in (2, 6) and interlace == 0,
          f"{path}: PNG depth {depth} type {ctype} not handled")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def check_screenshot(png):
    w, h, bpp, rows = png_pixels(png)
    ink = colour = 0
    for row in rows[::2]:
        for x in range(0, w * bpp, 2 * bpp):
            r, g, b = row[x], row[x + 1], row[x + 2]
            if min(r, g, b) < 240:
                ink += 1
            if max(r, g, b) - min(r, g, b) > 25:
                colour += 1
    total = (h // 2) * (w // 2)
    print(f"screenshot {w}x{h}: {100 * ink / total:.1f}% not white, "
          f"{100 * colour / total:.2f}% coloured")
    check(ink / total > 0.02, "the screenshot is (nearly) blank")
    check(colour / total > 0.002, "no highlighted mention in the screenshot")


class Dom(html.parser.HTMLParser):
    """The mentions of a page, with the article and paragraph they are in."""

    def __init__(self):
        super().__init__()
        self.marks, self.articles = [], []
        self.para = 0
        self.open_marks = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article":
            self.articles.append(a)
        elif tag in ("p", "h2"):
            self.para += 1
        elif tag == "script":
            self.scripts += 1
        elif tag == "mark" and "data-type" in a:
            m = dict(a, para=self.para, article=self.articles[-1],
                     depth=len(self.open_marks), text="")
            self.marks.append(m)
            self.open_marks.append(m)
        elif tag == "mark":
            self.open_marks.append(None)

    def handle_endtag(self, tag):
        if tag == "mark" and self.open_marks:
            self.open_marks.pop()

    def handle_data(self, data):
        for m in self.open_marks:
            if m is not None:
                m["text"] += data


def dom_of(page):
    d = Dom()
    d.feed(chromium(page, "--dump-dom"))
    return d


def annotations(args):
    r = subprocess.run([NERD, "tag", *args], capture_output=True)
    check(r.returncode == 0, f"nerd tag {args}: {r.stderr.decode()}")
    return [json.loads(l) for l in r.stdout.decode().splitlines()]


def render(args, name):
    page = os.path.join(TMP, name)
    with open(page, "wb") as f:
        r = subprocess.run([NERD, "tag", "--format", "html", *args], stdout=f,
                           stderr=subprocess.PIPE)
    check(r.returncode == 0, f"nerd tag --format html: {r.stderr.decode()}")
    return page


def key(id_, e):
    return (id_, e["type"], e.get("field", "text"), e["start"], e["end"],
            e.get("entity_id") or "")


def check_mentions(dom, anns):
    """Every mention of every annotation is a <mark> with its type."""
    want = sorted(key(a["id"], e) for a in anns for e in a["entities"])
    got = sorted((m["article"].get("data-id"), m["data-type"],
                  m["data-field"], int(m["data-start"]), int(m["data-end"]),
                  m.get("data-entity-id") or "") for m in dom.marks)
    check(want == got, f"mentions in the DOM differ:\n want {want[:8]}\n "
          f"got  {got[:8]}")
    texts = {key(a["id"], e): e["text"] for a in anns for e in a["entities"]}
    for m in dom.marks:
        k = (m["article"].get("data-id"), m["data-type"], m["data-field"],
             int(m["data-start"]), int(m["data-end"]),
             m.get("data-entity-id") or "")
        if m["depth"] == 0:
            check(m["text"] == texts[k], f"mark text {m['text']!r} is not "
                  f"the mention {texts[k]!r}")
    print(f"ok: {len(want)} mentions in the DOM with their type")


def is_arabic(s):
    return any("\u0600" <= c <= "\u06ff" for c in s)


def line_pairs(dom, direction):
    """Pairs (earlier, later) in text order of top-level, one-line
    mentions on the same line of one paragraph, in articles of that
    direction."""
    by_para = {}
    for m in dom.marks:
        if (m["article"].get("dir") == direction and m["depth"] == 0 and
                m.get("data-lines") == "1" and m["data-field"] == "text"):
            by_para.setdefault(m["para"], []).append(m)
    pairs = []
    for ms in by_para.values():
        ms.sort(key=lambda m: int(m["data-start"]))
        for a, b in zip(ms, ms[1:]):
            if abs(float(a["data-y"]) - float(b["data-y"])) < 2:
                pairs.append((a, b))
    return pairs


def check_layout(dom):
    check(all("data-x" in m for m in dom.marks),
          "the page's script did not record the layout")
    rtl = line_pairs(dom, "rtl")
    check(len(rtl) >= 3, f"only {len(rtl)} pairs of mentions on one line "
          "in right-to-left articles")
    for a, b in rtl:
        check(float(a["data-x"]) > float(b["data-x"]),
              f"right to left: {a['text']!r} (x {a['data-x']}) comes "
              f"before {b['text']!r} (x {b['data-x']}) but is not to its "
              "right")
    ltr = line_pairs(dom, "ltr")
    for a, b in ltr:
        check(float(a["data-x"]) < float(b["data-x"]),
              f"left to right: {a['text']!r} is not left of {b['text']!r}")
    mixed = [p for p in rtl if not all(map(is_arabic, (p[0]["text"],
                                                      p[1]["text"])))]
    print(f"ok: {len(rtl)} pairs laid out right to left ({len(mixed)} "
          f"with a Latin name), {len(ltr)} left to right")
    return mixed


def case_tag():
    save = sys.argv[sys.argv.index("--save-screenshot") + 1] \
        if "--save-screenshot" in sys.argv else None
    chromium_bin()
    if SEED:
        args = ["--text", SEED[0]]
        print(f"the seed article: {SEED[0]}")
    else:
        args = [SAMPLE]
        print("note: ../shared/seed absent: rendering examples/sample.jsonl")
    page = render(args, "seed.html")
    png = os.path.join(TMP, "seed.png")
    chromium(page, f"--screenshot={png}")
    check_screenshot(png)
    if save:
        shutil.copyfile(png, save)
    dom = dom_of(page)
    check(dom.articles and all(a.get("dir") == "rtl" and
                               a.get("lang") == "ar"
                               for a in dom.articles
                               if a.get("data-id", "").startswith(
                                   ("000_", "sample-ar"))),
          "Arabic articles are not dir=rtl lang=ar")
    check_mentions(dom, annotations(args))
    check_layout(dom)

    # Mixed lines, escaping, an English article.
    jl = os.path.join(TMP, "extra.jsonl")
    with open(jl, "w", encoding="utf-8") as f:
        for a in EXTRA:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    page = render([jl], "extra.html")
    with open(page, encoding="utf-8") as f:
        raw = f.read()
    check(raw.count("<script") == 1, "article text became a <script>")
    check("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;"
          in raw, "article text is not escaped")
    dom = dom_of(page)
    check(dom.scripts == 1, "a second <script> element in the DOM")
    check_mentions(dom, annotations([jl]))
    check(len(check_layout(dom)) >= 1, "no mixed Arabic/Latin line checked")
    print("ok: tag")


def case_sub():
    """A stream snapshot: the daemon's annotations as one page."""
    chromium_bin()
    with open(SAMPLE, encoding="utf-8") as f:
        arts = [json.loads(l) for l in f if l.strip()]
    arts += EXTRA
    jl = os.path.join(TMP, "all.jsonl")
    with open(jl, "w", encoding="utf-8") as f:
        for a in arts:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    anns = annotations([jl])
    d = Daemon(NERD, workers=2, output_mode="push",
               extra_nerd="stats_interval_s = 0").start()
    try:
        page = os.path.join(TMP, "sub.html")
        with open(page, "wb") as out:
            sub = subprocess.Popen([NERD, "sub", "-e", d.output, "--pull",
                                    "--format", "html", "-n",
                                    str(len(arts) + 1)], stdout=out)
            push(d, arts)
            push(d, [{"text": "no id here"}])
            sub.wait(60)
        check(sub.returncode == 0, f"nerd sub exited {sub.returncode}")
    finally:
        d.close()
    dom = dom_of(page)
    check(len(dom.articles) == len(arts) + 1,
          f"{len(dom.articles)} articles in the snapshot, want "
          f"{len(arts) + 1}")
    check(sum("error" in a.get("class", "") for a in dom.articles) == 1,
          "the error event is not in the snapshot")
    check_mentions(dom, anns)
    print("ok: sub")


CASES = {"tag": case_tag, "sub": case_sub}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[2] not in CASES:
        print(__doc__, "cases:", " ".join(CASES))
        sys.exit(2)
    try:
        CASES[sys.argv[2]]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
