#!/bin/sh
# A second technician who can only watch: while a console is attached, a
# further login with the same credential watches it. The watcher sees the
# owner's output; what it types never reaches the shell, its window size
# never reaches the pty; both sides, the agent's screen and the audit say
# who watches; the watch ends when the shell does. On an unattended agent
# another key is refused.
. "$(dirname "$0")/lib.sh"

# A watcher is a connection like any: up to six at once here.
cat >"$T/conf.yaml" <<EOF2
limits:
  detached_timeout: 1m
  max_sessions: 8
audit:
  file: $T/audit.log
EOF2
start_agent -f "$T/conf.yaml"
CONSOLES=$AGENT_STATE/consoles
AUDIT=$T/audit.log

pane() { tmux -L "$TMUX_SOCK" capture-pane -p -t "$1"; }
pane_has() { pane "$1" | grep -q -- "$2"; }
# tm name cols rows command: a tmux session of that size running command.
tm() {
	tmux -L "$TMUX_SOCK" new-session -d -s "$1" -x "$2" -y "$3" \
	    "$4; echo PTY-EXIT=\$?; sleep 600"
}
SSHTT="sshpass -p $TICKET ssh $(echo $SSHOPTS) -tt -p $PORT tether@127.0.0.1"

# 1. The owner's console, stock ssh in a 100x30 terminal.
tm owner 100 30 "$SSHTT"
check "the owner's console shows a prompt" \
    wait_for "pane_has owner '[#\$] *\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t owner 'echo "pid=$$"; stty size' Enter
check "the owner's pty is 30x100" wait_for "pane_has owner '^30 100\$'" 100
shellpid=$(pane owner | sed -n 's/^pid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
tmux -L "$TMUX_SOCK" send-keys -t owner 'echo before-$((6*7))' Enter
check "the owner's output" wait_for "pane_has owner '^before-42'" 100
check "the attached console has a record" \
    wait_for "grep -q '^attached: [1-9]' '$CONSOLES'/*.yaml 2>/dev/null" 50
id=$(basename "$(grep -l '^attached: ' "$CONSOLES"/*.yaml | head -n 1)" .yaml)
check_eq "consoles lists it, attached" "$id null" \
    "$(agent_ssh consoles | sed -n 's/^ *- id: //p; s/^ *detached: //p' |
    tr '\n' ' ' | sed 's/ $//')"
agent_ssh -tt attach "$id" >"$T/att" 2>&1
check "attach refuses a console attached elsewhere" \
    grep -q "attach: $id: attached by another connection" "$T/att"
agent_ssh watch >"$T/nopty" 2>&1
check "watch without a pty is refused" grep -q 'needs a terminal' "$T/nopty"
agent_ssh -tt watch 0123456789abcdef-9 >"$T/wrong" 2>&1
check "a console that is not there is refused" \
    grep -q 'no such console' "$T/wrong"

# 2. The viewer watches it, from a smaller terminal.
tm w1 80 24 "TERM=xterm LANG=C.UTF-8 $TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT shell --watch"
check "tether shell --watch watches the last attached console" \
    wait_for "pane_has w1 'watching console $id of 127.0.0.1, 100x30, view only'" 100
check "the recent output is redrawn for it" pane_has w1 '^before-42'
check "the owner is told" \
    wait_for "pane_has owner 'tetherd: 127.0.0.1 is watching this console'" 100
check "the agent's screen says so" wait_for \
    "grep -q 'watching: 127.0.0.1 is watching console $id' '$AGENT_DIR/out'" 50
check_grep "the audit has the watch, and from where" \
    "event=watch from=127.0.0.1 .*console=$id" "$AUDIT"

# 3. The owner types; the watcher sees it.
tmux -L "$TMUX_SOCK" send-keys -t owner 'echo live-$((6*7))' Enter
check "the watcher sees the owner's output live" \
    wait_for "pane_has w1 '^live-42'" 100

# 4. The watcher types: nothing reaches the shell.
tmux -L "$TMUX_SOCK" send-keys -t w1 "touch $T/typed-by-watcher" Enter
tmux -L "$TMUX_SOCK" send-keys -t w1 C-c
sleep 0.5
tmux -L "$TMUX_SOCK" send-keys -t owner 'echo sync-$((6*7))' Enter
check "the owner's next command runs" wait_for "pane_has w1 '^sync-42'" 100
check "what the watcher typed never ran" [ ! -e "$T/typed-by-watcher" ]
pane owner >"$T/owner.txt"
check_no_grep "nor was it echoed in the owner's console" "typed-by-watcher" \
    "$T/owner.txt"
