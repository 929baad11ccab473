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
NUM = {"order", "gfp", "pfn", "node", "zone", "handle", "pid", "ts"}
# key -> (pgsort's long name, awk column)
KEYS = [("order", "order"), ("gfp", "gfp"), ("migratetype", "mt"),
        ("block_migratetype", "bmt"), ("pfn", "pfn"), ("node", "node"),
        ("zone", "zone"), ("flags", "flags"), ("memcg", "memcg"),
        ("migrate_reason", "mr"), ("handle", "handle"), ("module", "module"),
        ("callsite", "callsite"), ("stack", "stack"), ("pid", "pid"),
        ("name", "name"), ("alloc_ts", "ts")]
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


GFP = {"GFP_KERNEL": 0xcc0, "__GFP_COMP": 0x40000, "__GFP_ACCOUNT": 0x400000,
       "__GFP_IO": 0x40, "__GFP_ZERO": 0x100}


def gfp_has(r, name):
    """Independent of pgsort: the bits of the v6.x names."""
    return r["gfp"] is not None and r["gfp"] & GFP[name] == GFP[name]


def frames(r):
    return r["stack"].split(";") if r["stack"] else []


# (expression, predicate over the awk rows): every operator and form.
FILTERS = [
    ("order=0", lambda r: r["order"] == 0),
    ("o!=0", lambda r: r["order"] != 0),
    ("order>3", lambda r: r["order"] > 3),
    ("order>=3", lambda r: r["order"] >= 3),
    ("order<2", lambda r: r["order"] < 2),
    ("order<=2", lambda r: r["order"] <= 2),
    ("order=1,3,9", lambda r: r["order"] in (1, 3, 9)),
    ("order=1..4,9", lambda r: 1 <= r["order"] <= 4 or r["order"] == 9),
    ("order!=0..2", lambda r: not 0 <= r["order"] <= 2),
    ("pages>=512", lambda r: r["pages"] >= 512),
    ("bytes>=8192", lambda r: r["pages"] * 4096 >= 8192),
    ("pfn=0x100000..0x1fffff", lambda r: r["pfn"] is not None and 0x100000 <= r["pfn"] <= 0x1fffff),
    ("pfn<0x10000", lambda r: r["pfn"] is not None and r["pfn"] < 0x10000),
    ("node=1", lambda r: r["node"] == 1),
    ("zone!=1", lambda r: r["zone"] != 1),
    ("at=10s..2m", lambda r: 10 * 10**9 <= r["ts"] <= 120 * 10**9),
    ("at<1.5s", lambda r: r["ts"] < 1.5 * 10**9),
    ("at>=500ms", lambda r: r["ts"] >= 500 * 10**6),
    ("at>1h", lambda r: r["ts"] > 3600 * 10**9),
    ("gfp has __GFP_COMP", lambda r: gfp_has(r, "__GFP_COMP")),
    ("gfp has __GFP_IO", lambda r: gfp_has(r, "__GFP_IO")),
    ("gfp=GFP_KERNEL", lambda r: gfp_has(r, "GFP_KERNEL")),
    ("not gfp has __GFP_ZERO", lambda r: not gfp_has(r, "__GFP_ZERO")),
    ("gfp=0", lambda r: r["gfp"] == 0),
    ("mt=Movable", lambda r: r["mt"] == "Movable"),
    ("bmt!=Movable", lambda r: r["bmt"] != "Movable"),
    ("flags has lru", lambda r: r["flags"] is not None and "lru" in r["flags"].split("|")),
    ("flags~'^$'", lambda r: r["flags"] == ""),
    ("memcg~'^/'", lambda r: r["memcg"] is not None and r["memcg"].startswith("/")),
    ("memcg!~'^/'", lambda r: not (r["memcg"] is not None and r["memcg"].startswith("/"))),
    ("mr=compaction", lambda r: r["mr"] == "compaction"),
    ("mod=vmlinux", lambda r: r["module"] == "vmlinux"),
    ("not mod=vmlinux", lambda r: r["module"] != "vmlinux"),
    ("name ~ '^kworker/'", lambda r: r["name"].startswith("kworker/")),
    ("name=swapper/0,systemd", lambda r: r["name"] in ("swapper/0", "systemd")),
    ("n>'m'", lambda r: r["name"].encode("utf-8", "surrogateescape") > b"m"),
    ("pid<100 or pid>1000", lambda r: int(r["pid"]) < 100 or int(r["pid"]) > 1000),
    ("(order=0 or order=9) and node=0", lambda r: r["order"] in (0, 9) and r["node"] == 0),
    ("order=0 or order=9 and node=0", lambda r: r["order"] == 0 or (r["order"] == 9 and r["node"] == 0)),
    ("! (order=0) && mt=Unmovable", lambda r: r["order"] != 0 and r["mt"] == "Unmovable"),
    ("stack ~ 'hugetlb|shmem_'", lambda r: r["stack"] is not None and re.search("hugetlb|shmem_", r["stack"].replace(";", "\n"))),
    ("frame ~ '^ext4_|^xfs_'", lambda r: any(re.search("^ext4_|^xfs_", f) for f in frames(r))),
    ("frame !~ '^kmem_cache_alloc'", lambda r: not any(re.search("^kmem_cache_alloc", f) for f in frames(r))),
    ("cs ~ '^new_slab'", lambda r: r["callsite"] is not None and r["callsite"].startswith("new_slab")),
    ("handle>0", lambda r: r["handle"] is not None and r["handle"] > 0),
]


def filters(exe, path, name, rows):
    for expr, pred in FILTERS:
        sel = [r for r in rows if pred(r)]
        doc = pgsort(exe, path, "--cull=callsite", "--filter", expr)
        if doc:
            compare("%s --filter %r (%d rows)" % (name, expr, len(sel)),
                    expect(sel, "callsite"), got(doc, "callsite"))
            if doc["input"]["selected_records"] != len(sel):
                fail("%s --filter %r: selected_records %d, expected %d" %
                     (name, expr, doc["input"]["selected_records"], len(sel)))
    # Two --filter options are ANDed.
    sel = [r for r in rows if r["order"] == 0 and r["node"] == 0]
    doc = pgsort(exe, path, "--cull=callsite", "--filter", "order=0", "--filter", "node=0")
    if doc:
        compare(name + " two --filter", expect(sel, "callsite"), got(doc, "callsite"))


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
            if any(x["bytes"] != x["pages"] * 16384 for x in doc["groups"]):
                fail(name + " --page-size=16K: a group's bytes is not pages x 16384")
            top = pgsort(exe, path, "--cull=callsite", "--sort=-bytes,callsite", "--top=3",
                         "--page-size=16K")
            if top and top["groups"] != doc["groups"][:3]:
                fail(name + " --top=3: not the first three groups")
            cut = sorted(v[1] for v in want.values())[len(want) // 2]
            mp = pgsort(exe, path, "--cull=callsite", "--min-pages=%d" % cut)
            if mp:
                compare("%s --min-pages=%d" % (name, cut),
                        {k: v for k, v in want.items() if v[1] >= cut}, got(mp, "callsite"))
        filters(exe, path, name, rows)
    print("%d checks, %d failures" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
