#!/usr/bin/env bash
# Run each libFuzzer harness for SECONDS, one after the other (never two
# fuzzers at once), on its seeds, its regressions and the corpus grown by
# earlier runs. Prints one summary line per harness and appends it to
# $FUZZ_WORK/history.tsv; exits 1 if any harness found something (crash,
# sanitizer report, leak, timeout, out of memory), 2 if the build failed.
#
# Usage: tests/fuzz/run.sh SECONDS [HARNESS...]
#   HARNESS: fuzz_page_owner fuzz_stacks fuzz_keys (default: all three)
# Environment:
#   FUZZ_BUILD     build directory (default: build-fuzz in the source root);
#                  configured with CC=clang -Dfuzz=true if it does not exist
#   FUZZ_NO_BUILD  set: do not run meson/ninja (the fuzz-smoke target sets it)
#   FUZZ_WORK      grown corpora, artifacts, logs (default: $FUZZ_BUILD/fuzz-work)
#   FUZZ_MAX_LEN   largest input in bytes (default 16384)
#   FUZZ_ARGS      extra libFuzzer options
set -u
secs=${1:?usage: run.sh SECONDS [HARNESS...]}
shift
case $secs in *[!0-9]*|'') echo "run.sh: SECONDS must be a number" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
case $build in /*) ;; *) build=$PWD/$build ;; esac
work=${FUZZ_WORK:-$build/fuzz-work}
max_len=${FUZZ_MAX_LEN:-16384}
if [ $# -gt 0 ]; then harnesses=("$@"); else harnesses=(fuzz_page_owner fuzz_stacks fuzz_keys); fi

if [ -z "${FUZZ_NO_BUILD:-}" ]; then
	if [ ! -f "$build/build.ninja" ]; then
		CC=${CC:-clang} meson setup "$build" "$root" -Dfuzz=true -Djemalloc=disabled \
			-Db_lundef=false >"$build.setup.log" 2>&1 ||
			{ cat "$build.setup.log" >&2; echo "run.sh: meson setup failed" >&2; exit 2; }
		rm -f "$build.setup.log"
	fi
	targets=()
	for h in "${harnesses[@]}"; do targets+=("tests/fuzz/$h"); done
	ninja -C "$build" "${targets[@]}" >/dev/null || { echo "run.sh: build failed" >&2; exit 2; }
fi

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- lib include 2>/dev/null)" ]; then
	commit="$commit+dirty"
fi
mkdir -p "$work"
[ -f "$work/history.tsv" ] ||
	printf 'date\tcommit\tharness\tseconds\texecs\tfindings\n' >"$work/history.tsv"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
total_findings=0
for h in "${harnesses[@]}"; do
	exe=$build/tests/fuzz/$h
	if [ ! -x "$exe" ]; then
		echo "run.sh: $exe missing (configure with CC=clang -Dfuzz=true)" >&2
		exit 2
	fi
	mkdir -p "$work/$h/corpus" "$work/$h/artifacts"
	args=(-max_total_time="$secs" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
	      -print_final_stats=1 -artifact_prefix="$work/$h/artifacts/")
	[ -f "$here/$h.dict" ] && args+=(-dict="$here/$h.dict")
	# The first corpus directory receives the new inputs; seeds stay as they are.
	dirs=("$work/$h/corpus" "$here/corpus/$h")
	[ -d "$here/regressions/$h" ] && dirs+=("$here/regressions/$h")
	before=$(ls "$work/$h/artifacts" | grep -cE '^(crash|leak|timeout|oom)-')
	log=$work/$h/last.log
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$exe" "${args[@]}" ${FUZZ_ARGS:-} "${dirs[@]}" >"$log" 2>&1
	rc=$?
	elapsed=$(( $(date +%s) - start ))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	after=$(ls "$work/$h/artifacts" | grep -cE '^(crash|leak|timeout|oom)-')
	findings=$((after - before))
	[ $rc -ne 0 ] && [ $findings -eq 0 ] && findings=1
	total_findings=$((total_findings + findings))
	printf '%-16s %5s s  %10s execs  cov %5s  corpus %5s  findings %s%s\n' "$h" "$elapsed" \
		"${execs:-?}" "${cov:-?}" "$(ls "$work/$h/corpus" | wc -l)" "$findings" \
		"$([ $rc -ne 0 ] && echo "  (exit $rc, log $log)")"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$commit" "$h" \
		"$elapsed" "${execs:-0}" "$findings" >>"$work/history.tsv"
	if [ $rc -ne 0 ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant broken|.*runtime error|artifact_prefix|Test unit written)' \
			"$log" | head -20 | sed 's/^/    /'
	fi
done
[ $total_findings -eq 0 ]
