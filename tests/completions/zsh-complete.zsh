#!/usr/bin/env zsh
# The candidates zsh's completion system offers for a command line, one a
# line: an interactive zsh on a pseudo-terminal (zsh/zpty) with compinit
# and DIR first in fpath, the line typed and TAB pressed; compadd is wrapped
# to print what the completion functions add (after the idea of
# zsh-capture-completion).
# Usage: zsh zsh-complete.zsh DIR 'pgsort --format=' [DUMP]
# (DUMP: compinit's dump file, kept between calls to save its 2 s scan)
zmodload zsh/zpty || { print -u2 'zsh/zpty is missing'; exit 2 }
dir=$1 line=$2
tmp=$(mktemp -d) || exit 2
dump=${3:-$tmp/zcompdump}
trap 'zpty -d z 2>/dev/null; rm -rf $tmp' EXIT
cat >$tmp/init.zsh <<INIT
PROMPT=
fpath=(${(q)dir} \$fpath)
autoload -Uz compinit
compinit -u -d ${(q)dump}
bindkey '^I' complete-word
null-line() { print -n \$'\\0\\n' }
compprefuncs=(null-line)
comppostfuncs=(null-line exit)
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd() {
	# Lookups (-O -A -D) are not additions.
	if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
		builtin compadd "\$@"
		return
	fi
	local -a hits
	local -A apre hpre
	builtin compadd -A hits "\$@"
	zparseopts -E P:=apre p:=hpre
	local h
	for h in \$hits; print -r -- "\$IPREFIX\${apre[-P]}\${hpre[-p]}\$h"
	builtin compadd "\$@"
}
print ok
INIT
zpty z zsh -f -i
zpty -w z "source $tmp/init.zsh"
local out
repeat 20; do
	zpty -r z out || break
	[[ $out == ok* ]] && break
done
zpty -w -n z "$line"$'\t'
integer on=0
while zpty -r z out; do
	if [[ $out == *$'\0'* ]]; then
		(( on++ )) && break
		continue
	fi
	out=${${out//$'\r'/}%$'\n'}
	(( on )) && [[ -n $out ]] && print -r -- $out
done
