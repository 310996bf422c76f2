#!/bin/sh
# Ticket rotation: on expiry (a 2 s lifetime here) a new ticket, salt and
# host key replace the old ones in connection.yaml, on the status screen
# and in the audit log; open sessions go on, new connections need the new
# ticket. Failed logins never rotate it.
. "$(dirname "$0")/lib.sh"

cat >"$T/expire.yaml" <<EOC
ticket: {lifetime: 2s}
audit: {file: $T/audit.log}
EOC
start_agent -f "$T/expire.yaml"
old=$TICKET
oldfp=$("$YGET" "$AGENT_STATE/connection.yaml" fingerprint)
agent_ssh 'sleep 3; echo still-here' >"$T/long" 2>&1 &
longpid=$!
check "the ticket rotates when it expires" \
    wait_for "[ \"\$($YGET $AGENT_STATE/connection.yaml ticket)\" != '$old' ]" 60
new=$("$YGET" "$AGENT_STATE/connection.yaml" ticket)
check "the host key changed with it" [ "$("$YGET" \
    "$AGENT_STATE/connection.yaml" fingerprint)" != "$oldfp" ]
check_grep "the audit log says why" "event=rotate reason=expired" \
    "$T/audit.log"
check_grep "the status screen says why" "The ticket expired" \
    "$AGENT_DIR/out"
check_grep "the status screen shows the new ticket" "Ticket: *$new" \
    "$AGENT_DIR/out"
TICKET=$old
agent_ssh true 2>/dev/null
check "the old ticket is refused" [ $? -ne 0 ]

# The ticket keeps rotating every 2 s, so each try reads the current one;
# a slow build may lose one race, not three.
current() {
	n=0
	while [ $n -lt 3 ]; do
		TICKET=$("$YGET" "$AGENT_STATE/connection.yaml" ticket)
		"$@" && return 0
		n=$((n + 1))
	done
	return 1
}
ssh_ok() { [ "$(agent_ssh 'echo ok')" = ok ]; }
viewer_ok() {
	"$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" info \
	    >/dev/null
}
check "the new ticket works" current ssh_ok
wait "$longpid"
check_eq "a session opened before the expiry goes on" still-here \
    "$(cat "$T/long")"
check "the viewer checks the new key" current viewer_ok

# Failures never make a new ticket (a guesser could otherwise take the
# technician's ticket away): 30 wrong logins from one source later, the
# ticket is the same and works.
cat >"$T/fails.yaml" <<EOC
limits:
  per_source: {failures: 100}
audit: {file: $T/audit2.log}
EOC
start_agent -f "$T/fails.yaml"
old=$TICKET
wrong=$(echo "$TICKET" | tr -d - | tr 0123456789 1234567890)
i=0
while [ $i -lt 30 ]; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	sshpass -p "$wrong" ssh $SSHOPTS \
	    -p "$PORT" tether@127.0.0.1 true 2>/dev/null
done
check_eq "30 failures were counted" 30 \
    "$(grep -c 'event=auth-fail' "$T/audit2.log")"
check_eq "the ticket is the same after them" "$old" \
    "$("$YGET" "$AGENT_STATE/connection.yaml" ticket)"
check_no_grep "no rotation in the audit log" "event=rotate" "$T/audit2.log"
check_eq "the ticket still works" ok "$(agent_ssh 'echo ok')"
check_no_grep "no ticket in the audit log" "$old" "$T/audit2.log"

finish
