#!/bin/sh
# The local user's word: without --no-message the agent asks before it
# makes a ticket or opens a port, q on the status screen ends everything,
# and under "approve: each" every authenticated connection waits for y.
# The agent runs on a terminal of its own in the private tmux server.
. "$(dirname "$0")/lib.sh"

QUESTION="A technician will get full control of this computer. Allow remote connection? [y/N]"
ALLOW="Allow 127.0.0.1 to connect? [y/N]"
# Stock ssh at LogLevel INFO, which shows the server's banner messages
# (lib.sh's SSHOPTS say ERROR, and the first LogLevel given wins).
VOPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 -o LogLevel=INFO -o PubkeyAuthentication=no -o ConnectTimeout=10
 -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1"

# agent_tty [tetherd args...]: the agent on the terminal of a new tmux
# session, stderr included, as a local user would see it. Sets ASESS (the
# session), AGENT_PID (the tetherd under the pane's shell) and AGENT_STATE.
# Earlier sessions stay until cleanup: killing the last one would end the
# tmux server under the next new-session.
agent_tty() {
	nagent=$((nagent + 1))
	AGENT_DIR=$T/agent$nagent
	AGENT_STATE=$AGENT_DIR/state
	mkdir -p "$AGENT_DIR"
	ASESS=agent$nagent
	cmd="$TETHERD -b 127.0.0.1 -p 0 --state-dir $AGENT_STATE"
	cmd="$cmd --log-dir $AGENT_DIR/logs $*"
	tmux -L "$TMUX_SOCK" new-session -d -s "$ASESS" -x 120 -y 40 \
	    "$cmd; echo AGENT-EXIT=\$?; sleep 600"
	pane=$(tmux -L "$TMUX_SOCK" list-panes -t "$ASESS" -F '#{pane_pid}')
	AGENT_PID=
	[ -n "$pane" ] &&
	    wait_for 'AGENT_PID=$(pgrep -P "$pane" -x tetherd)' 50
	if [ -z "$AGENT_PID" ]; then
		echo "# the agent did not start:"
		ascreen | grep -v '^$' | sed 's/^/#   /'
		exit 1
	fi
	agents="$agents $AGENT_PID"
}

# The agent's terminal, with its scrollback, wrapped lines joined.
ascreen() {
	tmux -L "$TMUX_SOCK" capture-pane -p -J -S -300 -t "$ASESS"
}

akeys() {
	tmux -L "$TMUX_SOCK" send-keys -t "$ASESS" "$@"
}

# await_screen "fixed text" [tenths]
await_screen() {
	wait_output ascreen "$1" "${2:-100}" -F
}

check_ascreen() {
	if await_screen "$2" "${3:-100}"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   the agent's screen has no \"$2\":"
		ascreen | grep -v '^$' | tail -n 20 | sed 's/^/#   /'
	fi
}

# How many times the agent has asked about 127.0.0.1.
asked() {
	ascreen | grep -cF -- "$ALLOW"
}

# listening PID PORT: PID has a listening socket on 127.0.0.1:PORT.
listening() {
	ss -ltnpH "sport = :$2" | grep -q "127.0.0.1:$2 .*pid=$1,"
}

# listens_nowhere PID: PID has no listening TCP socket at all.
listens_nowhere() {
	! ss -ltnpH | grep -q "pid=$1,"
}

# not_listening PORT: nothing listens on PORT.
not_listening() {
	! ss -ltnH "sport = :$1" | grep -q .
}

state() {
	"$YGET" "$AGENT_STATE/connection.yaml" "$1"
}

# vssh command...: stock ssh with the ticket, bounded.
vssh() {
	# shellcheck disable=SC2086
	timeout 60 sshpass -p "$TICKET" ssh $VOPTS -p "$PORT" \
	    tether@127.0.0.1 "$@"
}

cat >"$T/base.yaml" <<EOC
audit: {file: $T/audit.log}
recording: {enabled: false}
EOC

