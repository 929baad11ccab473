#!/usr/bin/env bash
# The ABI and the header, checked from the outside:
#  - libpgsort exports exactly the symbols of lib/libpgsort.map, each with
#    the map's version and each declared in pgsort.h;
#  - pgsort.h compiles as strict C99 and as C++;
#  - the complete program in pgsort.h's introduction compiles (C99,
#    -pedantic) against the built library and runs on a real dump.
# Usage: check.sh SRCDIR LIBRARY
set -u
src=$1 lib=$2
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
while read -r sym; do
	check "$sym declared in pgsort.h" grep -q "\\b$sym(" "$hdr"
done <"$tmp/listed"

# The CLI is a user like any other: system headers and pgsort.h, nothing of lib/.
check "cli/ includes nothing from lib/" [ -z "$(grep -h '^#include' "$src"/cli/*.c | grep -v -e '^#include <[a-z/]*\.h>' -e '^#include <pgsort/pgsort.h>')" ]

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
