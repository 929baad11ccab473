#!/usr/bin/env bash
# Lists of words are split on purpose:
# shellcheck disable=SC2086,SC2116
# The shell completions of completions/, each driven the way its shell
# drives it when TAB is pressed: bash (bash-complete.sh: bash-completion,
# `complete -p pgsort`, the function it names), zsh (zsh-complete.zsh:
# compinit on a pseudo-terminal) and fish (complete -C). The candidates are
# checked against what pgsort itself accepts and documents, read another
# way: the options of --help, the cull and sort columns of --help-keys, the
# formats of the man page, and pgsort run with every candidate; for the
# subcommands (series, record, top) their --help's options, the man page's
# --mode and --source words and top's --sort words.
# Usage: check.sh PGSORT SRCDIR
set -u
pgsort=$(realpath "$1") src=$(cd "$2" && pwd)
here=$src/tests/completions
# shellcheck source=../testlib.sh
. "$src/tests/testlib.sh"
export LC_ALL=C
# The completions run the pgsort on the command line: this one.
PATH=$(dirname "$pgsort"):$PATH
fx=$src/tests/fixtures/real/small.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for sh in bash zsh fish; do
	command -v $sh >/dev/null ||
		{ echo "FAIL: $sh is not installed (apt-get install bash-completion zsh fish)"; exit 1; }
done

# The candidates SHELL offers for LINE, sorted, one a line.
complete_with() {
	case $1 in
	bash) bash "$here/bash-complete.sh" "$src" "$2" | tail -n +2 ;;
	zsh) timeout 60 zsh -f "$here/zsh-complete.zsh" "$src/completions" "$2" "$tmp/zcd" ;;
	fish) fish --no-config -c "source '$src/completions/pgsort.fish'; complete -C '$2'" |
		cut -f1 ;;
	esac | sort -u
}
# Same set as the words of $2 (a list, one a line)?
same() { [ "$1" = "$(printf '%s\n' $2 | sort -u)" ]; }

