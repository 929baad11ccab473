#!/usr/bin/env python3
"""ndjson and CSV: the same groups as JSON, and as an independent reading.

For many dumps, cull sets, sorts and filters:
- every ndjson line is the JSON document's group of the same rank;
- the CSV, read back with Python's csv module, holds the same rows, and each
  row's bytes are what this script's own RFC 4180 encoder makes of the JSON
  group (so quoting, nulls as empty fields and "" for empty texts are
  checked byte for byte, not only as a parser reads them back);
- the same options on standard input give the same bytes as on the file;
- groups (key values, times, pages, bytes) equal this script's grouping of
  the blocks as tests/keys/blocks.awk and a Python reader of the raw text
  see them, and their totals equal tests/compat/totals.awk;
- hostile task names (edgecomm's, and a copy of it whose names hold quotes,
  CR, ';' and bytes that are not UTF-8) come back from the CSV as the raw
  dump spells them;
- --human: each text group's size is its pages x page size, rounded to one
  decimal of the largest binary unit.

usage: check.py PGSORT FIXTURES_DIR
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCKS_AWK = os.path.join(HERE, "..", "keys", "blocks.awk")
TOTALS_AWK = os.path.join(HERE, "..", "compat", "totals.awk")
HDR = re.compile(r"^Page allocated via order (\d+), .*, pid (-?\d+), tgid (-?\d+) "
                 r"\((.*)\), ts (\d+) ns$", re.S)
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)
    return ok


def run(exe, args, stdin=None):
    p = subprocess.run([exe, "-q", *args], input=stdin, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError("pgsort %s: exit %d: %s" % (args, p.returncode, p.stderr[:300]))
    return p.stdout


def dec(b):
    return b.decode("utf-8", "surrogateescape")


def csv_rows(raw):
    """Header and rows as Python's csv module reads them."""
    try:
        rows = list(csv.reader(io.StringIO(dec(raw), newline=""), strict=True))
    except csv.Error as e:
        check(False, "csv module cannot read the output: %s" % e)
        return [], []
    return (rows[0], rows[1:]) if rows else ([], [])


def text_of(v):
    """A JSON group's value as CSV text (before quoting)."""
    if v is None:
        return ""
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return ";".join(v)
    return v


def encode(v):
    """RFC 4180, written from the RFC: quote when , " CR LF; "" for empty text."""
    if v is None:
        return ""
    s = text_of(v)
    if isinstance(v, (str, list)) and (s == "" or any(c in s for c in ',"\r\n')):
        return '"' + s.replace('"', '""') + '"'
    return s


def same_as_json(exe, path, opts, what):
    """ndjson and CSV of opts against the JSON document; returns the CSV rows."""
    doc = json.loads(dec(run(exe, ["--format=json", *opts, path])))
    groups = doc["groups"]
    nd = run(exe, ["--format=ndjson", *opts, path])
    raw = run(exe, ["--format=csv", *opts, path])
    with open(path, "rb") as f:
        data = f.read()
    check(run(exe, ["--format=ndjson", *opts], stdin=data) == nd, what + ": ndjson stdin = file")
    check(run(exe, ["--format=csv", *opts, "-"], stdin=data) == raw, what + ": csv stdin = file")
    # ndjson: one group per line, the JSON document's, text and value.
    lines = dec(nd).split("\n")
    check(lines[-1] == "", what + ": ndjson ends in a newline")
    lines = lines[:-1]
    check([json.loads(x) for x in lines] == groups, what + ": ndjson = json groups")
    doc_lines = dec(run(exe, ["--format=json", *opts, path])).split("\n")[1:-2]
    check([x.rstrip(",") for x in doc_lines] == lines, what + ": ndjson lines = json's text")
    # CSV: header, rows by encoder, rows by parser.
    cols = list(groups[0].keys()) if groups else None
    header, rows = csv_rows(raw)
    if cols:
        check(header == cols, what + ": csv header %r = json members %r" % (header, cols))
    first = "stacks" if "show_" in path else "times"
    check(header[:3] == [first, "pages", "bytes"], what + ": csv header starts %s,pages,bytes" % first)
    text = dec(raw)
    check(text.endswith("\r\n") or not text, what + ": csv ends in CRLF")
    want = [",".join(encode(g.get(c)) for c in header) for g in groups]
    got = text.split("\r\n")[1:-1]
    check(got == want, what + ": csv bytes = RFC 4180 of the json groups" +
          ("" if got == want else " first difference: %r" %
           (next(((a, b) for a, b in zip(got, want) if a != b), (len(got), len(want))),)))
    check(rows == [[text_of(g.get(c)) for c in header] for g in groups],
          what + ": csv as parsed = json groups")
    return header, rows, doc


