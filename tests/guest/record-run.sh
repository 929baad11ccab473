#!/usr/bin/env bash
# pgsort record against the real kernel (../shared/kernel, one boot of the
# test kernel under QEMU; the guest runs record.sh):
# tests/guest/record-run.sh PGSORT KERNEL_DIR
#
# For each case (a mode and node, pid, tgid filters), the guest reads
# page_owner through the kernel's own per-fd filter just before (A) and just
# after (B) two pgsort records with the same selection: one where the
# kernel selects (R), one with --no-kernel-filter, which reads the full dump
# and selects itself (U). Records are keyed by PFN and allocation time
# stamp, parsed here with awk. The files are live, so, for R and for U:
#  - every record of both A and B is in it (it was there all the while);
#  - it holds no record outside A and B but those of the readers (pgsort,
#    dd, sh) and those that changed between A and B (|A xor B|, plus 16:
#    an idle guest still changes ~600 of 16,000 records in the 20 s of
#    emulated time the four reads take);
#  - every record of the snapshot and of U is in the selection (its node=,
#    pid, tgid), and in the mode asked (handle: a handle and no frames;
#    stack_handle: both; stack, and U always: frames);
#  - the metadata says who selected (kernel / user space); pgsort reads the
#    snapshot back, handles resolved by its own show_stacks_handles part,
#    but for those show_stacks_handles lacks (the early-boot stack of
#    register_early_stack() is in no stack list): exactly those, by comm;
#  - a node without memory (nid=5): the kernel refuses it, pgsort says so
#    and selects itself (no record); -o - through a pipe;
#  - sampling show_handles every second while a leaker grows a tmpfs file
#    by 10240 pages, stopped by SIGINT: the series is whole, and pgsort diff
#    of its first and last samples finds the 10240 pages in the shmem
#    stacks; a series through a pipe (-o -);
#  - pgsort top --batch: three refreshes, the first one's total that of a
#    show_handles copy just before (within what changed, + 256 pages);
#    --source page_owner --cull=pid,name: its total and biggest group
#    awk's on a page_owner copy just before (within what changed, + 2048).
# Fails (never skips) when the kernel or QEMU is missing.
# PGSORT_GUEST_FILES=DIR checks again the files a run left in DIR.
set -uo pipefail

pgsort=${1:?usage: record-run.sh PGSORT KERNEL_DIR}
kdir=${2:?usage: record-run.sh PGSORT KERNEL_DIR}
here=$(cd "$(dirname "$0")" && pwd)
fail() {
	echo "guest-record: FAIL: $*" >&2
	exit 1
}
[ -x "$kdir/run-guest" ] && [ -f "$kdir/bzImage" ] ||
	fail "no test kernel in '$kdir' (want ../shared/kernel with bzImage and run-guest)"
for t in qemu-system-x86_64 cpio gzip zstd; do
	command -v $t >/dev/null || fail "$t missing: apt-get install -y qemu-system-x86 busybox-static cpio zstd"
done
pgsort=$(cd "$(dirname "$pgsort")" && pwd)/$(basename "$pgsort")

if [ -n "${PGSORT_GUEST_FILES:-}" ]; then
	work=$PGSORT_GUEST_FILES
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/pgsort-guest-record.XXXXXX")
	{
		echo "PGSORT=$pgsort"
		cat "$here/record.sh"
	} >"$work/guest.sh"
	echo "guest-record: booting; files in $work"
	t0=$(date +%s)
	"$kdir/run-guest" --timeout 840 --share "$work" --bin "$pgsort" "$work/guest.sh" \
		>"$work/console.out" 2>&1
	rc=$?
	echo "guest-record: the guest took $(($(date +%s) - t0)) s"
	[ $rc -eq 0 ] || {
		tail -20 "$work/console.out" >&2
		fail "the guest did not run its script to the end (run-guest exit $rc; $work)"
	}
fi
cd "$work" || fail "cd $work"
[ -s failures ] && fail "$(cat failures)"

