#!/usr/bin/env python3
"""Every per-record key of pgsort against an independent reading.

blocks.awk reads each block's fields with awk's regexes; this script groups
those rows by each key itself and compares the groups (value, times, pages)
with `pgsort --cull=KEY --format=json`. Also checks --strip-offsets, --node,
--top, --min-pages, --page-size/bytes and the order of --sort on the same
rows. Usage: check.py PGSORT FIXTURE...
"""
import json
import re
import subprocess
import sys
from collections import OrderedDict

COLS = ("pages order gfp mt bmt pfn node zone flags memcg mr handle module "
        "callsite stack stack_strip pid name ts").split()
NUM = {"order", "gfp", "pfn", "node", "zone", "handle", "pid"}
# key -> (pgsort's long name, awk column)
KEYS = [("order", "order"), ("gfp", "gfp"), ("migratetype", "mt"),
        ("block_migratetype", "bmt"), ("pfn", "pfn"), ("node", "node"),
        ("zone", "zone"), ("flags", "flags"), ("memcg", "memcg"),
        ("migrate_reason", "mr"), ("handle", "handle"), ("module", "module"),
        ("callsite", "callsite"), ("stack", "stack"), ("pid", "pid"),
        ("name", "name")]
STRIP = re.compile(r"\+0x[0-9a-f]+/0x[0-9a-f]+")
failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL", msg)


def rows_of(path):
    out = subprocess.run(["awk", "-f", sys.path[0] + "/blocks.awk", path],
                         check=True, capture_output=True, text=True,
                         errors="surrogateescape").stdout
    rows = []
    for line in out.split("\n"):
        if not line:
            continue
        f = line.split("\x1f")
        r = dict(zip(COLS, f))
        for k in r:
            if r[k] == "\\N":
                r[k] = None
            elif k in NUM or k == "pages":
                r[k] = int(r[k])
        rows.append(r)
    return rows


def pgsort(exe, path, *args):
    p = subprocess.run([exe, path, "--format=json", "-q", *args],
                       capture_output=True)
    if p.returncode != 0:
        fail("%s %s: exit %d: %s" % (path, args, p.returncode, p.stderr[:200]))
        return None
    return json.loads(p.stdout.decode("utf-8", "surrogateescape"))


def value_of(key, v):
    if key == "stack" and v is not None:
        return ";".join(v)
    return v


def expect(rows, col, strip=False):
    g = OrderedDict()
    for r in rows:
        v = r[col]
        if strip and v is not None and col in ("callsite",):
            v = STRIP.sub("", v)
        t = g.setdefault(v, [0, 0])
        t[0] += 1
        t[1] += r["pages"]
    return {k: tuple(v) for k, v in g.items()}


def got(doc, key):
    return {value_of(key, x.get(key)): (x["times"], x["pages"]) for x in doc["groups"]}


def compare(what, want, have):
    global checks
    checks += 1
    if want != have:
        miss = [k for k in want if want[k] != have.get(k)][:3]
        extra = [k for k in have if k not in want][:3]
        fail("%s: %d groups expected, %d got; differing %r; unexpected %r" %
             (what, len(want), len(have), [(k, want[k], have.get(k)) for k in miss], extra))


def main():
    exe = sys.argv[1]
    for path in sys.argv[2:]:
        rows = rows_of(path)
        name = path.split("/")[-1]
        if not rows:
            fail("%s: awk found no blocks" % name)
            continue
        for key, col in KEYS:
            if key == "handle" and all(r["handle"] is None for r in rows):
                continue
            doc = pgsort(exe, path, "--cull=" + key)
            if doc:
                compare("%s --cull=%s" % (name, key), expect(rows, col), got(doc, key))
        # Offsets stripped: stacks and call sites by symbol names.
        doc = pgsort(exe, path, "--cull=stack", "--strip-offsets")
        if doc:
            compare(name + " --cull=stack --strip-offsets", expect(rows, "stack_strip"),
                    got(doc, "stack"))
        doc = pgsort(exe, path, "--cull=callsite", "--strip-offsets")
        if doc:
            compare(name + " --cull=callsite --strip-offsets",
                    expect(rows, "callsite", strip=True), got(doc, "callsite"))
        # Two keys at once: the pairs.
        doc = pgsort(exe, path, "--cull=node,order")
        if doc:
            want = expect([dict(r, pair=(r["node"], r["order"])) for r in rows], "pair")
            compare(name + " --cull=node,order", want,
                    {(x["node"], x["order"]): (x["times"], x["pages"]) for x in doc["groups"]})
        # --node 0: only node 0's rows, and their total.
        nodes = sorted({r["node"] for r in rows if r["node"] is not None})
        for n in nodes[:2]:
            doc = pgsort(exe, path, "--cull=module", "--node=%d" % n)
            if doc:
                sel = [r for r in rows if r["node"] == n]
                compare("%s --node=%d" % (name, n), expect(sel, "module"), got(doc, "module"))
                if doc["input"]["selected_pages"] != sum(r["pages"] for r in sel):
                    fail("%s --node=%d: selected_pages" % (name, n))
        # Sorting by pages and bytes, --top, --min-pages.
        want = expect(rows, "callsite")
        doc = pgsort(exe, path, "--cull=callsite", "--sort=-bytes,callsite", "--page-size=16K")
        if doc:
            pages = [x["pages"] for x in doc["groups"]]
            if pages != sorted(pages, reverse=True):
                fail(name + " --sort=-bytes: not by pages descending")
            compare(name + " --sort=-bytes", want, got(doc, "callsite"))
            top = pgsort(exe, path, "--cull=callsite", "--sort=-bytes,callsite", "--top=3")
            if top and top["groups"] != doc["groups"][:3]:
                fail(name + " --top=3: not the first three groups")
            cut = sorted(v[1] for v in want.values())[len(want) // 2]
            mp = pgsort(exe, path, "--cull=callsite", "--min-pages=%d" % cut)
            if mp:
                compare("%s --min-pages=%d" % (name, cut),
                        {k: v for k, v in want.items() if v[1] >= cut}, got(mp, "callsite"))
    print("%d checks, %d failures" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
