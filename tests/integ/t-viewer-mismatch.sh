#!/bin/sh
# A viewer given a different valid ticket refuses the agent before any
# authentication: it says so, and the agent's log shows no auth attempt.
. "$(dirname "$0")/lib.sh"

start_agent

digits=$(echo "$TICKET" | tr -d -)
other=$(echo "$digits" | tr 0123456789 5678901234)

viewer_start "--ticket $other --ip 127.0.0.1 --port $PORT"
check_screen "the viewer names the impersonation" \
    "this agent does not hold that ticket: check the digits (or someone is impersonating it)"
check_screen "the viewer falls back to the form" "remote rescue viewer"
check_grep "the agent saw the connection" "connection from 127.0.0.1" \
    "$AGENT_LOG"
check_no_grep "the agent saw no authentication attempt" "auth-" "$AGENT_LOG"

"$TETHER" --ticket "$other" --ip 127.0.0.1 --port "$PORT" info \
    >"$T/out" 2>"$T/err"
check_eq "a scripted verb with the wrong ticket exits 255" 255 $?
check_grep "and says why" "does not hold that ticket" "$T/err"
check_eq "and prints nothing on stdout" "" "$(cat "$T/out")"
check_no_grep "still no authentication attempt" "auth-" "$AGENT_LOG"
check_eq "the agent is still waiting" waiting \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"

# Something that is not tether at all: a plain TCP listener's banner.
"$TETHER" --ticket "$digits" --ip 127.0.0.1 --port 1 info 2>"$T/err"
check_eq "a closed port exits 255" 255 $?
check_grep "a closed port is named" "127.0.0.1 port 1" "$T/err"

finish
