#!/usr/bin/env bash
# What pgsort must never overwrite, in cases golden files cannot express
# (scratch files, links, other users, a terminal):
#  - an existing OUTPUT that is page_owner or page_owner_stacks input (every
#    era and kind, log prefixes included) or zstd/xz data: exit 1, the file
#    intact, a hint at 'pgsort diff'; --force replaces it; a report of an
#    earlier run (text, json, pprof...) is replaced without --force;
#  - INPUT and OUTPUT the same file (also through a symlink, a hard link,
#    '-' and standard output): exit 1 before anything is read;
#  - an OUTPUT the user could not write with a shell's '>': exit 3;
#  - the owner of a replaced OUTPUT is kept (as '>' keeps it);
#  - pprof is not written to a terminal;
#  - comm is name.
# Each of these failed before (pgsort replaced the file, or wrote, exit 0).
# Usage: safety.sh PGSORT
set -u
pgsort=$1
fx=$(cd "$(dirname "$0")/../fixtures" && pwd)
d=$(mktemp -d)
vg=$(mktemp -d)
trap 'rm -rf "$d" "$vg"' EXIT
chmod 755 "$d"
# The checks as user nobody write their valgrind reports here too.
chmod 1777 "$vg"
# shellcheck source=valgrind.sh
. "$(dirname "$0")/valgrind.sh"
[ -n "${VALGRIND:-}" ] && pgsort=$(vg_wrap "$vg" "$pgsort")
pass=0 fail=0
check() { # description, condition...
	local what=$1
	shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
same() { cmp -s "$1" "$2"; }
in=$fx/real/small.txt
umask 022

# 1. An OUTPUT that is input is kept: every era, every page_owner_stacks kind,
# a print_mode=handle dump, a dump behind dmesg and syslog prefixes.
for f in eras/eraA0.txt eras/eraA1.txt eras/eraB.txt eras/eraC.txt eras/eraD.txt \
	eras/eraE.txt eras/eraF.txt eras/eraG.txt eras/eraH.txt real/show_stacks.txt \
	real/handles/show_handles.txt real/handles/show_stacks_handles.txt \
	real/handles/page_owner.mode_handle.txt bad/dmesg-prefix.txt bad/syslog-prefix.txt; do
	cp "$fx/$f" "$d/after.txt"
	"$pgsort" "$in" "$d/after.txt" 2>"$d/err"; rc=$?
	check "$f as OUTPUT: exit 1" [ $rc = 1 ]
	check "$f as OUTPUT: kept" same "$fx/$f" "$d/after.txt"
	check "$f as OUTPUT: says what it is" grep -q "OUTPUT $d/after.txt is \(a page_owner dump\|page_owner_stacks input (show_[a-z_]*)\), not a report" "$d/err"
done
check "suggests pgsort diff" grep -q "pgsort diff $in $d/after.txt" "$d/err"
# What it is, by kind.
cp "$fx/real/show_stacks.txt" "$d/s.txt"
"$pgsort" "$in" "$d/s.txt" 2>"$d/err"
check "show_stacks named" grep -q "is page_owner_stacks input (show_stacks)" "$d/err"
# A large dump: only its first 64 KiB are read, whole lines only.
cp "$fx/real/large.txt" "$d/large.txt"
"$pgsort" "$in" "$d/large.txt" 2>/dev/null; rc=$?
check "large dump as OUTPUT: exit 1, kept" [ $rc = 1 ] && same "$fx/real/large.txt" "$d/large.txt"
# pgsort diff's OUTPUT too.
cp "$fx/diff/after.txt" "$d/after.txt"
"$pgsort" diff "$fx/diff/before.txt" "$fx/diff/after.txt" "$d/after.txt" 2>/dev/null; rc=$?
check "diff OUTPUT that is a dump: exit 1, kept" [ $rc = 1 ] && same "$fx/diff/after.txt" "$d/after.txt"
# --force replaces it (with the report, as without the check).
"$pgsort" "$in" >"$d/want"
"$pgsort" --force "$in" "$d/after.txt"; rc=$?
check "--force: exit 0" [ $rc = 0 ]
check "--force: replaced by the report" same "$d/want" "$d/after.txt"

# Compressed data pgsort never writes: zstd, xz (a compressed dump?).
printf '\x28\xb5\x2f\xfdzstd frame' >"$d/dump.zst"
printf '\xfd7zXZ\x00xz stream' >"$d/dump.xz"
for z in zst xz; do
	cp "$d/dump.$z" "$d/keep.$z"
	"$pgsort" "$in" "$d/dump.$z" 2>"$d/err"; rc=$?
	check "$z OUTPUT: exit 1, kept" [ $rc = 1 ] && same "$d/keep.$z" "$d/dump.$z"
	check "$z OUTPUT: says so" grep -q "compressed data" "$d/err"
done
# gzip: refused for a text report, replaced by a pprof report (pprof is gzip).
"$pgsort" --format=pprof "$in" "$d/prof.pb.gz"
cp "$d/prof.pb.gz" "$d/prof.keep"
"$pgsort" "$in" "$d/prof.pb.gz" 2>/dev/null; rc=$?
check "gzip OUTPUT, text report: exit 1, kept" [ $rc = 1 ] && same "$d/prof.keep" "$d/prof.pb.gz"
"$pgsort" --format=pprof --cull=pid "$in" "$d/prof.pb.gz"; rc=$?
check "gzip OUTPUT, pprof report: replaced" [ $rc = 0 ] && ! same "$d/prof.keep" "$d/prof.pb.gz"

# A report of an earlier run is what a second run replaces: every format,
# the text of -a (which holds whole headers with their ts), a diff's text.
for f in text json csv folded svg html; do
	for a in "" -a --cull=pid,name; do
		"$pgsort" --format=$f $a "$fx/real/modules.txt" "$d/rep.$f" &&
			"$pgsort" --format=$f $a "$in" "$d/rep.$f"; rc=$?
		"$pgsort" --format=$f $a "$in" >"$d/want"
		check "report $f $a replaced by the next run" [ $rc = 0 ] && same "$d/want" "$d/rep.$f"
	done
done
"$pgsort" "$fx/real/show_stacks.txt" "$d/rep.txt" && "$pgsort" "$fx/real/show_stacks.txt" "$d/rep.txt"
check "show_stacks report replaced by the next run" [ $? = 0 ]
"$pgsort" diff "$fx/diff/before.txt" "$fx/diff/after.txt" "$d/rep.txt" &&
	"$pgsort" diff "$fx/diff/before.txt" "$fx/diff/after.txt" "$d/rep.txt"
check "diff report replaced by the next run" [ $? = 0 ]
: >"$d/empty"
"$pgsort" "$in" "$d/empty"
"$pgsort" "$in" >"$d/want"
check "empty OUTPUT replaced" same "$d/empty" "$d/want"

# 2. INPUT and OUTPUT the same file: refused, the file intact.
cp "$in" "$d/in.txt"
ln -s in.txt "$d/link.txt"
ln "$d/in.txt" "$d/hard.txt"
for out in in.txt link.txt hard.txt; do
	"$pgsort" --force "$d/in.txt" "$d/$out" 2>"$d/err"; rc=$?
	check "same file ($out): exit 1" [ $rc = 1 ]
	check "same file ($out): says so" grep -q "INPUT $d/in.txt and OUTPUT $d/$out are the same file" "$d/err"
	check "same file ($out): intact" same "$in" "$d/in.txt"
done
"$pgsort" --force - "$d/in.txt" <"$d/in.txt" 2>"$d/err"; rc=$?
check "'-' redirected from OUTPUT: exit 1, intact" [ $rc = 1 ] && same "$in" "$d/in.txt"
check "'-' redirected from OUTPUT: says so" grep -q "INPUT (standard input) and OUTPUT" "$d/err"
"$pgsort" "$d/in.txt" >>"$d/in.txt" 2>"$d/err"; rc=$?
check "INPUT >> INPUT: exit 1, nothing appended" [ $rc = 1 ] && same "$in" "$d/in.txt"
check "INPUT >> INPUT: says so" grep -q "standard output is INPUT $d/in.txt itself" "$d/err"
"$pgsort" - <"$d/in.txt" >>"$d/in.txt" 2>/dev/null; rc=$?
check "- < INPUT >> INPUT: exit 1, nothing appended" [ $rc = 1 ] && same "$in" "$d/in.txt"
"$pgsort" diff "$fx/diff/before.txt" "$d/in.txt" >>"$d/link.txt" 2>/dev/null; rc=$?
check "diff AFTER is standard output (a link): exit 1" [ $rc = 1 ] && same "$in" "$d/in.txt"
cp "$fx/real/handles/show_stacks_handles.txt" "$d/map.txt"
"$pgsort" --force --stacks "$d/map.txt" "$fx/real/handles/show_handles.txt" "$d/map.txt" 2>/dev/null; rc=$?
check "--stacks FILE as OUTPUT: exit 1, intact" [ $rc = 1 ] && same "$fx/real/handles/show_stacks_handles.txt" "$d/map.txt"
# Not a file: reading and writing /dev/null is no clash.
"$pgsort" - /dev/null <"$in"; rc=$?
check "- and /dev/null: exit 0" [ $rc = 0 ]

# 3. An OUTPUT a shell's '>' could not open is not replaced (exit 3).
# As root, as nobody; otherwise as this user, on a file of its own.
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi; }
w=$d/w
mkdir "$w" && chmod 777 "$w"
cp "$in" "$w/in.txt" && chmod 644 "$w/in.txt"
echo precious >"$w/ro" && chmod 444 "$w/ro"
echo precious >"$w/theirs" && chmod 644 "$w/theirs"
for f in ro theirs; do
	[ "$(id -u)" != 0 ] && [ $f = theirs ] && continue
	as_user "$pgsort" "$w/in.txt" "$w/$f" 2>"$d/err"; rc=$?
	check "unwritable OUTPUT ($f): exit 3" [ $rc = 3 ]
	check "unwritable OUTPUT ($f): intact" [ "$(cat "$w/$f")" = precious ]
	check "unwritable OUTPUT ($f): says why" grep -q "cannot write $w/$f: Permission denied" "$d/err"
