#!/usr/bin/env bash
# Compressed input (issue 14): zstd, gzip and xz copies of fixtures, made
# here by the real tools, on a file, on a pipe and on redirected standard
# input, each give the report of the text itself, byte for byte; so do
# several zstd frames (cat of two frames, and pzstd when installed), gzip
# members and xz streams one after the other, against the text of
# `cat a b`. The JSON input object says the format, the compressed size
# (stat) and the text's size (wc -c). A damaged copy (cut short, a byte
# flipped) is exit 2 with the compressed offset: for a cut, the size it
# was cut to. Also on a 30 MB dump (pgsort-gen) with -j1 and -j2, so that
# records span the reader's 8 MiB buffers and zstd frames.
#
# Usage: compressed.sh PGSORT PGSORT_GEN FIXTURES_DIR
set -u
pgsort=$1 gen=$2 fx=$3
tmp=$(mktemp -d)
vg=$(mktemp -d)
trap 'rm -rf "$tmp" "$vg"' EXIT
# shellcheck source=valgrind.sh
. "$(dirname "$0")/valgrind.sh"
# The reference reports (of the texts) are made without valgrind.
ref=$pgsort
[ -n "${VALGRIND:-}" ] && pgsort=$(vg_wrap "$vg" "$pgsort")
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

comp() { # FORMAT IN OUT
	case $1 in
	zst) zstd -q --check -c "$2" >"$3" ;;
	gz) gzip -6 -c "$2" >"$3" ;;
	xz) xz -1 -c "$2" >"$3" ;;
	esac
}

fmt() { case $1 in zst) echo zstd ;; gz) echo gzip ;; *) echo "$1" ;; esac; }

# same NAME TEXT COMPRESSED ARGS...: the report of COMPRESSED (file, pipe,
# redirect) equals TEXT's.
same() {
	local name=$1 text=$2 c=$3
	shift 3
	"$ref" "$@" "$text" >"$tmp/want" 2>"$tmp/want.err" || { bad "$name: text run"; return; }
	"$pgsort" "$@" "$c" >"$tmp/got" 2>"$tmp/got.err"
	cmp -s "$tmp/want" "$tmp/got" && ok || bad "$name: file differs ($(cat "$tmp/got.err"))"
	cat "$c" | "$pgsort" "$@" - >"$tmp/got" 2>/dev/null
	cmp -s "$tmp/want" "$tmp/got" && ok || bad "$name: pipe differs"
	"$pgsort" "$@" - <"$c" >"$tmp/got" 2>/dev/null
	cmp -s "$tmp/want" "$tmp/got" && ok || bad "$name: redirect differs"
}

# Under valgrind (50x slower) 10 MB, still more than one 8 MiB buffer, and
# the formats of every kind on the small fixtures only: the big one still
# goes through several frames, pzstd and the damaged inputs below.
big=30000000 each="real/small.txt real/show_stacks.txt real/edgecomm.txt $tmp/big.txt"
[ -n "${VALGRIND:-}" ] && big=10000000 each="real/small.txt real/show_stacks.txt real/edgecomm.txt"
ASAN_OPTIONS=detect_leaks=0 "$gen" "$fx/real/small.txt" $big >"$tmp/big.txt" ||
	{ echo "FAIL: pgsort-gen"; exit 1; }
