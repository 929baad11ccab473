#!/usr/bin/env bash
# meson install into a scratch root; check what was installed; build the
# examples against it with nothing but pkg-config (shared, and the static
# library), and run them on a real dump. Expected figures: page_owner_sort
# -m --cull=st and --cull=pid,name on real/small.txt, and awk's totals (and
# awk's per-stack pages of the diff excerpts for examples/diff.c).
# Usage: install.sh SRCDIR BUILDDIR
set -u
src=$1 build=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# shellcheck source=../testlib.sh
. "$(dirname "$0")/../testlib.sh"

meson install -C "$build" --destdir "$root" --quiet >/dev/null || { echo "FAIL: meson install"; exit 1; }
pc=$(find "$root" -name libpgsort.pc | head -1)
libdir=$(dirname "$(dirname "$pc")")
check "libpgsort.pc installed" [ -n "$pc" ]
check "pgsort.h installed" [ -n "$(find "$root" -path '*/include/pgsort/pgsort.h')" ]
check "shared library and its soname link" [ -e "$libdir/libpgsort.so.0.4.0" ] && [ -L "$libdir/libpgsort.so.0" ]
check "static library" [ -e "$libdir/libpgsort.a" ]
check "pgsort(1) and libpgsort(3)" [ -n "$(find "$root" -name pgsort.1)" ] && [ -n "$(find "$root" -name libpgsort.3)" ]
check "the pgsort program" [ -n "$(find "$root" -path '*/bin/pgsort')" ]

# The shell completions, each where its shell looks (the scratch root
# stripped): bash-completion's loader finds and loads it when the default
# XDG data dirs (/usr/local/share:/usr/share) are under the root; the zsh
# file's folder is in zsh's own fpath; the fish file's folder is one of
# fish's vendor completion folders for those data dirs.
bashc=$(find "$root" -path '*/bash-completion/completions/pgsort')
zshc=$(find "$root" -name _pgsort)
fishc=$(find "$root" -name pgsort.fish)
check "bash completion installed" [ -n "$bashc" ]
check "zsh completion installed" [ -n "$zshc" ]
check "fish completion installed" [ -n "$fishc" ]
check "bash-completion loads the installed completion (complete -F _pgsort pgsort)" \
	[ "$(XDG_DATA_DIRS=$root/usr/local/share:$root/usr/share bash -c \
		'. /usr/share/bash-completion/bash_completion; __load_completion pgsort; complete -p pgsort' 2>&1)" \
		= "complete -F _pgsort pgsort" ]
