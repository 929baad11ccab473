#!/usr/bin/env bash
# pgsort series on a real capture under planted leaks (6.12.118-series: the
# excerpt in tests/fixtures/series, or with a directory the whole capture,
# zstd-compressed, decompressed here into a temporary directory).
# Expected figures come from awk on the kernel's files, never from pgsort:
#  - each workload's pages per sample: awk joins show_handles' handles to
#    their stacks (show_stacks_handles) and sums nr_base_pages of those whose
#    stack matches; pgsort's long rows summed over its groups whose stack
#    matches must give the same numbers;
#  - the long rows' total per sample is the sum of nr_base_pages of the file;
#  - the leaks (tmpfs writes, shmem_alloc_inode, __d_alloc, alloc_inode's
#    security_inode_alloc) score >= 0.8 and come first; the anonymous
#    sawtooth (do_huge_pmd_anonymous_page, __handle_mm_fault, do_wp_page)
#    scores < 0.1 over the whole series and < 0.35 over a series cut at its
#    last peak (awk's);
#  - --times orders the inputs; bad input says which file and line.
# Usage: series.sh PGSORT [SERIES_DIR]  (SERIES_DIR/samples/*.zst + index.tsv)
set -u
src=$(cd "$(dirname "$0")" && pwd)
pgsort=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -ge 2 ]; then
	for f in "$2"/samples/show_handles.*.txt.zst "$2"/samples/show_stacks_handles.*.txt.zst; do
		zstd -qdc "$f" > "$tmp/$(basename "$f" .zst)" || exit 1
	done
	cp "$2/samples/index.tsv" "$tmp/"
	dict=$tmp/show_stacks_handles.059.txt
