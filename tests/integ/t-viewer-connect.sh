#!/bin/sh
# The viewer under tmux: DaRT arguments connect straight to the session
# screen; its console runs typed commands on a pty and keeps its shell
# while the menu is up; q goes back to the form, which keeps the ticket;
# a ticket typed in the form (with its auto-dashes) connects too.
. "$(dirname "$0")/lib.sh"

start_agent

viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "DaRT arguments connect at once" \
    "tether  $(hostname)  127.0.0.1:$PORT  key ✔ ticket  [0-9]* ms  REC"
check_screen "the menu lists the screens" "Console *│"
keys Enter
check_screen "Enter opens the console" "key matches ticket"
shell_line 'echo $((6*7))'
check_screen "the console runs a typed command" "^42"
shell_line 'tty'
check_screen "the console has a pty" "^/dev/pts/"
shell_line 'echo "size=$(stty size)"'
check_screen "the console has the viewer's window size" "^size=40 120"
check_grep "agent authenticated the viewer by key" \
    "auth-ok method=password" "$AGENT_LOG"
check_eq "connection.yaml says connected" connected \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
check_eq "connection.yaml lists the technician" 127.0.0.1 \
    "$("$YGET" "$AGENT_STATE/connection.yaml" connections.0.from)"

check "--log-dir moved the audit file" \
    grep -q 'event=start' "$AGENT_DIR/logs/audit.log"
check "and the recordings" \
    eval "ls '$AGENT_DIR/logs/sessions/' | grep -q '\.cast\$'"
echo "log_dir: /var/log/elsewhere" >"$T/logdir.yaml"
"$TETHERD" -T -f "$T/logdir.yaml" --log-dir "$AGENT_DIR/logs" >"$T/dump" 2>&1
check_grep "-T shows where they go" "^  file: $AGENT_DIR/logs/audit.log\$" \
    "$T/dump"
"$TETHERD" -T -f "$T/logdir.yaml" >"$T/dump2" 2>&1
check_grep "log_dir in the file moves them too" \
    "^  dir: /var/log/elsewhere/sessions\$" "$T/dump2"

# Ctrl-] goes to the menu; the shell lives on for the next visit.
shell_line 'cd /tmp; KEPT=still-here'
keys C-]
check_screen "Ctrl-] returns to the menu" \
    "the shell is still running: Console goes back to it"
keys Enter
shell_line 'echo "$KEPT in $(pwd)"'
check_screen "the same shell is there on the next visit" "^still-here in /tmp"
shell_line 'exit 5'
check_screen "the menu says how the shell ended" \
    "the shell ended (exit status 5)"
keys Enter
check_screen "Console opens a new shell after that" "key matches ticket"
keys C-]
check_screen "back at the menu" "Up/Down choose, Enter opens, q disconnects"

# Leaving would end the running shell: q asks first, as Esc does.
keys q
check_screen "q asks first while a shell runs" \
    "a shell is running: y disconnects and ends it, any other key stays"
keys n
check_screen "any other key stays" "still connected"
keys Escape
check_screen "Esc in the menu asks the same" \
    "a shell is running: y disconnects"
keys y
check_screen "y goes back to the form" "disconnected; Enter connects again"
check_screen "the form keeps the ticket" "Ticket  *$TICKET"
check "the agent sees the viewer go" \
    wait_for "[ \"\$($YGET $AGENT_STATE/connection.yaml state)\" = waiting ]"

# Enter on the kept form connects again.
keys Enter
check_screen "Enter connects again" "key ✔ ticket"
keys q
check_screen "and q leaves again" "disconnected"
keys Escape
check_screen "Esc quits the viewer" "VIEWER-EXIT=0"

# A blank start: type the ticket without dashes, the address and port.
viewer_start ""
check_screen "no arguments start the form" "remote rescue viewer"
digits=$(echo "$TICKET" | tr -d -)
keys "$digits"
check_screen "dashes appear as the ticket is typed" "Ticket  *$TICKET"
keys Tab 127.0.0.1 Tab C-u "$PORT" Enter
check_screen "the typed ticket connects" "key ✔ ticket"
keys Enter
shell_line 'echo typed-$((3+4))'
check_screen "the console works after a typed connect" "^typed-7"
keys C-]
check_screen "Ctrl-] returns to the menu again" "the shell is still running"
keys q y
check_screen "back in the form" "remote rescue viewer"
keys C-c
check_screen "Ctrl-C in the form quits cleanly" "VIEWER-EXIT=0"

finish
