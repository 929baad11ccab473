#!/usr/bin/env bash
# pgsort record on fake debugfs trees (copies of the real captures in
# tests/fixtures/real): the error paths, the user-space selection
# (compared with awk's selection of the same text), the snapshot file
# (zstd -dc gives the text read; pgsort reads it back, its metadata, its
# handles resolved as --stacks resolves them).
# tests/record/host.sh PGSORT FIXTURES_DIR (tests/fixtures)
set -uo pipefail
pgsort=${1:?usage: host.sh PGSORT FIXTURES}
fx=$(cd "${2:?usage: host.sh PGSORT FIXTURES}" && pwd)
pgsort=$(cd "$(dirname "$pgsort")" && pwd)/$(basename "$pgsort")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgsort-record.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
bad=0
no() { echo "record: FAIL: $*" >&2; bad=1; }
# run NAME ARGS...: exit status in NAME.rc, stderr in NAME.err
run() { local n=$1; shift; "$pgsort" record "$@" >"$n.out" 2>"$n.err"; echo $? >"$n.rc"; }
want() { # NAME RC PATTERN ('' for none)
	[ "$(cat "$1.rc")" = "$2" ] && { [ -z "$3" ] || grep -q -- "$3" "$1.err"; } ||
		no "$1: want exit $2 and '$3', got exit $(cat "$1.rc"): $(cat "$1.err")"
}

F=$fx/real
[ -f "$F/small.txt" ] || { echo "record: FAIL: no fixtures in $F" >&2; exit 1; }
mkdir -p dbg/page_owner_stacks
cp "$F/small.txt" dbg/page_owner
cp "$F/show_stacks.txt" dbg/page_owner_stacks/show_stacks
for f in show_handles show_stacks_handles; do
	cp "$F/handles/$f.txt" dbg/page_owner_stacks/$f
done

# -- errors, each with its cause
run nomount --debugfs "$tmp/none" -o x.zst
want nomount 2 'debugfs is not mounted'
mkdir empty
run empty --debugfs "$tmp/empty" -o x.zst
want empty 2 'is empty: debugfs is not mounted there'
mkdir -p nopo/tracing
run nopo --debugfs "$tmp/nopo" -o x.zst
want nopo 2 'page_owner is not enabled; boot with page_owner=on'
mkdir -p perm && cp dbg/page_owner perm/ && chmod 600 perm/page_owner && chmod 755 perm "$tmp"
if [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$pgsort" record --debugfs "$tmp/perm" -o - \
		>perm.out 2>perm.err </dev/null
	echo $? >perm.rc
	want perm 2 'permission denied: reading page_owner needs root'
else
	run perm --debugfs "$tmp/perm" -o x.zst
	want perm 2 'permission denied: reading page_owner needs root'
fi
run badnode --debugfs dbg --node 1-0 -o x.zst
want badnode 1 'bad --node'
run manypids --debugfs dbg --pid 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 -o x.zst
want manypids 1 'at most 16'
run badmode --debugfs dbg --mode frames -o x.zst
want badmode 1 "want stack, handle or stack_handle"
run srcfilter --debugfs dbg --source show_handles --node 0 -o x.zst
want srcfilter 1 'not with --source'
run noout --debugfs dbg
want noout 1 'where to'
# A failed record leaves the output file as it was.
echo precious >keep.zst
run keep --debugfs "$tmp/none" -o keep.zst
[ "$(cat keep.zst)" = precious ] && [ -z "$(ls keep.zst.* 2>/dev/null)" ] ||
	no "keep: a failed record changed keep.zst or left a temporary file"
# SIGINT while reading (page_owner a FIFO nobody writes): no file, no temporary.
mkdir slow && mkfifo slow/page_owner
"$pgsort" record --debugfs "$tmp/slow" -o slow.zst 2>slow.err &
pid=$!
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] && [ ! -e slow.zst ] && [ -z "$(ls slow.zst.* 2>/dev/null)" ] ||
	no "SIGINT: exit $rc (want 130), left $(ls slow.zst* 2>/dev/null)"

