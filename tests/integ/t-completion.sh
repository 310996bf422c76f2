#!/bin/sh
# Shell completion (contrib/completion/): under bash with bash-completion,
# complete -p names the functions, and each is driven directly with the
# words bash would give it: options in both forms, the commands, their
# arguments, and the tool names and root ids of a real agent on 127.0.0.1,
# asked only when ticket, address and port are all on the line, and
# nothing, quietly and within the 2 seconds, from an agent that does not
# answer. zsh finds both functions through compinit.
. "$(dirname "$0")/lib.sh"

BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ] || ! command -v bash >/dev/null; then
	not_ok "bash and bash-completion are installed (make deps)"
	finish
fi

# An agent with a catalog of three tools and two offline systems.
mkdir -p "$T/sys1/etc" "$T/sys2/etc"
cat >"$T/tools.yaml" <<EOF
tools:
  - name: alpha
    title: First
    command: [true]
  - name: also
    title: Second
    command: [true]
  - name: beta
    title: Third
    command: [true]
EOF
cat >"$T/conf.yaml" <<EOF
tools: [$T/tools.yaml]
recording:
  enabled: false
roots:
  scan: false
  extra: [$T/sys1, $T/sys2]
EOF
start_agent -f "$T/conf.yaml"

# A port that accepts and never answers, for 20 s at most.
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
end = time.monotonic() + 20
s.settimeout(0.5)
while time.monotonic() < end:
    try: conns.append(s.accept()[0])
    except socket.timeout: pass' >"$T/mute.port" &
MUTE_PID=$!
agents="$agents $MUTE_PID"
wait_for "[ -s '$T/mute.port' ]" 50
MUTE=$(cat "$T/mute.port")

# A stand-in viewer whose answer carries names no completion may take.
cat >"$T/hostile" <<EOF
#!/bin/sh
printf -- '- name: ok1\n- name: \$(touch $T/pwned)\n- name: a*\n- name: ok2 x\n'
EOF
chmod 0755 "$T/hostile"

mkdir -p "$T/cwd/dir1" "$T/maps"
: >"$T/cwd/x.ko"
: >"$T/maps/us.bmap"
: >"$T/maps/de.bmap"
: >"$T/cwd/file1"
: >"$T/cwd/conf.yaml"

