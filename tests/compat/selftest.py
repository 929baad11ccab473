#!/usr/bin/env python3
"""Self-test of the compatibility harness (not of pgsort).

usage: selftest.py --ref BIN --fixtures DIR [--tmp DIR] [--peer26 BIN]

Runs compare.py with --pgsort pointing at the reference itself and at
perturb.py (the reference with its output damaged in one controlled way)
and checks that compare.py passes and fails exactly where it should.
Also builds a synthetic fixture with CMA pageblocks (the real 6.12
fixtures have none) to exercise the mixed-allocator tolerance.
Uses the small and edgecomm fixtures only; takes about a minute.
With --peer26 (page_owner_sort 2026, built by build-peer.sh), also
compare.py --peer 2026 on the modules fixture: it against itself, and
perturbed (dropped group, a module name changed, two groups swapped).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "compare.py")
PERTURB = os.path.join(HERE, "perturb.py")
SMALL = "6.12.117/small/page_owner"
EDGE = "6.12.117/edgecomm/page_owner"
MODULES = "6.12.117/modules/page_owner"


def run(ref, fixtures, tmp, pgsort, only, mode=None, selftest=True, peer=None):
    env = dict(os.environ)
    if mode is not None:
        env["PERTURB_REAL"] = ref
        env["PERTURB_MODE"] = mode
    cmd = [sys.executable, COMPARE, "--pgsort", pgsort, "--ref", ref,
           "--fixtures", fixtures, "--tmp", tmp, "--only", only]
    if selftest:
        cmd.append("--selftest")
    if peer:
        cmd += ["--peer", peer]
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.decode("utf-8", "replace")
    m = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    if not m:
        return None, None, out, p.returncode
    t = re.search(r"^tolerated: (\d+) allocator", out, re.M)
    return (int(m.group(1)), int(m.group(2))), int(t.group(1)) if t else None, out, p.returncode


def make_cma_fixture(src_txt, dst_dir, single):
    """Copy of src with the pageblock of some PFN lines renamed to CMA:
    the first member of every txt key with >= 2 members (so those groups
    have mixed allocators), and if single, also one key with one member."""
    sys.path.insert(0, HERE)
    import compare
    with open(src_txt, "rb") as f:
        blocks = f.read().split(b"\n\n")
    keys = []
    count = {}
    for b in blocks:
        txt = b"\n".join(l for l in b.split(b"\n") if not l.startswith(b"PFN")) + b"\n"
        k = compare.ref_strip_ts(txt)
        keys.append(k)
        count[k] = count.get(k, 0) + 1
    seen = set()
    done_single = False
    out = []
    for b, k in zip(blocks, keys):
        cma = False
        if count[k] >= 2 and k not in seen:
            cma = True
        elif single and count[k] == 1 and not done_single and b:
            cma = done_single = True
        seen.add(k)
        if cma:
            b = re.sub(rb"^(PFN .*? Block [0-9]+ type )[A-Za-z]+", rb"\1CMA", b, flags=re.M)
        out.append(b)
    path = os.path.join(dst_dir, "6.12.117", "small")
    os.makedirs(path, exist_ok=True)
    raw = os.path.join(path, "page_owner.txt")
    with open(raw, "wb") as f:
        f.write(b"\n\n".join(out))
    subprocess.run(["zstd", "-q", "-f", "--rm", raw, "-o", raw + ".zst"], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--tmp")
    ap.add_argument("--peer26", help="page_owner_sort 2026 binary")
    a = ap.parse_args()
    ref = os.path.abspath(a.ref)
    own = a.tmp is None
    tmp = tempfile.mkdtemp(prefix="pgsort-selftest.") if own else a.tmp
    os.makedirs(tmp, exist_ok=True)
    work = os.path.join(tmp, "work")

    # (description, pgsort, fixture, mode, selftest flag, expected (passed, failed),
    #  tolerated-label check)
    cases = [
        ("ref vs ref, small", ref, SMALL, None, True, (8, 0), None),
        ("ref vs ref, edgecomm", ref, EDGE, None, True, (8, 0), None),
        ("ref vs ref without --selftest: --sort order check fails", ref, SMALL, None, False,
         (7, 1), None),
        ("perturb none", PERTURB, SMALL, "none", True, (8, 0), None),
        ("perturb drop", PERTURB, SMALL, "drop", True, (0, 8), None),
        ("perturb count", PERTURB, SMALL, "count", True, (0, 8), None),
        ("perturb move (sums hold)", PERTURB, SMALL, "move", True, (0, 8), None),
        ("perturb swap (order)", PERTURB, SMALL, "swap", True, (0, 8), None),
        ("perturb label (not mixed)", PERTURB, SMALL, "label", True, (2, 6), None),
        ("perturb body", PERTURB, SMALL, "body", True, (1, 7), None),
        ("perturb exit 1", PERTURB, SMALL, "exit", True, (0, 8), None),
        ("edgecomm: pgsort-like ts handling tolerated", PERTURB, EDGE, "edgemerge", True,
         (8, 0), None),
        ("edgecomm: lost time in ts-in-comm group", PERTURB, EDGE, "edgeloss", True,
         (4, 4), None),
    ]
    bad = 0
    for desc, pg, only, mode, st, want, _ in cases:
        got, tol, out, rc = run(ref, a.fixtures, work, pg, only, mode, st)
        ok = got == want and (rc != 0) == (want[1] > 0)
        bad += not ok
        print("%s %s: got %s, want %s" % ("ok  " if ok else "BAD ", desc, got, want), flush=True)
        if not ok:
            print(out)

    # page_owner_sort 2026 (13 option sets on a dump of less than 50 MiB).
    # swap: 3 sets pass, whose order (-M, --cull=st --sort=mod: module;
    # --sort=n,-tg: name and tgid) ties the two swapped groups.
    if a.peer26:
        p26 = os.path.abspath(a.peer26)
        for desc, pg, mode, want in (
                ("2026: ref vs ref, modules", p26, None, (13, 0)),
                ("2026: perturb drop", PERTURB, "drop", (0, 13)),
                ("2026: perturb module (the 4 sets printing it fail)", PERTURB, "module", (9, 4)),
                ("2026: perturb swap (order)", PERTURB, "swap", (3, 10))):
            got, tol, out, rc = run(p26, a.fixtures, work, pg, MODULES, mode, False, "2026")
            ok = got == want and (rc != 0) == (want[1] > 0)
            bad += not ok
            print("%s %s: got %s, want %s" % ("ok  " if ok else "BAD ", desc, got, want),
                  flush=True)
            if not ok:
                print(out)

    # synthetic CMA fixtures: mixed allocators
    src = os.path.join(work, "6.12.117_small_page_owner.txt")   # decompressed above
    for single, mode, want, desc in (
            (False, None, (8, 0), "synthetic CMA, ref vs ref"),
            (False, "mixed", (8, 0), "synthetic CMA, labels of mixed groups flipped: tolerated"),
            (True, "mixed", (4, 4), "synthetic CMA, label of a pure-CMA group flipped: fails")):
        fx = os.path.join(tmp, "cma-single" if single else "cma")
        if not os.path.exists(os.path.join(fx, "6.12.117/small/page_owner.txt.zst")):
            make_cma_fixture(src, fx, single)
        cwork = os.path.join(tmp, "work-" + os.path.basename(fx))
        got, tol, out, rc = run(ref, fx, cwork, PERTURB if mode else ref, SMALL, mode, True)
        ok = got == want and (mode is None or tol > 0)
        bad += not ok
        print("%s %s: got %s (tolerated labels %s), want %s" % (
            "ok  " if ok else "BAD ", desc, got, tol, want), flush=True)
        if not ok:
            print(out)
    if own:
        shutil.rmtree(tmp, ignore_errors=True)
    print("selftest: %s" % ("all as expected" if not bad else "%d unexpected" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