# -- fallbacks of --source show_handles
mkdir -p old1/page_owner_stacks old2
cp dbg/page_owner old1/ && cp dbg/page_owner_stacks/show_stacks old1/page_owner_stacks/
cp dbg/page_owner old2/
run old1 --debugfs "$tmp/old1" --source show_handles -o old1.zst
want old1 0 'show_handles: none on this kernel.*reading show_stacks instead'
zstd -dcq old1.zst | cmp -s - old1/page_owner_stacks/show_stacks || no "old1: the snapshot is not show_stacks"
run old2 --debugfs "$tmp/old2" --source show_handles -o old2.zst
want old2 0 'reading the full page_owner dump instead, which costs much more'
zstd -dcq old2.zst | cmp -s - old2/page_owner || no "old2: the snapshot is not page_owner"

# -- the whole dump: zstd -dc gives the text; pgsort reads it as the text
run full --debugfs dbg -o full.zst
want full 0 ''
zstd -dcq full.zst | cmp -s - dbg/page_owner || no "full: zstd -dc is not the text read"
"$pgsort" dbg/page_owner --cull=st >a.txt
for j in 1 2; do
	"$pgsort" -j$j full.zst --cull=st | cmp -s - a.txt || no "full: pgsort -j$j on the snapshot differs from the text"
	"$pgsort" -j$j - --cull=st <full.zst | cmp -s - a.txt || no "full: pgsort -j$j on a pipe of it differs"
done

# -- selection in user space (not debugfs: nothing is written to it) = awk's
sel() { # NODE PIDS TGIDS (- for none) < text
	awk -v node="$1" -v pids=",$2," -v tgids=",$3," 'BEGIN { RS = ""; ORS = "\n\n" }
	{
		split($0, L, "\n")
		match(L[1], /, pid [0-9]+,/); pid = substr(L[1], RSTART + 6, RLENGTH - 7)
		match(L[1], /, tgid [0-9]+ /); tgid = substr(L[1], RSTART + 7, RLENGTH - 8)
		match(L[2], /node=[0-9]+/); n = substr(L[2], RSTART + 5, RLENGTH - 5)
		if (node != "-" && index("," node ",", "," n ",") == 0) next
		if (pids != ",-," && index(pids, "," pid ",") == 0) next
		if (tgids != ",-," && index(tgids, "," tgid ",") == 0) next
		print
	}'
}
i=0
while read -r node pids tgids; do
	i=$((i + 1))
	args=()
	[ "$node" = - ] || args+=(--node "$node")
	[ "$pids" = - ] || args+=(--pid "$pids")
	[ "$tgids" = - ] || args+=(--tgid "$tgids")
	run sel$i --debugfs dbg "${args[@]}" -o sel$i.zst
	want sel$i 0 'the selection is applied here to the full dump'
	sel "${node/0-1/0,1}" "$pids" "$tgids" <dbg/page_owner >sel$i.awk
	n=$(grep -c '^Page allocated' sel$i.awk)
	[ "$n" -gt 0 ] || no "sel$i: awk selects nothing: a useless case"
	zstd -dcq sel$i.zst | cmp -s - sel$i.awk ||
		no "sel$i (${args[*]}): $(zstd -dcq sel$i.zst | grep -c '^Page allocated') records, awk $n"
	"$pgsort" sel$i.zst --format=json >sel$i.json
	grep -q "\"filtered_by\": \"user space\", .*\"records\": \"$n\"" sel$i.json ||
		no "sel$i: the snapshot's metadata lacks filtered_by user space and $n records"
done <<'EOT'
1 - -
0 - -
0-1 1,0 -
- - 1
1 - 0,2
EOT
# --no-kernel-filter says so
run nokf --debugfs dbg --node 1 --no-kernel-filter -o nokf.zst
want nokf 0 "the kernel's filters not used (asked)"
cmp -s <(zstd -dcq nokf.zst) sel1.awk || no "nokf: not the records of --node 1"