def awk_rows(path):
    out = subprocess.run(["awk", "-f", BLOCKS_AWK, path], check=True, capture_output=True)
    cols = ("pages order gfp mt bmt pfn node zone flags memcg mr handle module "
            "callsite stack stack_strip pid name ts").split()
    rows = []
    for line in dec(out.stdout).split("\n"):
        if line:
            r = dict(zip(cols, line.split("\x1f")))
            rows.append({k: (None if v == "\\N" else v) for k, v in r.items()})
    return rows


def py_blocks(path):
    """Each block as the raw text has it: header fields, stacktrace lines."""
    with open(path, "rb") as f:
        data = dec(f.read())
    out = []
    for blk in re.split(r"\n\n+", data):
        lines = blk.strip("\n").split("\n")
        m = HDR.match(lines[0])
        if not m:
            continue
        st = [x.lstrip(" \t") for x in lines[1:] if not x.startswith("PFN ")]
        out.append({"order": int(m.group(1)), "pid": m.group(2), "name": m.group(4),
                    "ts": m.group(5), "header": lines[0], "st": ";".join(st),
                    "trailers": trailers(lines[1:])})
    return out


def trailers(lines):
    """A block's stacktrace as --cull=st's CSV columns show it (formats.md
    2.7): the frame lines (they start with a blank) joined by ';', then
    handle, migrate_reason, slab_cache_page, memcg, memcg_objcg,
    memcg_offline as CSV texts."""
    frames = [x.lstrip(" \t") for x in lines if x[:1] in (" ", "\t")]
    t = {"stacktrace": ";".join(frames), "handle": "", "migrate_reason": "",
         "slab_cache_page": "false", "memcg": "", "memcg_objcg": "", "memcg_offline": ""}
    for x in lines:
        m = re.match(r"^handle: (\d+)$", x)
        if m:
            t["handle"] = m.group(1)
        m = re.match(r"^Page has been migrated, last migrate reason: (.*)$", x)
        if m:
            t["migrate_reason"] = m.group(1)
        if x == "Slab cache page":
            t["slab_cache_page"] = "true"
        m = re.match(r"^Charged (\(via objcg\) )?to (offline |offlined )?memcg (.*)$", x)
        if m:
            t["memcg"] = m.group(3)
            t["memcg_objcg"] = "true" if m.group(1) else "false"
            t["memcg_offline"] = "true" if m.group(2) else "false"
    return t


def groups_of(rows, key):
    g = {}
    for r in rows:
        k = key(r)
        t = g.setdefault(k, [0, 0])
        t[0] += 1
        t[1] += 2 ** int(r["order"])
    return {k: tuple(v) for k, v in g.items()}


def csv_groups(header, rows, keys, ps, what):
    idx = [header.index(k) for k in keys]
    out = {}
    for r in rows:
        k = tuple(r[i] for i in idx)
        check(k not in out, what + ": key %r once" % (k,))
        check(int(r[2]) == int(r[1]) * ps, what + ": bytes = pages x %d" % ps)
        out[k] = (int(r[0]), int(r[1]))
    return out


def totals(path):
    out = subprocess.run(["awk", "-f", TOTALS_AWK, path], check=True, capture_output=True,
                         text=True).stdout.split()
    c = dict(zip(out[0::2], out[1::2]))
    return int(c["records"]), int(c["pages"])