# 1. Refused: the question, n, an error, exit 1, and nothing behind it.
agent_tty -f "$T/base.yaml"
check_ascreen "the agent asks before anything else" "$QUESTION"
check "no port is open while it asks" listens_nowhere "$AGENT_PID"
check "no connection.yaml while it asks" \
    [ ! -e "$AGENT_STATE/connection.yaml" ]
akeys n Enter
check_ascreen "n is refused with a reason" \
    "tetherd: remote connection not allowed by the local user"
check_ascreen "the agent exits 1" "AGENT-EXIT=1"
check "the agent process is gone" \
    wait_for "! kill -0 $AGENT_PID 2>/dev/null" 50
check "no connection.yaml was written" [ ! -e "$AGENT_STATE/connection.yaml" ]
check_eq "the state directory is left empty" "" "$(ls -A "$AGENT_STATE")"
ascreen >"$T/screen1"
check_no_grep "no ticket was shown" "Ticket:" "$T/screen1"
check_no_grep "neither consent nor a start is audited" \
    "event=consent\|event=start" "$T/audit.log"

# Enter alone takes the default, N.
agent_tty -f "$T/base.yaml"
await_screen "$QUESTION"
akeys Enter
check_ascreen "an empty answer refuses too" \
    "tetherd: remote connection not allowed by the local user"
check_ascreen "and exits 1" "AGENT-EXIT=1"

# 2. Given: the status screen, a stock ssh login, then q ends it all.
agent_tty -f "$T/base.yaml"
await_screen "$QUESTION"
akeys y Enter
check "y starts the agent" wait_for "[ -s '$AGENT_STATE/connection.yaml' ]"
TICKET=$(state ticket)
PORT=$(state port)
check_eq "connection.yaml names the agent's pid" "$AGENT_PID" "$(state pid)"
check_ascreen "the status screen shows the ticket" "Ticket:       $TICKET"
check_ascreen "and the port" "Port:         $PORT"
check_ascreen "and how to end it" "q or Ctrl-C ends the remote connection."
check "the agent listens on 127.0.0.1:$PORT" listening "$AGENT_PID" "$PORT"
check_grep "the consent is audited" "event=consent answer=yes" "$T/audit.log"
check_eq "a stock ssh login works" in "$(agent_ssh 'echo in' 2>&1)"

agent_ssh 'echo up; sleep 3021' >"$T/long.out" 2>&1 &
sshpid=$!
check "a session is open" wait_for "grep -q up '$T/long.out' 2>/dev/null" 100
check_eq "connection.yaml says connected" connected "$(state state)"
akeys q
check_ascreen "q ends the remote connection" "Session ended by the local user."
check_ascreen "the agent exits 0" "AGENT-EXIT=0"
check_eq "connection.yaml says ended" ended "$(state state)"
check "the open ssh session is closed" \
    wait_for "! kill -0 $sshpid 2>/dev/null" 100
wait "$sshpid"
check "and ssh saw it end" [ $? -ne 0 ]
check "its remote command was ended" \
    wait_for "! pgrep -f 'sleep 3021' >/dev/null" 30
check "the port is closed" not_listening "$PORT"
check_grep "the local end is audited" "event=end by=local" "$T/audit.log"

# 3. approve: each: y lets one connection in, n keeps the next out, and
# no answer for 30 s keeps a third out.
cat >"$T/approve.yaml" <<EOC
approve: each
audit: {file: $T/approve.log}
recording: {enabled: false}
EOC
agent_tty -f "$T/approve.yaml"
await_screen "$QUESTION"
akeys y Enter
wait_for "[ -s '$AGENT_STATE/connection.yaml' ]"
TICKET=$(state ticket)
PORT=$(state port)

vssh 'echo approved-run' >"$T/a1.out" 2>"$T/a1.err" &
p1=$!
check_ascreen "the agent asks about the connection" "$ALLOW"
check "stock ssh is told to wait" wait_for "grep -q \
    'tetherd: waiting for approval on the remote machine' '$T/a1.err'" 50
