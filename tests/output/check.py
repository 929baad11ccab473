#!/usr/bin/env python3
"""--format=folded and --format=pprof against an independent reading of
real page_owner dumps: this script parses each dump itself (blocks, order,
comm, frames), collapses it as FlameGraph's stackcollapse-pageowner.pl does
(frames root first, +0xoff/0xsize cut, weight 2^order pages per block) and
compares every line and weight, then decodes pgsort's pprof with
pprof_decode.py (gzip + a hand-written protobuf parser) and compares every
stack's sums of allocations, pages and bytes.

Usage: check.py PGSORT DUMP...   (a DUMP ending in .zst is decompressed)
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pprof_decode  # noqa: E402

HDR = re.compile(rb"^Page allocated via order (\d+), mask 0x[0-9a-f]+\(.*\), "
                 rb"pid (-?\d+), tgid (-?\d+) \((.*)\), ts \d+ ns$")
OFF = re.compile(rb"\+0x[0-9a-f]+/0x[0-9a-f]+")

failures = 0
checks = 0


def check(what, ok, detail=""):
    global failures, checks
    checks += 1
    if not ok:
        failures += 1
        print("FAIL %s %s" % (what, detail))


def parse(data):
    """Blocks of a 6.x dump: order, pid, comm, frames (innermost first)."""
    blocks, cur = [], None
    for line in data.split(b"\n"):
        m = HDR.match(line)
        if m:
            cur = {"order": int(m.group(1)), "pid": int(m.group(2)),
                   "comm": m.group(4), "frames": []}
            blocks.append(cur)
        elif not line:
            cur = None
        elif cur is not None and line[:1] in (b" ", b"\t"):
            cur["frames"].append(line.strip())
    return blocks


def weight(b, how, page_size=4096):
    pages = 1 << b["order"]
    return {"pages": pages, "times": 1, "bytes": pages * page_size}[how]


def esc(s):
    return s.replace(b";", b":").replace(b"\n", b" ")


def collapse(blocks, how="pages", strip=True, pseudo=lambda b: [], stack=True,
             keep=lambda b: True, page_size=4096):
    out = collections.Counter()
    for b in blocks:
        if not keep(b):
            continue
        fr = [OFF.sub(b"", f) if strip else f for f in reversed(b["frames"])]
        line = pseudo(b) + (fr if stack else [])
        out[b";".join(esc(f) for f in line) or b"[no stack]"] += weight(b, how, page_size)
    return out


def run(pgsort, args, stdin=None):
    # meson test --setup valgrind: pgsort under valgrind (exits 1 on an error).
    vg = os.environ.get("VALGRIND", "").split() + ["--quiet"] if os.environ.get("VALGRIND") else []
    r = subprocess.run(vg + [pgsort] + args, stdin=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode:
        raise SystemExit("pgsort %s: exit %d: %s" % (args, r.returncode, r.stderr.decode()))
    return r.stdout


def folded(out):
    lines = collections.Counter()
    order = []
    for ln in out.split(b"\n")[:-1]:
        stack, _, w = ln.rpartition(b" ")
        check("one line per stack", stack not in lines, stack[:80])
        lines[stack] += int(w)
        order.append(int(w))
    return lines, order


def diff(a, b):
    keys = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
    return "; ".join("%s: %s vs %s" % (k[-60:], a.get(k), b.get(k)) for k in keys[:3])


def check_folded(pgsort, path, blocks, name):
    comm = lambda b: [b"name:" + b["comm"]]  # noqa: E731
    cases = [
        ([], {}),
        (["--weight=times"], {"how": "times"}),
        (["--weight=bytes"], {"how": "bytes"}),
        (["--weight=bytes", "--page-size=16384"], {"how": "bytes", "page_size": 16384}),
        (["--keep-offsets"], {"strip": False}),
        (["--strip-offsets", "--cull=st", "--sort=-pages"], {}),
        (["--cull=stack", "--keep-offsets", "--sort=name"], {"strip": False}),
        (["--cull=name,stacktrace"], {"pseudo": comm}),
        (["--cull=pid", "--weight=times"],
         {"how": "times", "stack": False, "pseudo": lambda b: [b"pid:%d" % b["pid"]]}),
        (["--cull=order,stack"], {"pseudo": lambda b: [b"order:%d" % b["order"]]}),
        (["--filter", "order>0"], {"keep": lambda b: b["order"] > 0}),
        (["--filter", "name ~ '^kworker'", "--cull=st,name"],
         {"pseudo": comm, "keep": lambda b: b["comm"].startswith(b"kworker")}),
    ]
    for args, kw in cases:
        got, _ = folded(run(pgsort, ["--format=folded", path] + args))
        want = collapse(blocks, **kw)
        check("%s folded %s" % (name, " ".join(args)), got == want, diff(got, want))
    # --sort and --top: the first lines are the heaviest stacks, in order.
    got, order = folded(run(pgsort, ["--format=folded", "--strip-offsets", "--cull=stack",
                                     "--sort=-pages", "--top=5", path]))
    want = sorted(collapse(blocks).values(), reverse=True)[:5]
    check("%s folded --sort=-pages --top=5" % name, order == want, "%s vs %s" % (order, want))
    # A pipe gives the same bytes as the file.
    with open(path, "rb") as fh:
        piped = run(pgsort, ["--format=folded", "-"], stdin=fh)
    check("%s folded pipe = file" % name, piped == run(pgsort, ["--format=folded", path]))


def check_every_key(pgsort, path, blocks, name):
    """Every cull key and every sort key: nothing lost, nothing counted twice."""
    pages = sum(1 << b["order"] for b in blocks)
    keys = []
    for ln in run(pgsort, ["--help-keys"]).decode().splitlines()[1:]:
        f = ln.split()
        if len(f) < 4 or f[2] not in ("yes", "no"):
            continue
        keys.append((f[1], f[2] == "yes", f[3] == "yes"))
    have_free = run(pgsort, ["--format=json", path]).find(b'"era": "H"') < 0
    for key, cull, sort in keys:
        if key in ("free_ts", "free") and not have_free:
            continue
        args = (["--cull=" + key] if cull else []) + (["--sort=-" + key] if sort else [])
        if not args:
            continue
        got, _ = folded(run(pgsort, ["--format=folded", path] + args))
        check("%s folded %s: pages" % (name, args), sum(got.values()) == pages)
        p = pprof_decode.decode(run(pgsort, ["--format=pprof", path] + args))
        check("%s pprof %s: pages" % (name, args),
              sum(sm["value"][1] for sm in p["sample"]) == pages)


def sums(samples, key):
    out = collections.defaultdict(lambda: [0, 0, 0])
    for s in samples:
        for i, v in enumerate(s["value"]):
            out[key(s)][i] += v
    return {k: tuple(v) for k, v in out.items()}


def check_pprof(pgsort, path, blocks, name):
    for args, dflt in (([], "pages"), (["--weight=times"], "allocations"),
                       (["--weight=bytes", "--cull=st"], "space")):
        p = pprof_decode.decode(run(pgsort, ["--format=pprof", path] + args))
        check("%s pprof %s sample types" % (name, args),
              [(v["type_s"], v["unit_s"]) for v in p["sample_type"]] ==
              [("allocations", "count"), ("pages", "count"), ("space", "bytes")])
        check("%s pprof %s default" % (name, args), p["default_sample_type_s"] == dflt)
        want = {}
        for how in ("times", "pages", "bytes"):
            for k, v in collapse(blocks, how=how).items():
                want.setdefault(k, []).append(v)
        want = {k: tuple(v) for k, v in want.items()}
        got = sums(p["sample"], lambda s: ";".join(s["names"]).encode())
        check("%s pprof %s sums per stack" % (name, args), got == want, diff(got, want))
        # system_name keeps what the dump printed: offsets, leaf first in the file.
        if not args:
            raw = {}
            for how in ("times", "pages", "bytes"):
                for k, v in collapse(blocks, how=how, strip=False).items():
                    raw.setdefault(k, []).append(v)
            got = sums(p["sample"], lambda s: ";".join(s["system_names"]).encode())
            check("%s pprof system names" % name, got == {k: tuple(v) for k, v in raw.items()},
                  diff(got, raw))
    # Non-stack cull keys: a root pseudo frame and a string label each.
    p = pprof_decode.decode(run(pgsort, ["--format=pprof", "--cull=pid,name,st", path]))
    bad = []
    for s in p["sample"]:
        lb = dict(s["labels"])
        # An empty comm has no label: pprof reads string 0 ("") as none.
        keys = {"pid", "name"} if s["names"][1] != "name:" else {"pid"}
        if lb.keys() != keys or s["names"][:2] != ["pid:%s" % lb["pid"],
                                                   "name:%s" % lb.get("name", "")]:
            bad.append(s)
    want = collections.Counter()
    for b in blocks:
        want[(str(b["pid"]), b["comm"].decode("utf-8", "replace"))] += 1 << b["order"]
    got = collections.Counter()
    for s in p["sample"]:
        lb = dict(s["labels"])
        got[(lb["pid"], lb.get("name", ""))] += s["value"][1]
    check("%s pprof pages per pid,name label" % name, got == want, diff(got, want))


def check_escaping(pgsort, tmp):
    """A ';' in a comm or a frame must not split a frame."""
    dump = (b"Page allocated via order 1, mask 0xcc0(GFP_KERNEL), pid 7, tgid 7 (a;b), "
            b"ts 100 ns\n"
            b"PFN 0x100 type Unmovable Block 0 type Unmovable Flags 0x0()\n"
            b" get_page_from_freelist+0x1/0x2\n"
            b" odd;sym+0x3/0x4 [mod]\n"
            b" start_kernel+0x5/0x6\n\n")
    path = os.path.join(tmp, "semicolon.txt")
    with open(path, "wb") as fh:
        fh.write(dump)
    got = run(pgsort, ["--format=folded", "--cull=name,st", path])
    want = b"name:a:b;start_kernel;odd:sym [mod];get_page_from_freelist 2\n"
    check("escaping ';'", got == want, "%r" % got)
    p = pprof_decode.decode(run(pgsort, ["--format=pprof", "--cull=name,st", path]))
    check("pprof keeps ';' (no escaping needed)",
          p["sample"][0]["names"] == ["name:a;b", "start_kernel", "odd;sym [mod]",
                                      "get_page_from_freelist"], str(p["sample"][0]["names"]))


def main():
    pgsort, dumps = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory() as tmp:
        for path in dumps:
            name = os.path.basename(os.path.dirname(path)) + "/" + os.path.basename(path)
            if path.endswith(".zst"):
                out = os.path.join(tmp, os.path.basename(path)[:-4])
                subprocess.run(["zstd", "-q", "-d", "-f", path, "-o", out], check=True)
                path = out
            with open(path, "rb") as fh:
                blocks = parse(fh.read())
            check("%s has blocks" % name, len(blocks) > 0)
            check_folded(pgsort, path, blocks, name)
            check_pprof(pgsort, path, blocks, name)
            check_every_key(pgsort, path, blocks, name)
            print("%s: %d blocks, %d pages, %d stacks" % (
                name, len(blocks), sum(1 << b["order"] for b in blocks),
                len(collapse(blocks))))
        check_escaping(pgsort, tmp)
    print("%d checks, %d failed" % (checks, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
