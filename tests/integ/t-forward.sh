#!/bin/sh
# Forwarding: TCP forwarding from the technician (ssh -L, ssh -W) only when
# forwarding.tcp is true, relayed both ways with EOF passed on; remote and
# agent forwarding always refused; every attempt audited.
. "$(dirname "$0")/lib.sh"

AUDIT=$T/audit.log
python3 "$top/tests/integ/echoserver.py" "$T/echo.port" 4 60 &
echo_pid=$!
wait_for "[ -s '$T/echo.port' ]" 50
EPORT=$(cat "$T/echo.port")
# A port with nothing behind it: bound, then closed.
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

fwd() {
	# shellcheck disable=SC2086
	sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" -W "$1" tether@127.0.0.1
}

# Off by default.
cat >"$T/off.yaml" <<EOF2
audit:
  file: $AUDIT
EOF2
start_agent -f "$T/off.yaml"
out=$(echo hi | fwd "127.0.0.1:$EPORT" 2>"$T/off.err")
rc=$?
check "forwarding is refused by default (exit $rc)" [ $rc -ne 0 ]
check_eq "and nothing came through" "" "$out"
check_grep "the client is told" "prohibited\|failed" "$T/off.err"
# shellcheck disable=SC2086
sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" -o ExitOnForwardFailure=yes \
    -R "0:127.0.0.1:$EPORT" tether@127.0.0.1 true 2>"$T/r.err"
check "remote forwarding (ssh -R) is refused" [ $? -ne 0 ]
check_grep "and the client says so" "remote port forwarding failed" \
    "$T/r.err"
stop_agent

cat >"$T/on.yaml" <<EOF2
forwarding:
  tcp: true
audit:
  file: $AUDIT
EOF2
start_agent -f "$T/on.yaml"
check_eq "ssh -W reaches the service" "hello there" \
    "$(echo 'hello there' | fwd "127.0.0.1:$EPORT" 2>"$T/w.err")"
head -c 3000000 /dev/urandom >"$T/blob"
fwd "127.0.0.1:$EPORT" <"$T/blob" >"$T/blob.back" 2>>"$T/w.err"
check "3 MB go there and back intact" cmp -s "$T/blob" "$T/blob.back"
echo x | fwd "127.0.0.1:$CLOSED" >/dev/null 2>"$T/closed.err"
check "a closed port fails the channel" [ $? -ne 0 ]
# A port that does not answer: its accept queue is full, so the kernel
# drops further SYNs. Opening a forward to it must not hold up the other
# channels of the same connection (it did for 5 s).
python3 - "$T/dead.port" <<'EOF_DEAD' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
fill = socket.create_connection(s.getsockname())
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(40)
EOF_DEAD
dead_pid=$!
wait_for "[ -s '$T/dead.port' ]" 50
took=$(/usr/bin/python3 "$top/tests/integ/clients.py" stall "$PORT" \
    "$TICKET" "$(cat "$T/dead.port")" 2>"$T/stall.err")
echo "# an echo beside a forward to a port that does not answer: ${took:-?} s"
check "it took under 1 s" awk -v t="${took:-99}" 'BEGIN { exit !(t < 1) }'
kill "$dead_pid" 2>/dev/null
# shellcheck disable=SC2086
sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" -o ExitOnForwardFailure=yes \
    -R "0:127.0.0.1:$EPORT" tether@127.0.0.1 true 2>/dev/null
check "remote forwarding stays refused" [ $? -ne 0 ]
eval "$(ssh-agent -s)" >/dev/null
# shellcheck disable=SC2086
out=$(sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" -A tether@127.0.0.1 \
    'echo "${SSH_AUTH_SOCK:-none}"' 2>/dev/null)
ssh-agent -k >/dev/null
check_eq "agent forwarding gives no agent socket" none "$out"
check_eq "the session still works" ok "$(agent_ssh echo ok)"
stop_agent
kill "$echo_pid" 2>/dev/null

check_grep "audit: a refused forwarding" \
    "event=forward session=[0-9a-f]\{16\} to=127.0.0.1:$EPORT result=refused\$" \
    "$AUDIT"
check_grep "audit: a forwarding" \
    "event=forward session=[0-9a-f]\{16\} to=127.0.0.1:$EPORT result=ok\$" \
    "$AUDIT"
check_grep "audit: a failed forwarding says why" \
    "event=forward session=[0-9a-f]\{16\} to=127.0.0.1:$CLOSED result=\"Connection refused\"\$" \
    "$AUDIT"
finish
