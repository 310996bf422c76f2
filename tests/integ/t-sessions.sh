#!/bin/sh
# Per-connection limits and the end of a session: max_sessions,
# max_auth_tries, login_grace_time, max_startups, idle_timeout, and the
# end verb.
. "$(dirname "$0")/lib.sh"

cat >"$T/conf.yaml" <<EOC
limits:
  max_sessions: 2
  max_auth_tries: 2
  login_grace_time: 2s
  idle_timeout: 3s
  per_source: {failures: 100}
  max_startups: 2:100:2
audit: {file: $T/audit.log}
EOC
start_agent -f "$T/conf.yaml"

# Two sessions fill max_sessions; the third is refused with a message.
agent_ssh 'sleep 2.5' >/dev/null 2>&1 &
p1=$!
agent_ssh 'sleep 2.5' >/dev/null 2>&1 &
p2=$!
check "two sessions are in" wait_for \
    "[ \$(grep -c 'event=auth-ok' '$T/audit.log') -eq 2 ]" 50
# LogLevel INFO: OpenSSH hides the server's banner message below it.
# shellcheck disable=SC2086
sshpass -p "$TICKET" ssh -o LogLevel=INFO $SSHOPTS -p "$PORT" \
    tether@127.0.0.1 'touch '"$T"'/third' >"$T/third.out" 2>&1
check "the third session is refused" [ $? -ne 0 ]
check "nothing ran for it" [ ! -e "$T/third" ]
check_grep "it is told why" "too many sessions (2); try again later" \
    "$T/third.out"
check_grep "the refusal is audited" \
    'event=refused from=127.0.0.1 user=tether reason="too many sessions' \
    "$T/audit.log"
"$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" info \
    >/dev/null 2>"$T/viewer.err"
check_eq "the viewer is refused too" 255 $?
check_grep "and shows the agent's reason" \
    "127.0.0.1 port $PORT: too many sessions (2); try again later" \
    "$T/viewer.err"
wait $p1 $p2
check_eq "a slot frees when a session ends" free "$(agent_ssh 'echo free')"

# max_auth_tries: the second wrong password in one connection closes it.
# sshpass answers one prompt only, so an askpass program answers them all.
wrong=$(echo "$TICKET" | tr -d - | tr 0123456789 1234567890)
printf '#!/bin/sh\necho %s\n' "$wrong" >"$T/askpass"
chmod +x "$T/askpass"
# shellcheck disable=SC2086
SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force setsid ssh \
    -o NumberOfPasswordPrompts=5 $SSHOPTS -p "$PORT" tether@127.0.0.1 true \
    </dev/null >/dev/null 2>&1
check_grep "the agent stops after max_auth_tries" \
    "too many authentication failures from 127.0.0.1" "$AGENT_LOG"
check_eq "after exactly two tries" "1 0" \
    "$(grep -c 'event=auth-fail.* tries=2' "$T/audit.log") $(grep -c \
    'event=auth-fail.* tries=3' "$T/audit.log")"

# login_grace_time: a connection that never authenticates is dropped.
python3 - "$PORT" >"$T/grace" <<'EOP'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"SSH-2.0-OpenSSH_9.2 grace-test\r\n")
t0 = time.monotonic()
s.settimeout(10)
try:
    while s.recv(4096):
        pass
except (socket.timeout, ConnectionResetError):
    pass
print("%.1f" % (time.monotonic() - t0))
EOP
g=$(cat "$T/grace")
check "an idle unauthenticated connection is dropped after ~2 s ($g s)" \
    awk "BEGIN { exit !($g >= 1.5 && $g < 5) }"

# max_startups 2:100:2: a third unauthenticated connection is dropped.
python3 - "$PORT" >"$T/startups" <<'EOP'
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for i in range(2)]
for h in held:
    h.recv(64)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
try:
    data = s.recv(64)
except ConnectionResetError:
    data = b""
print("banner" if data.startswith(b"SSH-") else "dropped")
EOP
check_eq "a connection past max_startups is dropped" dropped \
    "$(cat "$T/startups")"
check_grep "the drop is audited" "event=refused from=127.0.0.1 reason=max_startups" \
    "$T/audit.log"

# idle_timeout: a console with no data either way for 3 s is closed.
sleep 2.5	# let the grace-time sockets above go
mkfifo "$T/quiet"
start=$(date +%s)
# shellcheck disable=SC2086
sshpass -p "$TICKET" ssh -tt $SSHOPTS -p "$PORT" tether@127.0.0.1 \
    <"$T/quiet" >/dev/null 2>&1 &
sp=$!
exec 7>"$T/quiet"	# a writer that never writes: input stays open
wait "$sp"
end=$(date +%s)
exec 7>&-
check "an idle console is closed after idle_timeout ($((end - start)) s)" \
    [ $((end - start)) -lt 10 ]
check_grep "the idle close is audited" "event=idle from=127.0.0.1" \
    "$T/audit.log"
check_eq "a console with output is not idle" busy \
    "$(agent_ssh 'for i in 1 2 3 4 5; do echo .; sleep 1; done; echo busy' 2>&1 | tail -n 1)"
check_eq "a silent command without a pty is not idle" survived \
    "$(agent_ssh 'sleep 5; echo survived' 2>&1)"

# end: the technician ends everything; the agent exits 0.
agent_ssh 'sleep 20' >/dev/null 2>&1 &
other=$!
out=$(agent_ssh end 2>"$T/end.err")
[ -s "$T/end.err" ] && sed 's/^/# end: /' "$T/end.err" && tail -n 8 "$AGENT_LOG"
check_eq "end answers before it ends" "ending the remote session" "$out"
check "the agent exits" wait_for "! kill -0 $AGENT_PID 2>/dev/null" 50
wait "$AGENT_PID"
check_eq "with status 0" 0 $?
check_eq "connection.yaml says ended" ended \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
check_grep "the local screen says so" "Session ended by technician" \
    "$AGENT_DIR/out"
check_grep "the end is audited" "event=end from=127.0.0.1 by=technician" \
    "$T/audit.log"
wait "$other"
check "the other session was closed" [ $? -ne 0 ]

finish