bad=0
no() {
	echo "guest-record: FAIL: $*" >&2
	bad=1
}
# One line per record: "pfn ts comm node pid tgid frames handle".
recs() {
	awk 'BEGIN { RS = "" }
	/^Page allocated via/ {
		n = split($0, L, "\n")
		pfn = L[2]; sub(/^PFN /, "", pfn); sub(/ .*/, "", pfn)
		ts = L[1]; sub(/.*, ts /, "", ts); sub(/ ns.*/, "", ts)
		comm = L[1]; sub(/.*, tgid [0-9]+ \(/, "", comm); sub(/\), ts .*/, "", comm); gsub(/ /, "_", comm)
		pid = L[1]; sub(/.*, pid /, "", pid); sub(/,.*/, "", pid)
		tgid = L[1]; sub(/.*, tgid /, "", tgid); sub(/ .*/, "", tgid)
		node = L[2]; if (match(node, /node=[0-9]+/)) node = substr(node, RSTART + 5, RLENGTH - 5); else node = "-"
		fr = 0; h = 0
		for (i = 3; i <= n; i++) {
			if (L[i] ~ /^ /) fr++
			if (L[i] ~ /^handle: /) h++
		}
		print pfn, ts, comm, node, pid, tgid, fr, h
	}' "$@"
}
key() { cut -d' ' -f1,2 "$1" | sort -u; }
others() { awk '$3 != "pgsort" && $3 != "dd" && $3 != "sh"' "$1"; }
count() { wc -l <"$1" | tr -d ' '; }
meta() { "$pgsort" "$1" --format=json 2>/dev/null >meta.json; head -1 meta.json; }

