#!/bin/sh
# A console survives a dropped connection: the client killed outright, the
# shell goes on (same $$), its output goes on into the recording, and a new
# connection with the ticket attaches it and sees the recent output redrawn.
# limits.detached_timeout ends it when nobody comes back, and 0 keeps the
# old way: the shell ends with its connection.
. "$(dirname "$0")/lib.sh"

REC=$T/rec
mkdir -p "$REC"
cat >"$T/conf.yaml" <<EOF2
limits:
  detached_timeout: 1m
recording:
  dir: $REC
audit:
  file: $T/audit.log
EOF2
start_agent -f "$T/conf.yaml"
CONSOLES=$AGENT_STATE/consoles

# pty_start name args...: stock ssh -tt under tmux, in session "name".
pty_start() {
	_n=$1
	shift
	tmux -L "$TMUX_SOCK" new-session -d -s "$_n" -x 100 -y 30 \
	    "sshpass -p $TICKET ssh $(echo $SSHOPTS) -tt -p $PORT tether@127.0.0.1 $*; echo PTY-EXIT=\$?; sleep 600"
}
pane() { tmux -L "$TMUX_SOCK" capture-pane -p -t "$1"; }
pane_has() { pane "$1" | grep -q -- "$2"; }
client_pid() {
	pgrep -f "^ssh .*-tt -p $PORT tether@127.0.0.1 *${1:-}\$" | head -n 1
}

