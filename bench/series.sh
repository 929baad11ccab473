#!/usr/bin/env bash
# pgsort series at scale (issue 16): 1,000 samples (the real 60 show_handles
# of ../shared/fixtures/6.12.118-series, repeated in order) with --stacks,
# against the 1 s target; and N page_owner dumps (the capture's 38 MB
# stack_handle dump, the same file N times) against N times the one-dump
# parse (`pgsort --cull stacktrace DUMP`): the parse should dominate.
# Usage: bench/series.sh [--dumps N]  (default 20; BUILD, WORK, SHARED as in run.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
work=${WORK:-/tmp/pgsort-bench}/series
shared=${SHARED:-$root/../shared}
ndumps=20
[ "${1:-}" = --dumps ] && ndumps=$2
src=$shared/fixtures/6.12.118-series/samples
pgsort=$build/pgsort
mkdir -p "$work"
for f in "$src"/show_handles.*.txt.zst "$src"/show_stacks_handles.059.txt.zst \
	"$src"/page_owner.stack_handle.059.txt.zst; do
	out=$work/$(basename "$f" .zst)
	[ -f "$out" ] || zstd -qdc "$f" >"$out"
done
mapfile -t base < <(ls "$work"/show_handles.*.txt)
inputs=()
for i in $(seq 0 999); do inputs+=("${base[i % ${#base[@]}]}"); done
secs() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1; }
cat "${base[@]}" >/dev/null
best=
for r in 1 2 3; do
	read -r t rss < <(secs "$pgsort" series --stacks "$work/show_stacks_handles.059.txt" "${inputs[@]}")
	if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t brss=$rss; fi
done
echo "series, 1000 show_handles samples (--stacks): ${best} s, peak RSS $((brss / 1024)) MiB (target < 1 s)"
dump=$work/page_owner.stack_handle.059.txt
cat "$dump" >/dev/null
read -r one _ < <(secs "$pgsort" --cull stacktrace "$dump")
dumps=()
for i in $(seq 1 "$ndumps"); do dumps+=("$dump"); done
read -r t rss < <(secs "$pgsort" series "${dumps[@]}")
echo "series, $ndumps page_owner dumps of $(($(stat -c %s "$dump") / 1000000)) MB: ${t} s," \
	"one dump's parse and cull ${one} s (x$ndumps = $(awk -v a="$one" -v n="$ndumps" 'BEGIN { printf "%.2f", a * n }') s)," \
	"peak RSS $((rss / 1024)) MiB"