while read -r name opts; do
	for f in "" .u; do
		[ "$(cat $name$f.rc)" = 0 ] || no "$name$f: pgsort record exited $(cat $name$f.rc): $(cat $name$f.err)"
	done
	recs $name.A >$name.A.r
	recs $name.B >$name.B.r
	zstd -dcq $name.zst | recs >$name.R.r
	zstd -dcq $name.u.zst | recs >$name.U.r
	key $name.A.r >a.k
	key $name.B.r >b.k
	others $name.R.r >r.o
	others $name.U.r >u.o
	key r.o >r.k
	key u.o >u.k
	key $name.R.r >rall.k
	key $name.U.r >uall.k
	ab=$(comm -3 a.k b.k | wc -l)
	comm -12 a.k b.k >both.k
	missing=$(comm -23 both.k rall.k | wc -l)
	umissing=$(comm -23 both.k uall.k | wc -l)
	extra=$(sort -u a.k b.k | comm -13 - r.k | wc -l)
	uextra=$(sort -u a.k b.k | comm -13 - u.k | wc -l)
	echo "guest-record: $name: A $(count $name.A.r), B $(count $name.B.r) records (A xor B $ab);" \
		"record $(count $name.R.r) (missing $missing, outside A, B $extra)," \
		"user space $(count $name.U.r) (missing $umissing, outside $uextra)"
	[ "$(count $name.A.r)" -gt 0 ] || no "$name: the kernel's filter selects nothing: a useless case"
	[ "$missing" -eq 0 ] || no "$name: $missing records of both A and B are not in the snapshot, e.g. $(comm -23 both.k rall.k | head -1)"
	[ "$umissing" -eq 0 ] || no "$name: $umissing records of both A and B are not in the user-space selection, e.g. $(comm -23 both.k uall.k | head -1)"
	[ "$extra" -le $((ab + 16)) ] || no "$name: $extra records of the snapshot are in neither A nor B (tolerance $((ab + 16)))"
	[ "$uextra" -le $((ab + 16)) ] || no "$name: $uextra records of the user-space selection are in neither A nor B (tolerance $((ab + 16)))"
	# The selection and the mode, record by record.
	node=- pids=- tgids=- mode=stack
	for o in $opts; do
		case $o in
		--node=*) node=${o#*=} ;;
		--pid=*) pids=${o#*=} ;;
		--tgid=*) tgids=${o#*=} ;;
		--mode=*) mode=${o#*=} ;;
		esac
	done
	for x in R U; do
		m=$mode
		[ $x = U ] && m=stack
		awk -v node=",$node," -v pids=",$pids," -v tgids=",$tgids," -v m=$m -v x=$name.$x '
			node != ",-," && index(node, "," $4 ",") == 0 { print x ": node " $4 ": " $0; bad++ }
			pids != ",-," && index(pids, "," $5 ",") == 0 { print x ": pid " $5 ": " $0; bad++ }
			tgids != ",-," && index(tgids, "," $6 ",") == 0 { print x ": tgid " $6 ": " $0; bad++ }
			m == "stack" && ($7 == 0 || $8 != 0) { print x ": not mode stack: " $0; bad++ }
			m == "handle" && ($7 != 0 || $8 != 1) { print x ": not mode handle: " $0; bad++ }
			m == "stack_handle" && ($7 == 0 || $8 != 1) { print x ": not mode stack_handle: " $0; bad++ }
			bad > 3 { exit }' $name.$x.r >sel.bad
		[ ! -s sel.bad ] || no "$(cat sel.bad)"
	done
	# Who selected, as the metadata says.
	want=kernel
	[ "$opts" = --mode=stack ] && want=none
	meta $name.zst | grep -q "\"filtered_by\": \"$want\"" || no "$name: the snapshot's metadata lacks filtered_by $want: $(meta $name.zst)"
	want=user\ space
	[ "$opts" = --mode=stack ] && want=none
	meta $name.u.zst | grep -q "\"filtered_by\": \"$want\"" || no "$name.u: the metadata lacks filtered_by $want"
	# Read back: handles resolved by the snapshot's own dictionary.
	[ "$(cat $name.json.rc)" = 0 ] || no "$name: pgsort on the snapshot exited $(cat $name.json.rc): $(cat $name.json.err)"
	if [ "$mode" != stack ]; then
		# Handles of the snapshot that show_stacks_handles (read after) lacks.
		zstd -dcq $name.zst | sed -n 's/^handle: //p' | sort -u >h.k
		sed -n 's/^handle: //p' stacks.txt | sort -u >s.k
		n=$(comm -23 h.k s.k | wc -l)
		grep -q 'handles resolved by its show_stacks_handles part' $name.json.err ||
			no "$name: pgsort did not resolve the snapshot's handles: $(cat $name.json.err)"
		[ "$mode" = stack_handle ] && n=0	# (its records have their frames)
		[ "$n" -le 3 ] || no "$name: $n handles are not in show_stacks_handles (want the early, dummy and failure stacks only)"
		if [ "$n" -gt 0 ]; then
			grep -q "($n not listed there" $name.json.err ||
				no "$name: $n handles lack frames, pgsort says: $(grep -i 'handles resolved' $name.json.err)"
		fi
		echo "guest-record: $name: $(wc -l <h.k) handles, $n not in show_stacks_handles"
	fi
done <<'EOT'
all --mode=stack
handle --mode=handle
sthandle --mode=stack_handle
node1 --node=1
node0 --node=0
pid1 --pid=1
tgid1 --tgid=1,2
mix --mode=handle --node=0 --tgid=1
EOT

[ "$(cat refused.rc)" = 0 ] && grep -q 'the kernel refused nid=5 (Invalid argument)' refused.err ||
	no "refused: want exit 0 and the kernel's refusal said, got $(cat refused.rc): $(cat refused.err)"
[ "$(zstd -dcq refused.zst | wc -c)" -eq 0 ] || no "refused: records of node 5"
# (No record: pgsort has nothing to report; the metadata frame is plain text.)
grep -aq '^kernel_refused: nid=5 (Invalid argument)$' refused.zst || no "refused: the metadata lacks kernel_refused"
[ "$(cat pipe.rc)" = 0 ] && [ "$(zstd -dcq pipe.zst | recs | awk '$4 != 1' | wc -l)" -eq 0 ] &&
	[ "$(zstd -dcq pipe.zst | recs | wc -l)" -gt 0 ] ||
	no "pipe: -o - through a pipe: exit $(cat pipe.rc), $(cat pipe.err)"
# Sampling: the series is whole after SIGINT; the leaker's 10240 pages
# (20 dd of 2 MiB into tmpfs) are the growth of the shmem stacks between the
# first sample and the last (+ at most 512 pages of other shmem use).
parts() { grep -ao "$1" "$2" | wc -l; }
n=$(parts 'pgsort-snapshot-end 1' leak.series)
[ "$(cat leak.rc)" = 0 ] && [ "$n" -ge 4 ] || no "leak: exit $(cat leak.rc), $n samples: $(cat leak.err)"
grep -q ' 41943040 ' leak.size || no "leak: the leaker wrote $(cat leak.size)"
"$pgsort" diff leak.series@1 leak.series --cull=st --format=json >leak.diff 2>leak.diff.err ||
	no "leak: pgsort diff of the first and last samples: $(cat leak.diff.err)"
grew=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(g["pages_delta"] for g in d["groups"]
          if any("shmem_alloc_folio" in f for f in g["stacktrace"]) and g["pages_delta"] > 0))
' leak.diff)
echo "guest-record: leak: $n samples; shmem stacks grew by $grew pages (the leaker: 10240)"
[ "${grew:-0}" -ge 10240 ] && [ "${grew:-0}" -le $((10240 + 512)) ] ||
	no "leak: the shmem stacks grew by ${grew:-?} pages, want 10240 (+ at most 512)"
