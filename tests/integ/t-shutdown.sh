#!/bin/sh
# SIGTERM ends the agent cleanly: every connection and everything it
# started goes, and connection.yaml says "ended".
. "$(dirname "$0")/lib.sh"

start_agent

# A shell session with a background job and a foreground one.
agent_ssh 'sleep 3017 & sleep 3018' >/dev/null 2>&1 &
sshpid=$!
check "the remote commands are running" \
    wait_for "pgrep -f 'sleep 301[78]' >/dev/null"
# And a pty console held open by a viewer.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "the viewer is connected" "key ✔ ticket"
keys Enter
check_screen "a console is open" "key matches ticket"
keys 'sleep 3019' Enter
check "the console's command is running" \
    wait_for "pgrep -f 'sleep 3019' >/dev/null"

kill -TERM "$AGENT_PID"
check "the agent exits on SIGTERM" wait_for "! kill -0 $AGENT_PID 2>/dev/null" 100
wait "$AGENT_PID"
check_eq "the agent exits 0" 0 $?
check "no child process is left" wait_for "! pgrep -f 'sleep 30(17|18|19)' >/dev/null" 30
check "no agent child is left" [ -z "$(pgrep -f "state-dir $AGENT_STATE")" ]
check_eq "connection.yaml says ended" ended \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
check "no temporary state file is left" \
    [ -z "$(ls -A "$AGENT_STATE" | grep -v '^connection.yaml$')" ]
check_screen "the viewer is told" "connection lost\|session ended\|Connection"
wait "$sshpid" 2>/dev/null
check "the ssh client ended" [ -z "$(jobs -p)" ]

# SIGINT (Ctrl-C at the agent's terminal) does the same.
start_agent
kill -INT "$AGENT_PID"
check "the agent exits on SIGINT" wait_for "! kill -0 $AGENT_PID 2>/dev/null" 50
check_eq "connection.yaml says ended after SIGINT" ended \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"

# A crashed agent's detached-console records belong to no one: the next
# agent on the same state directory removes them before it is ready,
# and keeps (and names) a file it did not write.
stale=$T/agent$((nagent + 1))/state
mkdir -p "$stale/consoles"
chmod 700 "$stale" "$stale/consoles"
: >"$stale/consoles/0123abcd-0001.yaml"
: >"$stale/consoles/0123abcd-0001.sock"
start_agent
check "a stale console record is gone when the agent is ready" \
    test ! -e "$stale/consoles/0123abcd-0001.yaml" -a \
    ! -e "$stale/consoles/0123abcd-0001.sock"
check "the empty directory of consoles is gone too" [ ! -e "$stale/consoles" ]
stop_agent
start_agent
mkdir -p "$AGENT_STATE/consoles"
chmod 700 "$AGENT_STATE/consoles"
echo mine >"$AGENT_STATE/consoles/notes"
stop_agent
check_eq "a file the agent did not write is kept" mine \
    "$(cat "$AGENT_STATE/consoles/notes" 2>/dev/null)"
check "and the log says why the directory stays" \
    grep -q "consoles.*not empty" "$AGENT_LOG"

finish