# -- show_handles with its dictionary: resolved as --stacks resolves it
run sh --debugfs dbg --source show_handles -o sh.zst
want sh 0 ''
zstd -dcq sh.zst | cmp -s - dbg/page_owner_stacks/show_handles || no "sh: zstd -dc is not show_handles"
"$pgsort" dbg/page_owner_stacks/show_handles --stacks dbg/page_owner_stacks/show_stacks_handles --cull=st >b.txt
for j in 1 2; do
	"$pgsort" -j$j sh.zst --cull=st | cmp -s - b.txt || no "sh: -j$j: not the --stacks join"
	"$pgsort" -j$j - --cull=st <sh.zst | cmp -s - b.txt || no "sh: -j$j pipe: not the --stacks join"
done
"$pgsort" -d sh.zst >/dev/null 2>sh.d
grep -q 'snapshot: source: page_owner_stacks/show_handles' sh.d &&
	grep -q 'snapshot: stacks_handles: [0-9]* bytes' sh.d &&
	grep -q "snapshot: boot_id: $(cat /proc/sys/kernel/random/boot_id)" sh.d ||
	no "sh: -d does not show the metadata: $(cat sh.d)"

# -- -o - streams
"$pgsort" record --debugfs dbg --node 1 -q -o - | zstd -dcq | cmp -s - sel1.awk || no "stdout: not the records of --node 1"

# -- series: --every, --count, a new handle, SIGINT, a cut file, -o -
parts() { grep -ao "$1" "$2" | wc -l; }
run ser1 --debugfs dbg --every 100ms --count 3 -o ser1.series
want ser1 0 ''
[ "$(parts 'pgsort-snapshot-end 1' ser1.series)" = 3 ] && [ "$(parts 'pgsort-stacks-handles 1' ser1.series)" = 1 ] ||
	no "ser1: want 3 samples, show_stacks_handles once (no new handle): $(parts 'pgsort-snapshot-end 1' ser1.series), $(parts 'pgsort-stacks-handles 1' ser1.series)"
for n in 1 2 3; do
	"$pgsort" ser1.series@$n --cull=st | cmp -s - b.txt || no "ser1@$n: not show_handles joined with --stacks"
done
"$pgsort" ser1.series --cull=st | cmp -s - b.txt || no "ser1: the last sample is not show_handles joined"
"$pgsort" -d ser1.series >/dev/null 2>ser1.d
grep -q 'snapshot: series_sample: 3 of 3' ser1.d || no "ser1: -d does not say the sample: $(cat ser1.d)"
run ser1x --debugfs dbg --every 100ms --count 1 -o ser1.series
want ser1x 3 'a series is never written over a file'
"$pgsort" ser1.series@4 >/dev/null 2>ser1.at4
grep -q '@4: the series has 3 samples' ser1.at4 || no "ser1@4: $(cat ser1.at4)"
cat ser1.series | "$pgsort" - >/dev/null 2>ser1.pipe
grep -q 'read it from a file, not a pipe' ser1.pipe || no "a series on a pipe: $(cat ser1.pipe)"

# A handle no sample has seen: show_stacks_handles again, in that sample only.
cp -r dbg dbg2
"$pgsort" record --debugfs dbg2 --every 1s --count 3 -o ser2.series 2>ser2.err &
pid=$!
for _ in $(seq 100); do
	[ "$(parts 'pgsort-snapshot-end 1' ser2.series 2>/dev/null)" -ge 1 ] && break
	sleep 0.05
done
printf 'handle: 999999\nnr_base_pages: 5\n\n' >>dbg2/page_owner_stacks/show_handles
printf ' leak_here+0x1/0x2\n do_leak+0x3/0x4\nhandle: 999999\n\n' >>dbg2/page_owner_stacks/show_stacks_handles
wait $pid
[ $? = 0 ] || no "ser2: exit status: $(cat ser2.err)"
[ "$(parts 'pgsort-stacks-handles 1' ser2.series)" = 2 ] ||
	no "ser2: show_stacks_handles $(parts 'pgsort-stacks-handles 1' ser2.series) times, want 2 (first sample, the new handle's)"
