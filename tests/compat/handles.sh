#!/usr/bin/env bash
# Cross-check of the handle join (pgsort --stacks) on the full captures of
# SHARED/6.12.117-handles/{small,leak}: the same allocations counted three
# ways within one set, which was read back to back (read-order.txt):
#   a) show_handles joined with show_stacks_handles (pgsort --stacks) vs
#      show_stacks read 0.3 s later: pages per stack;
#   b) page_owner.mode_handle joined with show_stacks_handles, --cull=st, vs
#      page_owner.mode_stack_handle, whose read starts 0.5 s (small) to 2.4 s
#      (leak) after mode_handle's ends: pages per stacktrace (frames,
#      handle, trailers);
#   c) show_stacks (read by pgsort) vs page_owner.mode_stack, whose blocks
#      awk groups by their frame lines alone (2^order pages each); pgsort
#      --cull=stack on the dump must give awk's groups exactly.
#
# Why the counts can differ, even though each is right for its moment:
#  - Memory changes between and during the reads. The reads take 0.03 s
#    (show_*) to 9 s (a page_owner dump of the leak set). The reader
#    itself shows up: the dd (bs=1M) copying page_owner holds 256 anonymous
#    pages (handle 12189703) that are gone when the next file is read. In
#    the leak set the holder (stress-ng-vm --vm-keep) kept faulting memory
#    in while the set was read: handle 18481162 (THPs) went from 0 pages to
#    3,584 to 9,216, handle 96600070 (small pages) from 35 to 223 and more.
#    Forks and exits move a few pages of other stacks (kernel stacks,
#    page tables).
#  - Pages allocated before page_owner was ready carry the early-boot stack
#    (register_early_stack); show_* never counts nor lists it, so it is in
#    c) on the dump side only and it is the one handle b) cannot resolve.
#  - The dummy (recursion) and failure (depot full) stacks count pages whose
#    real stack was not saved; a dump prints those pages under that stack
#    too, so they match, and are 0 here.
#  - Split pages: a dump prints every piece of a split high-order page as
#    its own order-0 block under the original stack, and show_stacks counts
#    base pages, so splits match; tail pages of compound pages are never
#    printed on their own (the head block carries 2^order).
# So: a stack is "large" when it holds at least LARGE pages on either side;
# two counts "agree" when they differ by at most TOL_ABS pages or TOL_PCT
# percent of the larger, whichever is more. Every large stack must agree,
# or be one of the moving handles listed above for its set (explained; its
# figures are printed), or be the early-boot stack. Small stacks change
# too, but few do in the ~0.1-10 s between reads: at most MAXDIFF_PCT
# percent of all stacks may differ at all, explained ones aside (in these
# captures 0.2-1.5 %). The script fails otherwise, and when b) leaves
# another handle than the early one unresolved.
#
# Usage: handles.sh PGSORT SHARED_FIXTURES
set -euo pipefail
pgsort=$1 fixtures=$2
LARGE=100 TOL_ABS=8 TOL_PCT=5 MAXDIFF_PCT=2
export LC_ALL=C

root=$fixtures/6.12.117-handles
if [ ! -d "$root" ]; then
	echo "handles: no fixtures at $root" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# pgsort's report (groups "T times, P pages:" then the stacktrace) as
# "key<TAB>pages", key = the stacktrace's lines joined by '~'.
report_kv() {
	awk -v RS= '{ n = split($0, l, "\n"); split(l[1], h, " "); k = ""
		for (i = 2; i <= n; i++) k = k l[i] "~"
		print k "\t" h[3] }'
}

# show_stacks_handles as "frames-key<TAB>handle".
handles_kv() {
	awk '/^ / { k = k $0 "~"; next } /^handle: / { print k "\t" $2; k = "" }' "$1"
}

# compare NAME MOVING A B HMAP: A and B are "key<TAB>pages" files (A the
# joined or awk side); MOVING the handles explained by the set's notes.
compare() {
	local name=$1 moving=$2 a=$3 b=$4 hmap=$5
	awk -F'\t' -v name="$name" -v moving=" $moving " -v L=$LARGE -v ta=$TOL_ABS -v tp=$TOL_PCT -v md=$MAXDIFF_PCT '
	FILENAME == ARGV[1] { h[$1] = $2; next }
	FILENAME == ARGV[2] { a[$1] = $2; u[$1] = 1; next }
	{ b[$1] = $2; u[$1] = 1 }
	function handle_of(k) {
		if (match(k, /handle: [0-9]+~/))
			return substr(k, RSTART + 8, RLENGTH - 9)
		return k in h ? h[k] : "-"
	}
	END {
		for (k in u) {
			x = a[k] + 0; y = b[k] + 0; n++
			eq += x == y
			hd = handle_of(k)
			why = ""
			if (k ~ /register_early_stack/ || k ~ /^handle: 1048577~/)
				why = "early-boot stack (never in show_*)"
			else if (index(moving, " " hd " "))
				why = "memory that changed between the reads"
			if (x != y && why == "")
				ndiff++
			m = x > y ? x : y
			if (m < L)
				continue
			large++
			d = x > y ? x - y : y - x
			tol = m * tp / 100; if (tol < ta) tol = ta
			if (d == 0) { lex++; continue }
			if (d <= tol) { lin++; continue }
			if (why == "") bad++; else expl++
			printf "  %s: handle %s: %d vs %d pages: %s\n", name, hd, x, y,
			       why == "" ? "DISAGREES" : why
		}
		printf "%s: %d stacks, %d equal, %d differ unexplained; %d large (>= %d pages): %d equal, %d within tolerance, %d explained, %d unexplained\n",
		       name, n, eq, ndiff, large, L, lex, lin, expl, bad + 0
		if (ndiff * 100 > n * md) {
			printf "  %s: %d stacks differ (explained ones aside), more than %d %%\n",
			       name, ndiff, md
			bad++
		}
		exit (bad > 0 ? 1 : 0)
	}' "$hmap" "$a" "$b"
}

