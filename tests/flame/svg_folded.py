#!/usr/bin/env python3
"""--format=svg draws the frames --format=folded prints, for the same query.

svg, html, folded and pprof share one frame builder (lib/output/fold.c);
this holds them to it: for several culls (pseudo frames alone, pseudo
frames before a stack, a call site, handle-only stacks) the SVG's tree of
frame paths, with blocks and pages on every node, equals the tree of the
folded lines (weights from --weight=times and --weight=pages), frames
under 0.1 px left out as the SVG's note says.
Usage: svg_folded.py PGSORT FIXTURES_DIR
"""
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_svg import INNER, esc, ok, run, svg_nodes  # noqa: E402
import check_svg  # noqa: E402

CASES = [
    ("real/small.txt", []),
    ("real/small.txt", ["--cull=name,st"]),
    ("real/edgecomm.txt", ["--cull=name,st"]),
    ("real/small.txt", ["--cull=pid"]),
    ("real/small.txt", ["--cull=order,stack"]),
    ("real/small.txt", ["--cull=gfp,st"]),
    ("real/modules.txt", ["--cull=gfp,st", "--keep-offsets"]),
    ("real/small.txt", ["--cull=callsite"]),
    ("real/modules.txt", ["--cull=callsite", "--keep-offsets"]),
    ("real/modules.txt", ["--cull=module,callsite"]),
    ("real/handles/page_owner.mode_handle.txt", []),
]


def folded(pgsort, args, weight):
    """{root-first path: weight} of pgsort's folded lines."""
    out = {}
    for line in run([pgsort, "--format=folded", "--weight=" + weight] + args).splitlines():
        stack, w = line.rsplit(b" ", 1)
        path = () if stack == b"[no stack]" else tuple(esc(f) for f in stack.split(b";"))
        ok(path not in out, "%s: folded line twice: %r" % (args, path))
        out[path] = int(w)
    return out


def shown(name):
    """A frame as its folded line writes it: ';' as ':', a line break a space."""
    return name.replace(";", ":").replace("\\x0a", " ").replace("\\x0d", " ")


def main():
    pgsort, fx = sys.argv[1], sys.argv[2]
    for path, opts in CASES:
        args = opts + [os.path.join(fx, path)]
        label = "%s %s" % (path, " ".join(opts))
        blocks, pages = folded(pgsort, args, "times"), folded(pgsort, args, "pages")
        ok(set(blocks) == set(pages), "%s: times and pages fold alike" % label)
        want = {}
        for p in pages:
            for d in range(len(p) + 1):
                n = want.setdefault(p[:d], [0, 0])
                n[0] += blocks.get(p, 0)
                n[1] += pages[p]
        svg = run([pgsort, "--format=svg"] + args)
        got = {tuple(shown(f) for f in p): v[:2]
               for p, v in svg_nodes(ET.fromstring(svg)).items()}
        total = want[()][1]
        drawn = {p for p, v in want.items() if not p or v[1] * INNER / total >= 0.1}
        ok(set(got) == drawn, "%s: paths differ: only in svg %s, only in folded %s" % (
            label, sorted(set(got) - drawn)[:3], sorted(drawn - set(got))[:3]))
        bad = [p for p in drawn & set(got) if list(got[p]) != want[p]]
        ok(not bad, "%s: blocks or pages differ at %s" % (label, bad[:3]))
        print("ok %s: %d paths, %d folded lines, %d left out" % (
            label, len(got), len(pages), len(want) - len(drawn)))
    print("%d checks, %d failures" % (check_svg.checks, check_svg.failures))
    return 1 if check_svg.failures else 0


if __name__ == "__main__":
    sys.exit(main())
