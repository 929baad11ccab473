#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpora corpus/<harness>/ from tests/fixtures.

Every seed is at most 8 KiB: fixtures larger than that are cut at record
boundaries (whole records, input order) into pieces; a few seeds are simple
transformations of fixture text (eras concatenated, dmesg prefixes, CRLF,
cuts inside a line, numbers out of range). The keys seeds are written out
below. Run from anywhere: python3 tests/fuzz/make_corpus.py (it replaces the
three corpus folders).
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
FX = os.path.join(HERE, "..", "fixtures")
LIMIT = 8192


def read(path):
    with open(os.path.join(FX, path), "rb") as f:
        return f.read()


def records(data):
    """Whole records, each with its terminating empty line."""
    out, cur = [], b""
    for line in data.splitlines(keepends=True):
        cur += line
        if line in (b"\n", b"\r\n"):
            out.append(cur)
            cur = b""
    if cur:
        out.append(cur)
    return out


def pieces(data, size):
    """Consecutive pieces of whole records, each at most size bytes."""
    out, cur = [], b""
    for r in records(data):
        if cur and len(cur) + len(r) > size:
            out.append(cur)
            cur = b""
        if len(r) <= size:
            cur += r
    if cur:
        out.append(cur)
    return out


def spread(items, n):
    """n items spread over the list (first and last included)."""
    if len(items) <= n or n == 1:
        return items[:n]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