for set in small leak; do
	d=$tmp/$set
	mkdir -p "$d"
	for f in show_handles show_stacks_handles show_stacks page_owner.mode_handle \
		 page_owner.mode_stack_handle page_owner.mode_stack; do
		zstd -q -d -c "$root/$set/$f.txt.zst" >"$d/$f.txt"
	done
	# The moving handles of the set's notes (MANIFEST.md, "Notes on the cross-checks").
	case $set in
	small) moving="12189703" ;;
	leak) moving="12189703 18481162 96600070" ;;
	esac
	handles_kv "$d/show_stacks_handles.txt" >"$d/hmap"

	# a) show_handles + show_stacks_handles vs show_stacks
	if ! "$pgsort" -q --strict --cull=st --stacks "$d/show_stacks_handles.txt" \
		"$d/show_handles.txt" | report_kv >"$d/a.join"; then
		echo "$set a) show_handles: a handle not found in show_stacks_handles (--strict)"
		fail=1
	fi
	"$pgsort" -q --cull=st "$d/show_stacks.txt" | report_kv >"$d/a.stacks"
	compare "$set a) show_handles+map vs show_stacks" "$moving" "$d/a.join" "$d/a.stacks" "$d/hmap" || fail=1

	# b) page_owner.mode_handle + map vs page_owner.mode_stack_handle
	"$pgsort" --cull=st --stacks "$d/show_stacks_handles.txt" "$d/page_owner.mode_handle.txt" \
		2>"$d/b.err" | report_kv >"$d/b.join"
	"$pgsort" -q --cull=st "$d/page_owner.mode_stack_handle.txt" | report_kv >"$d/b.dump"
	if ! grep -q "^pgsort: warning: 1 handle not found" "$d/b.err" ||
	   [ "$(grep -c '^handle: ' "$d/b.join")" != 1 ] ||
	   ! grep -q '^handle: 1048577~' "$d/b.join"; then
		echo "$set b) expected exactly the early-boot handle 1048577 unresolved:"
		cat "$d/b.err"
		fail=1
	fi
	compare "$set b) mode_handle+map vs mode_stack_handle" "$moving" "$d/b.join" "$d/b.dump" "$d/hmap" || fail=1

	# c) page_owner.mode_stack grouped by frames (awk) vs show_stacks (pgsort)
	awk '/^Page allocated via order [0-9]+/ { o = 2 ^ $5; k = ""; next }
	     /^ / { k = k $0 "~"; next }
	     /^$/ { if (k != "") p[k] += o; k = "" }
	     END { for (k in p) print k "\t" p[k] }' "$d/page_owner.mode_stack.txt" >"$d/c.dump"
	compare "$set c) mode_stack (awk, by frames) vs show_stacks" "$moving" "$d/c.dump" "$d/a.stacks" "$d/hmap" || fail=1
	# pgsort's own --cull=stack on the dump is awk's grouping exactly.
	"$pgsort" -q --cull=stack "$d/page_owner.mode_stack.txt" | report_kv | sort >"$d/c.pgsort"
	if sort "$d/c.dump" | cmp -s - "$d/c.pgsort"; then
		echo "$set c) pgsort --cull=stack = awk's grouping by frames ($(wc -l <"$d/c.pgsort") stacks)"
	else
		echo "$set c) pgsort --cull=stack differs from awk's grouping by frames"
		fail=1
	fi
	echo "$set c) top stacks by pages: dump (awk), show_stacks (pgsort), handle, a distinctive frame"
	awk -F'\t' 'FILENAME == ARGV[1] { h[$1] = $2; next } FILENAME == ARGV[2] { a[$1] = $2; next }
		{ b[$1] = $2 } END {
		for (k in a) { split(k, f, "~"); g = f[5] ~ /^ (alloc_pages|folio_alloc|__folio_alloc)/ ? f[6] : f[5]
			if (k ~ /register_early_stack/) g = f[1]
			printf "%9d %9d  %-10s %s\n", a[k], b[k], k in h ? h[k] : "-", g } }' \
		"$d/hmap" "$d/c.dump" "$d/a.stacks" | sort -rn | awk 'NR <= 8'	# no SIGPIPE
	rm -f "$d"/*.txt
done
[ "$fail" = 0 ] && echo "handles cross-check: ok" || echo "handles cross-check: FAILED"
exit "$fail"