done
check "unwritable OUTPUT: no temporary file left" [ -z "$(ls -A "$w" | grep '^\.pgsort-')" ]
if [ "$(id -u)" = 0 ]; then
	# root's '>' opens a 0444 file: so does pgsort, keeping mode and owner.
	"$pgsort" "$w/in.txt" "$w/ro"; rc=$?
	check "root, 0444 OUTPUT: replaced as '>' would" [ $rc = 0 ] && same "$d/want" "$w/ro"
	check "root, 0444 OUTPUT: mode kept" [ "$(stat -c %a "$w/ro")" = 444 ]
	chown nobody:nogroup "$w/theirs"
	"$pgsort" "$w/in.txt" "$w/theirs"; rc=$?
	check "root, nobody's OUTPUT: replaced" [ $rc = 0 ] && same "$d/want" "$w/theirs"
	check "root, nobody's OUTPUT: owner kept" [ "$(stat -c %U:%G "$w/theirs")" = nobody:nogroup ]
fi

# 4. pprof (binary) to a terminal: refused, with a hint; --force writes it.
if command -v script >/dev/null; then
	script -qec "'$pgsort' --format=pprof '$in'; echo rc=\$?" /dev/null </dev/null >"$d/tty" 2>&1
	check "pprof to a terminal: exit 1" grep -q "rc=1" "$d/tty"
	check "pprof to a terminal: says why" grep -q "pprof is binary (gzip): not writing it to a terminal" "$d/tty"
	check "pprof to a terminal: no gzip bytes" [ -z "$(grep -a $'\x1f\x8b' "$d/tty")" ]
	script -qec "'$pgsort' --force --format=pprof '$in' | wc -c >'$d/n'" /dev/null </dev/null >/dev/null 2>&1
	check "pprof to a pipe from a terminal: written" [ "$(cat "$d/n")" -gt 100 ]
else
	check "script(1) (util-linux) is installed" false
fi
"$pgsort" --format=pprof "$in" | head -c2 | od -An -tx1 >"$d/magic"
check "pprof to a pipe: gzip" [ "$(tr -d ' \n' <"$d/magic")" = 1f8b ]

# 5. comm is name: as cull, sort and filter key, the same report.
for a in "--cull=%s" "--cull=pid,%s --sort=%s" "--filter %s=swapper --cull=st" "--filter %s~^kworker --cull=%s"; do
	"$pgsort" $(printf -- "${a//%s/comm}") "$fx/real/edgecomm.txt" >"$d/comm" 2>&1; rc=$?
	"$pgsort" $(printf -- "${a//%s/name}") "$fx/real/edgecomm.txt" >"$d/name" 2>&1
	check "comm as name (${a//%s/comm}): exit 0" [ $rc = 0 ]
	check "comm as name (${a//%s/comm}): same report" same "$d/comm" "$d/name"
	check "comm as name (${a//%s/comm}): not empty" [ -s "$d/comm" ]
done

if [ -n "${VALGRIND:-}" ]; then
	check "valgrind: no memory error, no leak" vg_check "$vg"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
