#!/usr/bin/env bash
# The candidates bash offers for a command line, one a line, as the words
# they would complete to: bash-completion and completions/pgsort sourced,
# the line split into COMP_WORDS as readline splits it (at blanks, and at
# '=' which is in COMP_WORDBREAKS), then the function that `complete -p
# pgsort` names called as bash calls it.
# Usage: bash-complete.sh SRCDIR 'pgsort --format='   (prints `complete -p
# pgsort` first)
set -u
src=$1 line=$2
if [ ! -r /usr/share/bash-completion/bash_completion ]; then
	echo "bash-completion is not installed (apt-get install bash-completion)" >&2
	exit 2
fi
# shellcheck disable=SC1091
. /usr/share/bash-completion/bash_completion
# shellcheck source=../../completions/pgsort
. "$src/completions/pgsort"
# Outside a real completion compopt fails; the options it sets are not checked.
compopt() { :; }
spec=$(complete -p pgsort) || exit 1
echo "$spec"
fn=${spec#*-F }
fn=${fn%% *}

COMP_WORDS=()
read -ra blank <<<"$line"
[[ $line == *" " ]] && blank+=("")
for w in "${blank[@]}"; do
	while [[ $w == *=* ]]; do
		[[ -n ${w%%=*} ]] && COMP_WORDS+=("${w%%=*}")
		COMP_WORDS+=("=")
		w=${w#*=}
	done
	[[ -n $w || ${COMP_WORDS[-1]-} == "=" || $line == *" " ]] && COMP_WORDS+=("$w")
done
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
COMP_TYPE=9
COMP_KEY=9
COMPREPLY=()
"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]-}"
# What readline would put in place of the word after the last blank.
last=${blank[-1]}
[[ $line == *" " ]] && last=
pre=
[[ $last == *=* ]] && pre=${last%=*}=
for r in "${COMPREPLY[@]}"; do
	printf '%s%s\n' "$pre" "$r"
done