check "the audit has the dropped input" \
    wait_for "grep -q 'event=watch-input .*console=$id bytes=[1-9]' '$AUDIT'" 50

# 5. The watcher's terminal is resized: the pty keeps the owner's size.
tmux -L "$TMUX_SOCK" resize-window -t w1 -x 60 -y 20
sleep 0.5
tmux -L "$TMUX_SOCK" send-keys -t owner 'clear; stty size; echo size-done' Enter
check "the owner runs stty size" wait_for "pane_has owner '^size-done'" 100
check_eq "the watcher's resize left the pty at 30x100" "30 100" \
    "$(pane owner | grep -B1 '^size-done' | head -n 1)"
check "the watcher sees the same size" wait_for "pane_has w1 '^30 100'" 100

# 6. A second watcher, with stock ssh and the ID.
tm w2 100 30 "$SSHTT watch $id"
check "ssh -tt watch ID watches it" \
    wait_for "pane_has w2 'watching console $id of 127.0.0.1'" 100
check "the owner is told of the second" wait_for \
    "[ \$(pane owner | grep -c 'is watching this console') -ge 1 ] && grep -c 'event=watch .*console=$id' '$AUDIT' | grep -q '^2\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t owner 'echo both-$((6*7))' Enter
check "both watchers see it" \
    wait_for "pane_has w1 '^both-42' && pane_has w2 '^both-42'" 100
tmux -L "$TMUX_SOCK" send-keys -t w2 "touch $T/typed-by-ssh" Enter
sleep 0.5
tmux -L "$TMUX_SOCK" send-keys -t owner 'echo sync2-$((6*7))' Enter
check "the owner's next command runs" wait_for "pane_has w2 '^sync2-42'" 100
check "what the ssh watcher typed never ran" [ ! -e "$T/typed-by-ssh" ]

# 7. The viewer's menu offers to watch it: w, then Ctrl-] leaves.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "the viewer connects" "key ✔ ticket"
check_screen "its Console screen offers Watch" "Watch: w watches the console"
keys w
check_screen "w watches it" "watching console $id of 127.0.0.1, 100x30"
check_screen "with the recent output" "^sync2-42"
keys C-]
check_screen "Ctrl-] leaves the watch" "stopped watching"
check "and the owner is told" wait_for \
    "[ \$(grep -c 'event=watch-end .*console=$id' '$AUDIT') -ge 1 ]" 50

# The viewer's own console, watched: the notice in it, and once back in
# the menu, on the status bar until the watch ends.
keys Enter
check_screen "the viewer opens its own console" "key matches ticket"
shell_line 'echo viewer-$((6*7))'
check_screen "its shell runs" "^viewer-42"
tm w4 100 30 "$SSHTT watch"
check "ssh watch, without ID, watches the console attached last" \
    wait_for "pane_has w4 'watching console' && pane_has w4 '^viewer-42'" 100
check_screen "the viewer's console says who watches" \
    "tetherd: 127.0.0.1 is watching this console"
keys C-]
check_screen "back in the menu, the status bar says so" "WATCHED by 127.0.0.1"
tmux -L "$TMUX_SOCK" send-keys -t w4 Enter '~.'
check "the ssh watcher leaves" wait_for "pane_has w4 'PTY-EXIT='" 100
check "and the status bar no longer says it" \
    wait_for "! screen | grep -q WATCHED" 100
keys q
keys y

# 8. The ssh watcher leaves: the owner is told.
tmux -L "$TMUX_SOCK" send-keys -t w2 Enter '~.'
check "the ssh watcher leaves" wait_for "pane_has w2 'PTY-EXIT='" 100
check "the owner is told it stopped watching" \
    wait_for "pane_has owner 'tetherd: 127.0.0.1 stopped watching this console'" 100
check "the audit has the end of both watches" wait_for \
    "[ \$(grep -c 'event=watch-end .*console=$id\$' '$AUDIT') -ge 2 ]" 50
check "the shell lives on" kill -0 "$shellpid"

# 9. A client that sends a window change and a signal (paramiko; stock ssh
# sends no signal): both dropped, and counted with the keys.
/usr/bin/python3 "$top/tests/integ/watchsig.py" "$PORT" "$TICKET" "$id" \
    "touch $T/typed-by-paramiko" >"$T/sig.out" 2>"$T/sig.err"
check_grep "the paramiko watcher watched" "^watching" "$T/sig.out"
check_grep "and sent its window change, signal and keys" "^sent" "$T/sig.out"
check "the audit counts its keys, window change and signal" wait_for \
    "grep -q 'event=watch-dropped .*console=$id bytes=[1-9][0-9]* resizes=1 signals=1' '$AUDIT'" 50