for f in $each; do
	case $f in /*) text=$f ;; *) text=$fx/$f ;; esac
	b=$(basename "$f")
	for z in zst gz xz; do
		comp $z "$text" "$tmp/$b.$z"
		same "$b.$z" "$text" "$tmp/$b.$z"
		same "$b.$z --cull=st -j1" "$text" "$tmp/$b.$z" --cull=st -j1
		same "$b.$z -m -j2" "$text" "$tmp/$b.$z" -m -j2
		# The input object: format, compressed size, text size.
		want="\"bytes\": $(wc -c <"$text"), .*\"compression\": \"$(fmt $z)\", \"compressed_bytes\": $(stat -c %s "$tmp/$b.$z")}"
		"$pgsort" --format=json "$tmp/$b.$z" 2>/dev/null | head -1 | grep -q "$want" && ok ||
			bad "$b.$z: json input object lacks /$want/"
	done
done

# Several frames, members, streams: the text of a then b.
a=$fx/diff/before.txt b=$fx/diff/after.txt
cat "$a" "$b" >"$tmp/ab.txt"
for z in zst gz xz; do
	comp $z "$a" "$tmp/a.$z"
	comp $z "$b" "$tmp/b.$z"
	cat "$tmp/a.$z" "$tmp/b.$z" >"$tmp/ab.$z"
	same "two ${z}s" "$tmp/ab.txt" "$tmp/ab.$z"
done
for z in zst gz xz; do
	[ -e "$tmp/big.txt.$z" ] || comp $z "$tmp/big.txt" "$tmp/big.txt.$z"
done
cat "$tmp/big.txt" "$tmp/big.txt" >"$tmp/big2.txt"
cat "$tmp/big.txt.zst" "$tmp/big.txt.zst" >"$tmp/big2.zst"
same "two big frames" "$tmp/big2.txt" "$tmp/big2.zst" -j2
if command -v pzstd >/dev/null; then
	pzstd -q -p 2 -3 -c "$tmp/big2.txt" >"$tmp/p.zst" 2>/dev/null
	[ "$(zstd -lv "$tmp/p.zst" 2>/dev/null | sed -n 's/^# Zstandard Frames: *//p')" -gt 1 ] 2>/dev/null ||
		bad "pzstd wrote one frame: the multi-frame case proves nothing"
	same "pzstd" "$tmp/big2.txt" "$tmp/p.zst"
	same "pzstd -j1" "$tmp/big2.txt" "$tmp/p.zst" -j1
	# A frame in the middle damaged: found by a frame's worker, or by the
	# sequential reader (-j1); its offset lies within the file.
	n=$(stat -c %s "$tmp/p.zst")
	python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[len(d) // 2] ^= 0x5a
open(sys.argv[2], 'wb').write(d)" "$tmp/p.zst" "$tmp/pflip.zst"
	for j in -j1 -j2; do
		"$pgsort" $j "$tmp/pflip.zst" >/dev/null 2>"$tmp/err"
		rc=$?
		off=$(sed -n 's/.*at compressed byte \([0-9]*\) .*/\1/p' "$tmp/err")
		[ $rc = 2 ] && [ -n "$off" ] && [ "$off" -le "$n" ] && ok ||
			bad "pzstd frame flipped $j: rc $rc, $(cat "$tmp/err")"
	done
fi

# pgsort diff of two formats: the diff of the texts.
"$pgsort" diff "$a" "$b" >"$tmp/want" 2>&1
"$pgsort" diff "$tmp/a.zst" "$tmp/b.gz" >"$tmp/got" 2>&1
sed -i "s|$tmp/a.zst|$a|g; s|$tmp/b.gz|$b|g" "$tmp/got"
cmp -s "$tmp/want" "$tmp/got" && ok || bad "diff a.zst b.gz differs from diff a b"

# Damage: cut short (the offset is where it was cut), a byte flipped.
for z in zst gz xz; do
	c=$tmp/big.txt.$z
	n=$(stat -c %s "$c")
	cut=$((n / 2))
	head -c $cut "$c" >"$tmp/cut.$z"
	for how in file pipe; do
		if [ $how = file ]; then
			"$pgsort" "$tmp/cut.$z" >/dev/null 2>"$tmp/err"
		else
			cat "$tmp/cut.$z" | "$pgsort" - >/dev/null 2>"$tmp/err"
		fi
		rc=$?
		[ $rc = 2 ] && grep -q "error: $(fmt $z) data cut short.*at compressed byte $cut " "$tmp/err" &&
			ok || bad "cut $z ($how): rc $rc, $(cat "$tmp/err")"
	done
	# A byte near the end flipped: zstd's checksum, gzip's CRC, xz's check
	# or the data itself; the offset lies within the file.
	python3 -c "
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[len(d) - 7] ^= 0x5a
open(sys.argv[2], 'wb').write(d)" "$c" "$tmp/flip.$z"
	"$pgsort" "$tmp/flip.$z" >/dev/null 2>"$tmp/err"
	rc=$?
	off=$(sed -n 's/.*at compressed byte \([0-9]*\) .*/\1/p' "$tmp/err")
	[ $rc = 2 ] && [ -n "$off" ] && [ "$off" -le "$n" ] && grep -q "not reported" "$tmp/err" &&
		ok || bad "flipped $z: rc $rc, $(cat "$tmp/err")"
	# The real tool agrees that it is damaged.
	case $z in zst) zstd -dcq "$tmp/flip.$z" ;; gz) gzip -dc "$tmp/flip.$z" ;; xz) xz -dc "$tmp/flip.$z" ;; esac \
		>/dev/null 2>&1 && bad "flipped $z: the real decompressor reads it: the case proves nothing"
done
# Bytes after the data that are not another frame.
{ cat "$tmp/a.zst"; printf 'garbage after the frame\n'; } >"$tmp/trail.zst"
"$pgsort" "$tmp/trail.zst" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "at compressed byte $(stat -c %s "$tmp/a.zst") " "$tmp/err" && ok ||
	bad "trailing garbage: rc $rc, $(cat "$tmp/err")"

if [ -n "${VALGRIND:-}" ]; then
	if vg_check "$vg"; then ok; else fail=$((fail + 1)); echo "FAIL: valgrind: a memory error or leak"; fi
fi
echo "compressed: $pass passed, $fail failed"
[ $fail = 0 ]
