#!/usr/bin/env python3
"""Conservation: for every dump given and every cull key (alone and in
pairs, and no cull), the groups' times and pages add up to the records and
pages the input holds after selection, with and without a --pid selection,
and those totals equal an independent count of the dump (totals.awk).
Nothing is lost or invented by grouping.

usage: conservation.py PGSORT DUMP...
"""
import json
import os
import subprocess
import sys

KEYS = ["pid", "tgid", "name", "stacktrace", "allocator"]
HERE = os.path.dirname(os.path.abspath(__file__))


def run(pgsort, dump, opts):
    out = subprocess.run([pgsort, "--format=json", *opts, dump], check=True,
                         capture_output=True).stdout
    return json.loads(out)


def main():
    pgsort, dumps = sys.argv[1], sys.argv[2:]
    passed = failed = 0
    for dump in dumps:
        awk = subprocess.run(["awk", "-f", os.path.join(HERE, "totals.awk"), dump],
                             check=True, capture_output=True, text=True).stdout.split()
        counts = dict(zip(awk[0::2], awk[1::2]))   # "records N" / "pages M" lines
        rec, pages = counts["records"], counts["pages"]
        culls = [[]] + [[k] for k in KEYS] + [[a, b] for i, a in enumerate(KEYS) for b in KEYS[i + 1:]]
        # the pid with most records, for a selection
        top = max(((g["times"], g["pid"]) for g in run(pgsort, dump, ["--cull=pid"])["groups"]))[1]
        for sel in ([], ["--pid=%d" % top]):
            for cull in culls:
                opts = sel + (["--cull=" + ",".join(cull)] if cull else [])
                d = run(pgsort, dump, opts)
                inp = d["input"]
                t = sum(g["times"] for g in d["groups"])
                p = sum(g["pages"] for g in d["groups"])
                ok = (t == inp["selected_records"] and p == inp["selected_pages"] and
                      inp["records"] == int(rec) and inp["pages"] == int(pages))
                if not sel:
                    ok = ok and inp["selected_records"] == inp["records"]
                if ok:
                    passed += 1
                else:
                    failed += 1
                    print("FAIL %s %s: groups %d/%d, selected %d/%d, input %d/%d, awk %s/%s" % (
                        os.path.basename(dump), " ".join(opts), t, p, inp["selected_records"],
                        inp["selected_pages"], inp["records"], inp["pages"], rec, pages))
    print("conservation: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