def page_owner_checks(exe, path):
    name = os.path.basename(path)
    arows, brows = awk_rows(path), py_blocks(path)
    check(len(arows) == len(brows) == totals(path)[0], name + ": awk, python, totals agree on blocks")
    for r, b in zip(arows, brows):
        r["st"] = b["st"]
        r["trailers"] = b["trailers"]
        r["order"] = b["order"]
    n = lambda v: "" if v is None else v  # noqa: E731
    # --cull=st: the frames in stacktrace, each trailer line in its column.
    st_cols = ["stacktrace"] + (["handle"] if any(b["trailers"]["handle"] for b in brows) else []) + \
        ["migrate_reason", "slab_cache_page", "memcg", "memcg_objcg", "memcg_offline"]
    cases = [
        (["--cull=st"], st_cols, lambda r: tuple(r["trailers"][c] for c in st_cols), arows),
        (["--cull=pid,name"], ["pid", "name"], lambda r: (r["pid"], r["name"]), arows),
        (["--cull=module,callsite", "--sort=-bytes,module"], ["module", "callsite"],
         lambda r: (n(r["module"]), n(r["callsite"])), arows),
        (["--cull=node,order", "--sort=node,-m"], ["node", "order"],
         lambda r: (n(r["node"]), str(r["order"])), arows),
        (["--cull=module,callsite", "--filter", "order>=1"], ["module", "callsite"],
         lambda r: (n(r["module"]), n(r["callsite"])), [r for r in arows if r["order"] >= 1]),
        (["--cull=pid,name", "--page-size=64K", "--sort=-bytes"], ["pid", "name"],
         lambda r: (r["pid"], r["name"]), arows),
        ([], ["txt"], None, brows),
        (["-a"], ["txt"], None, brows),
    ]
    for opts, keys, key, rows in cases:
        what = "%s %s" % (name, " ".join(opts) or "(no cull)")
        try:
            header, got_rows, doc = same_as_json(exe, path, opts, what)
        except RuntimeError as e:
            check(False, "%s: %s" % (what, e))
            continue
        ps = 65536 if "--page-size=64K" in opts else 4096
        if keys == ["txt"]:
            # page_owner_sort's text: the header (ts digits cut unless -a), then the stacktrace.
            ts = "-a" in opts
            key = lambda b: ((b["header"] if ts else  # noqa: E731
                              re.sub(r", ts \d+ ns$", ", ts  ns", b["header"])) +
                             (";" + b["st"] if b["st"] else ""),)
        want = groups_of(rows, key)
        have = csv_groups(header, got_rows, keys, ps, what)
        check(want == have, what + ": csv groups = independent grouping (%d vs %d groups)%s" %
              (len(want), len(have), "" if want == have else " e.g. %r" %
               (next(((k, want.get(k), have.get(k)) for k in set(want) | set(have)
                      if want.get(k) != have.get(k))),)))
        t = (sum(v[0] for v in have.values()), sum(v[1] for v in have.values()))
        check(t == (len(rows), sum(2 ** int(r["order"]) for r in rows)), what + ": totals")
        if not opts:
            check(t == totals(path), what + ": totals = totals.awk")


def every_key(exe, path, keys):
    """Each cull key alone, then all at once, through same_as_json."""
    name = os.path.basename(path)
    for k in keys + [",".join(keys)]:
        try:
            first = k.split(",")[0]
            same_as_json(exe, path, ["--cull=" + k, "--sort=-m" + ("," + first if first != "free" else "")],
                         "%s --cull=%s" % (name, k))
        except RuntimeError as e:
            check(False, "%s --cull=%s: %s" % (name, k, e))