# 1. A console with work in it; the client is killed.
pty_start one
check "the console shows a prompt" wait_for "pane_has one '[#\$] *\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t one 'echo "pid=$$"' Enter
check "the shell says its pid" wait_for "pane_has one '^pid=[0-9]'" 100
shellpid=$(pane one | sed -n 's/^pid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
tmux -L "$TMUX_SOCK" send-keys -t one \
    'echo before-the-$((6*7)); sleep 3; echo while-detached-$((6*7)); sleep 300; echo done' Enter
check "the command runs" wait_for "pane_has one '^before-the-42'" 100
kill -KILL "$(client_pid)"
# While attached, a console has a record too (for a watcher); held, its
# record says since when.
check "the console is held" \
    wait_for "grep -q '^detached: [1-9]' '$CONSOLES'/*.yaml 2>/dev/null" 100
check "the shell lives on" kill -0 "$shellpid"
check "so does its command" wait_for "pgrep -s $shellpid -f 'sleep 300' >/dev/null" 100
check_grep "the audit has the detach" "event=detach .*console=" "$T/audit.log"
check "the agent is waiting again" wait_for \
    "grep -q '^state: waiting' '$AGENT_STATE/connection.yaml'" 50
check "output made while detached is recorded" \
    wait_for "grep -q 'while-detached-42' '$REC'/*.cast" 100
id=$(basename "$(ls "$CONSOLES"/*.yaml | head -n 1)" .yaml)
check_eq "the record names the shell" "$shellpid" \
    "$("$YGET" "$CONSOLES/$id.yaml" pid)"

# 2. The consoles verb lists it; a wrong id and no pty are refused.
check_eq "consoles lists it" "$id" \
    "$(agent_ssh consoles | sed -n 's/^ *- id: //p')"
agent_ssh -tt attach 0123456789abcdef-9 >"$T/wrong" 2>&1
check "a console that is not there is refused" \
    grep -q 'no such console' "$T/wrong"
agent_ssh attach >"$T/nopty" 2>&1
check "attach without a pty is refused" grep -q 'needs a terminal' "$T/nopty"

# 3. Attached again: the same shell, the screen redrawn.
pty_start two attach
check "it says it reattached" \
    wait_for "pane_has two 'reattached (the shell kept running for'" 100
check "the output before the drop is redrawn" pane_has two '^before-the-42'
check "and the output made while detached" pane_has two '^while-detached-42'
check_grep "the audit has the attach" "event=attach .*console=$id" \
    "$T/audit.log"
tmux -L "$TMUX_SOCK" send-keys -t two C-c
# Typed before the new prompt, the line's echo and its output would share
# the prompt's line.
check "C-c ends the command" wait_for \
    "pane two | grep -v '^ *\$' | tail -n 1 | grep -q '^[#\$] *\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t two 'echo "again=$$"' Enter
check "it is the same shell" wait_for "pane_has two '^again=$shellpid'" 100
pane_has two "^again=$shellpid" || pane two | grep . | sed 's/^/#   two: /'

# 4. Dropped again, attached again: the holder goes on holding it.
kill -KILL "$(client_pid attach)"
check "it is held again" wait_for \
    "grep -q '^detached: [1-9]' '$CONSOLES/$id.yaml'" 100
tmux -L "$TMUX_SOCK" send-keys -t two 'x'
tmux -L "$TMUX_SOCK" new-session -d -s three -x 100 -y 30 \
    "TERM=xterm LANG=C.UTF-8 $TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT shell --attach $id; echo PTY-EXIT=\$?; sleep 600"
check "tether shell --attach ID attaches it" \
    wait_for "pane_has three 'reattached (the shell kept running for'" 100
check "the earlier screen is redrawn" pane_has three '^again=[0-9]'
tmux -L "$TMUX_SOCK" send-keys -t three 'exit' Enter
check "exit ends the console" wait_for "pane_has three 'PTY-EXIT=0'" 100
check "the shell has gone" wait_for "! kill -0 $shellpid 2>/dev/null" 50
check "its record has gone" wait_for "[ ! -e '$CONSOLES/$id.yaml' ]" 50
check_grep "the audit says it ended" \
    "event=console-end .*console=$id reason=exited" "$T/audit.log"
check "the recording holds all of it, its clock never going back" \
    python3 -c '
import json, sys
t, text = 0, ""
lines = open(sys.argv[1]).read().splitlines()[1:]
for l in lines:
    e = json.loads(l)
    assert e[0] >= t, (e[0], t)
    t, text = e[0], text + e[2]
for w in ("before-the-42", "while-detached-42", "again="):
    assert w in text, w
' "$(ls "$REC"/*.cast | head -n 1)"

# 5. The viewer: its connection lost in a console, r connects again and
# the console comes back by itself; the CLI lists and attaches consoles.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "the viewer connects" "key ✔ ticket"
keys Enter
check_screen "a console is open" "key matches ticket"
shell_line 'echo "vpid=$$"'
check_screen "the viewer's shell says its pid" "^vpid=[0-9]"
vshell=$(screen | sed -n 's/^vpid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
kill -KILL $(session_pids)
check_screen "the viewer says the connection is lost" "Connection to 127.0.0.1 lost"
check "the viewer's shell is held" wait_for \
    "grep -q '^pid: $vshell\$' '$CONSOLES'/*.yaml 2>/dev/null" 100
vid=$(basename "$(grep -l "^pid: $vshell\$" "$CONSOLES"/*.yaml)" .yaml)
check_eq "tether consoles lists it" "$vid" \
    "$($TETHER --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" consoles |
    sed -n 's/^ *- id: //p')"
keys r
check_screen "r reattaches the console by itself" \
    "reattached (the shell kept running for"
check "with the screen redrawn" wait_screen "^vpid=$vshell"
keys C-]
check_screen "Ctrl-] goes back to the menu" "Console"
keys q
check_screen "leaving asks first" "y disconnects and ends it"
keys y
check "leaving the viewer ends the shell" \
    wait_for "! kill -0 $vshell 2>/dev/null" 100

# 5. Nobody comes back: limits.detached_timeout ends it.
stop_agent
cat >"$T/conf2.yaml" <<EOF2
limits:
  detached_timeout: 2s
audit:
  file: $T/audit2.log
