#!/usr/bin/env bash
# The 'compat' test suite: build the real page_owner_sort (cached in
# BUILDDIR/ref), compare it with pgsort on every real page_owner dump of
# SHARED/fixtures, then check that each dump gives byte-identical output
# from a file and from a pipe.
# Usage: run.sh PGSORT BUILDDIR SHARED_FIXTURES
set -euo pipefail
pgsort=$1 build=$2 fixtures=$3
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -d "$fixtures" ]; then
	echo "compat: no fixtures at $fixtures (../shared must be beside the project)" >&2
	exit 1
fi
bash "$here/build-ref.sh" "$build/ref"
python3 "$here/compare.py" --pgsort "$pgsort" --ref "$build/ref/page_owner_sort" \
	--fixtures "$fixtures" --tmp "$build/compat-tmp"

# File and pipe must agree byte for byte (compare.py left the dumps in tmp).
pass=0 fail=0
for dump in "$build"/compat-tmp/*.txt; do
	for opts in "--cull=st --sort=-m" "" "-a --format=json"; do
		# JSON names its input: the path, or <stdin>; nothing else may differ.
		# shellcheck disable=SC2086
		a=$("$pgsort" "$dump" $opts | sed '1s/"name": "[^"]*"/"name": ""/' | md5sum)
		# shellcheck disable=SC2086
		b=$(cat "$dump" | "$pgsort" - $opts | sed '1s/"name": "[^"]*"/"name": ""/' | md5sum)
		if [ "$a" = "$b" ]; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "FAIL pipe differs from file: $(basename "$dump") $opts"
		fi
	done
done
echo "pipe vs file: $pass passed, $fail failed"
[ "$fail" = 0 ]
