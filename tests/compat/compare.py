#!/usr/bin/env python3
"""Compatibility harness: pgsort against the real page_owner_sort (Linux 6.12, or 2026).

usage: compare.py --pgsort BIN --ref BIN --fixtures DIR [--tmp DIR]
                  [--only SUBSTR] [--opts SUBSTR] [--peer 6.12|2026]

For every fixture (page_owner dumps under DIR, zstd-compressed) and every
option set, runs

    REF    [OPTS] IN OUT      (stdout ignored)
    PGSORT [OPTS] IN OUT      (must exit 0)

and compares the two OUTPUT files group for group, ignoring only the order
of groups with equal sort keys and the documented differences (see
README.md next to this file).  Prints one line per (fixture, option set),
then a final line "N passed, M failed"; exits 1 if M > 0.

With --peer 2026, REF is the page_owner_sort of the kernel's mm tree
(2026: -M, --module, the module key, --sort honoured) and the option sets
are those of peer_option_sets(); where the reference's order has no ties
the two output files must be byte-identical.

Python 3 standard library only.  Totals (records, pages) come from
totals.awk, which is computed independently of both tools.
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

FIXTURES = [
    "6.12.117/small/page_owner.txt.zst",
    "6.12.117/edgecomm/page_owner.txt.zst",
    "6.12.117/modules/page_owner.txt.zst",
    "6.12.117/leak/page_owner.before.txt.zst",
    "6.12.117/leak/page_owner.after.txt.zst",
    "6.12.117-handles/small/page_owner.mode_stack.txt.zst",
    "6.12.117-handles/small/page_owner.mode_handle.txt.zst",
    "6.12.117-handles/small/page_owner.mode_stack_handle.txt.zst",
    "6.12.117-handles/leak/page_owner.mode_stack.txt.zst",
    "6.12.117-handles/leak/page_owner.mode_handle.txt.zst",
    "6.12.117-handles/leak/page_owner.mode_stack_handle.txt.zst",
]


class OptSet:
    """One option set.

    cull:   None (no --cull: groups are txt) or the set of culled keys
    order:  what both tools sort by, as a key for the order check
            ("times", "pages", "module", "rest": the whole header after
            the counts), or "sort" for --sort=n,-tg (see README)
    select: None, or a function of the InputScan giving the (records,
            pages) the selection keeps (--pid, --module)
    """

    def __init__(self, name, args, cull=None, order="times", select=None):
        self.name = name
        self.args = args
        self.cull = cull
        self.order = order
        self.select = select

    @property
    def stacktrace_printed(self):
        return self.cull is None or "st" in self.cull

    @property
    def txt_printed(self):
        return self.cull is None


def option_sets(pid):
    return [
        OptSet("(none)", []),
        OptSet("--cull=st", ["--cull=st"], cull={"st"}),
        OptSet("--cull=pid,name", ["--cull=pid,name"], cull={"pid", "name"}),
        OptSet("-m", ["-m"], order="pages"),
        OptSet("-t", ["-t"]),
        OptSet("--sort=n,-tg", ["--sort=n,-tg"], order="sort"),
        OptSet("--pid=%d" % pid, ["--pid=%d" % pid], select=pid_totals(pid)),
        OptSet("--cull=st,ator", ["--cull=st,ator"], cull={"st", "ator"}),
    ]


def pid_totals(pid):
    return lambda scan: (scan.pid_records[pid], scan.pid_pages[pid])


def module_totals(mods):
    return lambda scan: (sum(scan.mod_records[m] for m in mods),
                         sum(scan.mod_pages[m] for m in mods))


# The option sets of option_sets() that page_owner_sort 2026 runs through
# the same code as 6.12 and whose order key another set checks: left out
# against 2026 to keep the suite's run time (the 6.12 run has them).
SAME_AS_612 = ("-t", "-m", "--cull=st,ator")


def peer_option_sets(scan, big):
    """Option sets against page_owner_sort 2026. On big dumps only the
    module ones whose output is a line per group (run time)."""
    mods = scan.module_list()
    lst = ",".join(m.decode() for m in mods)
    sets = [
        OptSet("--cull=mod", ["--cull=mod"], cull={"mod"}),
        OptSet("--module=%s --cull=pid,mod" % lst, ["--module=" + lst, "--cull=pid,mod"],
               cull={"pid", "mod"}, select=module_totals(mods)),
    ]
    if big:
        return sets
    old = [o for o in option_sets(scan.top_pid()) if o.name not in SAME_AS_612]
    return old + sets + [
        OptSet("--cull=mod,name --sort=mod,-n", ["--cull=mod,name", "--sort=mod,-n"],
               cull={"mod", "name"}, order="rest"),
        OptSet("-M", ["-M"], order="module"),
        OptSet("--cull=st,mod", ["--cull=st,mod"], cull={"st", "mod"}),
        OptSet("--module=%s" % lst, ["--module=" + lst], select=module_totals(mods)),
        OptSet("--cull=st --sort=mod", ["--cull=st", "--sort=mod"], cull={"st"},
               order="module"),
        OptSet("--cull=pid,name --sort=-p,n", ["--cull=pid,name", "--sort=-p,n"],
               cull={"pid", "name"}, order="rest"),
    ]


# ---------------------------------------------------------------------------
# Independent scan of the input (what page_owner_sort would see)

# page_owner_sort 6.12 cuts the digits of the first match of this regex in
# the block text (POSIX ERE "ts\s*([0-9]*)\s*ns"; same leftmost match here).
TS_RE = re.compile(rb"ts\s*([0-9]*)\s*ns")
PID_RE = re.compile(rb"pid\s*([0-9]*),")
ORDER_RE = re.compile(rb"order\s*([0-9]*),")
# comm in a header line: between the first "tgid N (" and the LAST "), ts "
HDR_COMM_RE = re.compile(rb"tgid (-?[0-9]+) \((.*)\), ts ")
# page_owner_sort 2026's module: the first match in the block text (PFN
# line excluded), "vmlinux" without one or when it has 64 bytes or more
MODULE_RE = re.compile(rb"\[([a-zA-Z0-9_]+)\]")
MODULE_REST_RE = re.compile(rb", module: ([A-Za-z0-9_]*)")


def module_of(txt):
    m = MODULE_RE.search(txt)
    if not m or len(m.group(1)) >= 64:
        return b"vmlinux"
    return m.group(1)


def ref_strip_ts(txt):
    m = TS_RE.search(txt)
    if not m:
        return txt
    return txt[:m.start(1)] + txt[m.end(1):]


def allocator_label(txt, pfn_line):
    """Label as page_owner_sort prints it after "allocated by "."""
    cma = b"CMA" in pfn_line
    slab = b"slab" in pfn_line
    vm = False
    i = txt.find(b"__vmalloc_node_range")
    if i >= 0:
        a = txt.rfind(b"\n", 0, i)        # end of the line before
        if a > 0:
            b = txt.rfind(b"\n", 0, a)    # end of the line before that
            j = txt.find(b"alloc_pages", b + 1)
            vm = j != -1 and j < i
    s = b""
    if cma:
        s += b"CMA "
    if slab:
        s += b"SLAB "
    if vm:
        s += b"VMALLOC "
    if not s:
        s = b"OTHERS "
    return s


class InputScan:
    """Per fixture: the pid with most records, its totals, and for each
    txt key (block minus PFN lines, ts digits cut as page_owner_sort cuts
    them) the allocator label of its first member and the set of labels."""

    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        # a last line without "\n" (and a block without a terminating blank
        # line) is never completed by page_owner_sort: drop it like it does
        lines.pop()
        self.labels = {}          # key -> [first_label, set(labels)]
        self.pid_records = collections.Counter()
        self.pid_pages = collections.Counter()
        self.mod_records = collections.Counter()
        self.mod_pages = collections.Counter()
        self.blocks = 0
        pfn = b""                 # page_owner_sort keeps the last PFN line
        cur = []
        for line in lines:
            if line == b"":
                self._block(cur, pfn)
                cur = []
            elif line.startswith(b"PFN"):
                pfn = line
            else:
                cur.append(line)
        del data, lines

    def _block(self, cur, pfn):
        txt = b"\n".join(cur) + b"\n" if cur else b""
        self.blocks += 1
        label = allocator_label(txt, pfn)
        key = ref_strip_ts(txt)
        ent = self.labels.get(key)
        if ent is None:
            self.labels[key] = [label, {label}]
        else:
            ent[1].add(label)
        m = PID_RE.search(txt)
        pid = int(m.group(1)) if m and m.group(1) else -1
        m = ORDER_RE.search(txt)
        pages = 0
        if m and m.group(1) and int(m.group(1)) <= 64:
            pages = 1 << int(m.group(1))
        self.pid_records[pid] += 1
        self.pid_pages[pid] += pages
        mod = module_of(txt)
        self.mod_records[mod] += 1
        self.mod_pages[mod] += pages

    def top_pid(self):
        # most records; ties: smallest pid
        return min(self.pid_records.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    def module_list(self):
        """--module's list: every module but the one of most records (a
        proper subset), or vmlinux when it is the only one."""
        mods = sorted(self.mod_records, key=lambda m: (-self.mod_records[m], m))
        return sorted(mods[1:]) or mods

    def mixed(self, key):
        ent = self.labels.get(key)
        return ent is not None and len(ent[1]) > 1


def totals(path):
    out = subprocess.run(["awk", "-f", os.path.join(HERE, "totals.awk"), path],
                         check=True, stdout=subprocess.PIPE).stdout.decode()
    vals = dict(l.split() for l in out.splitlines())
    return int(vals["records"]), int(vals["pages"])


# ---------------------------------------------------------------------------
# Output parsing

HEADER_RE = re.compile(rb"^(-?[0-9]+) times, (-?[0-9]+) pages(.*)$", re.S)
NOCULL_REST_RE = re.compile(rb"^, allocated by ((?:CMA |SLAB |VMALLOC |OTHERS )*):$")

Group = collections.namedtuple("Group", "times pages rest body")


class ParseError(Exception):
    pass


def parse_output(path, opt):
    """List of Group(times, pages, rest, body) in file order.

    rest = header line after "N times, M pages"; body = txt (no --cull) or
    the stacktrace (--cull with st), ending in "\n", or b"" (--cull
    without st: one line per group)."""
    with open(path, "rb") as f:
        data = f.read()
    groups = []
    if not data:
        return groups
    if opt.stacktrace_printed:
        if not data.endswith(b"\n\n"):
            raise ParseError("output does not end with a blank line")
        chunks = data[:-2].split(b"\n\n")
        for c in chunks:
            header, _, body = c.partition(b"\n")
            if body:
                body += b"\n"
            m = HEADER_RE.match(header)
            if not m:
                raise ParseError("bad group header %r" % header[:120])
            if not m.group(3).endswith(b":"):
                raise ParseError("group header without ':' %r" % header[:120])
            for bl in body.split(b"\n"):
                if HEADER_RE.match(bl):
                    raise ParseError("group header inside a group: %r" % bl[:120])
            groups.append(Group(int(m.group(1)), int(m.group(2)), m.group(3), body))
    else:
        if not data.endswith(b"\n"):
            raise ParseError("output does not end with a newline")
        for line in data[:-1].split(b"\n"):
            m = HEADER_RE.match(line)
            if not m:
                raise ParseError("bad group line %r" % line[:120])
            groups.append(Group(int(m.group(1)), int(m.group(2)), m.group(3), b""))
    if opt.txt_printed:
        for g in groups:
            if not NOCULL_REST_RE.match(g.rest):
                raise ParseError("bad allocator part %r" % g.rest[:120])
    return groups


def label_of(g):
    return NOCULL_REST_RE.match(g.rest).group(1)


def header_comm_tgid(g):
    """(comm, tgid) from the txt header line of a no-cull group."""
    first = g.body.split(b"\n", 1)[0]
    m = HDR_COMM_RE.search(first)
    if not m:
        return None
    return m.group(2), int(m.group(1))


def edge_comm(g):
    """Group whose comm contains text matching the ts regex (difference b)."""
    ct = header_comm_tgid(g)
    return ct is not None and TS_RE.search(ct[0]) is not None


def show(g, maxlen=240):
    s = b"%d times, %d pages%s\n%s" % (g.times, g.pages, g.rest, g.body)
    s = s.rstrip(b"\n")
    r = repr(s)[2:-1]
    return r if len(r) <= maxlen else r[:maxlen] + "..."


def full(g):
    return (b"%d times, %d pages%s\n%s" % (g.times, g.pages, g.rest, g.body)).decode(
        "utf-8", "backslashreplace")


# ---------------------------------------------------------------------------
# Comparison of one (fixture, option set)

class Result:
    def __init__(self):
        self.fail = []           # reasons
        self.details = []        # lines for the detail file
        self.tol_label = 0
        self.tol_edge = (0, 0)   # groups (ref, pgsort)
        self.first_label_ok = 0  # pgsort label == first input member's label
        self.first_label_n = 0
        self.deterministic = False  # no tie in the reference's order


def group_module(g):
    """The module a group sorts by: printed (--cull with mod), else that of
    its printed text (txt, or the stacktrace with --cull=st)."""
    m = MODULE_REST_RE.search(g.rest)
    return m.group(1) if m else module_of(g.body)


ORDER_KEYS = {
    "times": lambda g: g.times,
    "pages": lambda g: g.pages,
    "module": group_module,
    "rest": lambda g: g.rest,
}


def compare(ref_groups, pg_groups, opt, scan, tot, res, peer="6.12"):
    # -- totals of pgsort's groups against the independent count
    if opt.select:
        want = opt.select(scan)
        what = "%s records/pages (own scan)" % opt.name
    else:
        want = tot
        what = "records/pages (totals.awk)"
    got = (sum(g.times for g in pg_groups), sum(g.pages for g in pg_groups))
    if got != want:
        res.fail.append("pgsort sum times/pages %d/%d != %s %d/%d"
                        % (got[0], got[1], what, want[0], want[1]))

    # -- difference b: comm matching the ts regex (only when txt is printed)
    if opt.txt_printed:
        ref_edge = [g for g in ref_groups if edge_comm(g)]
        pg_edge = [g for g in pg_groups if edge_comm(g)]
        ref_rest = [g for g in ref_groups if not edge_comm(g)]
        pg_rest = [g for g in pg_groups if not edge_comm(g)]
        rt = (sum(g.times for g in ref_edge), sum(g.pages for g in ref_edge))
        pt = (sum(g.times for g in pg_edge), sum(g.pages for g in pg_edge))
        if rt != pt:
            res.fail.append("ts-in-comm groups: times/pages ref %d/%d pgsort %d/%d"
                            % (rt + pt))
        res.tol_edge = (len(ref_edge), len(pg_edge))
    else:
        ref_rest, pg_rest = ref_groups, pg_groups

    # -- multiset of groups
    rc = collections.Counter(ref_rest)
    pc = collections.Counter(pg_rest)
    only_ref = rc - pc
    only_pg = pc - rc
    if opt.txt_printed and (only_ref or only_pg):
        # difference a: allocator label of groups with mixed allocators
        by_txt = {}
        for g, n in only_ref.items():
            by_txt.setdefault((g.times, g.pages, g.body), []).append(g)
        for g in list(only_pg.elements()):
            cands = by_txt.get((g.times, g.pages, g.body))
            if cands and scan.mixed(g.body):
                r = cands.pop()
                only_ref[r] -= 1
                only_pg[g] -= 1
                res.tol_label += 1
                res.details.append("tolerated label: ref %s / pgsort %s / labels in input %s: %s"
                                   % (label_of(r).decode(), label_of(g).decode(),
                                      sorted(l.decode() for l in scan.labels[g.body][1]),
                                      show(g, 160)))
        only_ref = +only_ref
        only_pg = +only_pg
    if opt.txt_printed:
        for g in pg_rest:
            if scan.mixed(g.body):
                res.first_label_n += 1
                if label_of(g) == scan.labels[g.body][0]:
                    res.first_label_ok += 1
    if only_ref or only_pg:
        nr = sum(only_ref.values())
        npg = sum(only_pg.values())
        fr = next((g for g in ref_rest if only_ref[g] > 0), None)
        fp = next((g for g in pg_rest if only_pg[g] > 0), None)
        msg = "groups differ: %d only in ref, %d only in pgsort" % (nr, npg)
        if fr is not None:
            msg += "; first ref-only: %s" % show(fr)
        if fp is not None:
            msg += "; first pgsort-only: %s" % show(fp)
        res.fail.append(msg)
        res.details.append("=== groups only in the reference (%d, in reference order):" % nr)
        left = collections.Counter(only_ref)
        for g in ref_rest:
            if left[g] > 0:
                left[g] -= 1
                res.details.append(full(g))
        res.details.append("=== groups only in pgsort (%d, in pgsort order):" % npg)
        left = collections.Counter(only_pg)
        for g in pg_rest:
            if left[g] > 0:
                left[g] -= 1
                res.details.append(full(g))

    # -- order
    if opt.order == "sort" and peer == "2026":
        key = header_comm_tgid
    else:
        key = ORDER_KEYS.get(opt.order)
    if key is not None:
        rs = [key(g) for g in ref_rest]
        ps = [key(g) for g in pg_rest]
        if rs != ps:
            i = next((i for i, (a, b) in enumerate(zip(rs, ps)) if a != b), min(len(rs), len(ps)))
            msg = "order: %s sequence differs at group %d: ref %s, pgsort %s" % (
                opt.order, i, rs[i] if i < len(rs) else "(end)",
                ps[i] if i < len(ps) else "(end)")
            if i < len(pg_rest):
                msg += "; pgsort group: %s" % show(pg_rest[i])
            res.fail.append(msg)
        elif (all(a != b for a, b in zip(rs, rs[1:])) and len(ref_rest) == len(ref_groups)
              and not res.tol_label):
            # no tie: nothing may differ, byte for byte
            res.deterministic = True
    elif opt.order == "sort":
        # the reference ignores --sort (sorts by times descending, see
        # README); pgsort must honour it: comm ascending, tgid descending
        ts = [g.times for g in ref_groups]
        if any(a < b for a, b in zip(ts, ts[1:])):
            res.fail.append("reference output not sorted by times descending: "
                            "the --sort hypothesis does not hold for this reference")
        prev = None
        for i, g in enumerate(pg_groups):
            ct = header_comm_tgid(g)
            if ct is None:
                res.fail.append("order: no comm/tgid in pgsort group %d: %s" % (i, show(g)))
                break
            if prev is not None:
                pc_, pt_ = prev
                c, t = ct
                if pc_ > c or (pc_ == c and pt_ < t):
                    res.fail.append("order: pgsort not sorted by n,-tg at group %d: "
                                    "(%r, %d) after (%r, %d)" % (i, c, t, pc_, pt_))
                    break
            prev = ct


# ---------------------------------------------------------------------------

def run_tool(binary, args, inp, out, timeout):
    t0 = time.monotonic()
    try:
        p = subprocess.run([binary] + args + [inp, out], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timed out after %ds" % timeout, time.monotonic() - t0
    except OSError as e:
        return "cannot run: %s" % e, time.monotonic() - t0
    dt = time.monotonic() - t0
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        return "exit status %d%s" % (p.returncode, (": " + err[-1][:160]) if err else ""), dt
    if not os.path.exists(out):
        return "no output file", dt
    return None, dt


def decompress(src, dst):
    if os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
        return
    part = dst + ".part"
    with open(part, "wb") as f:
        subprocess.run(["zstd", "-q", "-dc", src], stdout=f, check=True)
    os.replace(part, dst)


def safe(s):
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", s).strip("_") or "none"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--pgsort", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--tmp", help="work directory (kept; decompressed fixtures are reused)")
    ap.add_argument("--only", action="append", help="only fixtures whose name contains this")
    ap.add_argument("--opts", action="append", help="only option sets whose name contains this")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--peer", choices=("6.12", "2026"), default="6.12",
                    help="which page_owner_sort --ref is (default 6.12)")
    ap.add_argument("--big", type=int, default=50,
                    help="--peer 2026: dumps of more MiB get the short option list")
    ap.add_argument("--selftest", action="store_true",
                    help="--pgsort is the reference itself or a wrapper around it: expect "
                         "6.12 --sort semantics (--sort ignored) from it too")
    a = ap.parse_args()

    for b in (a.pgsort, a.ref):
        if not (os.path.isfile(b) and os.access(b, os.X_OK)):
            sys.exit("compare.py: not an executable: %s" % b)
    if shutil.which("zstd") is None:
        sys.exit("compare.py: zstd not found in PATH")

    own_tmp = a.tmp is None
    tmp = tempfile.mkdtemp(prefix="pgsort-compat.") if own_tmp else a.tmp
    os.makedirs(tmp, exist_ok=True)
    outdir = os.path.join(tmp, "out")
    os.makedirs(outdir, exist_ok=True)
    repdir = os.path.join(tmp, "report")
    os.makedirs(repdir, exist_ok=True)

    passed = failed = identical = 0
    tol_label = tol_edge_ref = tol_edge_pg = 0
    t_ref = t_pg = 0.0
    t_start = time.monotonic()
    try:
        for fx in FIXTURES:
            name = fx[:-len(".txt.zst")]
            if a.only and not any(s in name for s in a.only):
                continue
            src = os.path.join(a.fixtures, fx)
            if not os.path.exists(src):
                print("FAIL %s: fixture missing: %s" % (name, src), flush=True)
                failed += 1
                continue
            inp = os.path.join(tmp, safe(name) + ".txt")
            decompress(src, inp)
            tot = totals(inp)
            scan = InputScan(inp)
            if scan.blocks != tot[0]:
                print("note %s: %d blocks but %d 'Page allocated' lines"
                      % (name, scan.blocks, tot[0]), flush=True)
            if a.peer == "2026":
                sets = peer_option_sets(scan, os.path.getsize(inp) > a.big << 20)
            else:
                sets = option_sets(scan.top_pid())
            for opt in sets:
                if a.selftest and opt.order == "sort" and a.peer == "6.12":
                    opt.order = "times"
                if a.opts and not any(s in opt.name for s in a.opts):
                    continue
                label = "%s %s" % (name, opt.name)
                tag = safe(name) + "." + safe(opt.name)
                ref_out = os.path.join(outdir, tag + ".ref")
                pg_out = os.path.join(outdir, tag + ".pgsort")
                for f in (ref_out, pg_out):
                    if os.path.exists(f):
                        os.unlink(f)
                err, dt = run_tool(a.ref, opt.args, inp, ref_out, a.timeout)
                t_ref += dt
                if err:
                    print("FAIL %s: reference %s" % (label, err), flush=True)
                    failed += 1
                    continue
                err, dt = run_tool(a.pgsort, opt.args, inp, pg_out, a.timeout)
                t_pg += dt
                if err:
                    print("FAIL %s: pgsort %s" % (label, err), flush=True)
                    failed += 1
                    continue
                res = Result()
                try:
                    ref_groups = parse_output(ref_out, opt)
                except ParseError as e:
                    res.fail.append("cannot parse reference output: %s" % e)
                    ref_groups = None
                try:
                    pg_groups = parse_output(pg_out, opt)
                except ParseError as e:
                    res.fail.append("cannot parse pgsort output: %s" % e)
                    pg_groups = None
                if ref_groups is not None and pg_groups is not None:
                    compare(ref_groups, pg_groups, opt, scan, tot, res, a.peer)
                if res.deterministic and not res.fail:
                    if subprocess.run(["cmp", "-s", ref_out, pg_out]).returncode:
                        res.fail.append("no tie in the order, yet the files differ")
                    else:
                        identical += 1
                tol_label += res.tol_label
                tol_edge_ref += res.tol_edge[0]
                tol_edge_pg += res.tol_edge[1]
                notes = []
                if res.tol_label:
                    notes.append("%d mixed-allocator label(s) tolerated" % res.tol_label)
                if res.tol_edge != (0, 0):
                    notes.append("ts-in-comm groups compared by totals only (ref %d, pgsort %d)"
                                 % res.tol_edge)
                detail = os.path.join(repdir, tag + ".txt")
                if res.details or res.fail:
                    with open(detail, "w") as f:
                        f.write("%s\n" % label)
                        for r in res.fail:
                            f.write("FAIL: %s\n" % r)
                        if res.first_label_n:
                            f.write("mixed-allocator groups whose pgsort label is the first"
                                    " member's: %d of %d\n" % (res.first_label_ok,
                                                               res.first_label_n))
                        for d in res.details:
                            f.write(d + "\n")
                if res.fail:
                    failed += 1
                    print("FAIL %s: %s [details: %s]" % (label, " | ".join(res.fail), detail),
                          flush=True)
                else:
                    passed += 1
                    print("ok   %s%s" % (label, (" (" + "; ".join(notes) + ")") if notes else ""),
                          flush=True)
                if not res.fail:
                    os.unlink(ref_out)
                    os.unlink(pg_out)
            del scan
    finally:
        if own_tmp:
            if failed:
                # keep the reports and the outputs of failed runs
                for f in os.listdir(tmp):
                    if f.endswith(".txt"):
                        os.unlink(os.path.join(tmp, f))
                print("compare.py: reports and failing outputs kept in %s" % tmp)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    print("tolerated: %d allocator label(s) of mixed groups; ts-in-comm groups compared "
          "by totals only: %d (reference) / %d (pgsort)" % (tol_label, tol_edge_ref, tol_edge_pg))
    print("byte-identical (no ties in the order): %d" % identical)
    print("time: reference %.1fs, pgsort %.1fs, total %.1fs"
          % (t_ref, t_pg, time.monotonic() - t_start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
