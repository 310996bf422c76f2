#!/bin/sh
# ticket.on_expiry: end. When the ticket's lifetime is over the port
# closes, connection.yaml says expired (so `tetherd wait` gives up), a
# technician already in keeps the session, and the agent then ends alone.
. "$(dirname "$0")/lib.sh"

cat >"$T/short.yaml" <<EOF2
ticket:
  lifetime: 2s
  on_expiry: end
audit:
  file: $T/audit.log
EOF2

# Nobody connects: a launch script's wait gives up, the agent ends alone.
start_agent -f "$T/short.yaml"
"$TETHERD" wait --state-dir "$AGENT_STATE" --timeout 20 2>"$T/wait.err"
check_eq "tetherd wait gives up with 1 at expiry" 1 $?
check_grep "and says why" "the agent has ended" "$T/wait.err"
check "the agent ends by itself after its lifetime" \
    wait_for "! kill -0 $AGENT_PID 2>/dev/null" 100
wait "$AGENT_PID"
check_eq "and exits 0" 0 $?
check_eq "connection.yaml says expired" expired \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
check_grep "audit: the expiry, with no session" \
    "event=expire sessions=none\$" "$T/audit.log"
check_no_grep "no new ticket was made" "event=rotate" "$T/audit.log"

# A technician is in when it expires: kept, and the agent ends after.
sed 's/lifetime: 2s/lifetime: 3s/' "$T/short.yaml" >"$T/three.yaml"
start_agent -f "$T/three.yaml"
agent_ssh 'sleep 6; echo still-served' >"$T/live.out" 2>&1 &
live=$!
check "the expiry comes while the session runs" wait_for \
    "[ \"\$($YGET $AGENT_STATE/connection.yaml state)\" = expired ]" 80
agent_ssh true 2>/dev/null
check "a new connection is refused after expiry" [ $? -ne 0 ]
check "the agent is still there for the session" kill -0 "$AGENT_PID"
wait "$live"
check_eq "the live session finished its work" still-served \
    "$(cat "$T/live.out")"
check "then the agent ends" \
    wait_for "! kill -0 $AGENT_PID 2>/dev/null" 100
wait "$AGENT_PID"
check_eq "and exits 0" 0 $?
check_eq "connection.yaml still says expired" expired \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
check_grep "audit: the expiry kept the session" \
    "event=expire sessions=kept\$" "$T/audit.log"
check_grep "the local screen says so" "The ticket expired" \
    "$AGENT_DIR/out"
finish
