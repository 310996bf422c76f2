#!/bin/sh
# The viewer under tmux: DaRT arguments connect straight into the console,
# a typed command runs, Ctrl-] returns to the form, and a ticket typed in
# the form (with its auto-dashes) connects too.
. "$(dirname "$0")/lib.sh"

start_agent

viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "DaRT arguments connect at once" "key matches ticket"
keys 'echo $((6*7))' Enter
check_screen "the console runs a typed command" "^42"
keys 'tty' Enter
check_screen "the console has a pty" "^/dev/pts/"
keys 'echo "size=$(stty size)"' Enter
check_screen "the console has the viewer's window size" "^size=40 120"
check_grep "agent authenticated the viewer by key" \
    "auth-ok method=publickey" "$AGENT_LOG"
check_eq "connection.yaml says connected" connected \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
check_eq "connection.yaml lists the technician" 127.0.0.1 \
    "$("$YGET" "$AGENT_STATE/connection.yaml" connections.0.from)"

keys C-]
check_screen "Ctrl-] returns to the form" "console left"
check_screen "the form keeps the ticket" "Ticket  *$TICKET"
check "the agent sees the console go" \
    wait_for "[ \"\$($YGET $AGENT_STATE/connection.yaml state)\" = waiting ]"

# Enter on the kept form connects again; exit ends the session.
keys Enter
check_screen "Enter connects again" "key matches ticket"
keys 'exit 5' Enter
check_screen "the form shows how the session ended" "exit status 5"
keys Escape
check_screen "Esc quits the viewer" "VIEWER-EXIT=0"

# A blank start: type the ticket without dashes, the address and port.
viewer_start ""
check_screen "no arguments start the form" "remote rescue viewer"
digits=$(echo "$TICKET" | tr -d -)
keys "$digits"
check_screen "dashes appear as the ticket is typed" "Ticket  *$TICKET"
keys Tab 127.0.0.1 Tab C-u "$PORT" Enter
check_screen "the typed ticket connects" "key matches ticket"
keys 'echo typed-$((3+4))' Enter
check_screen "the console works after a typed connect" "^typed-7"
keys C-]
check_screen "back in the form" "console left"
keys C-c
check_screen "Ctrl-C in the form quits cleanly" "VIEWER-EXIT=0"

finish