tmux -L "$TMUX_SOCK" send-keys -t owner 'clear; stty size; echo size2-done' Enter
check "the owner runs stty size again" wait_for "pane_has owner '^size2-done'" 100
check_eq "the pty is still 30x100" "30 100" \
    "$(pane owner | grep -B1 '^size2-done' | head -n 1)"
check "what it typed never ran" [ ! -e "$T/typed-by-paramiko" ]

# 10. The owner's shell ends: the watch ends, cleanly.
tmux -L "$TMUX_SOCK" send-keys -t owner 'echo last-$((6*7)); exit 3' Enter
check "the owner's console ends with its status" \
    wait_for "pane_has owner 'PTY-EXIT=3'" 100
check "the watcher sees the last output" wait_for "pane_has w1 '^last-42'" 100
check "and its view ends with the shell's status" \
    wait_for "pane_has w1 'PTY-EXIT=3'" 100
check "the record has gone" wait_for "[ ! -e '$CONSOLES/$id.yaml' ]" 50
check "the audit has the count of what was dropped" \
    wait_for "grep -q 'event=watch-dropped .*console=$id bytes=[1-9][0-9]* resizes=[1-9]' '$AUDIT'" 50
check_no_grep "no session tripped the sandbox" "event=sandbox" "$AUDIT"

# 11. The console's connection drops: its watcher's view ends, and the
# held console is to be attached, not watched.
tm own2 100 30 "$SSHTT"
check "a second console" wait_for "pane_has own2 '[#\$] *\$'" 100
wait_for "grep -q '^attached: [1-9]' '$CONSOLES'/*.yaml 2>/dev/null" 50
id2=$(basename "$(grep -l '^attached: ' "$CONSOLES"/*.yaml | head -n 1)" .yaml)
tm w3 100 30 "$SSHTT watch"
check "watched" wait_for "pane_has w3 'watching console $id2'" 100
kill -KILL "$(pgrep -f "^ssh .*-tt -p $PORT tether@127.0.0.1\$" | head -n 1)"
check "the watcher's view ends when the console is detached" \
    wait_for "pane_has w3 'PTY-EXIT='" 100
check "the console is held" \
    wait_for "grep -q '^detached: [1-9]' '$CONSOLES/$id2.yaml'" 100
agent_ssh -tt watch "$id2" >"$T/held" 2>&1
check "a held console is not watched" grep -q "detached: attach it" "$T/held"
stop_agent

# 12. Unattended: only the same key watches.
ssh-keygen -q -t ed25519 -N '' -f "$T/a" -C a
ssh-keygen -q -t ed25519 -N '' -f "$T/b" -C b
cat >"$T/un.yaml" <<EOF2
ticket: {enabled: false}
authorized_keys:
  - $(cat "$T/a.pub")
  - $(cat "$T/b.pub")
host_key: $T/host_key
limits:
  detached_timeout: 1m
audit:
  file: $T/audit2.log
EOF2
start_agent -f "$T/un.yaml"
KEYOPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10"
tm ka 100 30 "ssh $(echo $KEYOPTS) -i $T/a -tt -p $PORT tether@127.0.0.1"
check "key a's console" wait_for "pane_has ka '[#\$] *\$'" 100
wait_for "grep -q '^attached: [1-9]' '$AGENT_STATE/consoles'/*.yaml 2>/dev/null" 50
# shellcheck disable=SC2086
ssh $KEYOPTS -i "$T/b" -tt -p "$PORT" tether@127.0.0.1 watch >"$T/kb" 2>&1
check "key b finds nothing to watch" grep -q 'no attached console' "$T/kb"
ida=$(basename "$(ls "$AGENT_STATE"/consoles/*.yaml | head -n 1)" .yaml)
# shellcheck disable=SC2086
ssh $KEYOPTS -i "$T/b" -tt -p "$PORT" tether@127.0.0.1 watch "$ida" \
    >"$T/kb2" 2>&1
check "key b is refused key a's console" \
    grep -q "watch: $ida: started by another login" "$T/kb2"
check_grep "the audit has the refusal" "event=watch-refused .*console=$ida" \
    "$T/audit2.log"
tm ka2 100 30 "ssh $(echo $KEYOPTS) -i $T/a -tt -p $PORT tether@127.0.0.1 watch"
check "key a watches its own console" \
    wait_for "pane_has ka2 'watching console $ida'" 100
tmux -L "$TMUX_SOCK" send-keys -t ka 'exit' Enter
check "it ends with the console" wait_for "pane_has ka2 'PTY-EXIT=0'" 100
stop_agent
finish
