#!/usr/bin/env bash
# pgsort diff on the real before/after pair of SHARED/6.12.117/leak (one
# boot; between the snapshots the workload, in memcg 'leaky', wrote a
# 300 MiB tmpfs file and 30,000 one-line tmpfs files and kept a 300 MiB
# stress-ng --vm worker's anonymous memory; see its MANIFEST.md), against
# awk's own reading of the raw dumps:
#  - per stacktrace (page_owner_sort's: the lines after the header but the
#    PFN line), pages and blocks in each dump: every group of pgsort diff
#    has awk's figures, no group is missing or extra, the totals are awk's
#    sums, and the groups come in awk's order of growth;
#  - the top growth stacks are the workload's: first the tmpfs writes with
#    exactly 300 * 256 + 30,000 new pages, then the others charged to
#    'leaky', among them the stress-ng anonymous faults;
#  - --format=folded: per stack (frames outermost first, no offsets) the
#    pages before and after are awk's;
#  - --format=svg: the root holds awk's totals, frames that grew are red,
#    those that shrank blue, the tmpfs writes' frame red with 106800 pages;
#  - the same on the show_stacks pair (nr_base_pages per stack);
#  - two builds: a copy of BEFORE with every +0xoff changed matches AFTER
#    by no stack with offsets, and with --strip-offsets exactly as BEFORE
#    itself does, which is awk's grouping by frames without offsets.
# Usage: diff.sh PGSORT BUILDDIR SHARED_FIXTURES
set -euo pipefail
pgsort=$1 build=$2 fixtures=$3
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testlib.sh
. "$here/../testlib.sh"

src=$fixtures/6.12.117/leak
if [ ! -d "$src" ]; then
	echo "diff: no fixtures at $src (../shared must be beside the project)" >&2
	exit 1
fi
tmp=$build/diff-compat-tmp
mkdir -p "$tmp"
for f in page_owner.before page_owner.after show_stacks.before show_stacks.after; do
	[ -s "$tmp/$f.txt" ] || zstd -dqf "$src/$f.txt.zst" -o "$tmp/$f.txt"
done
B=$tmp/page_owner.before.txt A=$tmp/page_owner.after.txt

# awk: "pages<TAB>blocks<TAB>stack" per stacktrace of a page_owner dump, the
# stack's lines joined by '|'; STRIP=1 cuts +0xoff/0xsize first.
per_stack() {
	awk -v RS= -v strip="${2:-0}" '{
		n = split($0, l, "\n")
		split(l[1], h, " ")
		key = ""
		for (i = 2; i <= n; i++) {
			if (l[i] ~ /^PFN /)
				continue
			if (strip)
				gsub(/\+0x[0-9a-f]+\/0x[0-9a-f]+/, "", l[i])
			key = key l[i] "|"
		}
		pages[key] += 2 ^ h[5]
		blocks[key]++
	} END { for (k in pages) printf "%d\t%d\t%s\n", pages[k], blocks[k], k }' "$1"
}

# The same from show_stacks: frames, then "nr_base_pages: N".
per_stack_shows() {
	awk -v RS= '{
		n = split($0, l, "\n")
		key = ""
		for (i = 1; i < n; i++)
			key = key l[i] "|"
		split(l[n], c, ": ")
		pages[key] += c[2]
		blocks[key]++
	} END { for (k in pages) printf "%d\t%d\t%s\n", pages[k], blocks[k], k }' "$1"
}

# Join two per-stack lists into "pages_delta times_delta pb pa tb ta stack",
# in order of growth (pages, then times, descending).
expect() {
	awk -F'\t' 'NR == FNR { pb[$3] = $1; tb[$3] = $2; seen[$3] = 1; next }
		{ pa[$3] = $1; ta[$3] = $2; seen[$3] = 1 }
		END { for (k in seen) printf "%d %d %d %d %d %d %s\n",
			pa[k] - pb[k], ta[k] - tb[k], pb[k], pa[k], tb[k], ta[k], k }' "$1" "$2" |
		sort -k1,1nr -k2,2nr -k7
}

# pgsort diff's text report in the same form, in its own order.
got() {
	awk -v RS= '/^Total: /{ next } {
		n = split($0, l, "\n")
		# "+N pages (+M times)[ [new]]: PB -> PA pages, TB -> TA times:"
		split(l[1], w, " ")
		key = ""
		for (i = 2; i <= n; i++)
			key = key l[i] "|"
		m = (w[5] == "[new]:" || w[5] == "[gone]:") ? 6 : 5
		printf "%d %d %d %d %d %d %s\n", w[1], substr(w[3], 2), w[m], w[m + 2],
			w[m + 4], w[m + 6], key
	}' "$1"
}

