#!/usr/bin/env python3
"""pgsort --format=svg/html against an independent reading of the input.

Reads each page_owner block with regexes (header's order, gfp mask, comm and
pid, frame lines; offsets cut like --strip-offsets; pseudo frames written as
the man page's "Folded stacks" says), builds the flame graph's tree
itself and compares it with the SVG: well-formed XML, every frame's path,
blocks and pages in its hover text, rect width = pages * 1180 / total, the
frames under 0.1 px left out and counted, escaping of hostile names, the
icicle layout, html's table and --top, and no URL the page would fetch.
Usage: check_svg.py PGSORT FIXTURES_DIR
"""
import codecs
from html import unescape
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
INNER = 1180.0
STRIP = re.compile(rb"\+0x[0-9a-f]+/0x[0-9a-f]+")
HDR = re.compile(rb"^Page allocated via order (\d+), mask (0x[0-9a-f]+)\((.*?)\), "
                 rb"pid (-?\d+), tgid -?\d+ \((.*)\), ts \d+ ns$")
failures = 0
checks = 0

codecs.register_error("pgsx", lambda e: ("".join("\\x%02x" % b for b in e.object[e.start:e.end]), e.end))


def ok(cond, msg):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL", msg)


def esc(b):
    """What the SVG shows for bytes b: UTF-8 kept, anything else \\xNN."""
    s = b.decode("utf-8", errors="pgsx")
    out = []
    for c in s:
        if ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\x%02x" % ord(c))
        elif c in "\ufffe\uffff":
            out.append("".join("\\x%02x" % x for x in c.encode()))
        else:
            out.append(c)
    return "".join(out)


def blocks(path, keep=False):
    """(pid, comm, order, frames innermost first, gfp) per block; gfp as the
    folded pseudo frame shows it: the mask's names, or the mask in hex."""
    out, cur = [], None
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            m = HDR.match(line)
            if m:
                cur = [int(m.group(4)), m.group(5), int(m.group(1)), [],
                       (m.group(3) or m.group(2)).decode()]
                out.append(cur)
            elif cur is not None and re.match(rb"^ \S", line):
                fr = line[1:]
                cur[3].append(fr if keep else STRIP.sub(b"", fr))
            elif not line:
                cur = None
    return out


def tree(paths):
    """{path tuple: [blocks, pages]} for every prefix, root = ()."""
    t = {}
    for path, pages in paths:
        for d in range(len(path) + 1):
            n = t.setdefault(tuple(path[:d]), [0, 0])
            n[0] += 1
            n[1] += pages
    return t


def run(args, stdin=None):
    p = subprocess.run(args, input=stdin, capture_output=True)
    ok(p.returncode == 0, "%s: exit %d %s" % (args, p.returncode, p.stderr[:300]))
    return p.stdout


TITLE = re.compile(r"^(\d+) (blocks|stacks), (\d+) pages, (\d+) bytes \(([0-9.]+ [KMGTPE]?i?B)\), "
                   r"(\d+\.\d\d)% of (pages|blocks|stacks|bytes)$")


