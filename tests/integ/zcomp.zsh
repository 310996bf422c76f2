# Test helper: what zsh's completion offers at the end of a command line,
# one a line. An interactive zsh -f under zpty loads the functions in DIR
# with compinit, types LINE and Tab, and every compadd prints what it
# added. The caller bounds it in time (timeout 10).
# usage: zsh -f zcomp.zsh DIR TMPDIR LINE
setopt extendedglob
zmodload zsh/zpty || exit 1
dir=$1 tmp=$2 cmdline=$3
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=($dir \$fpath); autoload -U compinit; compinit -u -d $tmp/zcompdump"
# The markers are split in the typed text so that its echo never matches.
zpty -w z 'compadd() { builtin compadd -O __hits "$@"; builtin compadd "$@"; print -l -- "HI""TS" $__hits "STI""H" >/dev/tty; }'
zpty -w z 'bindkey "^I" complete-word; comppostfuncs=(__done); __done() { print -- "DO""NE" >/dev/tty; }'
zpty -n -w z "$cmdline"$'\t'
integer on=0
while zpty -r z line; do
	line=${line//$'\r'/}
	line=${line//$'\e'\[[0-9\;?]#[a-zA-Z]/}
	line=${line%%$'\n'}
	[[ $line == *DONE* ]] && break
	if [[ $line == *HITS ]]; then on=1
	elif [[ $line == STIH* ]]; then on=0
	elif (( on )) && [[ -n $line ]]; then print -r -- $line
	fi
done | sort -u
zpty -d z