def hostile(exe, fixtures):
    """Task names as the raw dump spells them, through a real CSV parser."""
    path = os.path.join(fixtures, "real", "edgecomm.txt")
    with open(path, "rb") as f:
        data = f.read()
    # A copy with names edgecomm does not have: quotes, CR, ';', ',' at the
    # ends, bytes that are not UTF-8.
    swap = {b"(paren)": b'q"uo"te', b")": b'"', b"sp ace  2": b"cr\rx",
            b"0123456789abcde": b"\xff\xfe;x", b"tab\tx": b",lead,"}
    lines = []
    for line in data.split(b"\n"):
        m = re.match(rb"^(Page allocated via order .*, tgid \d+ \()(.*)(\), ts \d+ ns)$", line)
        if m and m.group(2) in swap:
            line = m.group(1) + swap[m.group(2)] + m.group(3)
        lines.append(line)
    wild = b"\n".join(lines)
    with tempfile.NamedTemporaryFile(suffix=".txt") as tmp:
        tmp.write(wild)
        tmp.flush()
        for what, blob, src in (("edgecomm", data, path), ("edgecomm, wilder names", wild, tmp.name)):
            want = groups_of(py_blocks(src), lambda b: (b["pid"], b["name"]))
            raw = run(exe, ["--format=csv", "--cull=pid,name"], stdin=blob)
            header, rows = csv_rows(raw)
            check(header == ["times", "pages", "bytes", "pid", "name"], what + ": header")
            have = csv_groups(header, rows, ["pid", "name"], 4096, what)
            check(want == have, what + ": names read back = raw dump's (%d groups)" % len(want))
            names = {r[4] for r in rows}
            for s in ("x, ts 5 ns", "pid 7, tgid 8", "", "a) b (c", "\u00fcn\u00ef"):
                if what == "edgecomm":
                    check(s in names, "%s: %r read back" % (what, s))
            if blob is wild:
                for s in ('q"uo"te', '"', "cr\rx", dec(b"\xff\xfe;x"), ",lead,"):
                    check(s in names, "%s: %r read back" % (what, s))
                check(b'"q""uo""te"' in raw and b',""""\r\n' in raw and b'"cr\rx"' in raw and
                      b",\xff\xfe;x\r\n" in raw and b'",lead,"' in raw,
                      what + ": quoted per RFC 4180, other bytes as they are")
            # The empty name is "" (a text), not an empty field (a null).
            if what == "edgecomm":
                check(b',83,""\r\n' in raw, what + ": empty name written as \"\"")


def human(exe, fixtures):
    units = ["B", "KiB", "MiB", "GiB", "TiB"]
    pat = re.compile(r"^(\d+) (?:times|stacks?), (\d+) pages \((\d+)(?:\.(\d))? (\w+)\)")
    for f, opts, ps in (("real/small.txt", ["--cull=st"], 4096),
                        ("real/small.txt", ["-m"], 4096),
                        ("real/small.txt", ["--cull=pid,name", "--page-size=64K"], 65536),
                        ("real/modules.txt", ["--cull=node,order", "--page-size=4K"], 4096),
                        ("real/show_stacks.txt", ["--page-size=2M"], 2 << 20)):
        path = os.path.join(fixtures, f)
        what = "--human %s %s" % (f, " ".join(opts))
        plain = dec(run(exe, [*opts, path])).split("\n")
        text = dec(run(exe, ["--human", *opts, path])).split("\n")
        n = 0
        check(len(plain) == len(text), what + ": same lines")
        for a, b in zip(plain, text):
            m = pat.match(b)
            if not m:
                check(a == b, what + ": non-count lines unchanged")
                continue
            n += 1
            times, pages, whole, tenth, unit = m.groups()
            check(a == b.replace(" (%s%s %s)" % (whole, "." + tenth if tenth else "", unit), "", 1),
                  what + ": only the size added")
            size = int(pages) * ps
            k = units.index(unit)
            shown = int(whole) + (int(tenth) / 10 if tenth else 0)
            # The largest unit that fits (or the next one when it rounds to 1024),
            # and within half a tenth of it.
            exact = size / 1024 ** k
            ok = abs(exact - shown) <= 0.05 + 1e-9 and (k == 0 or size >= 1024 ** k * 0.9995)
            ok = ok and (k == len(units) - 1 or exact < 1023.95)
            check(ok and (tenth != "0"), "%s: %s pages x %d = %s %s" % (what, pages, ps, shown, unit))
        check(n > 0, what + ": has count lines")


