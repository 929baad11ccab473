#!/bin/sh
# build-ref.sh OUTDIR
#
# Build the reference page_owner_sort (Linux 6.12, tools/mm/page_owner_sort.c)
# from Debian's linux-source-6.12 tarball into OUTDIR/page_owner_sort.
# The kernel source is extracted at run time only; nothing of it is kept in
# the project.  Nothing is installed.  If OUTDIR/page_owner_sort already
# exists, this does nothing (cache).
#
# Environment overrides: LINUX_SRC_TARBALL (default
# /usr/src/linux-source-6.12.tar.xz), CC (default gcc).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
outdir=$1
bin=$outdir/page_owner_sort

if [ -x "$bin" ]; then
	exit 0
fi

tarball=${LINUX_SRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
member=linux-source-6.12/tools/mm/page_owner_sort.c
cc=${CC:-gcc}

if [ ! -r "$tarball" ]; then
	echo "$0: $tarball not found." >&2
	echo "$0: install Debian's linux-source-6.12 package (apt-get install linux-source-6.12)" >&2
	echo "$0: or set LINUX_SRC_TARBALL to a tarball containing $member" >&2
	exit 1
fi

mkdir -p "$outdir"
work=$(mktemp -d "${TMPDIR:-/tmp}/build-ref.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

echo "build-ref: extracting $member from $tarball (this takes a while)..." >&2
if ! tar -xJf "$tarball" -C "$work" "$member"; then
	echo "$0: could not extract $member from $tarball" >&2
	exit 1
fi

# Build into a temporary name and rename, so an interrupted build never
# leaves a half-written binary that the cache check would accept.
"$cc" -O2 -o "$work/page_owner_sort" "$work/$member"
mv -f "$work/page_owner_sort" "$bin.tmp.$$"
mv -f "$bin.tmp.$$" "$bin"
echo "build-ref: built $bin" >&2