"$pgsort" ser2.series@1 --cull=st >ser2.1
"$pgsort" ser2.series@3 --cull=st >ser2.3
! grep -q leak_here ser2.1 && grep -A1 '^1 stack, 5 pages:' ser2.3 | grep -q ' leak_here+0x1/0x2' ||
	no "ser2: the new handle's 5 pages and frames only in the later samples"
"$pgsort" diff ser2.series@1 ser2.series@3 --cull=st >ser2.diff
grep -q '^+5 pages' ser2.diff || no "ser2: diff @1 @3: want +5 pages: $(head -3 ser2.diff)"

# SIGINT: the samples taken are whole; a file cut mid-sample reads as its last whole one.
"$pgsort" record --debugfs dbg --every 100ms -o ser3.series 2>ser3.err &
pid=$!
sleep 0.7
kill -INT $pid
wait $pid
rc=$?
n=$(parts 'pgsort-snapshot-end 1' ser3.series)
[ $rc = 0 ] && [ "$n" -ge 2 ] || no "ser3: SIGINT: exit $rc, $n samples: $(cat ser3.err)"
"$pgsort" ser3.series --cull=st | cmp -s - b.txt || no "ser3: after SIGINT the last sample is not whole"
size=$(stat -c %s ser3.series)
head -c $((size - 100)) ser3.series >cut.series
"$pgsort" -d cut.series@$((n - 1)) --cull=st >cut.out 2>cut.err
cmp -s cut.out b.txt && grep -q 'last sample is cut short' cut.err || no "cut: $(cat cut.err)"
"$pgsort" -d cut.series --cull=st 2>cut2.err | cmp -s - b.txt && grep -q "series_sample: $((n - 1)) of $((n - 1))" cut2.err ||
	no "cut: the last whole sample is not read: $(grep -i series cut2.err)"

# -o - streams samples.
"$pgsort" record --debugfs dbg --every 50ms --count 2 -o - >ser4.series 2>ser4.err &&
	[ "$(parts 'pgsort-snapshot-end 1' ser4.series)" = 2 ] || no "ser4: -o -: $(cat ser4.err)"

