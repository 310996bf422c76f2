#!/bin/sh
# Every key in tether(1)'s KEYS lists does what the page says on the
# screen it is listed for: the lists are read from the page, each key is
# pressed under tmux in a fresh viewer brought to that screen, and the
# screen must change (attributes count: a moved highlight is a change) or
# show the message the page quotes.
. "$(dirname "$0")/lib.sh"

good=$T/good
other=$T/other
fake_root "$good" "Test Linux"
fake_root "$other" "Other Linux"
cat >"$T/tools.yaml" <<EOF2
tools:
  - name: long
    title: Print more than a screen
    command: [sh, -c, 'seq 1 200; printf "start-%0150d-END\n" 0']
  - name: hello
    title: Say hello
    command: [echo, hello]
  - name: third
    title: A third tool
    command: [true]
EOF2
cat >"$T/tetherd.yaml" <<EOF2
tools: [$T/tools.yaml]
roots:
  scan: false
  extra: [$good, $other]
EOF2
start_agent -f "$T/tetherd.yaml"
mkdir -p "$T/here/adir/sub" "$T/home"
: >"$T/here/afile"
: >"$T/here/bfile"
HOME=$T/home
export HOME
cd "$T/here" || exit 1

# The KEYS lists: "screen<TAB>key<TAB>message" for each key.
sed -n '/^\.Sh KEYS/,/^\.Sh ENVIRONMENT/p' "$top/man/tether.1" |
    awk -v OFS='\t' '
	function flush() {
		if (keys == "")
			return
		n = split(keys, k, / , /)
		for (i = 1; i <= n; i++)
			print screen, k[i], msg
		keys = ""
		msg = ""
	}
	/^\.Ss / { flush(); screen = substr($0, 5); next }
	/^\.It / { flush(); keys = substr($0, 5); next }
	/^\.El/ { flush(); next }
	/^\.Dq / { if (keys != "") { msg = substr($0, 5); sub(/ [.,;]$/, "", msg) } }
	END { flush() }' >"$T/keys"
count=$(wc -l <"$T/keys")
check "the page lists keys for six screens ($count keys)" eval \
    "[ \$(cut -f1 '$T/keys' | sort -u | wc -l) -eq 6 ] && [ $count -ge 40 ]"

tmuxkey() {
	case $1 in
	Esc) echo Escape ;;
	Backspace) echo BSpace ;;
	PgUp) echo PPage ;;
	PgDn) echo NPage ;;
	*) echo "$1" ;;
	esac
}

escreen() { tmux -L "$TMUX_SOCK" capture-pane -e -p -t viewer; }

# setup SCREEN: a fresh viewer on that screen, in the state the page names.
setup() {
	viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
	wait_screen "key ✔ ticket" 100 || return 1
	keys Down
	wait_screen "long  *Print more" 50 || return 1
	case $1 in
	Menu) ;;
	Tools)
		keys Enter Down
		wait_screen "Enter runs it" 50 ;;
	"Tool output")
		keys Enter Enter
		wait_screen "long ended, exit status 0" 50 ;;
	Roots)
		keys Down Enter
		wait_screen "extra2 " 50 ;;
	Files)
		keys Down Down Down Enter
		wait_screen "this machine" 50 &&
		keys Down && wait_screen "adir" 10 ;;
	Info)
		keys Down Down Down Down Enter
		wait_screen "fingerprint:" 50 ;;
	esac
}

while IFS='	' read -r scr key msg <&3; do
	if ! setup "$scr"; then
		not_ok "$scr: could not reach the screen for $key"
		screen | grep -v '^ *$' | sed 's/^/#   /' | tail -n 8
		continue
	fi
	sleep 0.3
	escreen >"$T/before"
	keys "$(tmuxkey "$key")"
	if [ -n "$msg" ]; then
		check_screen "$scr: $key shows \"$msg\"" "$msg" 30
	else
		check "$scr: $key changes the screen" wait_for \
		    "escreen | cmp -s - '$T/before'; [ \$? -ne 0 ]" 30
	fi
done 3<"$T/keys"
finish
