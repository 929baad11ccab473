#!/usr/bin/env bash
# go tool pprof itself reads pgsort's profiles: its totals of pages and of
# allocations equal awk's sums over the dump (2^order per block, blocks).
# Fails without go: .ci/run and the README install golang-go.
# Usage: go-pprof.sh PGSORT DUMP...
set -u
pgsort=$1
shift
command -v go >/dev/null || { echo "go not found: apt-get install golang-go"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp GOCACHE=$tmp/cache GOFLAGS= PPROF_TMPDIR=$tmp
fail=0
for dump in "$@"; do
	read -r blocks pages < <(awk '/^Page allocated via order/ { n++; p += 2 ^ ($5 + 0) }
		END { printf "%d %d\n", n, p }' "$dump")
	"$pgsort" --format=pprof --cull=name,st "$dump" >"$tmp/p.pb.gz" || fail=1
	for idx in pages:$pages allocations:$blocks; do
		# "Showing nodes accounting for N, 100% of N total"
		got=$(go tool pprof -top -sample_index="${idx%%:*}" "$tmp/p.pb.gz" 2>"$tmp/err" |
			sed -n 's/.*% of \([0-9]*\) total$/\1/p')
		if [ "$got" != "${idx#*:}" ]; then
			echo "FAIL $dump ${idx%%:*}: go tool pprof says '$got', awk ${idx#*:}"
			cat "$tmp/err"
			fail=1
		fi
	done
	# The name labels: pprof -tags lists each comm.
	if ! go tool pprof -tags "$tmp/p.pb.gz" 2>/dev/null | grep -q '^ name: Total'; then
		echo "FAIL $dump: no name tags"
		fail=1
	fi
done
[ $fail = 0 ] && echo "go tool pprof agrees on $#"
exit $fail