def stack_records(path):
    """A page_owner_stacks file read by Python: (records, sum of nr_base_pages or the rc kernels' stack_count)."""
    with open(path, "rb") as f:
        recs = [r for r in re.split(r"\n\n+", dec(f.read())) if r.strip()]
    pages = sum(int(m) for r in recs for m in re.findall(r"^(?:nr_base_pages|stack_count): (-?\d+)$", r, re.M))
    return len(recs), pages


def stacks_counts(exe, fixtures):
    """The page_owner_stacks files have no blocks: a group counts stacks,
    and says so in every format (text, JSON, ndjson, CSV)."""
    for f in ("real/show_stacks.txt", "real/handles/show_handles.txt",
              "real/handles/show_stacks_handles.txt", "eras/show_stacks_rc.txt"):
        path = os.path.join(fixtures, f)
        recs, pages = stack_records(path)
        for opts in ([], ["--cull=module"]):
            what = "%s %s" % (f, " ".join(opts) or "(no cull)")
            groups = json.loads(dec(run(exe, ["--format=json", *opts, path])))["groups"]
            check(all("times" not in g for g in groups), what + ": no times member in JSON")
            check(sum(g["stacks"] for g in groups) == recs,
                  what + ": JSON stacks sum to the file's %d records" % recs)
            check(sum(g["pages"] for g in groups) == pages,
                  what + ": JSON pages sum to its nr_base_pages, %d" % pages)
            header, rows = csv_rows(run(exe, ["--format=csv", *opts, path]))
            check(header[0] == "stacks" and sum(int(r[0]) for r in rows) == recs,
                  what + ": CSV stacks column sums to %d" % recs)
            counts = re.findall(r"^(\d+) (\w+), (\d+) pages", dec(run(exe, [*opts, path])), re.M)
            check(len(counts) == len(groups) and
                  all(w == ("stack" if n == "1" else "stacks") for n, w, _ in counts),
                  what + ": text says N stack(s), never times: %r" % (counts[:2],))
            check(sum(int(n) for n, _, _ in counts) == recs, what + ": text stacks sum to %d" % recs)


def main():
    exe, fixtures = sys.argv[1], sys.argv[2]
    real = lambda f: os.path.join(fixtures, "real", f)  # noqa: E731
    for f in ("small.txt", "edgecomm.txt", "modules.txt", "leak-early.txt",
              "handles/page_owner.mode_stack_handle.txt"):
        page_owner_checks(exe, real(f))
    po_keys = ["pid", "tgid", "name", "stacktrace", "alloc_ts", "allocator", "order", "gfp",
               "migratetype", "block_migratetype", "pfn", "node", "zone", "flags", "memcg",
               "migrate_reason", "module", "callsite", "stack"]
    every_key(exe, real("small.txt"), po_keys)
    every_key(exe, real("handles/page_owner.mode_stack_handle.txt"), ["handle", "stack"])
    every_key(exe, os.path.join(fixtures, "eras", "eraF.txt"), ["free", "free_ts", "pid"])
    for era in ("eraA0", "eraA1", "eraB", "eraC", "eraE"):
        every_key(exe, os.path.join(fixtures, "eras", era + ".txt"), ["stacktrace", "migratetype"])
    for f in ("real/show_stacks.txt", "real/handles/show_handles.txt",
              "real/handles/show_stacks_handles.txt"):
        path = os.path.join(fixtures, f)
        for opts in ([], ["--cull=stack"], ["--cull=module,callsite", "--sort=-bytes"]):
            try:
                same_as_json(exe, path, opts, "%s %s" % (f, " ".join(opts)))
            except RuntimeError as e:
                check(False, "%s %s: %s" % (f, opts, e))
    # Selections show their key; an empty result is the header alone.
    same_as_json(exe, real("small.txt"), ["--pid=36", "--cull=order"], "--pid=36 --cull=order")
    h, rows, _ = same_as_json(exe, real("small.txt"), ["--cull=name", "--filter", "order>99"],
                              "empty result")
    check(h == ["times", "pages", "bytes", "name"] and rows == [], "empty result: header only")
    hostile(exe, fixtures)
    human(exe, fixtures)
    stacks_counts(exe, fixtures)
    print("tabular: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
