#!/usr/bin/env bash
# pgsort reading the live kernel files, in a guest of the test kernel
# (../shared/kernel: a real 6.12 with page_owner, QEMU, one boot):
# tests/guest/run.sh PGSORT KERNEL_DIR
#
# The guest (guest.sh) copies each file with dd just before and just after
# pgsort reads it live; here the copies are parsed again with awk
# (check.awk), independently of pgsort, and compared with what pgsort read.
#
# The files are live: even on an idle guest they change between two reads,
# and the reader's own memory is in what it reads (dd's buffer in a copy,
# pgsort's buffers, about 2,000 pages, in its live read). Two dd copies of
# page_owner in a row differed by about 60 of 16,000 records, besides dd's
# own; show_stacks_handles copies were identical, show_stacks and
# show_handles ones differed by a few pages. So the checks are:
#  - pgsort on a copy gives awk's records and pages for it, exactly;
#  - page_owner, read by path and through `cat |`: every record (PFN and
#    allocation time stamp) that the copies before and after both hold is
#    in the live read, no record twice, and every record of the live read
#    that the copy before lacks was allocated after that copy began (or
#    moved or split since: its time stamp is in the copy); the
#    totals, less the readers' own records (dd, pgsort, cat), are the copy's
#    within what changed between the copies (A1 to A2 plus A2 to B, by
#    record): exact when nothing did;
#  - show_stacks_handles only grows: its handles before <= live <= after
#    (so exactly the copy's when the copies around the read are equal);
#  - show_handles: no handle twice, each one in show_stacks_handles;
#    show_stacks and show_handles: records and pages within what changed
#    between the copies around the read, plus 16 records and 256 pages for
#    the readers themselves (their stacks come and go with them, and they
#    hold different memory while they read: 1-5 records and 24-36 pages in
#    trials);
#  - count_threshold is not input: exit 2 and a message;
#  - the examples of README.md and pgsort(1) on the live files work: a
#    text report, groups by pages, descending.
# Fails (never skips) when the kernel or QEMU is missing.
# PGSORT_GUEST_FILES=DIR checks again the files a run left in DIR (kept
# when it fails), without booting.
set -uo pipefail

pgsort=${1:?usage: run.sh PGSORT KERNEL_DIR}
kdir=${2:?usage: run.sh PGSORT KERNEL_DIR}
here=$(cd "$(dirname "$0")" && pwd)
fail() {
	echo "guest: FAIL: $*" >&2
	exit 1
}

[ -x "$kdir/run-guest" ] && [ -f "$kdir/bzImage" ] ||
	fail "no test kernel in '$kdir' (want ../shared/kernel with bzImage and run-guest): this suite cannot run without it"
for t in qemu-system-x86_64 cpio gzip; do
	command -v $t >/dev/null ||
		fail "$t missing: apt-get install -y qemu-system-x86 busybox-static cpio stress-ng"
done
[ -x /bin/busybox ] || fail "/bin/busybox missing: apt-get install -y busybox-static"
pgsort=$(cd "$(dirname "$pgsort")" && pwd)/$(basename "$pgsort")

if [ -n "${PGSORT_GUEST_FILES:-}" ]; then
	# Check again what an earlier run left there, without booting.
	work=$PGSORT_GUEST_FILES
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/pgsort-guest.XXXXXX")
	{
		echo "PGSORT=$pgsort"
		cat "$here/guest.sh"
	} >"$work/guest.sh"
	echo "guest: booting (QEMU without KVM: a few minutes); files in $work"
	"$kdir/run-guest" --timeout 840 --share "$work" --bin "$pgsort" "$work/guest.sh" \
		>"$work/console.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || {
		tail -20 "$work/console.out" >&2
		fail "the guest did not run its script to the end (run-guest exit $rc; $work)"
	}
fi
cd "$work" || fail "cd $work"
[ -s failures ] && fail "$(cat failures)"