sleep 0.5
check "nothing runs before the answer" [ ! -s "$T/a1.out" ]
check "and ssh is still waiting" kill -0 "$p1"
check_eq "connection.yaml still says waiting" waiting "$(state state)"
akeys y
check "y lets ssh finish" wait_for "! kill -0 $p1 2>/dev/null" 100
wait "$p1"
check_eq "ssh exits 0" 0 $?
check_eq "the command ran" approved-run "$(cat "$T/a1.out")"
check_ascreen "the screen shows the answer" "$ALLOW yes"
check_grep "the approval is audited" \
    "event=approve from=127.0.0.1 user=tether" "$T/approve.log"

vssh "touch $T/marker; echo denied-run" >"$T/a2.out" 2>"$T/a2.err" &
p2=$!
check "the next connection is asked about too" \
    wait_for '[ "$(asked)" -ge 2 ]' 100
check "and told to wait" wait_for \
    "grep -q 'waiting for approval on the remote machine' '$T/a2.err'" 50
akeys n
check "n ends ssh" wait_for "! kill -0 $p2 2>/dev/null" 100
wait "$p2"
check "ssh fails" [ $? -ne 0 ]
check_grep "stock ssh is told why" "tetherd: denied by the local user" \
    "$T/a2.err"
check "nothing ran" [ ! -e "$T/marker" ]
check_eq "and nothing was printed" "" "$(cat "$T/a2.out")"
check_ascreen "the screen shows the refusal" "$ALLOW denied by the local user"
check_grep "the denial is audited" "event=deny from=127.0.0.1 user=tether" \
    "$T/approve.log"
check_grep "and the refusal with its reason" \
    'event=refused from=127.0.0.1 user=tether reason="denied by the local user"' \
    "$T/approve.log"
check "the agent goes on" kill -0 "$AGENT_PID"
check_eq "connection.yaml says waiting" waiting "$(state state)"

t0=$(date +%s)
vssh "touch $T/marker2" >"$T/a3.out" 2>"$T/a3.err" &
p3=$!
check "a third connection is asked about" wait_for '[ "$(asked)" -ge 3 ]' 100
check "unanswered, it is refused after 30 s" \
    wait_for "! kill -0 $p3 2>/dev/null" 450
wait "$p3"
rc=$?
el=$(($(date +%s) - t0))
check "not before 29 s (took $el s)" [ "$el" -ge 29 ]
check "ssh fails" [ "$rc" -ne 0 ]
check "nothing ran" [ ! -e "$T/marker2" ]
check_grep "stock ssh is told nobody answered" \
    "tetherd: no answer from the local user" "$T/a3.err"
check_ascreen "the screen says nobody answered" \
    "$ALLOW no answer from the local user"
check_eq "the timeout is audited as a denial" 2 \
    "$(grep -c 'event=deny from=127.0.0.1' "$T/approve.log")"
akeys q
check_ascreen "q still ends it" "AGENT-EXIT=0"

# 4. approve: each with no terminal to ask on: refused at start.
timeout 20 "$TETHERD" --no-message -f "$T/approve.yaml" -b 127.0.0.1 -p 0 \
    --state-dir "$T/notty" </dev/null >"$T/notty.out" 2>"$T/notty.err"
check_eq "approve: each without a terminal exits 1" 1 $?
check_grep "and says why" "tetherd: approve: each needs a terminal to ask on" \
    "$T/notty.err"
check "no connection.yaml was written for it" \
    [ ! -e "$T/notty/connection.yaml" ]

# Under BUILD=build/asan a sanitizer reports on the agent's terminal.
i=1
while [ $i -le "$nagent" ]; do
	tmux -L "$TMUX_SOCK" capture-pane -p -J -S - -t "agent$i"
	i=$((i + 1))
done >"$T/screens"
cat "$T/notty.err" >>"$T/screens"
check_no_grep "no sanitizer report on any agent's terminal" \
    "Sanitizer\|runtime error" "$T/screens"

finish