# What pgsort documents, read without --list: keys by the columns of the
# --help-keys table, long options from --help, formats from the man page.
keys() { "$pgsort" --help-keys | awk -v c="$1" 'NR == 1 { next } NF < 5 { exit } $c == "yes" { print $2 }'; }
cull_keys=$(keys 3) sort_keys=$(keys 4)
help_opts=$(pgsort --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
man_formats=$(sed -n '/^\.BI \\-\\-format /,/^\.TP/p' "$src/man/pgsort.1" |
	grep -o '\\fB[a-z]*\\fR' | sed 's/\\f[BR]//g')
# record's and top's: --mode's and --source's words from the man page's
# paragraphs, top's --sort words from its TOP section, options from --help.
man_par() { sed -n "/^\.BI \\\\-\\\\-$1 /,/^\.TP/p" "$src/man/pgsort.1" |
	grep -o '\\fB[a-z_]*\\fR' | sed 's/\\f[BR]//g' | sort -u; }
man_modes=$(man_par mode) man_sources=$(man_par source)
man_top_sorts=$(sed -n '/^\.SH TOP/,/^\.SH [A-Z]/p' "$src/man/pgsort.1" |
	grep -o '\\fB\\-\\-sort [a-z]*\\fR|\\fB[a-z]*\\fR|\\fB[a-z]*' | sed 's/\\fB\\-\\-sort //; s/\\f[BR]//g; s/|/ /g')
sub_opts() { "$pgsort" "$1" --help | grep -o -- '--[a-z][a-z-]*' | sort -u; }
check "the man page lists record's modes ($(echo $man_modes))" same "$man_modes" "stack handle stack_handle"
check "the man page lists record's sources ($(echo $man_sources))" [ "$(echo "$man_sources" | wc -l)" = 3 ]
check "the man page lists top's --sort words ($(echo $man_top_sorts))" [ "$(echo $man_top_sorts | wc -w)" = 3 ]
# A fake debugfs tree for top (show_handles and its dictionary).
mkdir -p "$tmp/dbg/page_owner_stacks"
cp "$src/tests/fixtures/real/handles/show_handles.txt" "$tmp/dbg/page_owner_stacks/show_handles"
cp "$src/tests/fixtures/real/handles/show_stacks_handles.txt" "$tmp/dbg/page_owner_stacks/show_stacks_handles"
cp "$fx" "$tmp/dbg/page_owner"
check "the man page lists formats" [ -n "$man_formats" ]
check "--help-keys lists cull keys" [ "$(echo "$cull_keys" | wc -l)" -ge 20 ]

check "bash: complete -p pgsort names the completion function" \
	[ "$(bash "$here/bash-complete.sh" "$src" "pgsort " | head -1)" = "complete -F _pgsort pgsort" ]
check "zsh: the script parses (zsh -n)" zsh -n "$src/completions/_pgsort"
check "fish: the script parses (fish -n)" fish -n "$src/completions/pgsort.fish"
check "zsh: compinit binds pgsort to _pgsort (#compdef)" [ "$(zsh -fc "fpath=('$src/completions' \$fpath);
	autoload -Uz compinit; compinit -u -d '$tmp/zcd'; print \$_comps[pgsort]")" = _pgsort ]

for sh in bash zsh fish; do
	got=$(complete_with $sh "pgsort --format=")
	want=$(printf -- '--format=%s\n' $man_formats)
	check "$sh: --format= offers the man page's formats ($(echo $got))" same "$got" "$want"
	ok=1
	for f in ${got//--format=/}; do
		"$pgsort" --format="$f" "$fx" >/dev/null 2>&1 || { ok=0; echo "pgsort refuses --format=$f"; }
	done
	check "$sh: pgsort accepts every --format= candidate" [ $ok = 1 ]
	check "$sh: --format json (separate word) offers json" \
		grep -qx json <<<"$(complete_with $sh "pgsort --format ")"
	check "$sh: --weight= offers pages, times, bytes" \
		same "$(complete_with $sh "pgsort --weight=")" "--weight=pages --weight=times --weight=bytes"
	check "$sh: --color= offers module, allocator" \
		same "$(complete_with $sh "pgsort --color=")" "--color=module --color=allocator"

	got=$(complete_with $sh "pgsort --cull=")
	check "$sh: --cull= offers the cull keys of --help-keys ($(echo "$got" | wc -l))" \
		same "$got" "$(printf -- '--cull=%s\n' $cull_keys)"
	ok=1
	for k in ${got//--cull=/}; do
		"$pgsort" --cull="$k" "$fx" 2>&1 >/dev/null | grep -q "wrong argument" &&
			{ ok=0; echo "pgsort refuses --cull=$k"; }
	done
	check "$sh: pgsort takes every --cull= candidate" [ $ok = 1 ]
	check "$sh: --cull=stacktrace,mo completes the second key" \
		same "$(complete_with $sh "pgsort --cull=stacktrace,mo")" "--cull=stacktrace,module"
	check "$sh: --sort=- offers -KEY for every sort key of --help-keys" \
		same "$(complete_with $sh "pgsort --sort=-")" "$(printf -- '--sort=-%s\n' $sort_keys)"
	check "$sh: --sort=pid,+ti completes after the comma and the sign" \
		same "$(complete_with $sh "pgsort --sort=pid,+ti")" "--sort=pid,+times"
	check "$sh: --sort=pages_ offers no diff key outside diff" \
		same "$(complete_with $sh "pgsort --sort=pages_")" ""
	got=$(complete_with $sh "pgsort diff --sort=-pages_")
	check "$sh: diff --sort=-pages_ offers the diff keys" same "$got" \
		"--sort=-pages_before --sort=-pages_after --sort=-pages_delta"
	ok=1
	for k in ${got//--sort=/}; do
		"$pgsort" diff --sort="$k" "$fx" "$fx" >/dev/null 2>&1 ||
			{ ok=0; echo "pgsort diff refuses --sort=$k"; }
	done
	check "$sh: pgsort diff takes every diff --sort= candidate" [ $ok = 1 ]

	# Options: those of --help (--same-boot only after diff), each once.
	got=$(complete_with $sh "pgsort --" | sed 's/=$//')
	check "$sh: -- offers the long options of --help but --same-boot" \
		same "$got" "$(grep -vx -- --same-boot <<<"$help_opts")"
	check "$sh: diff --same offers --same-boot" \
		same "$(complete_with $sh "pgsort diff --same")" "--same-boot"
	check "$sh: the first word offers diff" grep -qx diff <<<"$(complete_with $sh "pgsort di")"
	check "$sh: operands are files" \
		same "$(cd "$src" && complete_with $sh "pgsort tests/fixtures/real/sm")" "tests/fixtures/real/small.txt"
	check "$sh: --stacks=FILE is a file" \
		same "$(cd "$src" && complete_with $sh "pgsort --stacks=tests/fixtures/real/handles/show_st")" \
		"--stacks=tests/fixtures/real/handles/show_stacks_handles.txt"
	check "$sh: --pid takes no file" \
		same "$(cd "$src" && complete_with $sh "pgsort --pid=tests/fix")" ""

	# pgsort series: its own sort keys, formats and options (pgsort series --list).
	check "$sh: the first word offers series" grep -qx series <<<"$(complete_with $sh "pgsort ser")"
	check "$sh: series --sort=- offers the series sort keys" \
		same "$(complete_with $sh "pgsort series --sort=-")" \
		"--sort=-score --sort=-growth --sort=-first --sort=-last --sort=-min --sort=-max"
	check "$sh: series --format= offers its formats" \
		same "$(complete_with $sh "pgsort series --format=")" \
		"--format=text --format=json --format=ndjson --format=csv --format=svg --format=html"
	check "$sh: series --sta offers --stacks and --stacked" \
		same "$(complete_with $sh "pgsort series --sta" | sed 's/=$//' | sort)" "--stacked --stacks"
	check "$sh: series --times=FILE is a file" \
		same "$(cd "$src" && complete_with $sh "pgsort series --times=tests/fixtures/series/ind")" \
		"--times=tests/fixtures/series/index.tsv"

	# pgsort record and pgsort top: their options, --mode, --source, --sort.
	for cmd in series record top; do
		check "$sh: the first word offers $cmd" grep -qx $cmd <<<"$(complete_with $sh "pgsort ${cmd:0:2}")"
		check "$sh: $cmd -- offers the long options of $cmd --help" \
			same "$(complete_with $sh "pgsort $cmd --" | sed 's/=$//')" "$(sub_opts $cmd)"
	done
	got=$(complete_with $sh "pgsort record --mode=")
	check "$sh: record --mode= offers the man page's modes" same "$got" "$(printf -- '--mode=%s\n' $man_modes)"
	ok=1
	for m in ${got//--mode=/}; do
		# (A new OUTPUT each time: record never replaces a snapshot.)
		rm -f "$tmp/x.zst"
		"$pgsort" record --mode="$m" --debugfs "$tmp/dbg" -o "$tmp/x.zst" 2>/dev/null ||
			{ ok=0; echo "pgsort record refuses --mode=$m"; }
	done
	check "$sh: pgsort record takes every --mode= candidate" [ $ok = 1 ]
	check "$sh: record --mode (separate word) offers stack_handle" \
		grep -qx stack_handle <<<"$(complete_with $sh "pgsort record --mode ")"
	for cmd in record top; do
		got=$(complete_with $sh "pgsort $cmd --source=")
		check "$sh: $cmd --source= offers the man page's sources" \
			same "$got" "$(printf -- '--source=%s\n' $man_sources)"
		ok=1
		for k in ${got//--source=/}; do
			# Exit 1 is a usage error: 2, the tree's files missing, is not.
			if [ $cmd = record ]; then
				rm -f "$tmp/x.zst"
				"$pgsort" record --source="$k" --debugfs "$tmp/dbg" -o "$tmp/x.zst" 2>/dev/null
			else
				"$pgsort" top --source="$k" --debugfs "$tmp/dbg" --batch --count 1 >/dev/null 2>&1
			fi
			[ $? = 1 ] && { ok=0; echo "pgsort $cmd refuses --source=$k"; }
		done
		check "$sh: pgsort $cmd takes every --source= candidate" [ $ok = 1 ]
	done
	got=$(complete_with $sh "pgsort top --sort=")
	check "$sh: top --sort= offers its TOP words, no signs" same "$got" "$(printf -- '--sort=%s\n' $man_top_sorts)"
	ok=1
	for k in ${got//--sort=/}; do
		"$pgsort" top --batch --count 1 --sort="$k" --debugfs "$tmp/dbg" >"$tmp/top.out" 2>&1 &&
			grep -q '^refresh 1 at .*, by ' "$tmp/top.out" || { ok=0; echo "pgsort top refuses --sort=$k"; }
	done
	check "$sh: pgsort top takes every --sort= candidate" [ $ok = 1 ]
	check "$sh: top --cull= offers the cull keys of --help-keys" \
		same "$(complete_with $sh "pgsort top --cull=")" "$(printf -- '--cull=%s\n' $cull_keys)"
	check "$sh: top --cull=pid,na completes the second key" \
		same "$(complete_with $sh "pgsort top --cull=pid,na")" "--cull=pid,name"
	check "$sh: record -o FILE is a file" \
		same "$(cd "$src" && complete_with $sh "pgsort record -o tests/fixtures/real/sm")" \
		"tests/fixtures/real/small.txt"
	check "$sh: record --debugfs=DIR is a directory" \
		same "$(cd "$src" && complete_with $sh "pgsort record --debugfs=tests/fixtures/rea" | sed 's,/$,,')" \
		"--debugfs=tests/fixtures/real"
	check "$sh: top takes no operand" \
		same "$(cd "$src" && complete_with $sh "pgsort top tests/fixtures/real/sm")" ""
done
finish