bad=0
no() {
	echo "guest: FAIL: $*" >&2
	bad=1
}
aw() { awk -v mode="$1" -f "$here/check.awk" "$2"; }
total() { tail -1 "$1" | cut -d' ' -f"$2"; }
abs() { echo $(($1 < 0 ? -$1 : $1)); }
# Records (by key, fields 1..k) in one of a and b only, and their pages (field p).
sym() { # a b k p -> "records pages"
	local k=$2 a=$3 b=$4 p=$5
	awk -v k="$k" -v p="$p" '
		{ key = $1; for (i = 2; i <= k; i++) key = key " " $i }
		FNR == NR { A[key] = $p; next }
		{ if (key in A) delete A[key]; else { n++; s += $p } }
		END { for (key in A) { n++; s += A[key] }; printf "%d %d\n", n, s }
	' "$a" "$b" | sed "s/^/$1 /"
}

for x in page_owner pipe show_stacks show_handles show_stacks_handles; do
	for f in live copy; do
		[ "$(cat $x.$f.rc)" = 0 ] || no "$x: pgsort on the $f file exited $(cat $x.$f.rc): $(cat $x.$f.err)"
	done
	for c in A1 A2 B; do
		aw copy $x.$c | sed '$d' | sort >$x.$c.rec
		aw copy $x.$c | tail -1 >$x.$c.tot
	done
	aw json $x.live.json | sed '$d' | sort >$x.live.rec
	aw json $x.live.json | tail -1 >$x.live.tot
	[ "$(wc -l <$x.live.rec)" = "$(total $x.live.tot 2)" ] ||
		no "$x: $(wc -l <$x.live.rec) groups of one record each in pgsort's JSON, $(total $x.live.tot 2) records"
	aw json $x.copy.json | tail -1 >$x.copy.tot
	# pgsort on the copy: awk's figures.
	[ "$(cut -d' ' -f2,3 $x.copy.tot)" = "$(cut -d' ' -f2,3 $x.A2.tot)" ] ||
		no "$x: pgsort on the copy says records, pages $(cut -d' ' -f2,3 $x.copy.tot); awk $(cut -d' ' -f2,3 $x.A2.tot)"
	echo "guest: $x: copies A1 $(cut -d' ' -f2,3 $x.A1.tot), A2 $(cut -d' ' -f2,3 $x.A2.tot)," \
		"B $(cut -d' ' -f2,3 $x.B.tot); live $(cut -d' ' -f2,3 $x.live.tot) (records pages)"
done

# page_owner, by path and through a pipe: records by PFN and time stamp.
for x in page_owner pipe; do
	key() { cut -d' ' -f1,2 "$1" | sort; }
	key $x.A2.rec >a2.k
	key $x.B.rec >b.k
	key $x.live.rec >live.k
	dup=$(uniq -d live.k | wc -l)
	[ "$dup" -eq 0 ] || no "$x: $dup records twice in the live read, e.g. $(uniq -d live.k | head -1)"
	missing=$(comm -12 a2.k b.k | comm -23 - live.k | wc -l)
	[ "$missing" -eq 0 ] ||
		no "$x: $missing records in the copies before and after are not in the live read, e.g. $(comm -12 a2.k b.k | comm -23 - live.k | head -1)"
	t0=$(awk '{ printf "%.0f", ($1 - 1) * 1e9 }' $x.T0)
	# (A page migrated or split since keeps its allocation's time stamp,
	# which the copy then holds at another PFN.)
	comm -13 a2.k live.k | awk -v t0="$t0" '$2 < t0' |
		awk 'FNR == NR { ts[$2]; next } !($2 in ts)' a2.k - >old.k
	[ ! -s old.k ] ||
		no "$x: $(wc -l <old.k) records of the live read are older than the copy before it, which lacks them, e.g. $(head -1 old.k)"
	# Totals, less the readers' own records (dd's, pgsort's, cat's).
	for f in A1 A2 B live; do
		awk '$4 != "dd" && $4 != "pgsort" && $4 != "cat"' $x.$f.rec >$x.$f.sys
	done
	read -r own own_p < <(awk '$4 == "pgsort" { n++; s += $3 } END { printf "%d %d\n", n, s }' $x.live.rec)
	read -r _ d1 p1 < <(sym x 2 $x.A1.sys $x.A2.sys 3)
	read -r _ d2 p2 < <(sym x 2 $x.A2.sys $x.B.sys 3)
	read -r lr lp < <(awk '{ n++; s += $3 } END { printf "%d %d\n", n, s }' $x.live.sys)
	read -r ar ap < <(awk '{ n++; s += $3 } END { printf "%d %d\n", n, s }' $x.A2.sys)
	dr=$((lr - ar)) dp=$((lp - ap))
	echo "guest: $x: less the readers' own records: live $lr $lp, A2 $ar $ap: $dr records, $dp pages off;" \
		"tolerance $((d1 + d2)) records, $((p1 + p2)) pages (changed A1 to A2: $d1 $p1, A2 to B: $d2 $p2);" \
		"pgsort's own: $own records, $own_p pages"
	[ "$(abs $dr)" -le $((d1 + d2)) ] && [ "$(abs $dp)" -le $((p1 + p2)) ] ||
		no "$x: the live read's totals are off the copy's by more than the file changed"
