#!/usr/bin/env python3
"""pgsort series' svg and html line charts in headless Chromium, offline
(browser.py's driver: the network off, any request fails the test).

On the real series excerpt (tests/fixtures/series). Checks: the page has no
script (readable without JavaScript) and throws nothing; the screenshot is
not blank; one line per group drawn (12 at most); line 1 is the stack that
grew most, as computed here from the kernel's files (handles joined to their
stacks in show_stacks_handles, nr_base_pages summed per stack and sample),
its hover titles (<title>, shown by the browser) give those pages at every
sample, and it rises left to right on screen; the html table lists every
group shown. Usage: series_browser.py PGSORT SERIES_DIR. Fails (never skips)
when chromium is missing.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402
from browser import Chrome, blank_stats, js, ok, open_page, screenshot  # noqa: E402


def stack_pages(d):
    """{stack text: [pages per sample]} from the files, without pgsort."""
    stacks, cur = {}, []
    with open(os.path.join(d, "show_stacks_handles.059.txt")) as f:
        for line in f:
            if line.startswith("handle: "):
                stacks[line.split()[1]] = "".join(cur)
                cur = []
            elif line.strip():
                cur.append(line)
    files = sorted(glob.glob(os.path.join(d, "show_handles.*.txt")))
    per = {}
    for j, name in enumerate(files):
        h = None
        for line in open(name):
            if line.startswith("handle: "):
                h = line.split()[1]
            elif line.startswith("nr_base_pages: "):
                st = stacks.get(h, "handle: " + str(h))
                per.setdefault(st, [0] * len(files))[j] += int(line.split()[1])
    return per, files


def main():
    exe = shutil.which("chromium")
    if not exe:
        print("FAIL chromium is not installed: apt-get install chromium (Debian's package)")
        return 1
    pgsort, d = sys.argv[1], os.path.abspath(sys.argv[2])
    per, files = stack_pages(d)
    top = max(per, key=lambda k: per[k][-1] - per[k][0])
    want = per[top]
    tmp = tempfile.mkdtemp(prefix="pgsort-series-browser-")
    c = None
    try:
        times = os.path.join(tmp, "times")
        with open(os.path.join(d, "index.tsv")) as f, open(times, "w") as o:
            for line in list(f)[1:]:
                o.write(line.split("\t")[2].strip() + "\n")
        out = {}
        for fmt, extra in (("svg", []), ("html", []), ("stacked.svg", ["--stacked"])):
            out[fmt] = os.path.join(tmp, "s." + fmt)
            with open(out[fmt], "w") as o:
                subprocess.run([pgsort, "series", "--stacks",
                                os.path.join(d, "show_stacks_handles.059.txt"), "--times", times,
                                "--top", "20", "--format=" + fmt.split(".")[-1]] + extra + files,
                               check=True, stdout=o)
        c = Chrome(exe, os.path.join(tmp, "profile"))
        c.blocked = []
        c.send("Target.setDiscoverTargets", {"discover": True}, session=False)
        target = c.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        c.session = c.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                           session=False)["sessionId"]
        c.send("Fetch.enable", {"patterns": [{"urlPattern": "http*"}, {"urlPattern": "ws*"},
                                             {"urlPattern": "ftp*"}]})
        c.send("Network.enable")
        c.send("Page.enable")
        c.send("Runtime.enable")
        for fmt in ("svg", "html"):
            open_page(c, out[fmt])
            c.send("Emulation.setDeviceMetricsOverride", {"width": 1000, "height": 1200,
                                                          "deviceScaleFactor": 1, "mobile": False})
            ok(js(c, "document.querySelectorAll('script').length") == 0, fmt + ": no script")
            lines = js(c, "document.querySelectorAll('g.pgs-line').length")
            ok(lines == 12, "%s: 12 lines drawn (of 20 groups): %d" % (fmt, lines))
            colours, busy = blank_stats(screenshot(c), (255, 255, 255))
            ok(colours >= 12 and busy >= 0.02, "%s: screenshot not blank: %d colours, %.1f%% drawn"
               % (fmt, colours, busy * 100))
            title = js(c, "document.querySelector('g.pgs-line[data-rank=\"1\"] polyline title')"
                          ".textContent")
            fn = [l.strip() for l in top.splitlines() if "shmem_alloc_folio" in l]
            ok(bool(fn) and title.startswith("#1 ") and "shmem_alloc_folio" in title and
               ("%+d pages" % (want[-1] - want[0])) in title,
               "%s: line 1 is the stack that grew most (%+d pages): %s"
               % (fmt, want[-1] - want[0], title))
            pts = js(c, "[...document.querySelectorAll('g.pgs-line[data-rank=\"1\"] circle')]"
                        ".map(e => [e.getBoundingClientRect().x, e.getBoundingClientRect().y,"
                        " e.querySelector('title').textContent])")
            got = [int(re.search(r", (\d+) pages$", p[2]).group(1)) for p in pts]
            ok(got == want, "%s: line 1's hover titles give the files' pages per sample" % fmt)
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            ok(xs == sorted(xs) and ys[0] > ys[-1] and ys == sorted(ys, reverse=True),
               "%s: line 1 runs left to right and rises on screen" % fmt)
        rows = js(c, "document.querySelectorAll('#pgs-series tbody tr').length")
        ok(rows == 20, "html: the table lists the 20 groups: %d" % rows)
        # Stacked: 12 bands; at each sample every band's top is at or above
        # the one below it, and the sum of the 12 groups (from the files)
        # at its largest reaches the top of the axis.
        open_page(c, out["stacked.svg"])
        bands = js(c, "document.querySelectorAll('g.pgs-line polygon').length")
        ok(bands == 12, "stacked: 12 bands: %d" % bands)
        ys = js(c, "[...Array(12).keys()].map(k => [...document.querySelectorAll("
                   "'g.pgs-line[data-rank=\"' + (k + 1) + '\"] circle')].map(e => +e.getAttribute('cy')))")
        ok(all(ys[k + 1][j] <= ys[k][j] for k in range(11) for j in range(len(files))),
           "stacked: each band's top at or above the one below, at every sample")
        ok(min(ys[11]) == 48.0, "stacked: the largest sum reaches the top of the axis (y %s)" % min(ys[11]))
        urls = {m["params"]["request"]["url"] for m in c.events
                if m["method"] == "Network.requestWillBeSent"}
        bad = {u for u in urls | set(c.blocked) if not u.startswith(("file:", "data:", "about:"))}
        ok(not bad, "no request left the machine: %s" % sorted(bad))
        errs = [m for m in c.events if m["method"] == "Runtime.exceptionThrown"]
        ok(not errs, "no script error: %s" % errs[:1])
    finally:
        if c:
            c.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failures" % browser.failures)
    return 1 if browser.failures else 0


if __name__ == "__main__":
    sys.exit(main())