check "zsh's fpath has ${zshc#"$root"}'s folder" \
	grep -qxF "$(dirname "${zshc#"$root"}")" <<<"$(zsh -fc 'print -l $fpath')"
check "fish's vendor completion folders have ${fishc#"$root"}'s folder" \
	grep -qxF "$(dirname "${fishc#"$root"}")" <<<"$(XDG_DATA_DIRS=/usr/local/share:/usr/share XDG_CONFIG_HOME=$root/config \
		fish -c 'printf "%s\n" $__fish_vendor_completionsdirs')"

export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$root
cflags=$(pkg-config --cflags libpgsort) libs=$(pkg-config --libs libpgsort)
fx=$src/tests/fixtures/real/small.txt
for ex in top_stacks stream diff leaks record; do
	# shellcheck disable=SC2086
	check "$ex builds against the installed library" \
		cc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror $cflags \
		"$src/examples/$ex.c" -o "$root/$ex" $libs
done
LD_LIBRARY_PATH=$libdir "$root/top_stacks" "$fx" >"$root/out1" 2>&1
check "top_stacks: page_owner_sort's top stack (12 times, 6144 pages)" grep -q '^6144 pages in 12 blocks:' "$root/out1"
LD_LIBRARY_PATH=$libdir "$root/stream" <"$fx" >"$root/out2" 2>&1
check "stream: awk's totals" grep -q '^page_owner (era H): 311 records, 9163 pages' "$root/out2"
check "stream: page_owner_sort's top task (6202 pages, pid 1)" grep -q '^6202 pages: pid 1 (swapper/0)' "$root/out2"
# awk over the two excerpts of the leak pair: the stack that grew most went
# from 0 to 83 pages; 163 pages before, 150 after.
LD_LIBRARY_PATH=$libdir "$root/diff" "$src/tests/fixtures/diff/before.txt" \
	"$src/tests/fixtures/diff/after.txt" >"$root/out4" 2>&1
check "diff: awk's top growth first (+83 pages, new)" [ "$(head -1 "$root/out4")" = "+83 pages (0 -> 83) new:" ]
check "diff: awk's totals" grep -q '^total: -13 pages (163 -> 150)$' "$root/out4"
# leaks on the series excerpt: the tmpfs writes first. awk: their stacks'
# pages in the first and last sample (the other tmpfs write stacks hold
# still, so the difference is the top group's growth).
sx=$src/tests/fixtures/series
tmpfs() { awk 'NR == FNR { if ($1 == "handle:") { if (st ~ /shmem_alloc_folio/ && st ~ /shmem_write_begin/) m[$2] = 1; st = "" }
	else st = st $0 "\n"; next } $1 == "handle:" { h = $2 } $1 == "nr_base_pages:" && (h in m) { s += $2 }
	END { print s + 0 }' "$sx/show_stacks_handles.059.txt" "$1"; }
grew=$(( $(tmpfs "$sx/show_handles.057.txt") - $(tmpfs "$sx/show_handles.000.txt") ))
LD_LIBRARY_PATH=$libdir "$root/leaks" -s "$sx/show_stacks_handles.059.txt" "$sx"/show_handles.*.txt \
	>"$root/out6" 2>&1
check "leaks: the tmpfs leak first, awk's +$grew pages" grep -q "^score 0\.[89][0-9]: +$grew pages" <(head -1 "$root/out6")
check "leaks: its stack is the tmpfs write" grep -q shmem_write_begin <(sed -n '2,/^$/p' "$root/out6")
# record on a copied tree (never written to: selected in user space): the
# records of node 1, 34 in small.txt (grep -c 'node=1'), and its metadata.
mkdir -p "$root/dbg" && cp "$fx" "$root/dbg/page_owner"
LD_LIBRARY_PATH=$libdir "$root/record" "$root/snap.zst" 1 "$root/dbg" >"$root/out6" 2>&1
check "record: the 34 records of node 1, selected in user space" \
	grep -q "^page_owner: $(grep -c 'node=1' "$fx") records, .* selected in user space$" "$root/out6"
check "record: the snapshot's metadata read back" grep -q '^asked: mode=stack nid=1$' "$root/out6"

# Static: pkg-config --static, its -lpgsort made the archive (-l:libpgsort.a,
# as the shared library sits beside it).
static_libs=$(pkg-config --static --libs libpgsort | sed 's/-lpgsort\b/-l:libpgsort.a/')
check "pkg-config --static lists the private libraries" \
	[ "$static_libs" != "${static_libs#*-lpcre2-8}" ] && [ "$static_libs" != "${static_libs#*-lxxhash}" ]
# shellcheck disable=SC2086
check "top_stacks links statically" cc -std=c99 $cflags "$src/examples/top_stacks.c" \
	-o "$root/top_static" $static_libs
check "top_static needs no libpgsort.so" [ -z "$(ldd "$root/top_static" | grep libpgsort)" ]
"$root/top_static" "$fx" >"$root/out3" 2>&1
check "static top_stacks: same output" cmp -s "$root/out1" "$root/out3"
# A program with its own buf_put, table_create and each_item: the installed
# archive's internal symbols are local, so it links, and each side calls
# its own (awk's totals of small.txt: 311 records, 9163 pages).
# shellcheck disable=SC2086
check "own buf_put, table_create, each_item: links statically" \
	cc -std=c99 -Wall -Wextra -Werror $cflags "$src/tests/abi/own_names.c" -o "$root/own" $static_libs
"$root/own" "$fx" >"$root/out5" 2>&1
check "... and runs, each side calling its own" \
	[ "$(cat "$root/out5")" = "$(printf 'mine: 42 65 42\n311 records, 9163 pages')" ]
check "the installed archive: only the map's global symbols" \
	[ -z "$(nm -g --defined-only "$libdir/libpgsort.a" | awk 'NF == 3 { print $3 }' | grep -v '^pgs_')" ]

finish
