#!/usr/bin/env bash
# The ABI and the header, checked from the outside:
#  - libpgsort exports exactly the symbols of lib/libpgsort.map, each with
#    the map's version and each declared in pgsort.h;
#  - so does the static libpgsort.a: every other global symbol is local, and
#    a program defining buf_put, table_create and each_item links with it
#    (and does not with the unlocalized core, so the check means something);
#  - pgsort.h compiles as strict C99 and as C++;
#  - the complete program in pgsort.h's introduction compiles (C99,
#    -pedantic) against the built library and runs on a real dump.
# Usage: check.sh SRCDIR LIBRARY ARCHIVE CORE_ARCHIVE
set -u
src=$1 lib=$2 archive=$3 core=$4
hdr=$src/include/pgsort/pgsort.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../testlib.sh
. "$(dirname "$0")/../testlib.sh"

nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBW]$/ { print $3 }' | grep -v '^LIBPGSORT' | sort >"$tmp/exported"
# "symbol@@NODE" for every symbol of the map, NODE being its version node.
awk '/^LIBPGSORT_[0-9.]+ *\{/ { node = $1 } match($0, /^[ \t]+pgs_[a-z0-9_]+;/) {
	s = $0; gsub(/[ \t;]/, "", s); print s "@@" node }' "$src/lib/libpgsort.map" | sort >"$tmp/versioned"
sed 's/@@.*//' "$tmp/versioned" >"$tmp/listed"
check "the map lists symbols" [ -s "$tmp/listed" ]
check "exported symbols are those of the map, with its versions" diff "$tmp/exported" "$tmp/versioned"
# The static library: nm lists its defined global symbols; all are the map's.
nm -g --defined-only "$archive" | awk 'NF == 3 { print $3 }' | sort >"$tmp/archive"
check "libpgsort.a: some global symbols" [ -s "$tmp/archive" ]
check "libpgsort.a: no global symbol without the pgs_ prefix" \
	[ -z "$(grep -v '^pgs_' "$tmp/archive")" ]
check "libpgsort.a: its global symbols are those of the map" diff "$tmp/archive" "$tmp/listed"
# The same link with the unlocalized core fails (multiple definition of
# buf_put...), with libpgsort.a it links; the private libraries as the
# build's libpgsort.pc lists them for pkg-config --static.
fails() { ! "$@"; }
deps=$(PKG_CONFIG_PATH=$(dirname "$lib")/meson-private pkg-config --static --libs libpgsort |
	sed 's/-lpgsort\b//')
check "libpgsort.pc: the private libraries" [ "$deps" != "${deps#*-lz}" ]
# shellcheck disable=SC2086
check "a program's own buf_put clashes with the unlocalized core" \
	fails cc -std=c99 -I "$src/include" "$src/tests/abi/own_names.c" -o "$tmp/own_core" "$core" $deps 2>/dev/null
# shellcheck disable=SC2086
check "a program's own buf_put, table_create, each_item link with libpgsort.a" \
	cc -std=c99 -Wall -Wextra -Werror -I "$src/include" "$src/tests/abi/own_names.c" -o "$tmp/own" "$archive" $deps
"$tmp/own" "$src/tests/fixtures/real/small.txt" >"$tmp/own.out" 2>&1
# awk over small.txt: 311 records, 9163 pages.
check "... and each side calls its own" [ "$(cat "$tmp/own.out")" = "$(printf 'mine: 42 65 42\n311 records, 9163 pages')" ]

while read -r sym; do
	check "$sym declared in pgsort.h" grep -q "\\b$sym(" "$hdr"
done <"$tmp/listed"

# The CLI is a user like any other: system headers, pgsort.h and its own
# headers beside its sources (cli/record.h), nothing of lib/.
check "cli/ includes nothing from lib/" [ -z "$(grep -h '^#include' "$src"/cli/*.c | grep -v -e '^#include <[a-z/]*\.h>' -e '^#include <pgsort/pgsort.h>' -e '^#include "[a-z_]*\.h"$')" ]

echo '#include <pgsort/pgsort.h>' >"$tmp/h.c"
check "pgsort.h: strict C99" cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I "$src/include" "$tmp/h.c"
check "pgsort.h: C++" c++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror -fsyntax-only -I "$src/include" "$tmp/h.c"

# The example: the comment lines between "A complete program" and "CONVENTIONS".
sed -n '/A complete program/,/CONVENTIONS/p' "$hdr" | sed -n '/^ \*\t/p' | sed 's/^ \*\t//' >"$tmp/example.c"
check "the header's example is there" [ "$(wc -l <"$tmp/example.c")" -ge 25 ]
check "the header's example compiles (C99, -pedantic)" cc -std=c99 -pedantic -Wall -Wextra -Werror \
	-I "$src/include" "$tmp/example.c" -o "$tmp/example" "$lib" -Wl,-rpath,"$(dirname "$lib")"
"$tmp/example" "$src/tests/fixtures/real/small.txt" >"$tmp/out" 2>&1; rc=$?
check "the header's example runs" [ $rc = 0 ]
# page_owner_sort -m --cull=st on the same file: "12 times, 6144 pages:" first.
check "the header's example prints the top stack" grep -q "^6144 pages in 12 blocks:" "$tmp/out"

finish
