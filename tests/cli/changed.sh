#!/usr/bin/env bash
# A dump truncated by another process while pgsort reads it (issue 13):
# exit 2 and "FILE: error: changed while being read at byte N" where N is
# the size it was cut to, never SIGBUS (exit 135). A dump that grows while
# read is parsed as it was when opened.
#
# The dump (about 100 MB, pgsort-gen from real/small.txt) is cut as soon as
# pgsort has it mapped (/proc/PID/maps names it), to 0, 4096, a third, two
# thirds and 100 bytes short of its end, with -j1 and -j2, and once through
# standard input. A run that ended before the cut came (exit 0, all read)
# proves nothing and is tried again, at most 3 times.
#
# Usage: changed.sh PGSORT PGSORT_GEN FIXTURES_DIR
set -u
pgsort=$1 gen=$2 fx=$3
# Under `meson test --setup valgrind` bash itself runs under valgrind, and
# its polling of /proc/PID/maps comes after pgsort has read the whole
# dump: the cut would prove nothing. The same code runs under valgrind in
# test_changed (the cut made from inside the parse); here: skipped (77),
# by exec, so that valgrind does not count bash's own parse as a leak.
[ -z "${VALGRIND:-}" ] ||
	exec sh -c 'echo "cli_changed: timing-based, not under valgrind (test_changed covers it)"; exit 77'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0

# (the bench tool keeps its buffers to exit: no leak check for it)
ASAN_OPTIONS=detect_leaks=0 "$gen" "$fx/real/small.txt" 100000000 >"$tmp/full.txt" || { echo "FAIL: pgsort-gen"; exit 1; }
full=$(stat -c %s "$tmp/full.txt")
records=$(grep -c '^Page allocated via order ' "$tmp/full.txt")

# wait_mapped PID: until pgsort PID has the dump mapped (or has ended).
wait_mapped() {
	local i
	for i in $(seq 1 20000); do
		grep -q "$tmp/dump.txt" "/proc/$1/maps" 2>/dev/null && return
		kill -0 "$1" 2>/dev/null || return
		sleep 0.001
	done
}

# run_cut CUT STDIN(0/1) ARGS...: one run cut to CUT; sets rc, err.
run_cut() {
	local cut=$1 stdin=$2 pid
	shift 2
	cp "$tmp/full.txt" "$tmp/dump.txt"
	if [ "$stdin" = 1 ]; then
		"$pgsort" "$@" - <"$tmp/dump.txt" >/dev/null 2>"$tmp/err" &
	else
		"$pgsort" "$@" "$tmp/dump.txt" >/dev/null 2>"$tmp/err" &
	fi
	pid=$!
	wait_mapped "$pid"
	truncate -s "$cut" "$tmp/dump.txt"
	wait "$pid"
	rc=$?
	err=$(cat "$tmp/err")
}

check_cut() {
	local cut=$1 stdin=$2 try name want
	shift 2
	name="$tmp/dump.txt"
	[ "$stdin" = 1 ] && name="<stdin>"
	want="pgsort: $name: error: changed while being read at byte $cut: it shrank (truncated or rewritten meanwhile); copy it, then read the copy"
	for try in 1 2 3; do
		run_cut "$cut" "$stdin" "$@"
		[ "$rc" = 0 ] || break
	done
	if [ "$rc" = 2 ] && [ "$err" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: cut to $cut (stdin $stdin, $*): exit $rc, stderr:"
		printf '%s\n' "$err" | head -5
	fi
}

for j in -j1 -j2; do
	for cut in 0 4096 $((full / 3)) $((2 * full / 3)) $((full - 100)); do
		check_cut "$cut" 0 --cull=st "$j"
	done
done
check_cut $((full / 2)) 1 --cull=st

# Growing: what was there at open is parsed, the rest not (records from grep).
cp "$tmp/full.txt" "$tmp/dump.txt"
"$pgsort" --format=json --cull=st "$tmp/dump.txt" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_mapped "$pid"
head -c 10000000 "$tmp/full.txt" >>"$tmp/dump.txt"
wait "$pid"
rc=$?
got=$(grep -o '"records": [0-9]*' "$tmp/out" | head -1 | grep -o '[0-9]*$')
if [ "$rc" = 0 ] && [ "$got" = "$records" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: grown while read: exit $rc, records $got, want $records"
	head -5 "$tmp/err"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