# Totals line: "Total: +N pages (+M times): PB -> PA pages, TB -> TA times; ..."
# (show_stacks: "stacks" for "times", as UNIT says).
totals_of() {
	sed -n 's/^Total: \([-+0-9]*\) pages (\([-+0-9]*\) '"$2"'): \([0-9]*\) -> \([0-9]*\) pages, \([0-9]*\) -> \([0-9]*\) '"$2"';.*/\1 \2 \3 \4 \5 \6/p' "$1" | tr -d +
}
awk_totals() {
	awk '{ dp += $1; dt += $2; pb += $3; pa += $4; tb += $5; ta += $6 }
		END { printf "%d %d %d %d %d %d\n", dp, dt, pb, pa, tb, ta }' "$1"
}

# KIND EXP GOT REPORT UNIT: every group's figures, their order and the totals
# are awk's; the counts are UNIT ("times", or "stacks" for show_stacks).
same_as_awk() {
	check "$1: every group's figures are awk's ($(wc -l <"$2") stacks)" \
		cmp -s <(sort "$2") <(sort "$3")
	check "$1: groups in awk's order of growth" \
		cmp -s <(cut -d' ' -f1,2 "$2") <(cut -d' ' -f1,2 "$3")
	check "$1: totals are awk's sums ($(awk_totals "$2"))" \
		[ "$(totals_of "$4" "$5")" = "$(awk_totals "$2")" ]
}

"$pgsort" diff "$B" "$A" >"$tmp/diff.txt"
expect <(per_stack "$B") <(per_stack "$A") >"$tmp/exp"
got "$tmp/diff.txt" >"$tmp/got"
same_as_awk page_owner "$tmp/exp" "$tmp/got" "$tmp/diff.txt" times
check "page_owner: the same top 5 stacks as awk" \
	cmp -s <(head -5 "$tmp/exp") <(head -5 "$tmp/got")

# The workload's stacks on top.
top() { sed -n "${1}p" "$tmp/got"; }
check "top 1: the tmpfs writes (shmem_file_write_iter), charged to leaky" \
	grep -q 'shmem_file_write_iter.*Charged to memcg leaky|$' <(top 1)
check "top 1: exactly 300 MiB + 30,000 files of new pages (106800)" \
	[ "$(top 1 | cut -d' ' -f1,3)" = "$((300 * 256 + 30000)) 0" ]
check "top 4: all new and charged to leaky" \
	[ "$(head -4 "$tmp/got" | grep -c '^[0-9]* [0-9]* 0 .*Charged to memcg leaky|$')" = 4 ]
check "top 4: stress-ng's anonymous faults (handle_mm_fault) among them" \
	grep -q 'handle_mm_fault' <(head -4 "$tmp/got")
check "by task: stress-ng-vm among the top 3 growers" \
	grep -q 'task_comm_name: stress-ng-vm$' <("$pgsort" diff --cull=name --top=3 "$B" "$A")

# --format=folded: FlameGraph's difffolded lines, "root;...;leaf BEFORE AFTER".
# awk: per block its frame lines (those with an indent) without offsets,
# outermost first; pages summed per such stack in each dump. pgsort prints
# one line per stacktrace group (frames plus trailers), so lines with the
# same frames are summed before comparing.
folded_awk() {
	awk -v RS= '{
		n = split($0, l, "\n")
		split(l[1], h, " ")
		key = ""
		for (i = n; i >= 2; i--) {
			if (l[i] !~ /^ /)
				continue
			f = l[i]
			sub(/^ +/, "", f)
			gsub(/\+0x[0-9a-f]+\/0x[0-9a-f]+/, "", f)
			key = key (key == "" ? "" : ";") f
		}
		pages[key] += 2 ^ h[5]
	} END { for (k in pages) printf "%s\t%d\n", k, pages[k] }' "$1"
}
join -t$'\t' -a1 -a2 -e0 -o 0,1.2,2.2 <(folded_awk "$B" | sort) <(folded_awk "$A" | sort) |
	awk -F'\t' '{ printf "%s %d %d\n", $1, $2, $3 }' | sort >"$tmp/fexp"
"$pgsort" diff --format=folded "$B" "$A" |
	awk '{ b = $(NF - 1); a = $NF; NF -= 2; s[$0] += b; t[$0] += a }
		END { for (k in s) printf "%s %d %d\n", k, s[k], t[k] }' | sort >"$tmp/fgot"
check "folded: every stack's pages before and after are awk's ($(wc -l <"$tmp/fexp") stacks)" \
	cmp -s "$tmp/fexp" "$tmp/fgot"
check "folded: the top line is the tmpfs writes, 0 -> 106800" \
	grep -q '^entry_SYSCALL_64_after_hwframe;.*;shmem_file_write_iter;.*;get_page_from_freelist 0 106800$' \
	<("$pgsort" diff --format=folded --top=1 "$B" "$A")