done

# show_stacks_handles only grows.
cut -d' ' -f1 show_stacks_handles.A2.rec | sort >a2.k
cut -d' ' -f1 show_stacks_handles.B.rec | sort >b.k
cut -d' ' -f1 show_stacks_handles.live.rec | sort >live.k
[ "$(uniq -d live.k | wc -l)" -eq 0 ] || no "show_stacks_handles: a handle twice in the live read"
[ "$(comm -23 a2.k live.k | wc -l)" -eq 0 ] ||
	no "show_stacks_handles: handles of the copy before missing in the live read: $(comm -23 a2.k live.k | head -3 | tr '\n' ' ')"
[ "$(comm -13 b.k live.k | wc -l)" -eq 0 ] ||
	no "show_stacks_handles: handles of the live read not in the copy after: $(comm -13 b.k live.k | head -3 | tr '\n' ' ')"

cut -d' ' -f1 show_handles.live.rec | sort >live.k
[ "$(uniq -d live.k | wc -l)" -eq 0 ] || no "show_handles: a handle twice in the live read"
[ "$(comm -23 live.k b.k | wc -l)" -eq 0 ] ||
	no "show_handles: handles not in show_stacks_handles: $(comm -23 live.k b.k | head -3 | tr '\n' ' ')"
for x in show_stacks show_handles; do
	r() { total $x.$1.tot 2; }
	p() { total $x.$1.tot 3; }
	tr_=$(($(abs $(($(r A1) - $(r A2)))) + $(abs $(($(r B) - $(r A2)))) + 16))
	tp=$(($(abs $(($(p A1) - $(p A2)))) + $(abs $(($(p B) - $(p A2)))) + 256))
	echo "guest: $x: live vs A2: $(($(r live) - $(r A2))) records, $(($(p live) - $(p A2))) pages; tolerance $tr_, $tp"
	[ "$(abs $(($(r live) - $(r A2))))" -le "$tr_" ] && [ "$(abs $(($(p live) - $(p A2))))" -le "$tp" ] ||
		no "$x: the live read's totals are off the copy's by more than the file changed"
done

[ "$(cat threshold.rc)" = 2 ] && grep -q 'not page_owner output' threshold.err ||
	no "count_threshold: want exit 2 and 'not page_owner output', got exit $(cat threshold.rc): $(cat threshold.err)"

# The documented examples: text reports, biggest stack first.
for e in 1 2; do
	first=$(head -1 example$e.out)
	[ "$(cat example$e.rc)" = 0 ] && [[ $first =~ ^[0-9]+\ (times|stacks?),\ [0-9]+\ pages:$ ]] &&
		awk '/^[0-9]+ [a-z]+, [0-9]+ pages:$/ { n = $3 + 0; if (seen && n > last) exit 1; last = n; seen = 1 }' example$e.out ||
		no "example $e: exit $(cat example$e.rc), first line '$first', $(head -2 example$e.err)"
done

[ $bad -eq 0 ] || fail "see above; the guest's files are in $work"
[ -n "${PGSORT_GUEST_FILES:-}" ] || rm -rf "$work"
echo "guest: ok"
