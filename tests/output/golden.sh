#!/usr/bin/env bash
# Golden pprof tests: pprof is binary, so each case is compared through the
# summary pprof_decode.py prints (sample types, then every sample's values,
# labels and frames root first) with expected/NAME.txt. Cases: NAME <TAB>
# ARGS in cases.tsv, @F@ the fixtures folder.
# Usage: golden.sh PGSORT [--regen]   (review the diff before committing)
set -u
pgsort=$1 regen=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
fx=$(cd "$here/../fixtures" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
while IFS=$'\t' read -r name args; do
	case $name in ''|'#'*) continue ;; esac
	args=${args//@F@/$fx}
	if ! eval "\"$pgsort\" --format=pprof $args" >"$tmp/pb" 2>"$tmp/err" ||
	   ! python3 "$here/pprof_decode.py" "$tmp/pb" >"$tmp/out"; then
		echo "FAIL $name: pgsort or the decoder failed"; cat "$tmp/err"
		fail=$((fail + 1))
		continue
	fi
	if [ "$regen" = --regen ]; then
		cp "$tmp/out" "$here/expected/$name.txt"
	elif cmp -s "$tmp/out" "$here/expected/$name.txt"; then
		pass=$((pass + 1))
	else
		echo "FAIL $name"; diff "$here/expected/$name.txt" "$tmp/out" | head -10
		fail=$((fail + 1))
	fi
done <"$here/cases.tsv"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