class Corpus:
    def __init__(self, name):
        self.dir = os.path.join(HERE, "corpus", name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.n = 0

    def add(self, label, data):
        assert len(data) <= LIMIT, (label, len(data))
        self.n += 1
        with open(os.path.join(self.dir, "%02d-%s" % (self.n, label)), "wb") as f:
            f.write(data)


def page_owner():
    c = Corpus("fuzz_page_owner")
    for f in sorted(os.listdir(os.path.join(FX, "eras"))):
        if not f.startswith("show_stacks"):
            c.add(f, read("eras/" + f))
    for f in sorted(os.listdir(os.path.join(FX, "bad"))):
        c.add(f, read("bad/" + f))
    for f, n in [("small.txt", 6), ("edgecomm.txt", 2), ("modules.txt", 2), ("large.txt", 1),
                 ("leak-early.txt", 1)]:
        for i, p in enumerate(spread(pieces(read("real/" + f), LIMIT), n)):
            c.add("%s.%d" % (f, i), p)
    for f in ["page_owner.mode_handle.txt", "page_owner.mode_stack_handle.txt",
              "page_owner.mode_stack.txt"]:
        c.add(f, pieces(read("real/handles/" + f), 4096)[0])
    small = pieces(read("real/small.txt"), 2048)
    # Two eras concatenated; a stacks file where page_owner is expected.
    c.add("eraE+eraH.txt", read("eras/eraE.txt") + pieces(read("eras/eraH.txt"), 3000)[0])
    c.add("eraA0+eraG.txt", read("eras/eraA0.txt") + read("eras/eraG.txt"))
    c.add("show_stacks-as-page_owner.txt", pieces(read("real/show_stacks.txt"), 2048)[0])
    # dmesg and syslog prefixes on every line.
    c.add("dmesg-prefix.txt", b"".join(b"[   12.345678] " + l for l in
                                       small[1].splitlines(keepends=True)))
    c.add("syslog-prefix.txt", b"".join(b"Nov 23 18:41:07 host kernel: " + l for l in
                                        small[2].splitlines(keepends=True)))
    # Cuts inside a header, a PFN line, a frame; no empty lines at all.
    s = small[3]
    c.add("cut-in-header.txt", s[:s.rfind(b"Page allocated") + 40])
    c.add("cut-in-pfn.txt", s[:s.rfind(b"PFN ") + 30])
    c.add("cut-in-frame.txt", s[:s.rfind(b"+0x") + 2])
    c.add("no-blank-lines.txt", s.replace(b"\n\n", b"\n"))
    # Numbers out of range; NUL bytes and invalid UTF-8 inside a block.
    c.add("out-of-range.txt", s.replace(b"order 0,", b"order 99,", 1)
          .replace(b"pid 0,", b"pid 1099511627776,", 1)
          .replace(b" ns\n", b"0000000000000000000000 ns\n", 2))
    c.add("nul-utf8.txt", s.replace(b"swapper", b"swa\x00p\xff\xfeer", 2)
          .replace(b"+0x", b"\xc3\x28+0x", 2))
    return c.n


def stacks():
    c = Corpus("fuzz_stacks")
    ss = read("real/show_stacks.txt")
    sh = read("real/handles/show_handles.txt")
    ssh = read("real/handles/show_stacks_handles.txt")
    rc = read("eras/show_stacks_rc.txt")
    for i, p in enumerate(pieces(ss, 4096)):
        c.add("show_stacks.%d" % i, p)
    for i, p in enumerate(spread(pieces(ss, LIMIT), 2)):
        c.add("show_stacks.8k.%d" % i, p)
    for i, p in enumerate(spread(pieces(ssh, 4096), 5)):
        c.add("show_stacks_handles.%d" % i, p)
    c.add("show_stacks_handles.8k", pieces(ssh, LIMIT)[0])
    c.add("show_handles.txt", sh)
    c.add("show_stacks_rc.txt", rc)
    s = pieces(ss, 2048)[0]
    h = pieces(ssh, 2048)[0]
    c.add("show_stacks-crlf", s.replace(b"\n", b"\r\n"))
    c.add("show_stacks-cut-in-frame", s[:s.rfind(b"+0x") + 2])
    c.add("show_stacks-cut-in-count", s[:s.rfind(b"nr_base_pages") + 9])
    c.add("show_stacks-numbers", s.replace(b"nr_base_pages: ", b"nr_base_pages: -", 1)
          .replace(b"nr_base_pages: ", b"nr_base_pages: 99999999999999999999", 1))
    c.add("show_stacks_handles-numbers", h.replace(b"handle: ", b"handle: 4294967296", 1)
          .replace(b"handle: ", b"handle: -1", 1))
    c.add("show_stacks+show_handles", s + sh[:1024])
    c.add("show_handles+show_stacks", sh[:1024] + s)
    c.add("show_stacks_handles+counts",
          h.replace(b"\n\n", b"\nnr_base_pages: 3\n\n", 2))
    c.add("show_stacks-junk", s.replace(b"\n\n", b"\n\n=== cat: read error ===\n\n", 1))
    c.add("show_stacks-no-blank", s.replace(b"\n\n", b"\n"))
    c.add("page_owner-as-stacks", pieces(read("eras/eraH.txt"), 2048)[0])
    c.add("dmesg-prefix", b"".join(b"[ 1.000001] " + l for l in s.splitlines(keepends=True)))
    for f in ["empty.txt", "blank-only.txt"]:
        c.add(f, read("bad/" + f))
    c.add("garbage-1k", read("bad/garbage.bin")[:1024])
    return c.n


KEYS = [
    # control byte, then CULL \n SORT \n SORT2 \n PIDS \n TGIDS \n NAMES
    b"0st\n-m",
    b"0pid,name\n-m",
    b"0",
    b"0\n",
    b"0\n\n\n\n\n",
    b"1st\n\n\n0",
    b"0p,tg,n,st,ator\nt,m",
    b"0stacktrace\n-pages,+times\nalloc_ts",
    b"0\nT",
    b"0\nat",
    b"0\nT,-tg\n-at",
    b"1f\nft",
    b"1free\n-free_ts\n\n\n\n",
    b"9st\n-m",
    b"\x31tg,st\n-t,p",
    b"0name\n+n,-at\n\n\n\nswapper,dd,kworker/u8:3",
    b"0\n\n\n0,1,36,78",
    b"0\n\n\n\n78",
    b"0\n\n\n-1,2147483647,-2147483648",
    b"0\n\n\n2147483648",
    b"0\n\n\n99999999999999999999",
    b"0\n\n\n,,",
    b"0\n\n\n 1",
    b"0\n\n\n+1",
    b"0\n\n\n0x10",
    b"0\n\n\n\n\nswapper/0,sh,",
    b"0\n\n\n\n\n",
    b"0\n\n\n\n\ndd\xc3\xa9,\xff",
    b"0allocator,free\n-free_ts",
    b"0st,st,st\nm,m,m,m",
    b"0\n+\n-",
    b"0\n--m\n+-m",
    b"0ST\nM",
    b"0st,\n,m",
    b"0\xff\n\x00m",
    b"\x10st\n-m\nn",
    b"\x18st\n-m\nat\n36",
    b"2st\n-m",
    b"2\n\n\n0",
    b"3st\n-m",
    b"3\n-t,m",
    b"3pid\n",
    b"4st\nst",
    b"4\n\n\n\n\n",
    b"\x60st\n-m\n\n\n\nswapper",
    b"\xe0\n",
]


def keys():
    c = Corpus("fuzz_keys")
    for i, k in enumerate(KEYS):
        c.add("k", k)
    return c.n


if __name__ == "__main__":
    print("fuzz_page_owner", page_owner())
    print("fuzz_stacks", stacks())
    print("fuzz_keys", keys())