def human(b):
    """Bytes as the title shows them (man page): "512 B", "4.0 KiB", one
    decimal rounded half up."""
    if b < 1024:
        return "%d B" % b
    v, u = b / 1024, 0
    while v >= 1024 and u < 5:
        v, u = v / 1024, u + 1
    t = int(v * 10 + 0.5)
    return "%d.%d %s" % (t // 10, t % 10, ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"][u])


def svg_nodes(root):
    """{path: (blocks, pages, x, width, y, bytes, share, share unit, human
    bytes, what blocks count)} from nested <g class="f">, every one of which
    must have a <title>: its name, then its figures."""
    out = {}

    def walk(g, path):
        t = g.find(NS + "title")
        ok(t is not None and t.text and "\n" in t.text, "a frame without a title: %r" % (path,))
        name, figs = t.text.split("\n", 1)
        m = TITLE.match(figs)
        ok(m is not None, "title figures of %r: %r" % (name, figs))
        if m is None:
            return
        r = g.find(NS + "rect")
        p = path + (name,) if path is not None else ()
        ok(p not in out, "path twice: %r" % (p,))
        out[p] = (int(m.group(1)), int(m.group(3)), float(r.get("x")), float(r.get("width")),
                  int(r.get("y")), int(m.group(4)), float(m.group(6)), m.group(7), m.group(5),
                  m.group(2))
        for c in g.findall(NS + "g"):
            walk(c, p)

    gs = [g for g in root.findall(NS + "g") if g.get("class") == "f"]
    ok(len(gs) == 1, "one root frame")
    walk(gs[0], None)
    return out


def compare(label, svg, expect, weight=1, page_size=4096, count="blocks"):
    """expect: {path: [blocks, pages]} with names as the SVG shows them;
    count: what the titles say the first number counts."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as e:
        ok(False, "%s: not well-formed XML: %s" % (label, e))
        return None
    got = svg_nodes(root)
    total = expect[()][weight]
    drawn = {p for p, v in expect.items() if p == () or v[weight] * INNER / total >= 0.1}
    ok(set(got) == drawn, "%s: frames differ: missing %s, extra %s" % (
        label, sorted(drawn - set(got))[:3], sorted(set(got) - drawn)[:3]))
    bad = 0
    for p in drawn & set(got):
        b, pg, x, w, y, by, share, unit, hum, cnt = got[p]
        want = expect[p][weight] * INNER / total if p else INNER
        want_share = 100.0 * expect[p][weight] / total
        if (b != expect[p][0] or pg != expect[p][1] or by != pg * page_size or abs(w - want) > 0.0051 or
                abs(share - want_share) > 0.005 + 1e-9 or unit != (count, "pages")[weight] or
                hum != human(pg * page_size) or cnt != count):
            bad += 1
            if bad < 4:
                print("  %s %r: got %d %s %d pages (%s) width %.2f %.2f%% of %s, want %d %d %.4f %.4f%%" % (
                    label, p[-3:], b, cnt, pg, hum, w, share, unit, expect[p][0], expect[p][1], want,
                    want_share))
    ok(bad == 0, "%s: %d frames with wrong figures (title) or width" % (label, bad))
    # Children of a frame tile it from its left edge, without gap or overlap.
    for p in got:
        kids = sorted((q for q in got if len(q) == len(p) + 1 and q[:len(p)] == p),
                      key=lambda q: got[q][2])
        x = got[p][2]
        for q in kids:
            ok(abs(got[q][2] - x) < 0.011, "%s: %r starts at %.2f, not %.2f" % (label, q[-1], got[q][2], x))
            x += expect[q][weight] * INNER / total
    dropped = len(expect) - len(drawn)
    note = re.search(rb"(\d+) frames narrower than 0.1 px left out", svg)
    ok((int(note.group(1)) if note else 0) == dropped, "%s: note says %s left out, want %d" % (
        label, note.group(1) if note else 0, dropped))
    print("ok %s: %d frames drawn, %d left out, total %d" % (label, len(drawn), dropped, total))
    return root, got


def stack_paths(bl, pre=lambda b: ()):
    return [(pre(b) + tuple(esc(f) for f in reversed(b[3])), 1 << b[2]) for b in bl]


def main():
    pgsort, fx = sys.argv[1], sys.argv[2]
    small = os.path.join(fx, "real/small.txt")
    mods = os.path.join(fx, "real/modules.txt")
    edge = os.path.join(fx, "real/edgecomm.txt")
    sb = blocks(small)

    # Default grouping: the frames alone; file and pipe give the same bytes.
    svg = run([pgsort, "--format=svg", small])
    compare("small", svg, tree(stack_paths(sb)))
    ok(run([pgsort, "--format=svg", "--title", small, "-"], open(small, "rb").read()) == svg,
       "a pipe gives the file's bytes")
    compare("modules", run([pgsort, "--format=svg", mods]), tree(stack_paths(blocks(mods))))
    compare("keep-offsets", run([pgsort, "--format=svg", "--keep-offsets", small]),
            tree(stack_paths(blocks(small, keep=True))))
    # Widths by blocks.
    compare("weight=times", run([pgsort, "--format=svg", "--weight=times", small]),
            tree(stack_paths(sb)), weight=0)
    # A filter: only blocks of order >= 1.
    compare("filter", run([pgsort, "--format=svg", "--filter", "order>=1", small]),
            tree(stack_paths([b for b in sb if b[2] >= 1])))
    # Non-stack culls become pseudo frames at the root.
    compare("cull=name", run([pgsort, "--format=svg", "--cull=name", edge]),
            tree([(("name:" + esc(b[1]),), 1 << b[2]) for b in blocks(edge)]))
    compare("cull=pid,stacktrace", run([pgsort, "--format=svg", "--cull=pid,stacktrace", small]),
            tree(stack_paths(sb, lambda b: ("pid:%d" % b[0],))))
    compare("cull=gfp,stacktrace", run([pgsort, "--format=svg", "--cull=gfp,stacktrace", small]),
            tree(stack_paths(sb, lambda b: ("gfp:" + b[4],))))

    # html's graph is the svg's, titles included.
    page = run([pgsort, "--format=html", small])
    compare("html", page[page.index(b"<svg"):page.index(b"</svg>") + 6], tree(stack_paths(sb)))
    # show_stacks: a record per stack and no blocks: titles count stacks.
    recs = []
    with open(os.path.join(fx, "real/show_stacks.txt"), "rb") as f:
        for rec in f.read().split(b"\n\n"):
            fr = [STRIP.sub(b"", x[1:]) for x in rec.split(b"\n") if x.startswith(b" ")]
            n = re.search(rb"^nr_base_pages: (\d+)$", rec, re.M)
            if n:
                recs.append((tuple(esc(x) for x in reversed(fr)), int(n.group(1))))
    ok(len(recs) > 10, "show_stacks read")
    for fmt in ("svg", "html"):
        for weight, extra in ((1, []), (0, ["--weight=times"])):
            out = run([pgsort, "--format=" + fmt] + extra + [os.path.join(fx, "real/show_stacks.txt")])
            compare("show_stacks %s %s" % (fmt, " ".join(extra)),
                    out[out.index(b"<svg"):out.index(b"</svg>") + 6], tree(recs), weight=weight,
                    count="stacks")

    # Hostile bytes in a comm and a frame: <, &, quotes, invalid UTF-8, controls.
    with open(edge, "rb") as f:
        text = f.read()
    first = text.split(b"\n\n")[0] + b"\n\n"
    hostile = first.replace(b"(swapper)", b"(<a&b\"c'\xff\xfe\x01\xef\xbf\xbe\xc3\xa9>)", 1)
    hostile = re.sub(rb"\n (\w+)\+", b"\n <x&\xe2\x82y>\\1+", hostile, count=1)
    with tempfile.NamedTemporaryFile(suffix=".txt") as tmp:
        tmp.write(hostile)
        tmp.flush()
        hb = blocks(tmp.name)
        ok(len(hb) == 1 and hb[0][1].startswith(b"<a&"), "hostile fixture made")
        for fmt in ("svg", "html"):
            out = run([pgsort, "--format=" + fmt, "--cull=name,stacktrace", tmp.name])
            part = out[out.index(b"<svg"):out.index(b"</svg>") + 6] if fmt == "html" else out
            compare("hostile " + fmt, part,
                    tree(stack_paths(hb, lambda b: ("name:" + esc(b[1]),))))
            ok(b"\xff" not in out and b"\x01" not in out, "hostile %s: raw bytes escaped" % fmt)
            if fmt == "html":
                ok(b"<td class=\"k\">&lt;a&amp;b&quot;c&#39;\\xff\\xfe\\x01\\xef\\xbf\\xbe\xc3\xa9&gt;</td>" in out,
                   "hostile html: table cell escaped")

    # Frames under 0.1 px: 40 blocks of 512 pages beside 3 of one page each.
    big = text.split(b"\n\n")[1]
    big = re.sub(rb"order \d+,", b"order 9,", big, count=1)
    tiny = b"Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (t), ts 1 ns\n%s\n\n"
    with tempfile.NamedTemporaryFile(suffix=".txt") as tmp:
        tmp.write((big + b"\n\n") * 40)
        for k in range(3):
            tmp.write(tiny % (b" tiny_%d+0x1/0x2\n tiny_root+0x1/0x2" % k))
        tmp.flush()
        tb = blocks(tmp.name)
        ok(len(tb) == 43, "tiny fixture made")
        compare("narrow", run([pgsort, "--format=svg", tmp.name]), tree(stack_paths(tb)))

    # Icicle: the root at the top, one level every 16 px below.
    root, got = compare("icicle", run([pgsort, "--format=svg", "--icicle", small]),
                        tree(stack_paths(sb)))
    ok(all(v[4] == 70 + 16 * len(p) for p, v in got.items()), "icicle: y = 70 + 16 * depth")
    _, got = compare("flame", svg, tree(stack_paths(sb)))
    deep = max(len(p) for p in got)
    ok(all(v[4] == 70 + 16 * (deep - len(p)) for p, v in got.items()), "flame: root at the bottom")

    # Colours: allocator mode fills differ from module mode, both deterministic.
    alloc = run([pgsort, "--format=svg", "--color=allocator", small])
    ok(alloc != svg and alloc == run([pgsort, "--format=svg", "--color=allocator", small]),
       "allocator colours differ from module colours, same bytes twice")
    ok(b">SLAB</text>" in alloc and b">SLAB</text>" not in svg, "allocator legend")

    # html: the graph and a table of the top groups in sort order.
    html = run([pgsort, "--format=html", "--top", "7", small])
    rows = re.findall(rb"<tr><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", html)
    ok([int(r[0]) for r in rows] == list(range(1, 8)), "html: --top 7 gives 7 rows")
    ok(all(int(a[2]) >= int(b[2]) for a, b in zip(rows, rows[1:])), "html: rows by pages, descending")
    ok(all(int(r[3]) == 4096 * int(r[2]) for r in rows), "html: bytes = 4096 * pages")
    groot = ET.fromstring(html[html.index(b"<svg"):html.index(b"</svg>") + 6])
    allp = svg_nodes(groot)[()]
    ok(allp[1] == sum(int(r[2]) for r in rows), "html: graph total = the 7 rows' pages")

    # html without --cull: a row per distinct block (page_owner_sort's: the
    # header without its ts, then the lines after it but PFN's) shows the
    # header's fields beside the stack, so that no two rows look alike.
    for path in (small, edge):
        label = "html without --cull, " + os.path.basename(path)
        with open(path, "rb") as f:
            raw = [b.split(b"\n") for b in f.read().split(b"\n\n") if b.startswith(b"Page allocated")]
        distinct = {(re.sub(rb", ts \d+ ns$", b"", b[0]),
                     tuple(x for x in b[1:] if x and not x.startswith(b"PFN "))) for b in raw}
        page = run([pgsort, "--format=html", path]).decode("utf-8", "replace")
        head = re.findall(r"<th>([^<]*)</th>", page[page.index('<table id="pgs-top">'):])
        ok(head == ["#", "times", "pages", "bytes", "share", "pid", "tgid", "name", "order", "gfp",
                    "stacktrace"], "%s: columns %s" % (label, head))
        rows = [[unescape(re.sub(r"<[^>]*>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
                for tr in re.findall(r"<tr><td>\d+</td>.*?</tr>", page, re.S)]
        ok(len(rows) == len(distinct), "%s: %d rows, %d distinct blocks" % (label, len(rows), len(distinct)))
        ok(len({tuple(r[5:]) for r in rows}) == len(rows), label + ": no two rows look alike")
        want = {(str(b[0]), esc(b[1]), str(b[2]), b[4]) for b in blocks(path)}
        ok({tuple(r[5:6] + r[7:10]) for r in rows if len(r) > 9} == want,
           label + ": (pid, name, order, gfp) = the dump's blocks'")
    ok(len({tuple(b[3]) for b in blocks(edge)}) < len(blocks(edge)), "edgecomm: blocks share stacks")

    # --top ranks by the graph's weight unless --sort says otherwise: the
    # largest consumer is never missing. Groups of --cull=stack: the frames.
    groups = {}
    for b in blocks(small, keep=True):
        g = groups.setdefault(tuple(b[3]), [0, 0])
        g[0] += 1
        g[1] += 1 << b[2]
    most_pages = max(g[1] for g in groups.values())
    most_blocks = max(g[0] for g in groups.values())
    by_blocks_pages = max(g[1] for g in groups.values() if g[0] == most_blocks)
    ok(by_blocks_pages < most_pages, "small: the most frequent stack is not the largest")
    for fmt in ("svg", "html"):
        for args, want, what in ((["--top", "1"], (None, most_pages), "pages"),
                                 (["--top", "1", "--weight=times"], (most_blocks, None), "blocks"),
                                 (["--top", "1", "--weight=bytes"], (None, most_pages), "pages"),
                                 (["--top", "1", "--sort=-times"], (most_blocks, by_blocks_pages),
                                  "blocks, --sort wins")):
            out = run([pgsort, "--format=" + fmt, "--cull=stack"] + args + [small])
            top = svg_nodes(ET.fromstring(out[out.index(b"<svg"):out.index(b"</svg>") + 6]))[()]
            ok(all(w is None or w == g for w, g in zip(want, top)),
               "%s %s: the top group is the largest by %s: got %d blocks %d pages, want %s" % (
                   fmt, " ".join(args), what, top[0], top[1], want))

    # Self-contained: nothing to fetch.
    for name, doc in (("svg", svg), ("html", html)):
        urls = set(re.findall(rb"(?:https?|ftp)://[^\s\"'<>)]*", doc))
        ok(urls <= {b"http://www.w3.org/2000/svg", b"http://www.w3.org/1999/xhtml"},
           "%s: URLs besides namespaces: %s" % (name, urls))
        ok(not re.search(rb"(?:href|src)\s*=|url\(|@import", doc), "%s: no href/src/url()" % name)

    print("%d checks, %d failures" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
