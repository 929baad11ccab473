#!/usr/bin/env python3
"""Self-test helper for compare.py: a fake "pgsort" that runs a real tool
and then damages its output in one controlled way, so that one can check
that compare.py notices.

    PERTURB_REAL=/path/to/page_owner_sort PERTURB_MODE=drop \\
        compare.py --selftest --pgsort perturb.py --ref /path/to/page_owner_sort ...

Modes (PERTURB_MODE):
  none   no change (must pass)
  drop   drop the middle group                   (sums and multiset fail)
  count  first group: times + 1                  (sums and multiset fail)
  move   move one "time" from group 0 to group 1 (sums hold, multiset fails)
  swap   swap the first two neighbouring groups with different times
         (multiset holds, order fails for times-sorted option sets)
  label  first group "allocated by X" -> another label (no-cull and ator
         option sets fail, unless the group's allocators are mixed)
  mixed  no-cull output only: every "allocated by CMA " becomes "allocated
         by OTHERS " (tolerated when the group's allocators are mixed)
  body   change one character of the first frame line of the middle group
  module first group ", module: NAME" -> ", module: NAMEx" (page_owner_sort
         2026: the option sets that print the module fail)
  edgemerge  emulate pgsort on comms containing "ts N ns" (no-cull output
         only): cut the real ts of those groups' headers, merge equal
         groups, re-sort by times (pages with -m), stable (must pass)
  edgeloss   edgemerge, then one "time" less on the first such group
         (must fail on the edgecomm fixture)
  exit   exit status 1 after writing the output
"""

import os
import re
import subprocess
import sys

HEADER = re.compile(rb"^(-?[0-9]+) times, (-?[0-9]+) pages")


def main():
    real = os.environ["PERTURB_REAL"]
    mode = os.environ.get("PERTURB_MODE", "none")
    rc = subprocess.run([real] + sys.argv[1:], stdout=subprocess.DEVNULL).returncode
    if rc != 0:
        return rc
    out = sys.argv[-1]
    with open(out, "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        return 0
    lines = data[:-1].split(b"\n")
    # group = lines from one header line to the next
    starts = [i for i, l in enumerate(lines) if HEADER.match(l)]
    groups = [lines[s:e] for s, e in zip(starts, starts[1:] + [len(lines)])]
    head = lines[:starts[0]] if starts else lines
    if len(groups) < 2:
        pass
    elif mode == "drop":
        del groups[len(groups) // 2]
    elif mode == "count":
        m = HEADER.match(groups[0][0])
        groups[0][0] = b"%d" % (int(m.group(1)) + 1) + groups[0][0][len(m.group(1)):]
    elif mode == "move":
        for k, d in ((0, -1), (1, +1)):
            m = HEADER.match(groups[k][0])
            groups[k][0] = b"%d" % (int(m.group(1)) + d) + groups[k][0][len(m.group(1)):]
    elif mode == "swap":
        t = [int(HEADER.match(g[0]).group(1)) for g in groups]
        for i in range(len(groups) - 1):
            if t[i] != t[i + 1]:
                groups[i], groups[i + 1] = groups[i + 1], groups[i]
                break
    elif mode == "label":
        h = groups[0][0]
        if b"allocated by OTHERS " in h:
            groups[0][0] = h.replace(b"allocated by OTHERS ", b"allocated by CMA ")
        else:
            groups[0][0] = re.sub(rb"allocated by [A-Z ]*:", b"allocated by OTHERS :", h)
    elif mode == "mixed" and not any(a.startswith("--cull") for a in sys.argv[1:-2]):
        for g in groups:
            if b"allocated by CMA " in g[0]:
                g[0] = g[0].replace(b"allocated by CMA ", b"allocated by OTHERS ")
    elif mode == "module":
        groups[0][0] = re.sub(rb"(, module: [A-Za-z0-9_]*)", rb"\1x", groups[0][0], count=1)
    elif mode == "body":
        g = groups[len(groups) // 2]
        for i, l in enumerate(g[1:], 1):
            if l.startswith(b" "):
                g[i] = l[:1] + b"X" + l[2:]
                break
    elif mode in ("edgemerge", "edgeloss") and b"allocated by" in groups[0][0] \
            and not any(a.startswith("--cull") for a in sys.argv[1:-2]):
        merged, order = {}, []
        for g in groups:
            m = re.search(rb"tgid -?[0-9]+ \((.*)\), ts [0-9]* ns$", g[1])
            if m and re.search(rb"ts\s*[0-9]*\s*ns", m.group(1)):
                g = [g[0], re.sub(rb", ts [0-9]* ns$", b", ts  ns", g[1])] + g[2:]
            key = tuple(g[1:])
            h = HEADER.match(g[0])
            t, p = int(h.group(1)), int(h.group(2))
            if key in merged:
                merged[key][0] += t
                merged[key][1] += p
            else:
                merged[key] = [t, p, g[0][h.end():]]
                order.append(key)
        sk = 1 if "-m" in sys.argv[1:-2] else 0
        order.sort(key=lambda k: -merged[k][sk])
        groups = [[b"%d times, %d pages" % (merged[k][0], merged[k][1]) + merged[k][2]]
                  + list(k) for k in order]
        if mode == "edgeloss":
            for g in groups:
                m = re.search(rb"tgid -?[0-9]+ \((.*)\), ts  ns$", g[1])
                if m and re.search(rb"ts\s*[0-9]*\s*ns", m.group(1)):
                    h = HEADER.match(g[0])
                    g[0] = b"%d" % (int(h.group(1)) - 1) + g[0][len(h.group(1)):]
                    break
    elif mode not in ("none", "exit", "mixed", "edgemerge", "edgeloss"):
        sys.exit("perturb.py: unknown PERTURB_MODE %s" % mode)
    data = b"\n".join(head + [l for g in groups for l in g]) + b"\n"
    with open(out, "wb") as f:
        f.write(data)
    return 1 if mode == "exit" else 0


if __name__ == "__main__":
    sys.exit(main())
