#!/usr/bin/env python3
"""The svg and html flame graphs in headless Chromium, offline.

Drives Debian's chromium over the DevTools protocol on a pipe
(--remote-debugging-pipe; python3's standard library only). The network is
off twice: launch flags send every host to nowhere, and the Fetch domain
fails and records any request that is not file: or data:, which fails the
test. Checks: the screenshot is not blank (PNG decoded here: distinct
colours, non-background pixels), a real mouse click zooms (the frame spans
the full width, its siblings hide, Escape restores), hovering shows pages,
bytes and share, the search box highlights the matching frames and its
"Matched" share equals the pages of blocks with a matching frame, counted
here from the input. Usage: browser.py PGSORT FIXTURE [SCREENSHOT.png],
or browser.py --shot GRAPH.svg OUT.png to take a picture of a graph.
Fails (never skips) when chromium is missing.
"""
import base64
import fcntl
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

failures = 0


def ok(cond, msg):
    global failures
    if not cond:
        failures += 1
    print(("ok   " if cond else "FAIL ") + msg)


def png_pixels(data):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), "PNG type %d/%d" % (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return w, h, rows


class Chrome:
    def __init__(self, exe, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps",
                "--disable-domain-reliability", "--metrics-recording-only",
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--allow-file-access-from-files",
                "--hide-scrollbars", "--force-device-scale-factor=1", "about:blank"]

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)
        to_r, from_w = fcntl_high(to_r), fcntl_high(from_w)
        self.p = subprocess.Popen(args, preexec_fn=fds, close_fds=False,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.buf, self.id, self.events = b"", 0, []
        self.session = None

    def send(self, method, params=None, session=True):
        self.id += 1
        msg = {"id": self.id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        want = self.id
        while True:
            m = self.read()
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})

    def read(self, deadline=30):
        end = time.time() + deadline
        while b"\0" not in self.buf:
            if time.time() > end:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.from_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        m = json.loads(raw)
        if "method" in m:
            self.on_event(m)
        return m

    def on_event(self, m):
        self.events.append(m)
        if m["method"] == "Fetch.requestPaused":
            self.blocked.append(m["params"]["request"]["url"])
            self.send("Fetch.failRequest", {"requestId": m["params"]["requestId"],
                                            "errorReason": "BlockedByClient"})

    def wait_event(self, name, deadline=30):
        end = time.time() + deadline
        while True:
            for i, m in enumerate(self.events):
                if m["method"] == name:
                    del self.events[i]
                    return m
            if time.time() > end:
                raise TimeoutError(name)
            self.read(max(1, end - time.time()))

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def fcntl_high(fd):
    """fd moved above 4, so that the child's dup2 to 3 and 4 cannot clobber it."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    os.set_inheritable(high, True)
    return high


def open_page(c, path):
    c.events.clear()
    c.send("Page.navigate", {"url": "file://" + path})
    c.wait_event("Page.loadEventFired")


def js(c, expr):
    r = c.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
    if "exceptionDetails" in r:
        raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
    return r["result"].get("value")


def mouse(c, kind, x, y):
    p = {"type": kind, "x": x, "y": y, "button": "left" if kind != "mouseMoved" else "none",
         "clickCount": 1 if kind != "mouseMoved" else 0}
    c.send("Input.dispatchMouseEvent", p)


def screenshot(c):
    return base64.b64decode(c.send("Page.captureScreenshot", {"format": "png"})["data"])


def blank_stats(png, bg):
    w, h, rows = png_pixels(png)
    colours, busy = set(), 0
    for row in rows:
        for px in row:
            colours.add(px)
            if max(abs(px[k] - bg[k]) for k in range(3)) > 8:
                busy += 1
    return len(colours), busy / float(w * h)


def matched_share(fixture, pattern):
    """Pages of blocks with a frame (offsets cut) matching pattern, in %."""
    total = hit = 0
    blocks = open(fixture, "rb").read().split(b"\n\n")
    for b in blocks:
        m = re.match(rb"Page allocated via order (\d+)", b)
        if not m:
            continue
        pages = 1 << int(m.group(1))
        total += pages
        frames = [re.sub(rb"\+0x[0-9a-f]+/0x[0-9a-f]+", b"", ln[1:]).decode("utf-8", "replace")
                  for ln in b.split(b"\n") if re.match(rb"^ \S", ln)]
        if any(re.search(pattern, f) for f in frames):
            hit += pages
    return 100.0 * hit / total


ZOOM = """(function () {
  var r = document.querySelector('g.f > rect');
  var all = Array.prototype.slice.call(document.querySelectorAll('g.f'));
  var kids = all.filter(function (g) { return g.parentNode === all[0]; });
  kids.sort(function (a, b) { return b.querySelector(':scope > rect').getAttribute('width') -
                                     a.querySelector(':scope > rect').getAttribute('width'); });
  var t = kids[1] || kids[0], rb = t.querySelector(':scope > rect').getBoundingClientRect();
  return {name: t.querySelector(':scope > title').textContent.split('\\n')[0],
          x: rb.left + 2, y: rb.top + rb.height / 2, n: kids.length};
})()"""

AFTER = """(function (name) {
  var all = Array.prototype.slice.call(document.querySelectorAll('g.f'));
  var kids = all.filter(function (g) { return g.parentNode === all[0]; });
  var t = kids.filter(function (g) { return g.querySelector(':scope > title').textContent.split('\\n')[0] === name; })[0];
  return {width: +t.querySelector(':scope > rect').getAttribute('width'),
          x: +t.querySelector(':scope > rect').getAttribute('x'),
          hidden: kids.filter(function (g) { return g !== t && getComputedStyle(g).display === 'none'; }).length,
          visibleDesc: Array.prototype.slice.call(t.querySelectorAll('g.f')).filter(function (g) {
              return getComputedStyle(g).display !== 'none'; }).length,
          rootAnc: all[0].classList.contains('anc'),
          zoom: document.getElementById('pgs-flame').getAttribute('data-zoom')};
})(%s)"""


def check_page(c, path, fixture, label, shot=None):
    open_page(c, path)
    size = js(c, "[+document.getElementById('pgs-flame').getAttribute('width'),"
                 " +document.getElementById('pgs-flame').getAttribute('height'),"
                 " document.documentElement.scrollHeight]")
    c.send("Emulation.setDeviceMetricsOverride", {"width": 1220, "height": min(size[2] + 20, 3000),
                                                  "deviceScaleFactor": 1, "mobile": False})
    nframes = js(c, "document.querySelectorAll('g.f').length")
    ok(nframes > 50, "%s: %d frames in the DOM" % (label, nframes))
    png = screenshot(c)
    if shot:
        with open(shot, "wb") as f:
            f.write(png)
    colours, busy = blank_stats(png, (248, 248, 244) if label == "svg" else (255, 255, 255))
    ok(colours >= 30 and busy >= 0.1, "%s: screenshot not blank: %d colours, %.0f%% drawn" % (
        label, colours, busy * 100))

    # Hover: the details line names the frame with its pages, bytes and share.
    t = js(c, ZOOM)
    mouse(c, "mouseMoved", t["x"], t["y"])
    det = js(c, "document.getElementById('pgs-details').textContent")
    ok(det.startswith(t["name"]) and re.search(r"\d+ pages, \d+ bytes \(.*\), \d+\.\d\d% of pages", det),
       "%s: hover shows %r" % (label, det[:90]))

    # A real click zooms: full width, siblings hidden, root kept as ancestor.
    before = js(c, AFTER % json.dumps(t["name"]))
    mouse(c, "mousePressed", t["x"], t["y"])
    mouse(c, "mouseReleased", t["x"], t["y"])
    z = js(c, AFTER % json.dumps(t["name"]))
    ok(before["width"] < 1100 and abs(z["width"] - 1180) < 0.01 and abs(z["x"] - 10) < 0.01,
       "%s: clicked %r: width %.2f -> %.2f" % (label, t["name"], before["width"], z["width"]))
    ok(z["hidden"] == t["n"] - 1 and z["rootAnc"] and z["zoom"] == t["name"],
       "%s: zoom hides its %d siblings, keeps the root as ancestor" % (label, z["hidden"]))
    ok(z["visibleDesc"] > 0, "%s: %d frames below it visible" % (label, z["visibleDesc"]))
    png2 = screenshot(c)
    ok(png2 != png, "%s: the zoomed screenshot differs" % label)
    c.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Escape", "code": "Escape",
                                      "windowsVirtualKeyCode": 27})
    z = js(c, AFTER % json.dumps(t["name"]))
    ok(abs(z["width"] - before["width"]) < 0.01 and z["hidden"] == 0, "%s: Escape unzooms" % label)

    # Search: type into the box; matches turn magenta, the share is right.
    pattern = "^kmalloc|slab"
    box = js(c, "(function(){var r=document.getElementById('pgs-search').getBoundingClientRect();"
                "return [r.left + 5, r.top + r.height / 2];})()")
    mouse(c, "mousePressed", box[0], box[1])
    mouse(c, "mouseReleased", box[0], box[1])
    c.send("Input.insertText", {"text": pattern})
    res = js(c, """(function (p) {
      var re = new RegExp(p), all = document.querySelectorAll('g.f'), hit = 0, want = 0;
      for (var i = 1; i < all.length; i++) {
        var g = all[i], n = g.querySelector(':scope > title').textContent.split('\\n')[0];
        var f = g.querySelector(':scope > rect').getAttribute('fill');
        if (re.test(n)) want++;
        if (f === 'rgb(230,0,230)') hit++;
      }
      return [hit, want, document.getElementById('pgs-matched').textContent];
    })(%s)""" % json.dumps(pattern))
    share = matched_share(fixture, pattern)
    got = float(re.search(r"([\d.]+)%", res[2]).group(1)) if "%" in res[2] else -1
    ok(res[1] > 0 and res[0] == res[1], "%s: search highlights %d of %d matching frames" % (
        label, res[0], res[1]))
    ok(abs(got - share) < 0.02, "%s: %s, input says %.2f%%" % (label, res[2], share))


def shot_only(exe, svg, png):
    """docs/flamegraph.png: the SVG at its own size, offline."""
    tmp = tempfile.mkdtemp(prefix="pgsort-shot-")
    c = Chrome(exe, os.path.join(tmp, "profile"))
    try:
        c.blocked = []
        target = c.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        c.session = c.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                           session=False)["sessionId"]
        c.send("Fetch.enable", {"patterns": [{"urlPattern": "http*"}]})
        c.send("Page.enable")
        open_page(c, os.path.abspath(svg))
        w, h = js(c, "[+document.documentElement.getAttribute('width'),"
                     " +document.documentElement.getAttribute('height')]")
        c.send("Emulation.setDeviceMetricsOverride", {"width": w, "height": h,
                                                      "deviceScaleFactor": 1, "mobile": False})
        with open(png, "wb") as f:
            f.write(screenshot(c))
    finally:
        c.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def main():
    exe = shutil.which("chromium")
    if not exe:
        print("FAIL chromium is not installed: apt-get install chromium (Debian's package)")
        return 1
    if sys.argv[1] == "--shot":
        return shot_only(exe, sys.argv[2], sys.argv[3])
    pgsort, fixture = sys.argv[1], os.path.abspath(sys.argv[2])
    shot = sys.argv[3] if len(sys.argv) > 3 else None
    tmp = tempfile.mkdtemp(prefix="pgsort-browser-")
    c = None
    try:
        svg, html = os.path.join(tmp, "g.svg"), os.path.join(tmp, "g.html")
        for fmt, out in (("svg", svg), ("html", html)):
            subprocess.run([pgsort, "--format=" + fmt, "--top", "1000", fixture, out], check=True)
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
        check_page(c, svg, fixture, "svg", shot)
        check_page(c, html, fixture, "html")
        rows = js(c, "document.querySelectorAll('#pgs-top tbody tr').length")
        ok(rows > 10, "html: the table has %d rows" % rows)
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
    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