[ "$(cat spipe.rc)" = 0 ] && [ "$(parts 'pgsort-snapshot-end 1' spipe.series)" = 2 ] &&
	"$pgsort" spipe.series@2 >/dev/null 2>&1 ||
	no "series through a pipe: exit $(cat spipe.rc), $(parts 'pgsort-snapshot-end 1' spipe.series) samples: $(cat spipe.err)"
# top --batch: three refreshes; the first one's total pages is show_handles'
# (awk's sum) within what changed between the copies around it, + 256 pages
# for the readers (as the guest suite allows for show_handles).
pa=$(awk '/^nr_base_pages: / { s += $2 } END { print s + 0 }' top.A)
pb=$(awk '/^nr_base_pages: / { s += $2 } END { print s + 0 }' top.B)
pt=$(sed -n 's/^refresh 1 at [^ ]*: \([0-9]*\) pages .*/\1/p' top.out)
tol=$(( (pa > pb ? pa - pb : pb - pa) + 256 ))
echo "guest-record: top: show_handles before $pa, after $pb pages; top's first refresh ${pt:-?}"
[ "$(cat top.rc)" = 0 ] && [ "$(grep -c '^refresh ' top.out)" = 3 ] && [ -n "$pt" ] &&
	[ $(( pt > pa ? pt - pa : pa - pt )) -le "$tol" ] ||
	no "top --batch: exit $(cat top.rc), $(grep -c '^refresh ' top.out) refreshes, ${pt:-?} pages (show_handles $pa, tolerance $tol): $(cat top.err)"
# top --source page_owner --cull=pid,name: the first refresh's total is
# awk's sum of 2^order over the copy just before, and its first group awk's
# biggest (pid, name) group there with its pages, each within what changed
# between the copies around it + 2048 pages: pgsort's own, allocated while
# it reads (its read buffer, zstd's context: 875 pages in the first run).
groups() { # < page_owner text: "PAGES<TAB>pid P, name N" per group, biggest first
	awk '/^Page allocated via order/ {
		o = $5; sub(",", "", o)
		match($0, /, pid [0-9]+,/); pid = substr($0, RSTART + 6, RLENGTH - 7)
		match($0, /tgid [0-9]+ \(.*\), ts /); n = substr($0, RSTART, RLENGTH - 6)
		sub(/^tgid [0-9]+ \(/, "", n)
		p["pid " pid ", name " n] += 2 ^ o
	} END { for (k in p) print p[k] "\t" k }' | sort -t"$(printf '\t')" -k1,1nr -k2
}
groups <topc.A >topc.A.awk
groups <topc.B >topc.B.awk
ca=$(awk -F'\t' '{ s += $1 } END { print s + 0 }' topc.A.awk)
cb=$(awk -F'\t' '{ s += $1 } END { print s + 0 }' topc.B.awk)
cfirst=$(head -1 topc.A.awk)
ct=$(sed -n 's/^refresh 1 at [^ ]*: \([0-9]*\) pages .*/\1/p' topc.out)
cg=$(sed -n 3p topc.out)
cgp=$(echo "$cg" | awk '{ print $1 }')
ctol=$(( (ca > cb ? ca - cb : cb - ca) + 2048 ))
echo "guest-record: top --cull=pid,name: page_owner before $ca, after $cb pages; top's first refresh ${ct:-?}; awk's biggest group '${cfirst#*	}' ${cfirst%%	*}, top's: $cg"
[ "$(cat topc.rc)" = 0 ] && [ "$(grep -c '^refresh ' topc.out)" = 2 ] && [ -n "$ct" ] &&
	[ "$(sed -n 2p topc.out)" = "     PAGES    +START     +LAST  GROUP (pid, name)" ] &&
	[ $(( ct > ca ? ct - ca : ca - ct )) -le "$ctol" ] &&
	[ "${cg#*  pid }" = "${cfirst#*	pid }" ] && [ -n "$cgp" ] &&
	[ $(( cgp > ${cfirst%%	*} ? cgp - ${cfirst%%	*} : ${cfirst%%	*} - cgp )) -le "$ctol" ] ||
	no "top --source page_owner --cull=pid,name: exit $(cat topc.rc), ${ct:-?} pages (awk $ca, tolerance $ctol), first group '$cg' (awk: '$cfirst'): $(cat topc.err)"
echo "guest-record: guest time $(cat uptime.txt) (uptime at start and end of the script)"
[ $bad -eq 0 ] || fail "see above; the guest's files are in $work"
[ -n "${PGSORT_GUEST_FILES:-}" ] || rm -rf "$work"
echo "guest-record: ok"