# -- pgsort top --batch: awk's totals and biggest stack; a change seen
hs=dbg/page_owner_stacks
total=$(awk '/^nr_base_pages: / { s += $2 } END { print s }' $hs/show_handles)
# Pages per stack (the frames of each handle, from show_stacks_handles).
big=$(awk 'FNR == 1 { f++ }
	f == 1 && /^ / { st = st $0 "\n"; next }
	f == 1 && /^handle: / { fr[$2] = st; st = ""; next }
	f == 2 && /^handle: / { h = $2 }
	f == 2 && /^nr_base_pages: / { p[fr[h]] += $2 }
	END { for (k in p) if (p[k] > m) m = p[k]; print m }' $hs/show_stacks_handles $hs/show_handles)
"$pgsort" top --batch --debugfs dbg --every 100ms --count 2 --top 5 >top1.out 2>top1.err
head -1 top1.out | grep -q "^refresh 1 at .*: $total pages (+0 since start, +0 since last), by pages$" &&
	[ "$(sed -n 3p top1.out | awk '{ print $1, $2, $3 }')" = "$big +0 +0" ] &&
	[ "$(grep -c '^refresh ' top1.out)" = 2 ] ||
	no "top: want $total pages, the biggest stack $big: $(head -3 top1.out) $(cat top1.err)"
rm -rf dbg3 && cp -r dbg dbg3
"$pgsort" top --batch --debugfs dbg3 --every 1s --count 2 --top 3 --sort last >top2.out 2>top2.err &
pid=$!
for _ in $(seq 100); do
	grep -q '^refresh 1' top2.out && break
	sleep 0.05
done
printf 'handle: 999999\nnr_base_pages: 5\n\n' >>dbg3/page_owner_stacks/show_handles
printf ' leak_here+0x1/0x2\n do_leak+0x3/0x4\nhandle: 999999\n\n' >>dbg3/page_owner_stacks/show_stacks_handles
wait $pid
grep -q "^refresh 2 at .*: $((total + 5)) pages (+5 since start, +5 since last), by change since last$" top2.out &&
	grep -A2 '^refresh 2' top2.out | tail -1 | grep -q '^ *5 *+5 *+5  leak_here+0x1/0x2 < do_leak+0x3/0x4$' ||
	no "top: the new stack's 5 pages: $(cat top2.out top2.err)"
# --cull=pid,name on the full dump: awk's total and biggest group; groups
# matched across refreshes by their keys (a block added to an existing
# group and one of a new group between refreshes).
groups() { # < page_owner text: "PAGES<TAB>pid P, name N" per group, then the total
	awk '/^Page allocated via order/ {
		o = $5; sub(",", "", o)
		match($0, /, pid [0-9]+,/); pid = substr($0, RSTART + 6, RLENGTH - 7)
		match($0, /tgid [0-9]+ \(.*\), ts /); n = substr($0, RSTART, RLENGTH - 6)
		sub(/^tgid [0-9]+ \(/, "", n)
		p["pid " pid ", name " n] += 2 ^ o; s += 2 ^ o
	} END { for (k in p) print p[k] "\t" k; print s "\ttotal" }' | sort -t"$(printf '\t')" -k1,1nr -k2
}
groups <dbg/page_owner >cull.awk
ctotal=$(awk -F'\t' '$2 == "total" { print $1 }' cull.awk)
cfirst=$(grep -v '	total$' cull.awk | head -1)
csecond=$(grep -v '	total$' cull.awk | sed -n 2p | cut -f1)
[ "${cfirst%%	*}" -gt "$csecond" ] || no "top --cull: awk's biggest group is not alone: a useless case"
rm -rf dbg4 && cp -r dbg dbg4
"$pgsort" top --batch --debugfs dbg4 --source page_owner --cull=pid,name --every 1s --count 2 --top 100 \
	>top3.out 2>top3.err &
pid=$!
for _ in $(seq 100); do
	grep -q '^refresh 1' top3.out && break
	sleep 0.05
done
# 4 more pages for pid 1 (swapper/0), 2 for a new group pid 4242 (leaker).
hdr='Page allocated via order %d, mask 0xcc0(GFP_KERNEL), pid %d, tgid %d (%s), ts 999999999999 ns\n'
{
	printf "$hdr" 2 1 1 swapper/0
	printf 'PFN 0x7f000 type Unmovable Block 1016 type Unmovable Flags 0x0(node=0|zone=1)\n leak_here+0x1/0x2\n\n'
	printf "$hdr" 1 4242 4242 leaker
	printf 'PFN 0x7f004 type Unmovable Block 1016 type Unmovable Flags 0x0(node=0|zone=1)\n leak_here+0x1/0x2\n\n'
} >>dbg4/page_owner
wait $pid
rc=$?
groups <dbg4/page_owner >cull2.awk
want3=$(printf '%10s %9s %9s  %s' "${cfirst%%	*}" +0 +0 "${cfirst#*	}")
[ $rc = 0 ] && [ "$(head -1 top3.out | sed 's/ at [^ ]*Z:/:/')" = "refresh 1: $ctotal pages (+0 since start, +0 since last), by pages" ] &&
	[ "$(sed -n 2p top3.out)" = "     PAGES    +START     +LAST  GROUP (pid, name)" ] &&
	[ "$(sed -n 3p top3.out)" = "$want3" ] ||
	no "top --cull=pid,name: want $ctotal pages, first '$want3': exit $rc: $(head -3 top3.out) $(cat top3.err)"
# awk's figures after the blocks were added
at() { awk -F'\t' -v k="$1" '$2 == k { print $1 }' cull2.awk; }
t2=$(at total) p1=$(at 'pid 1, name swapper/0') p2=$(at 'pid 4242, name leaker')
[ "$((t2 - ctotal))" = 6 ] && [ "$((p1 - ${cfirst%%	*}))" = 4 ] && [ "$p2" = 2 ] ||
	no "top --cull: awk does not see the blocks added: $t2 $p1 $p2"
grep -q "^refresh 2 at .*: $t2 pages (+6 since start, +6 since last)" top3.out &&
	sed -n '/^refresh 2/,$p' top3.out | grep -q "^ *$p1 *+4 *+4  pid 1, name swapper/0$" &&
	sed -n '/^refresh 2/,$p' top3.out | grep -q "^ *$p2 *+2 *+2  pid 4242, name leaker$" ||
	no "top --cull=pid,name: the added blocks (+4 to pid 1, +2 new): $(cat top3.out)"
# A bad key: the message and a caret under it; a key the source lacks.
"$pgsort" top --batch --debugfs dbg --count 1 --cull=pid,bogus >top4.out 2>top4.err
[ $? = 1 ] && grep -q "^pgsort: top: --cull: 'bogus' is not a key" top4.err &&
	[ "$(tail -2 top4.err)" = "$(printf '  pid,bogus\n      ^~~~~')" ] || no "top --cull=pid,bogus: $(cat top4.err)"
"$pgsort" top --batch --debugfs dbg --count 1 --cull=pid >top5.out 2>top5.err
[ $? = 1 ] && grep -q '^pgsort: top: --cull=pid needs the pid of each block; show_handles input' top5.err ||
	no "top --cull=pid on show_handles: $(cat top5.err)"
"$pgsort" top --debugfs dbg </dev/null >topx.out 2>topx.err
[ $? = 1 ] && grep -q 'not a terminal: use --batch' topx.err || no "top without a terminal: $(cat topx.err)"
# The interactive view through a pty (script): q quits, the terminal restored.
if command -v script >/dev/null; then
	{ sleep 1; printf q; sleep 1; } | COLUMNS=100 LINES=10 script -qec "$pgsort top --debugfs dbg --every 200ms" /dev/null >pty.out 2>&1
	rc=$?
	[ $rc = 0 ] && grep -q 'refresh 1 at' pty.out && grep -q $'\e\\[?25h' pty.out ||
		no "top in a pty: exit $rc: $(tr -d '\033' <pty.out | head -5)"
fi

# -o naming a dump or an earlier snapshot: refused, the file kept.
cp "$F/small.txt" keep.txt
run keep1 --debugfs dbg -o keep.txt
want keep1 1 'OUTPUT keep.txt is a page_owner dump'
cmp -s keep.txt "$F/small.txt" || no "-o dump: the dump was replaced"
run keep2 --debugfs dbg -o keep.zst
want keep2 0 ''
cp keep.zst keep.before
run keep3 --debugfs dbg -o keep.zst
want keep3 1 'OUTPUT keep.zst is zstd-compressed data'
cmp -s keep.zst keep.before || no "-o snapshot: the snapshot was replaced"

# -o naming what is not a regular file is written, never renamed over: a
# FIFO stays a FIFO (the snapshot goes through it), a symlink stays a
# symlink (the snapshot goes to the file it names).
mkfifo out.fifo
# (timed: a FIFO renamed over leaves its reader waiting for a writer)
timeout 20 sh -c 'zstd -dcq <out.fifo >fifo.txt' &
zpid=$!
run fifo --debugfs dbg -o out.fifo
want fifo 0 ''
wait $zpid
[ -p out.fifo ] && cmp -s fifo.txt dbg/page_owner || no "-o FIFO: replaced, or not the text read"
echo old >linked.txt
ln -s linked.txt out.link
run link --debugfs dbg -o out.link
want link 0 ''
[ -L out.link ] && zstd -dcq linked.txt | cmp -s - dbg/page_owner ||
	no "-o symlink: the link was replaced, or its file does not hold the snapshot"

[ $bad -eq 0 ] || exit 1
echo "record: ok"
