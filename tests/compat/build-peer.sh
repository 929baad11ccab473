#!/bin/sh
# build-peer.sh PEERS OUTDIR
#
# Build the 2026 page_owner_sort of the kernel's mm tree from
# PEERS/page_owner_sort-mm-2026.c (../shared/peers, read-only; see its
# README.md) into OUTDIR/page_owner_sort-mm-2026, with gcc -O2 as its
# README says. Nothing of it is copied into the project. If the binary is
# newer than the source, this does nothing (cache).
#
# Environment override: CC (default gcc).
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 PEERS OUTDIR" >&2
	exit 2
fi
src=$1/page_owner_sort-mm-2026.c
outdir=$2
bin=$outdir/page_owner_sort-mm-2026
cc=${CC:-gcc}

if [ ! -r "$src" ]; then
	echo "$0: $src not found (../shared/peers must be beside the project)" >&2
	exit 1
fi
if [ -x "$bin" ] && [ "$bin" -nt "$src" ]; then
	exit 0
fi
mkdir -p "$outdir"
# A temporary name, renamed: an interrupted build leaves no binary the cache accepts.
"$cc" -O2 -o "$bin.tmp.$$" "$src"
mv -f "$bin.tmp.$$" "$bin"
echo "build-peer: built $bin" >&2