EOF2
start_agent -f "$T/conf2.yaml"
tmux -L "$TMUX_SOCK" kill-session -t one
pty_start one
check "a second console" wait_for "pane_has one '[#\$] *\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t one 'echo "pid=$$"' Enter
wait_for "pane_has one '^pid=[0-9]'" 100
shellpid=$(pane one | sed -n 's/^pid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
kill -KILL "$(client_pid)"
check "it is held" wait_for \
    "grep -q '^detached: [1-9]' '$AGENT_STATE/consoles'/*.yaml 2>/dev/null" 100
check "and ended after the timeout" \
    wait_for "! kill -0 $shellpid 2>/dev/null" 100
check "the audit says why" wait_for \
    "grep -q 'event=console-end .*reason=timeout' '$T/audit2.log'" 50
check "nothing of the connection is left" \
    wait_for "[ -z \"\$(pgrep -P $AGENT_PID)\" ]" 50
stop_agent

# 6. detached_timeout 0: the shell ends with its connection, as before.
cat >"$T/conf3.yaml" <<EOF2
limits:
  detached_timeout: 0s
EOF2
start_agent -f "$T/conf3.yaml"
tmux -L "$TMUX_SOCK" kill-session -t one
pty_start one
check "a third console" wait_for "pane_has one '[#\$] *\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t one 'echo "pid=$$"' Enter
wait_for "pane_has one '^pid=[0-9]'" 100
shellpid=$(pane one | sed -n 's/^pid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
kill -KILL "$(client_pid)"
check "the shell ends with the connection" \
    wait_for "! kill -0 $shellpid 2>/dev/null" 100
check "no console is held" [ -z "$(ls "$AGENT_STATE/consoles" 2>/dev/null)" ]
stop_agent

# 8. An unattended agent: only the key that started a console attaches it.
ssh-keygen -q -t ed25519 -N '' -f "$T/good" -C good
ssh-keygen -q -t ed25519 -N '' -f "$T/other" -C other
cat >"$T/conf4.yaml" <<EOF2
ticket: {enabled: false}
authorized_keys:
  - $(cat "$T/good.pub")
  - $(cat "$T/other.pub")
host_key: $T/host_key
EOF2
nagent=$((nagent + 1))
AGENT_STATE=$T/st4
AGENT_LOG=$T/log4
"$TETHERD" -f "$T/conf4.yaml" -b 127.0.0.1 -p 0 --state-dir "$AGENT_STATE" \
    --log-dir "$T/logs4" >"$T/out4" 2>"$AGENT_LOG" </dev/null &
AGENT_PID=$!
agents="$agents $AGENT_PID"
wait_for "[ -s '$AGENT_STATE/connection.yaml' ]" 100
PORT=$("$YGET" "$AGENT_STATE/connection.yaml" port)
KEYOPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10"
key_ssh() {
	_k=$1
	shift
	# shellcheck disable=SC2086
	ssh $KEYOPTS -i "$T/$_k" -p "$PORT" tether@127.0.0.1 "$@"
}
tmux -L "$TMUX_SOCK" kill-session -t one
tmux -L "$TMUX_SOCK" new-session -d -s one -x 100 -y 30 \
    "ssh $(echo $KEYOPTS) -i $T/good -tt -p $PORT tether@127.0.0.1; sleep 600"
check "a console with a key" wait_for "pane_has one '[#\$] *\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t one 'echo "kpid=$$"' Enter
wait_for "pane_has one '^kpid=[0-9]'" 100
kshell=$(pane one | sed -n 's/^kpid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
kill -KILL "$(pgrep -f "^ssh .*-i $T/good -tt -p $PORT tether@127.0.0.1\$" |
    head -n 1)"
check "it is held" wait_for \
    "grep -q '^detached: [1-9]' '$AGENT_STATE/consoles'/*.yaml 2>/dev/null" 100
kid=$(basename "$(ls "$AGENT_STATE"/consoles/*.yaml | head -n 1)" .yaml)
check_grep "its record names the key" "^credential: key SHA256:" \
    "$AGENT_STATE/consoles/$kid.yaml"
check_eq "another key does not see it" "" \
    "$(key_ssh other consoles | sed -n 's/^ *- id: //p')"
key_ssh other -tt attach "$kid" >"$T/other.out" 2>&1
check "nor attaches it" grep -q 'started by another login' "$T/other.out"
check "the shell lives on" kill -0 "$kshell"
check_eq "the key that started it sees it" "$kid" \
    "$(key_ssh good consoles | sed -n 's/^ *- id: //p')"
tmux -L "$TMUX_SOCK" new-session -d -s four -x 100 -y 30 \
    "ssh $(echo $KEYOPTS) -i $T/good -tt -p $PORT tether@127.0.0.1 attach; sleep 600"
check "and attaches it" \
    wait_for "pane_has four 'reattached (the shell kept running for'" 100
tmux -L "$TMUX_SOCK" send-keys -t four 'echo "again=$$"' Enter
check "the same shell" wait_for "pane_has four '^again=$kshell'" 100
stop_agent
finish
