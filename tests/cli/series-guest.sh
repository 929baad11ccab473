#!/usr/bin/env bash
# pgsort series on a second real capture (tests/fixtures/series-guest): a
# process leak must come out on top, a one-off step, a burst and a cache
# dropped with drop_caches must not (each judged on its group that moved
# most: max - min). Each workload's pages per sample are
# checked against awk's join of the kernel's files first, so that the
# scores are those of the right series.
# Usage: series-guest.sh PGSORT
set -u
pgsort=$(realpath "$1")
fx=$(cd "$(dirname "$0")/../fixtures/series-guest" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
for f in "$fx"/*.zst; do zstd -qdc "$f" > "$(basename "$f" .zst)" || exit 1; done
samples=(show_handles.*.txt)
tail -n +2 "$fx/index.tsv" | cut -f3 > times
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
"$pgsort" series --stacks show_stacks_handles.txt --times times --format json "${samples[@]}" > s.json ||
	bad "exit $?"
# awk: per sample, pages of the handles whose stack (frames joined by ' ') matches $1.
awk_pages() {
	local f
	for f in "${samples[@]}"; do
		awk -v pat="$1" 'NR == FNR { if ($1 == "handle:") { if (st ~ pat) m[$2] = 1; st = "" }
			else st = st " " $1; next }
			$1 == "handle:" { h = $2 } $1 == "nr_base_pages:" && (h in m) { s += $2 }
			END { print s + 0 }' show_stacks_handles.txt "$f"
	done
}
check() {	# name, pattern (frames joined by ' '), min score or -max score, max rank
	local want got score rank
	want=$(awk_pages "$2")
	read -r score rank got < <(jq -r --arg p "$2" '[.groups | to_entries[]
		| select(.value.stacktrace | join(" ") | test($p))] as $g
		| ($g | max_by(.value.max - .value.min)) as $top
		| "\($top.value.score) \($top.key) \([range(0; $g[0].value.pages | length) as $j
			| ($g | map(.value.pages[$j]) | add)] | join(","))"' s.json)
	[ "$got" = "$(paste -sd, <<<"$want")" ] && ok || bad "$1: pages per sample differ from awk's"
	if [ "${3#-}" = "$3" ]; then
		awk -v s="$score" -v l="$3" 'BEGIN { exit !(s >= l) }' && [ "$rank" -le "$4" ] && ok ||
			bad "$1: score $score (want >= $3), rank $rank (want <= $4)"
	else
		awk -v s="$score" -v l="${3#-}" 'BEGIN { exit !(s < l) }' && ok ||
			bad "$1: score $score (want < ${3#-})"
	fi
	echo "$1: score $score, rank $rank"
}
check "process leak: page tables (pgd_alloc)" 'pgd_alloc[^ ]* mm_init' 0.9 0
check "process leak: kernel stacks" '__vmalloc_node_range_noprof[^ ]* copy_process' 0.9 20
check "process leak: task structs" 'kmem_cache_alloc_node_noprof[^ ]* copy_process' 0.9 20
check "step: an 8 MiB tmpfs file kept" 'shmem_alloc_folio.*shmem_write_begin' -0.05
check "burst: stress-ng's copies" 'vma_alloc_folio_noprof[^ ]* do_wp_page' -0.05
check "cache dropped: kernfs inodes" 'alloc_inode[^ ]* iget_locked[^ ]* kernfs_get_inode' -0.05
echo "$pass passed, $fail failed"
[ $fail = 0 ]
