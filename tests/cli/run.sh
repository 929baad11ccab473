#!/usr/bin/env bash
# Golden CLI tests: each line of cases.tsv (and of cases-*.tsv, one file per
# topic) is NAME <TAB> STDIN <TAB> ARGS.
# STDIN is a fixture path, '-' for none (/dev/null), or 'full:' to send
# stdout to /dev/full. ARGS is split by the shell; @F@ is the fixtures
# folder. Expected stdout, stderr and exit status are in expected/NAME.{out,err,rc}
# with the fixtures folder written as @F@.
#
# Usage: run.sh PGSORT [--regen]   (--regen rewrites the expected files
# after a deliberate change: review the diff before committing it)
set -u
pgsort=$1
regen=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
fx=$(cd "$here/../fixtures" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
# shellcheck source=valgrind.sh
. "$here/valgrind.sh"
[ -n "${VALGRIND:-}" ] && pgsort=$(vg_wrap "$tmp" "$pgsort")

while IFS=$'\t' read -r name stdin args; do
	case $name in ''|'#'*) continue ;; esac
	args=${args//@F@/$fx}
	out=/dev/stdout
	case $stdin in
	-) in=/dev/null ;;
	full:) in=/dev/null; out=/dev/full ;;
	*) in=$fx/$stdin ;;
	esac
	if [ "$out" = /dev/full ]; then
		eval "\"$pgsort\" $args" <"$in" >/dev/full 2>"$tmp/err"
		rc=$?
		: >"$tmp/out"
	else
		eval "\"$pgsort\" $args" <"$in" >"$tmp/out" 2>"$tmp/err"
		rc=$?
	fi
	sed -i "s|$fx|@F@|g" "$tmp/err" "$tmp/out"
	echo "$rc" >"$tmp/rc"
	if [ "$regen" = --regen ]; then
		for x in out err rc; do cp "$tmp/$x" "$here/expected/$name.$x"; done
		continue
	fi
	ok=1
	for x in out err rc; do
		if ! cmp -s "$tmp/$x" "$here/expected/$name.$x"; then
			ok=0
			echo "FAIL $name: $x differs"
			diff "$here/expected/$name.$x" "$tmp/$x" | head -10
		fi
	done
	if [ -n "${VALGRIND:-}" ] && ! vg_check "$tmp"; then
		ok=0
		echo "FAIL $name: valgrind"
	fi
	if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done < <(cat "$here"/cases.tsv "$here"/cases-*.tsv 2>/dev/null)

[ "$regen" = --regen ] && { echo "expected files rewritten"; exit 0; }
echo "$pass passed, $fail failed"
[ $fail = 0 ]