# --format=svg: the differential flame graph of the same stacks. Its root
# holds awk's totals; every frame is red when its pages grew, blue when they
# shrank, neutral when equal (read from its own hover text). On the leak
# pair the tmpfs writes' frame is red with its 106800 new pages; shrinking
# stacks are too thin to draw there (a few pages of 233639), so blue is
# checked by task on the excerpts in tests/fixtures/diff, where
# kworker/u8:2 went from 60 to 6 pages.
svg_check() {
	python3 - "$@" <<'PY'
import re, sys
import xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"
svg, pb, pa, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
nums = re.compile(r"^(.*)\n(\d+) blocks, (\d+) pages,.*\nbefore: (\d+) blocks, (\d+) pages; change: ", re.S)
bad, red, blue, found = 0, 0, 0, False
for g in ET.parse(svg).getroot().iter(NS + "g"):
    if g.get("class") != "f":
        continue
    m = nums.match(g.find(NS + "title").text)
    fill = g.find(NS + "rect").get("fill")
    r, gg, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    name, after, before = m.group(1), int(m.group(3)), int(m.group(5))
    if name == "all" and (before, after) != (pb, pa):
        bad += 1
        print("root:", before, after)
    if after > before:
        red += 1
        bad += not (r == 255 and gg == b and b < 255)
    elif after < before:
        blue += 1
        bad += not (b == 255 and r == gg and r < 255)
    else:
        bad += (r, gg, b) != (240, 240, 240)
    wname, wb, wa = want.rsplit(":", 2)
    if name == wname and (before, after) == (int(wb), int(wa)):
        found = (r == 255) if after > before else (b == 255)
print("frames grown %d, shrunk %d, wrong %d" % (red, blue, bad))
sys.exit(0 if not bad and found else 1)
PY
}
"$pgsort" diff --format=svg "$B" "$A" >"$tmp/diff.svg"
read -r _ _ pb pa _ _ <<<"$(awk_totals "$tmp/exp")"
check "svg: colours follow each frame's change, root $pb -> $pa pages, tmpfs writes red" \
	svg_check "$tmp/diff.svg" "$pb" "$pa" "shmem_file_write_iter:0:106800"
"$pgsort" diff --format=svg --cull=name "$here/../fixtures/diff/before.txt" \
	"$here/../fixtures/diff/after.txt" >"$tmp/name.svg"
check "svg by task: colours follow each frame's change, kworker/u8:2 blue" \
	svg_check "$tmp/name.svg" 163 150 "name:kworker/u8:2:60:6"

# show_stacks, the same way.
"$pgsort" diff "$tmp/show_stacks.before.txt" "$tmp/show_stacks.after.txt" >"$tmp/sdiff.txt"
expect <(per_stack_shows "$tmp/show_stacks.before.txt") \
	<(per_stack_shows "$tmp/show_stacks.after.txt") >"$tmp/sexp"
got "$tmp/sdiff.txt" >"$tmp/sgot"
same_as_awk show_stacks "$tmp/sexp" "$tmp/sgot" "$tmp/sdiff.txt" stacks
check "show_stacks: every group counts stacks, never times" \
	[ "$(grep -c '^[-+][0-9]* pages ([-+][0-9]* stacks)' "$tmp/sdiff.txt")" = "$(wc -l <"$tmp/sexp")" ]

# Two builds of one kernel: BEFORE with every offset changed (+0x1f0 ->
# +0x11f0): no stack with frames matches without --strip-offsets.
sed -E 's/\+0x([0-9a-f]+)\//+0x1\1\//' "$B" >"$tmp/before.moved.txt"
differs() { ! cmp -s "$1" "$2"; }
check "moved offsets: the copy differs in its frames" differs "$B" "$tmp/before.moved.txt"
"$pgsort" diff --format=ndjson "$tmp/before.moved.txt" "$A" >"$tmp/moved.ndjson"
check "moved offsets: no stack in both without --strip-offsets" \
	[ "$(grep -c '"status": "both"' "$tmp/moved.ndjson" || true)" = 0 ]
"$pgsort" diff --strip-offsets "$tmp/before.moved.txt" "$A" >"$tmp/moved-strip.txt"
"$pgsort" diff --strip-offsets "$B" "$A" >"$tmp/strip.txt"
check "moved offsets: with --strip-offsets as the original build" \
	cmp -s "$tmp/moved-strip.txt" "$tmp/strip.txt"
expect <(per_stack "$B" 1) <(per_stack "$A" 1) >"$tmp/sexp-strip"
got "$tmp/moved-strip.txt" >"$tmp/sgot-strip"
check "moved offsets: --strip-offsets groups are awk's frames without offsets ($(wc -l <"$tmp/sexp-strip") stacks)" \
	cmp -s <(sort "$tmp/sexp-strip") <(sort "$tmp/sgot-strip")
check "moved offsets: fewer groups once offsets are cut" \
	[ "$(wc -l <"$tmp/sexp-strip")" -lt "$(wc -l <"$tmp/exp")" ]

finish
