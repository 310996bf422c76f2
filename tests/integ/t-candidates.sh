#!/bin/sh
# The candidates screen on loopback: discovery on lo finds the agent whose
# ticket was typed; addresses added with a show a live agent (key matches),
# an agent with another ticket (key mismatch) and a closed port (refused),
# sorted working first; Enter connects to the working one. The agent's
# discovery answers also follow a ticket rotation.
. "$(dirname "$0")/lib.sh"

start_agent
A_PID=$AGENT_PID A_LOG=$AGENT_LOG A_STATE=$AGENT_STATE A_TICKET=$TICKET
A_PORT=$PORT
start_agent
B_PORT=$PORT
# A port nothing listens on: bound, then closed again.
C_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

viewer_start "--discover-on lo 2>$T/viewer.err"
check_screen "the form is up" "remote rescue viewer"
keys "$(echo "$A_TICKET" | tr -d -)" Tab Tab C-u "$A_PORT" Enter
check_screen "no address: the candidates screen comes" "candidates"
check_screen "discovery on lo finds the agent holding the ticket" \
    "127\.0\.0\.1  *$A_PORT .*ms  ✔ matches ticket" 50
check_screen "the status line counts the replies" \
    "1 of 1 candidate holds the ticket"

keys a "127.0.0.1 $B_PORT" Enter
check_screen "an added agent with another ticket is a key mismatch" \
    "127\.0\.0\.1  *$B_PORT .*✘ key mismatch" 50
# Keys typed while a round runs are dropped: wait for its end.
check_screen "the round ends with both counted" \
    "1 of 2 candidates holds the ticket"
keys a "127.0.0.1 $C_PORT" Enter
check_screen "a closed port is refused" "127\.0\.0\.1  *$C_PORT .* refused" 50
check_screen "all three are counted" "1 of 3 candidates holds the ticket"
screen | sed -n 's/^.*127\.0\.0\.1  *\([0-9]*\)  *\(-\|[0-9.]* ms\)  *//p' \
    >"$T/verdicts"
screen | sed -n 's/^.*127\.0\.0\.1  *\([0-9]*\) .*$/\1/p' >"$T/ports"
paste -d' ' "$T/ports" "$T/verdicts" >"$T/order"
check_eq "working first, then mismatch, then refused" \
    "$A_PORT ✔ matches ticket
$B_PORT ✘ key mismatch
$C_PORT refused" "$(sed 's/ *$//' "$T/order")"
check_screen "the working one is selected" "> [^ ]*  *127\.0\.0\.1  *$A_PORT "

keys Down Enter
check_screen "Enter on a mismatch does not connect" \
    "127.0.0.1: ✘ key mismatch: this agent does not hold that ticket"
keys r
check_screen "r probes again" "1 of 3 candidates holds the ticket" 50
keys a "10.0.0.300" Enter
check_screen "a refuses a bad address" 'bad address "10.0.0.300"'
keys Enter
check_screen "Enter connects to the working candidate" \
    "127.0.0.1:$A_PORT  key ✔ ticket"
keys Enter
check_screen "its console opens" \
    "connected to 127.0.0.1 port $A_PORT, key matches ticket"
shell_line 'echo picked-$((40+2))'
check_screen "the console of the right agent runs" "^picked-42"
keys C-]
check_screen "Ctrl-] goes back to the menu" "the shell is still running"
keys q y
check_screen "back in the form" "disconnected; Enter connects again"
# From the empty address to Connect: Port, Relay, Reason, Connect.
keys Tab Tab Tab Tab C-u "$A_PORT" Enter
check_screen "the form again leads to candidates" "candidates"
check_screen "its discovery finds the agent again" "✔ matches ticket" 50
keys q
check_screen "q goes back to the form" "remote rescue viewer"
keys Escape
check_screen "Esc quits" "VIEWER-EXIT=0"
check_no_grep "no sanitizer report from the viewer" \
    "Sanitizer\|runtime error" "$T/viewer.err"

# An interface that does not exist: said so, and nothing hangs.
viewer_start "--discover-on nosuch0"
check_screen "the form is up again" "remote rescue viewer"
keys "$(echo "$A_TICKET" | tr -d -)" Enter
check_screen "a missing interface is named" \
    "discovery: no agent answered; nosuch0: no such interface"
check_screen "the list says how to go on" "no candidates: a adds an address"
keys Escape Escape
check_screen "Esc, Esc quits" "VIEWER-EXIT=0"

# Discovery replies follow rotation: a ticket that expires after 3 s is
# replaced, and so is what discovery says.
cat >"$T/rotate.yaml" <<EOC
ticket: {lifetime: 3s}
EOC
start_agent -f "$T/rotate.yaml"
python3 "$top/tests/integ/discprobe.py" 127.0.0.1 "$PORT" 512 1 1 \
    >"$T/before"
check "the expired ticket rotates" wait_for \
    "[ \"\$($YGET $AGENT_STATE/connection.yaml ticket)\" != '$TICKET' ]" 80
python3 "$top/tests/integ/discprobe.py" 127.0.0.1 "$PORT" 512 1 1 \
    >"$T/after"
check "the reply's salt changed" [ "$(grep '^salt:' "$T/before")" != \
    "$(grep '^salt:' "$T/after")" ]
sed -n 's/^key: //p' "$T/after" >"$T/key.pub"
check_eq "the reply's key is the new host key" \
    "$("$YGET" "$AGENT_STATE/connection.yaml" fingerprint)" \
    "$(ssh-keygen -lf "$T/key.pub" 2>/dev/null | cut -d' ' -f2)"
check_grep "the reply names the agent's port" "^port: $PORT" "$T/after"
check_grep "the reply lists its address" "^ips: \[127.0.0.1\]" "$T/after"

stop_agent
AGENT_PID=$A_PID AGENT_LOG=$A_LOG
stop_agent

finish
