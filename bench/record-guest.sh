#!/usr/bin/env bash
# pgsort record of a full page_owner dump on the live kernel against `dd
# bs=1M` of the same file, in one boot of the test kernel (issue 15's
# target: no more than 1.1x dd). Both read /sys/kernel/debug/page_owner,
# which hands out one record per read() and generates its text (PFN walk,
# stack depot) as it goes; both write into the guest's tmpfs /tmp (dd the
# text, pgsort the zstd snapshot).
#
# A fourth reader, `dd ibs=4K obs=1M`, writes the text in 1 MiB blocks
# rather than one write per record as `dd bs=1M` does: the floor of any
# reader that keeps the text (pgsort's ratio to it is printed too).
#
# Rounds are interleaved (dd, pgsort, pgsort -l 1, the floor; the order
# rotates every round) and each output is deleted before the next read, so every read
# sees the same memory. Before them, a tmpfs file of --fill MiB makes the
# dump larger (each of its pages is a record). Prints every round, then the
# median wall time of each and its ratio to dd's median, the dump's size
# and the snapshot's.
#
# Wall times are the guest's /proc/uptime (10 ms steps); QEMU emulates
# the CPU (no KVM here), so seconds are emulated seconds: only the ratios,
# taken in the same boot, mean anything.
#
# Usage: bench/record-guest.sh [--rounds R] [--fill MIB] [--mem SIZE]
# (default 5, 256, 1G; BUILD as in run.sh; KERNEL: ../shared/kernel)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
kdir=${KERNEL:-$root/../shared/kernel}
rounds=5 fill=256 mem=1G
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--fill) fill=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	*) echo "usage: bench/record-guest.sh [--rounds R] [--fill MIB] [--mem SIZE]" >&2; exit 1 ;;
	esac
done
pgsort=$(cd "$build" && pwd)/pgsort
[ -x "$pgsort" ] || { echo "no $pgsort: build first" >&2; exit 1; }
[ -x "$kdir/run-guest" ] || { echo "no test kernel in $kdir (../shared/kernel)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pgsort-record-guest.XXXXXX")
cat >"$work/guest.sh" <<EOF
PGSORT=$pgsort
ROUNDS=$rounds
FILL=$fill
EOF
cat >>"$work/guest.sh" <<'EOF'
up() { cut -d' ' -f1 /proc/uptime; }
po=/sys/kernel/debug/page_owner
dd if=/dev/zero of=/tmp/fill bs=1M count="$FILL" 2>/dev/null
sync
run() {
	case $1 in
	dd) dd if=$po of=/tmp/out bs=1M 2>/dev/null ;;
	ddc) dd if=$po of=/tmp/out ibs=4096 obs=1M 2>/dev/null ;;
	ddn) dd if=$po of=/dev/null bs=1M 2>/dev/null; : >/tmp/out ;;
	l3n) "$PGSORT" record -q -o - >/dev/null; : >/tmp/out ;;
	l3) "$PGSORT" record -q -o /tmp/out ;;
	l1) "$PGSORT" record -q -l 1 -o /tmp/out ;;
	esac
}
r=1
while [ $r -le "$ROUNDS" ]; do
	case $((r % 3)) in
	1) order="dd l3 l1 ddc ddn l3n" ;;
	2) order="l3n l3 ddn l1 ddc dd" ;;
	0) order="ddc l1 l3n dd ddn l3" ;;
	esac
	for w in $order; do
		rm -f /tmp/out
		t0=$(up)
		run "$w" || echo "FAILED $w" >>failures
		t1=$(up)
		echo "$r $w $t0 $t1 $(stat -c %s /tmp/out)" >>times
	done
	r=$((r + 1))
done
rm -f /tmp/out
dd if=$po of=/tmp/out bs=1M 2>/dev/null
echo "records $(grep -c '^Page allocated' /tmp/out) bytes $(stat -c %s /tmp/out)" >dump
nproc >nproc
EOF
echo "record-guest: booting ($rounds rounds, $fill MiB filled, guest memory $mem); files in $work" >&2
"$kdir/run-guest" --timeout 1500 --mem "$mem" --share "$work" --bin "$pgsort" "$work/guest.sh" \
	>"$work/console.out" 2>&1 || { tail -20 "$work/console.out" >&2; echo "record-guest: the guest failed ($work)" >&2; exit 1; }
[ -s "$work/failures" ] && { cat "$work/failures" >&2; exit 1; }
awk -v dump="$(cat "$work/dump")" -v cpus="$(cat "$work/nproc")" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$2]++; t[$2, n[$2]] = $4 - $3; sz[$2] = $5; printf "  round %d %-3s %6.2f s\n", $1, $2, $4 - $3 }
END {
	split(dump, d, " ")
	printf "guest (%d vCPUs): page_owner %d records, %.1f MB; median of %d interleaved rounds, emulated wall s:\n", cpus, d[2], d[4] / 1e6, n["dd"]
	for (w in n) { for (i = 1; i <= n[w]; i++) a[i] = t[w, i]; m[w] = median(a, n[w]) }
	printf "  dd bs=1M to tmpfs           %6.2f\n", m["dd"]
	printf "  pgsort record (zstd -3)     %6.2f  %.2fx dd (target <= 1.1x; %.1f MB written)\n", m["l3"], m["l3"] / m["dd"], sz["l3"] / 1e6
	printf "  pgsort record -l 1          %6.2f  %.2fx dd (%.1f MB written)\n", m["l1"], m["l1"] / m["dd"], sz["l1"] / 1e6
	printf "  dd ibs=4K obs=1M (floor)    %6.2f  pgsort record %.2fx this floor\n", m["ddc"], m["l3"] / m["ddc"]
	printf "  dd bs=1M to /dev/null       %6.2f  (the read alone)\n", m["ddn"]
	printf "  pgsort record -o - >/dev/null %4.2f  %.2fx the read alone\n", m["l3n"], m["l3n"] / m["ddn"]
}' "$work/times"
rm -rf "$work"
