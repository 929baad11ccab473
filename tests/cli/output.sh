#!/usr/bin/env bash
# OUTPUT handling: regular files are replaced atomically (temp file beside
# them, renamed on success), symlinks are followed, modes kept; devices are
# written directly and stay devices; failures leave no temp file and do not
# touch an existing OUTPUT.
# Usage: output.sh PGSORT
set -u
pgsort=$1
fx=$(cd "$(dirname "$0")/../fixtures" && pwd)/real/small.txt
d=$(mktemp -d)
vg=$(mktemp -d)
trap 'rm -rf "$d" "$vg"' EXIT
pass=0 fail=0
# shellcheck source=valgrind.sh
. "$(dirname "$0")/valgrind.sh"
[ -n "${VALGRIND:-}" ] && pgsort=$(vg_wrap "$vg" "$pgsort")
check() { # description, condition...
	local what=$1
	shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
umask 022
"$pgsort" --cull=st "$fx" >"$d/want"

"$pgsort" --cull=st "$fx" "$d/new"; rc=$?
check "new file: exit 0" [ $rc = 0 ]
check "new file: same as stdout" cmp -s "$d/new" "$d/want"
check "new file: mode 644 under umask 022" [ "$(stat -c %a "$d/new")" = 644 ]

echo old >"$d/kept"; chmod 600 "$d/kept"
"$pgsort" --cull=st "$fx" "$d/kept"
check "existing file: replaced" cmp -s "$d/kept" "$d/want"
check "existing file: mode 600 kept" [ "$(stat -c %a "$d/kept")" = 600 ]

echo old >"$d/target"; ln -s target "$d/link"
"$pgsort" --cull=st "$fx" "$d/link"
check "symlink: still a symlink" [ -L "$d/link" ]
check "symlink: target written" cmp -s "$d/target" "$d/want"

"$pgsort" --cull=st "$fx" /dev/null; rc=$?
check "/dev/null: exit 0" [ $rc = 0 ]
check "/dev/null: still a character device" [ -c /dev/null ]

if [ -c /dev/full ]; then
	"$pgsort" --cull=st "$fx" /dev/full 2>"$d/err"; rc=$?
	check "/dev/full: exit 3" [ $rc = 3 ]
	check "/dev/full: says why" grep -q "cannot write /dev/full: No space left on device" "$d/err"
	check "/dev/full: still a character device" [ -c /dev/full ]
fi

"$pgsort" --cull=st "$fx" "$d/no/such/dir/out" 2>"$d/err"; rc=$?
check "missing directory: exit 3" [ $rc = 3 ]
check "missing directory: says why" grep -q "cannot create $d/no/such/dir/out" "$d/err"

# A write that fails half-way (a file size limit: EFBIG) into a regular
# OUTPUT: exit 3, the old OUTPUT intact, no temporary file left.
echo precious >"$d/limited"
(ulimit -f 8; "$pgsort" "$fx" "$d/limited") 2>"$d/err"; rc=$?
check "write failure: exit 3" [ $rc = 3 ]
check "write failure: says why" grep -q "cannot write $d/limited: File too large" "$d/err"
check "write failure: old OUTPUT intact" [ "$(cat "$d/limited")" = precious ]

# A closed standard output (pgsort ... | head -1): a quiet end, as cat's.
(set -o pipefail; "$pgsort" -a "$fx" 2>"$d/err" | head -1 >/dev/null); rc=$?
check "closed stdout: killed by SIGPIPE (141), like cat" [ $rc = 141 ]
check "closed stdout: nothing on stderr" [ ! -s "$d/err" ]

# Interrupted while writing OUTPUT: the temporary file goes with it.
# The writer marks when its open of the FIFO returned, i.e. when pgsort has
# it open: a fixed sleep raced with pgsort's start under valgrind, and a
# writer whose reader died before opening blocked forever (holding the
# test's stdout, so meson waited for its timeout).
mkfifo "$d/in.fifo"
("$pgsort" "$d/in.fifo" "$d/interrupted" 2>/dev/null & pid=$!
 { : >"$d/opened"; cat "$fx"; sleep 2; } >"$d/in.fifo" & writer=$!
 for _ in $(seq 300); do [ -e "$d/opened" ] && break; sleep 0.1; done
 sleep 0.2; kill -TERM $pid; wait $pid; kill $writer 2>/dev/null) ; rc=$?
rm -f "$d/opened"
check "SIGTERM: no temporary file left" [ -z "$(ls -A "$d" | grep '^\.pgsort-')" ]
check "SIGTERM: no OUTPUT" [ ! -e "$d/interrupted" ]

echo precious >"$d/keep"
"$pgsort" --cull=st "$d/absent-input" "$d/keep" 2>/dev/null; rc=$?
check "bad input: exit 2" [ $rc = 2 ]
check "bad input: OUTPUT untouched" [ "$(cat "$d/keep")" = precious ]
check "no temp file left" [ -z "$(ls -A "$d" | grep '^\.pgsort-')" ]

if [ -n "${VALGRIND:-}" ]; then
	check "valgrind: no memory error, no leak" vg_check "$vg"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
