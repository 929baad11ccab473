#!/usr/bin/env python3
"""--format=pprof is deflated, not stored (issue 14): on each dump, the gzip
member's header is RFC 1952's, its deflate blocks are compressed ones (the
first block's BTYPE is 01 or 10, never 00 = stored), Python's zlib inflates
it, and it is at most as large as Python's own zlib at level 6 (plus gzip's
18 bytes of header and trailer and 1% slack) and under half the stored form
(the profile plus 18 bytes plus 5 per 64 KiB block).

Usage: gzip_check.py PGSORT DUMP...
"""
import subprocess
import sys
import zlib

fails = 0


def check(what, ok):
    global fails
    if not ok:
        print("FAIL:", what)
        fails += 1


pgsort = sys.argv[1]
for dump in sys.argv[2:]:
    for args in ([], ["--cull=pid,name,st"]):
        what = f"{dump} {' '.join(args)}"
        gz = subprocess.run([pgsort, dump, "--format=pprof", *args], check=True,
                            stdout=subprocess.PIPE).stdout
        check(f"{what}: gzip magic, deflate, no flags", gz[:4] == b"\x1f\x8b\x08\x00")
        btype = (gz[10] >> 1) & 3
        check(f"{what}: the first deflate block is compressed (BTYPE {btype})", btype in (1, 2))
        d = zlib.decompressobj(16 + 15)
        raw = d.decompress(gz)
        check(f"{what}: one whole gzip member", d.eof and not d.unused_data)
        stored = len(raw) + 18 + 5 * max(1, -(-len(raw) // 65535))
        level6 = len(zlib.compress(raw, 6)) - 6 + 18
        print(f"{what}: profile {len(raw)} B, stored {stored} B, pgsort {len(gz)} B, "
              f"python zlib -6 {level6} B")
        check(f"{what}: no larger than zlib -6 ({len(gz)} > {level6})", len(gz) <= level6 * 1.01)
        check(f"{what}: under half the stored form ({len(gz)} vs {stored})", 2 * len(gz) < stored)
print("ok" if not fails else f"{fails} failed")
sys.exit(1 if fails else 0)
