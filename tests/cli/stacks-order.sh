#!/usr/bin/env bash
# The page_owner_stacks files count no blocks (every group is 1 stack), so
# without a sort key their groups come by pages, most first: the page
# counts of the report are non-increasing and are, as a multiset, awk's
# nr_base_pages of the file (no cull: one group per stack record).
# Usage: stacks-order.sh PGSORT
set -u
pgsort=$1
fx=$(cd "$(dirname "$0")/../fixtures" && pwd)
pass=0 fail=0
vg=$(mktemp -d)
trap 'rm -rf "$vg"' EXIT
# shellcheck source=valgrind.sh
. "$(dirname "$0")/valgrind.sh"
[ -n "${VALGRIND:-}" ] && pgsort=$(vg_wrap "$vg" "$pgsort")
for f in "$fx"/real/show_stacks.txt "$fx"/real/handles/show_handles.txt \
	"$fx"/eras/show_stacks_rc.txt; do
	got=$("$pgsort" "$f" | sed -En "s/^[0-9]+ stacks?, ([0-9]+) pages(:|, handle [0-9]+)$/\\1/p")
	want=$(awk '/^(nr_base_pages|stack_count): /{print $2}' "$f" | sort -n)
	name=${f#"$fx"/}
	if [ -z "$got" ]; then
		fail=$((fail + 1)); echo "FAIL $name: no group lines"
	elif [ "$(sort -n <<<"$got")" != "$want" ]; then
		fail=$((fail + 1)); echo "FAIL $name: pages differ from awk's"
	elif [ "$(sort -rn <<<"$got")" != "$got" ]; then
		fail=$((fail + 1)); echo "FAIL $name: not by pages, most first"
	else
		pass=$((pass + 1))
	fi
done
if [ -n "${VALGRIND:-}" ]; then
	if vg_check "$vg"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: valgrind: a memory error or leak"; fi
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