else
	cp "$src"/../fixtures/series/*.txt "$src"/../fixtures/series/index.tsv "$tmp/"
	dict=$tmp/show_stacks_handles.059.txt
fi
cd "$tmp" || exit 1
samples=(show_handles.*.txt)
tail -n +2 index.tsv | cut -f3 > times
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
run() { "$pgsort" series --stacks "$dict" --times times "$@" "${samples[@]}"; }

# awk: per sample, the pages of the handles whose stack matches $1.
awk_pages() {
	local f
	for f in "${samples[@]}"; do
		awk -v pat="$1" 'NR == FNR {
				if ($1 == "handle:") { if (st ~ pat) m[$2] = 1; st = "" }
				else st = st $0 "\n"; next }
			$1 == "handle:" { h = $2 }
			$1 == "nr_base_pages:" && (h in m) { s += $2 }
			END { print s + 0 }' "$dict" "$f"
	done
}

run --format json > s.json || bad "json: exit $?"
run --format ndjson > s.ndjson || bad "ndjson: exit $?"
run --format csv > s.csv || bad "csv: exit $?"
n=${#samples[@]}
ng=$(jq '.groups | length' s.json)

# Every sample's total: the file's nr_base_pages.
want=$(for f in "${samples[@]}"; do awk '$1 == "nr_base_pages:" { s += $2 } END { print s + 0 }' "$f"; done)
got=$(jq -s 'group_by(.sample) | map(map(.pages) | add) | .[]' s.ndjson)
[ "$got" = "$want" ] && ok || bad "long rows' totals per sample differ from awk's"
got=$(jq '.samples[].pages' s.json)
[ "$got" = "$want" ] && ok || bad "json samples' pages differ from awk's"
[ "$(wc -l < s.ndjson)" = $((ng * n)) ] && ok || bad "ndjson: not one row per group and sample"
[ "$(wc -l < s.csv)" = $((ng * n + 1)) ] && ok || bad "csv: not a header and one row per group and sample"
head -1 s.csv | grep -q '^group,sample,time,pages,bytes,score,stacktrace' && ok || bad "csv header"

# Each workload: awk's pages per sample, pgsort's, its score and rank.
check() {	# name, stack pattern, min score (or -max score)
	local name=$1 pat=$2 lim=$3 want got score rank
	want=$(awk_pages "$pat")
	got=$(jq -r --arg p "$pat" -s 'map(select(.stacktrace | join("\n") | test($p)))
		| group_by(.sample) | map(map(.pages) | add) | .[]' s.ndjson)
	[ "$got" = "$want" ] && ok || bad "$name: pages per sample differ from awk's"
	# The largest group of the workload (max over the samples).
	read -r score rank < <(jq -r --arg p "$pat" '[.groups | to_entries[]
		| select(.value.stacktrace | join("\n") | test($p))] | max_by(.value.max)
		| "\(.value.score) \(.key)"' s.json)
	if [ "${lim#-}" = "$lim" ]; then
		awk -v s="$score" -v l="$lim" 'BEGIN { exit !(s >= l) }' && ok ||
			bad "$name: score $score < $lim"
		[ "$rank" -lt 8 ] && ok || bad "$name: ranked $rank, not in the first 8"
	else
		awk -v s="$score" -v l="${lim#-}" 'BEGIN { exit !(s < l) }' && ok ||
			bad "$name: score $score >= ${lim#-}"
	fi
	echo "$name: score $score, rank $rank"
}
check "tmpfs write leak" 'shmem_alloc_folio[^\n]*\n[^\n]*shmem_alloc_and_add_folio[^\n]*\n[^\n]*shmem_get_folio_gfp[^\n]*\n[^\n]*shmem_write_begin' 0.8
check "slab leak: inodes" 'shmem_alloc_inode' 0.8
check "slab leak: dentries" 'kmem_cache_alloc_lru_noprof[^\n]*\n[^\n]*__d_alloc' 0.8
check "slab leak: alloc_inode" 'security_inode_alloc[^\n]*\n[^\n]*inode_init_always_gfp[^\n]*\n[^\n]*alloc_inode' 0.8
anon='vma_alloc_folio_noprof[^\n]*\n[^\n]*do_huge_pmd_anonymous_page'
anon4k='vma_alloc_folio_noprof[^\n]*\n[^\n]*__handle_mm_fault'
check "anonymous sawtooth (THP)" "$anon" -0.1
check "anonymous sawtooth (4 KiB pages)" "$anon4k" -0.1
# stress-ng's children write to what they share with their parent: copies.
anonwp='vma_alloc_folio_noprof[^\n]*\n[^\n]*do_wp_page'
check "anonymous sawtooth (copy on write)" "$anonwp" -0.1

# Cut at the sawtooth's last peak (awk's): it ends high, and still is no leak.
for pat in "$anon" "$anon4k" "$anonwp"; do
	peak=$(awk_pages "$pat" | awk '$1 >= m { m = $1; i = NR } END { print i }')
	head -n "$peak" times > times.cut
	"$pgsort" series --stacks "$dict" --times times.cut --format json "${samples[@]:0:$peak}" > cut.json ||
		bad "cut: exit $?"
	score=$(jq --arg p "$pat" '[.groups[] | select(.stacktrace | join("\n") | test($p))]
		| max_by(.last) | .score' cut.json)
	awk -v s="$score" 'BEGIN { exit !(s < 0.35) }' && ok || bad "sawtooth cut at its peak $peak: score $score"
	echo "sawtooth /$pat/ cut at sample $peak (its peak): score $score"
done

# Handles looked up once for the series (the default) or joined per sample
# (--cull stacktrace reads each row's stack): the same report, also stripped.
run --cull stacktrace --format json > rows.json
cmp -s rows.json s.json && ok || bad "handles once per series and joined per sample differ"
cmp -s <(run --strip-offsets --format json) <(run --strip-offsets --cull stacktrace --format json) &&
	ok || bad "--strip-offsets: handles once per series and joined per sample differ"

# --times orders the inputs: given backwards, the same report.
tac times > times.rev
mapfile -t rev < <(printf '%s\n' "${samples[@]}" | tac)
"$pgsort" series --stacks "$dict" --times times.rev --format json "${rev[@]}" > rev.json
cmp -s rev.json s.json && ok || bad "--times: inputs given backwards give another report"
# Without times, as given: backwards, the tmpfs leak shrinks and scores 0.
"$pgsort" series --stacks "$dict" --format json "${rev[@]}" > back.json
[ "$(jq '.groups[] | select(.stacktrace | join("\n") | test("shmem_write_begin")) | .score' back.json |
	sort -n | tail -1)" = 0 ] && ok || bad "inputs backwards without --times still score"
[ "$(jq '.samples[0].time' back.json)" = null ] && ok || bad "no --times: time not null"

# Text: a sparkline line per group; ASCII with --ascii or a C locale.
LC_ALL=C.UTF-8 run --top 3 > t.txt
[ "$(grep -c '^[▁▂▃▄▅▆▇█]*$' t.txt)" -ge 3 ] && ok || bad "text: no Unicode sparklines"
LC_ALL=C run --top 3 > a.txt
[ "$(grep -c '^[ .:=+*#-]*[#]$' a.txt)" = 3 ] && ok || bad "text: C locale: no ASCII sparklines"
LC_ALL=C.UTF-8 run --top 3 --ascii | cmp -s - a.txt && ok || bad "--ascii differs from the C locale's"

# Options: --top, --min-pages, --sort.
[ "$(run --top 2 --format json | jq '.groups | length')" = 2 ] && ok || bad "--top 2"
[ "$(run --min-pages 1000 --format json | jq '[.groups[] | select(.max < 1000)] | length')" = 0 ] &&
	ok || bad "--min-pages 1000 kept a smaller group"
got=$(run --sort=-max --format json | jq '[.groups[].max]')
[ "$got" = "$(jq 'sort | reverse' <<<"$got")" ] && ok || bad "--sort=-max not by max"

# The whole capture only: its three page_owner dumps (stack_handle mode),
# read compressed as they are: the tmpfs writes grow most and come first.
if [ $# -ge 2 ]; then
	"$pgsort" series --format json "$2"/samples/page_owner.stack_handle.{000,030,059}.txt.zst > po.json ||
		bad "page_owner dumps: exit $?"
	jq -e '.groups[0].stacktrace | join("\n") | test("shmem_alloc_folio(.|\n)*shmem_write_begin")' po.json \
		>/dev/null && ok || bad "page_owner dumps: the tmpfs writes are not first"
	jq -e '(.groups[0].growth) == ([.groups[].growth] | max)' po.json >/dev/null && ok ||
		bad "page_owner dumps: the first group is not the one that grew most"
fi

# Bad input: named, nonzero, no report.
expect() {	# status, message pattern, command...
	local st=$1 pat=$2 out
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	local got=$?
	[ "$got" = "$st" ] && grep -qE -- "$pat" <<<"$out" && ok ||
		bad "$* -> $got: $out (want $st, /$pat/)"
}
head -n 3 times > times.short
expect 2 "times.short gives 3 times for $n INPUTs" "$pgsort" series --times times.short "${samples[@]}"
printf '1\nabc\n' > times.bad
expect 2 'times.bad:2: expected a time in seconds' "$pgsort" series --times times.bad "${samples[@]:0:2}"
expect 1 "'-bogus' for --sort" "$pgsort" series --sort=-bogus "${samples[0]}"
expect 1 'no INPUT' "$pgsort" series
expect 2 'nosuch: ' "$pgsort" series nosuch
expect 1 "handle.*only within one boot" "$pgsort" series --cull handle "${samples[0]}"
expect 2 'show_handles.*show_stacks_handles|do not count the same' "$pgsort" series "${samples[0]}" "$dict"
expect 1 '--stacks FILE must be' "$pgsort" series --stacks "${samples[0]}" "${samples[0]}"

# A series file of pgsort record --every (issue 15) is its samples: record
# reads show_handles from a fake debugfs where it is a FIFO fed one sample
# per open (a pause after each, so that the next write never joins the
# sample being read), and series over the file must give what it gives over
# the files themselves, with each sample's own capture time.
if command -v mkfifo >/dev/null; then
	k=10
	mkdir -p dbg/page_owner_stacks && : > dbg/page_owner
	cp "$dict" dbg/page_owner_stacks/show_stacks_handles
	mkfifo dbg/page_owner_stacks/show_handles
	( for f in "${samples[@]:0:$k}"; do cat "$f" > dbg/page_owner_stacks/show_handles; sleep 0.3; done ) &
	timeout 120 "$pgsort" record --debugfs dbg --every 0.05s --count $k -o rec.series 2> rec.err
	rc=$?
	wait
	[ $rc = 0 ] && ok || bad "record: rc $rc, $(cat rec.err)"
	"$pgsort" series --format=ndjson rec.series > rec.nd 2> rec.nd.err || bad "series rec.series: $(cat rec.nd.err)"
	"$pgsort" series --format=ndjson --stacks "$dict" "${samples[@]:0:$k}" > files.nd
	[ -s rec.nd ] && diff -q <(sed 's/"time":[^,]*,//' rec.nd) <(sed 's/"time":[^,]*,//' files.nd) > /dev/null &&
		ok || bad "series of the series file differs from series of its files"
	want=$(for f in "${samples[@]:0:$k}"; do awk '$1 == "nr_base_pages:" { s += $2 } END { print s + 0 }' "$f"; done)
	got=$(sed -E 's/.*"sample":([0-9]+),.*"pages":([0-9]+),.*/\1 \2/' rec.nd |
		awk '{ s[$1] += $2; if ($1 + 1 > n) n = $1 + 1 } END { for (i = 0; i < n; i++) print s[i] + 0 }')
	[ "$got" = "$want" ] && ok || bad "series file: totals per sample $got, awk's $want"
	# Each sample's time is its own capture time, increasing.
	sed -E 's/.*"sample":([0-9]+),"time":([0-9.]+),.*/\1 \2/' rec.nd | sort -u -n |
		awk 'NF != 2 || $2 !~ /^[0-9]/ || (NR > 1 && $2 <= t) { bad = 1 } { t = $2 } END { exit bad || NR != '$k' }' &&
		ok || bad "series file: sample times not known and increasing"
	"$pgsort" series rec.series 2>&1 | head -n 1 | grep -q "^$k samples over " && ok ||
		bad "series file: text header lacks '$k samples over'"
	# A series cut inside its last sample: the samples before it, and a warning.
	head -c $(( $(stat -c %s rec.series) - 100 )) rec.series > cut.series
	"$pgsort" series cut.series > cut.out 2> cut.err
	head -n 1 cut.out | grep -q "^$((k - 1)) samples over " && ok || bad "cut series: $(head -n 1 cut.out) $(cat cut.err)"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
