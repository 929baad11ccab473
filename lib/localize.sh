#!/bin/sh
# The installed static library: the library's objects partially linked into
# one object whose only global symbols are the map's (lib/libpgsort.map),
# the rest made local, so that a program linking libpgsort.a statically may
# define buf_put or table_create itself. The internal names stay readable in
# the source; the unit tests link the unlocalized libpgsort_core.a.
# Usage: localize.sh MAP OUTPUT CORE_ARCHIVE LD OBJCOPY AR
set -eu
map=$1 out=$2 core=$3 ld=$4 objcopy=$5 ar=$6
tmp=$out.tmp.d
rm -rf "$tmp"
mkdir "$tmp"
trap 'rm -rf "$tmp"' EXIT
awk '/^[ \t]+pgs_[a-z0-9_]+;/ { s = $0; gsub(/[ \t;]/, "", s); print s }' "$map" >"$tmp/keep"
[ -s "$tmp/keep" ] || { echo "localize.sh: no symbol in $map" >&2; exit 1; }
"$ld" -r --whole-archive "$core" -o "$tmp/libpgsort.o"
"$objcopy" --keep-global-symbols="$tmp/keep" "$tmp/libpgsort.o"
rm -f "$out"
"$ar" rcs "$out" "$tmp/libpgsort.o"