# The driver: complete LINE prints, sorted, what the function for LINE's
# first word offers for the end of LINE, splitting it as bash does (the
# characters of COMP_WORDBREAKS are words of their own). compopt is noted
# in $T/compopt, since it works only while bash itself is completing.
cat >"$T/drive.bash" <<'EOF'
. /usr/share/bash-completion/bash_completion
. "$top/contrib/completion/tether.bash"
. "$top/contrib/completion/tetherd.bash"
compopt() { echo "$*" >>"$T/compopt"; }
complete_line() {
	local line=$1 i c w= kind= wb=${COMP_WORDBREAKS//[[:space:]\"\']/}
	COMP_WORDS=()
	for ((i = 0; i < ${#line}; i++)); do
		c=${line:i:1}
		if [[ $c == [[:space:]] ]]; then
			[[ -n $w ]] && COMP_WORDS+=("$w")
			w= kind=
		elif [[ $wb == *"$c"* ]]; then
			[[ $kind == word && -n $w ]] && { COMP_WORDS+=("$w"); w=; }
			w+=$c kind=break
		else
			[[ $kind == break ]] && { COMP_WORDS+=("$w"); w=; }
			w+=$c kind=word
		fi
	done
	COMP_WORDS+=("$w")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line COMP_POINT=${#line}
	COMPREPLY=()
	: >"$T/compopt"
	local fn=$(complete -p "${COMP_WORDS[0]##*/}" | awk '{ print $3 }')
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
	    "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}
EOF
# comp LINE: the offers as one line, words separated by spaces.
comp() {
	top=$top T=$T bash -c '. "$T/drive.bash"; cd "$T/cwd" && complete_line "$1"' \
	    comp "$1" 2>"$T/comp.err" | tr '\n' ' ' | sed 's/ $//'
}

out=$(bash -c ". $BC; . $top/contrib/completion/tether.bash;
    . $top/contrib/completion/tetherd.bash; complete -p tether tetherd")
check_eq "complete -p: both programs have their function" \
    "complete -F _tether tether
complete -F _tetherd tetherd" "$out"
out=$(bash -c ". $BC; . $top/contrib/completion/tether.bash;
    compgen -A function _tether")
check_eq "compgen: _tether is defined" "_tether" "$(echo "$out" | grep -x _tether)"

V=$TETHER
# Options and commands.
check_eq "options in both forms" \
    "--discover-on --help --ip --ipaddress --port --reason --relay --ticket --version -V -h -ipaddress= -port= -ticket=" \
    "$(comp "$V -")"
# Every option tether --help names completes.
missing=
for o in $("$TETHER" --help 2>&1 | grep -E '^ +-' |
    grep -oE -- '(^ *|, )--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[ ,]*//' |
    LC_ALL=C sort -u); do
	case " $(comp "$V -") " in
	*" $o "*) ;;
	*) missing="$missing $o" ;;
	esac
done
check_eq "the options tether --help names all complete" "" "$missing"
check_eq "nothing for a reason" "" "$(comp "$V --reason ")"
check_eq "--relay and --reason do not end the options" \
    "consoles end get info known-hosts put roots run shell snapshot tools" \
    "$(comp "$V --relay r.example --reason x ")"
check_eq "a DaRT option completes with its =" "-ticket=" "$(comp "$V -tic")"
check_eq "with no space after it" "-o nospace" "$(cat "$T/compopt")"
check_eq "in any case, as DaRT takes it" "-ipaddress=" "$(comp "$V -IPADD")"
check_eq "a GNU option" "--ticket" "$(comp "$V --tic")"
check_eq "the default port after -port=" "7022" "$(comp "$V -port=")"
check_eq "and after --port" "7022" "$(comp "$V --port ")"
check_eq "nothing for a ticket" "" "$(comp "$V --ticket ")"
check_eq "the commands" \
    "consoles end get info known-hosts put roots run shell snapshot tools" \
    "$(comp "$V ")"
# The lists follow the programs: what --help names is what completes.
check_eq "the commands are those tether --help names" \
    "$("$TETHER" --help 2>&1 | sed -n '/^invalid, it starts/,/^$/p' |
    sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | LC_ALL=C sort | tr '\n' ' ' |
    sed 's/ $//')" "$(comp "$V ")"
check_eq "the options are those tetherd --help names" \
    "$("$TETHERD" --help 2>&1 | grep -E '^ +-' |
    grep -oE -- '(^ *|, )--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[ ,]*//' |
    LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//')" "$(comp "tetherd -")"
check_eq "commands after the three values" "roots run" \
    "$(comp "$V -ticket=1 -ipaddress=::1 -port=7 r")"
check_eq "roots: its subcommands" "release scan select" \
    "$(comp "$V roots ")"
check_eq "snapshot: the formats" "ansi png ppm txt" \
    "$(comp "$V snapshot --format ")"
check_eq "get: the local file is a file here" "file1" \
    "$(comp "$V get /etc/hostname f")"
check_eq "get: the remote one is not completed" "" "$(comp "$V get f")"
check_eq "put: the local file first" "conf.yaml" "$(comp "$V put co")"
check_eq "get: its options" "--root -c -f" "$(comp "$V get -")"
check_eq "put: the remote one is not completed" "" \
    "$(comp "$V put conf.yaml /e")"
check_eq "--discover-on: the interfaces" \
    "$(ls /sys/class/net | grep '^l' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')" \
    "$(comp "$V --discover-on l")"

# Tool names and root ids from the live agent.
A="--ticket $TICKET --ip 127.0.0.1 --port $PORT"
names=$("$TETHER" $A tools | sed -n 's/^- name: //p' | tr '\n' ' ' |
    sed 's/ $//')
check_eq "the agent lists its tools" "alpha also beta" "$names"
check_eq "run: the agent's tool names" "alpha also beta" "$(comp "$V $A run ")"
check_eq "run: those starting with what is typed" "alpha also" \
    "$(comp "$V $A run a")"
check_eq "in the DaRT form too" "beta" \
    "$(comp "$V -ticket=$TICKET -IPAddress=127.0.0.1 -port=$PORT run b")"
check_eq "roots select: the agent's ids" "extra1 extra2" \
    "$(comp "$V $A roots select ")"
check_eq "then --rw" "--rw" "$(comp "$V $A roots select extra1 --")"
check_eq "run's options after the tool" "--confirm=" \
    "$(comp "$V $A run alpha --c")"
check_eq "no names without the port on the line" "" \
    "$(comp "$V --ticket $TICKET --ip 127.0.0.1 run ")"
check_eq "no names without the ticket" "" \
    "$(comp "$V --ip 127.0.0.1 --port $PORT run ")"
check_eq "no names for a wrong ticket" "" \
    "$(comp "$V --ticket 111122223333 --ip 127.0.0.1 --port $PORT run ")"
check_eq "and quietly" "" "$(cat "$T/comp.err")"

# An agent that does not answer: nothing, quietly, within the limit.
t0=$(date +%s%N)
out=$(comp "$V --ticket $TICKET --ip 127.0.0.1 --port $MUTE run ")
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "a mute agent: nothing" "" "$out"
check_eq "quietly" "" "$(cat "$T/comp.err")"
echo "# completion against a mute agent took $ms ms"
check "within the 2 s limit (and the shell's start)" [ "$ms" -lt 3500 ]
check "and not at once: it did wait for an answer" [ "$ms" -ge 1900 ]

# Whatever an agent sends, only plain names are offered and none is run.
check_eq "only plain names from an answer" "ok1" \
    "$(cp "$T/hostile" "$T/tether" && comp "$T/tether $A run ")"
check "and nothing in it is run" [ ! -e "$T/pwned" ]

# tetherd.
check_eq "tetherd: its options" \
    "--bind --config --debug --help --log-dir --no-message --port --state-dir --version -T -V -b -d -f -h -p -t" \
    "$(comp "tetherd -")"
check_eq "tetherd: its commands" \
    "diagnose drivers keyboard rescue-next-boot wait" \
    "$(comp "tetherd ")"
for c in $("$TETHERD" --help 2>&1 |
    sed -n 's/^ *\(usage:\)\{0,1\} *tetherd \([a-z][a-z-]*\).*/\2/p') \
    $(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$top/man/tetherd.8" |
    grep -A1 '^\.Nm tetherd$' | sed -n 's/^\.Cm \([a-z-]*\).*/\1/p'); do
	check_eq "tetherd: $c, in its --help or SYNOPSIS, completes" "$c" \
	    "$(comp "tetherd $c" | tr ' ' '\n' | grep -x -- "$c")"
done
check_eq "tetherd keyboard: the layouts built in" "de us" \
    "$(TETHER_KEYMAPS=$T/maps comp "tetherd keyboard ")"
check_eq "tetherd drivers: load" "load" "$(comp "tetherd drivers ")"
check_eq "tetherd drivers load: .ko files" "dir1 x.ko" \
    "$(comp "tetherd drivers load ")"
check_eq "tetherd diagnose: a directory" "dir1" "$(comp "tetherd diagnose ")"
check_eq "tetherd rescue-next-boot: its option" "--boot-directory" \
    "$(comp "tetherd rescue-next-boot -")"
check_eq "tetherd wait: its options" "--help --state-dir --timeout" \
    "$(comp "tetherd wait --")"
check_eq "tetherd -f: YAML files and directories" "conf.yaml dir1" \
    "$(comp "tetherd -f ")"
check_eq "tetherd --config=: the same" "conf.yaml dir1" \
    "$(comp "tetherd --config=")"
check_eq "tetherd --state-dir: directories only" "dir1" \
    "$(comp "tetherd --state-dir ")"

# zsh: compinit finds both functions, which parse.
if command -v zsh >/dev/null; then
	out=$(cd "$T" && HOME=$T zsh -f -c "fpath=($top/contrib/completion \$fpath)
	    autoload -U compinit && compinit -u -d $T/zcompdump
	    print -r -- \$_comps[tether] \$_comps[tetherd]" 2>&1)
	check_eq "zsh: compinit binds _tether and _tetherd" "_tether _tetherd" \
	    "$out"
	check "zsh: _tether parses" zsh -n "$top/contrib/completion/_tether"
	check "zsh: _tetherd parses" zsh -n "$top/contrib/completion/_tetherd"
	# zcomp LINE: what zsh offers, typed into an interactive zsh.
	zcomp() {
		(cd "$T/cwd" && HOME=$T timeout 10 zsh -f \
		    "$top/tests/integ/zcomp.zsh" "$top/contrib/completion" "$T" \
		    "$1" 2>/dev/null) | tr '\n' ' ' | sed 's/ $//'
	}
	check_eq "zsh: the commands" \
	    "consoles end get info known-hosts put roots run shell snapshot tools" \
	    "$(zcomp "$V ")"
	check_eq "zsh: a DaRT option" "-ticket" "$(zcomp "$V -tic")"
	check_eq "zsh: the formats" "ansi png ppm txt" \
	    "$(zcomp "$V snapshot --format ")"
	check_eq "zsh: the agent's tool names" "alpha also beta" \
	    "$(zcomp "$V $A run ")"
	check_eq "zsh: in the DaRT form" "alpha also beta" \
	    "$(zcomp "$V -ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT run ")"
	check_eq "zsh: the agent's root ids" "extra1 extra2" \
	    "$(zcomp "$V $A roots select ")"
	check_eq "zsh: no names without the port" "" \
	    "$(zcomp "$V --ticket $TICKET --ip 127.0.0.1 run ")"
	check_eq "zsh: no names from a mute agent" "" \
	    "$(zcomp "$V --ticket $TICKET --ip 127.0.0.1 --port $MUTE run ")"
	check_eq "zsh: only plain names from an answer" "ok1" \
	    "$(zcomp "$T/tether $A run ")"
	check "zsh: and nothing in it is run" [ ! -e "$T/pwned" ]
	check_eq "zsh: tetherd's wait options" "--help --state-dir --timeout" \
	    "$(zcomp "tetherd wait --")"
	check_eq "zsh: tetherd's commands" \
	    "diagnose drivers keyboard rescue-next-boot wait" \
	    "$(zcomp "tetherd ")"
	check_eq "zsh: tetherd keyboard's layouts" "de us" \
	    "$(TETHER_KEYMAPS=$T/maps zcomp "tetherd keyboard ")"
else
	not_ok "zsh is installed (make deps)"
fi

stop_agent
finish
