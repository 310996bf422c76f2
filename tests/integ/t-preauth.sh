#!/bin/sh
# Nothing before authentication (libssh CVE-2018-10933): a raw libssh
# client asks for a session channel, a direct-tcpip channel, a pipelined
# exec, a port forward and "none" authentication without authenticating,
# and gets none of them. After authentication stock ssh still gets no port
# forwarding either way and no agent forwarding.
#
# libssh 0.10.6's own packet filter ends a connection that sends
# CHANNEL_OPEN or GLOBAL_REQUEST before authentication, before tetherd's
# session_open() is called; so "channel refused before authentication"
# cannot appear in the log, and the checks here are on what the client saw,
# on the audit trail and on what did not run.
. "$(dirname "$0")/lib.sh"

PREAUTH=$BUILD/tests/preauth
FWDOPTS="-o LogLevel=INFO -o ExitOnForwardFailure=yes"

free_port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Connect to a local port and print "connected" and what arrives in 3s.
port_read() {
	python3 -c 'import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 3)
except OSError as e:
    print("no connection:", e); sys.exit(1)
print("connected"); s.settimeout(3); d = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        d += b
except OSError:
    pass
print("got:", d)' "$1"
}

# preauth_run name expected-exit [-p ticket] mode [marker]
preauth_run() {
	name=$1
	want=$2
	shift 2
	"$PREAUTH" "$@" >"$T/$name.out" 2>&1
	rc=$?
	check_eq "$name: exit $want" "$want" "$rc"
	[ "$rc" -eq "$want" ] || sed 's/^/#   /' "$T/$name.out"
}

cat >"$T/tetherd.yaml" <<EOF
audit:
  file: $T/audit.log
EOF
# The remote environment is checked for SSH_AUTH_SOCK below.
unset SSH_AUTH_SOCK
start_agent -f "$T/tetherd.yaml"

# Before authentication: each request goes on the wire and is refused.
preauth_run channel 0 127.0.0.1 "$PORT" channel
check_grep "a session channel open was sent and refused" \
    "^channel: refused (.*); sent: CHANNEL_OPEN type session for channel 43;" \
    "$T/channel.out"
check_no_grep "no channel confirmation came back" \
    "CHANNEL_OPEN_CONFIRMATION" "$T/channel.out"

preauth_run direct 0 127.0.0.1 "$PORT" direct
check_grep "a direct-tcpip channel open was sent and refused" \
    "^direct: refused (.*); sent: CHANNEL_OPEN type direct-tcpip for" \
    "$T/direct.out"

preauth_run exec 0 127.0.0.1 "$PORT" exec "$T/marker-exec"
check_grep "an open and an exec were pipelined and refused" \
    "^exec: refused (.*); sent: CHANNEL_OPEN type session for channel 43, $(
    )CHANNEL_REQUEST exec;" \
    "$T/exec.out"
check_no_grep "no channel success came back" "CHANNEL_SUCCESS" \
    "$T/exec.out"
check "the pipelined command did not run" [ ! -e "$T/marker-exec" ]

preauth_run forward 0 127.0.0.1 "$PORT" forward
check_grep "a tcpip-forward request was sent and refused" \
    "^forward: refused (.*); sent: GLOBAL_REQUEST tcpip-forward;" \
    "$T/forward.out"
check_no_grep "no request success came back" "REQUEST_SUCCESS" \
    "$T/forward.out"

preauth_run none 0 127.0.0.1 "$PORT" none
check_grep "none authentication is denied; publickey and password remain" \
    "^none: refused (denied, methods publickey password)" "$T/none.out"

preauth_run afterfail 0 127.0.0.1 "$PORT" afterfail
check_grep "after a wrong password a channel open is refused" \
    "^afterfail: refused (.*); sent: CHANNEL_OPEN type session" \
    "$T/afterfail.out"

# The same client after authentication: it does see a grant, and the
# pipelined exec, aimed as before, does run. So the checks above can fail.
preauth_run control-channel 1 -p "$TICKET" 127.0.0.1 "$PORT" channel
check_grep "after authentication the same open is granted" \
    "^channel after authentication: granted" "$T/control-channel.out"
preauth_run control-exec 1 -p "$TICKET" 127.0.0.1 "$PORT" exec \
    "$T/marker-control"
check "after authentication the same pipelined exec runs" \
    [ -e "$T/marker-control" ]
# Forwarding is refused even then.
preauth_run control-forward 0 -p "$TICKET" 127.0.0.1 "$PORT" forward
check_grep "after authentication tcpip-forward gets a request failure" \
    "^forward after authentication: refused (request failure)" \
    "$T/control-forward.out"
preauth_run control-direct 0 -p "$TICKET" 127.0.0.1 "$PORT" direct
check_grep "after authentication direct-tcpip gets an open failure" \
    "^direct after authentication: refused (open failure)" \
    "$T/control-direct.out"

check "every connection's child has ended" \
    wait_for "[ -z \"\$(pgrep -P $AGENT_PID)\" ]" 50
check "the agent is still running" kill -0 "$AGENT_PID"
check_eq "ten connections are audited" 10 \
    "$(grep -c ' event=connect ' "$T/audit.log")"
check_eq "only the four with the ticket authenticated" 4 \
    "$(grep -c ' event=auth-ok ' "$T/audit.log")"
check_eq "only the control's command ran" 1 \
    "$(grep -c ' event=exec ' "$T/audit.log")"
check_grep "the command that ran is the control's" \
    "event=exec .*command=\"touch $T/marker-control\"" "$T/audit.log"
check_no_grep "no shell was started" "shell pty=" "$AGENT_LOG"

# Sessions run with no_new_privs, set in the child before the first byte.
check_eq "sessions run with no_new_privs" "NoNewPrivs:	1" \
    "$(agent_ssh 'grep NoNewPrivs /proc/self/status')"

# ssh -L: the local port listens, but nothing comes through it.
lport=$(free_port)
# shellcheck disable=SC2086
timeout 20 sshpass -p "$TICKET" ssh $FWDOPTS $SSHOPTS -N \
    -L "127.0.0.1:$lport:127.0.0.1:$PORT" -p "$PORT" tether@127.0.0.1 \
    2>"$T/L.err" &
lpid=$!
check "ssh -L listens on its local port" \
    wait_for "port_read $lport >/dev/null 2>&1" 100
port_read "$lport" >"$T/L.read" 2>&1
check_grep "a connection to the -L port is accepted" "^connected" \
    "$T/L.read"
check_no_grep "the agent's banner does not come through it" "SSH-2.0" \
    "$T/L.read"
check_grep "ssh reports the forwarding channel refused" "open failed" \
    "$T/L.err"
kill "$lpid" 2>/dev/null
wait "$lpid" 2>/dev/null

# ssh -R: the agent refuses to listen, and ssh gives up.
rport=$(free_port)
# shellcheck disable=SC2086
timeout 20 sshpass -p "$TICKET" ssh $FWDOPTS $SSHOPTS -N \
    -R "127.0.0.1:$rport:127.0.0.1:$PORT" -p "$PORT" tether@127.0.0.1 \
    2>"$T/R.err"
rc=$?
check "ssh -R fails, and before the timeout" \
    eval '[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]'
check_grep "ssh reports the remote forwarding failed" \
    "remote port forwarding failed for listen port $rport" "$T/R.err"
check "nothing listens on the -R port" eval "! port_read $rport >/dev/null"

# ssh -A with a real agent: the request is made, and refused.
ssh-agent -D -a "$T/ssh-agent.sock" >/dev/null 2>&1 &
agents="$agents $!"	# lib.sh's cleanup ends it with the agents
check "a local ssh-agent is up" wait_for "[ -S '$T/ssh-agent.sock' ]" 50
# shellcheck disable=SC2086
out=$(SSH_AUTH_SOCK=$T/ssh-agent.sock sshpass -p "$TICKET" ssh \
    -o LogLevel=DEBUG1 $SSHOPTS -A -p "$PORT" tether@127.0.0.1 \
    'echo "sock=${SSH_AUTH_SOCK:-none}"; env | grep -c "^SSH_AUTH_SOCK="' \
    2>"$T/A.err")
check_grep "ssh -A asks for agent forwarding" \
    "Requesting authentication agent forwarding" "$T/A.err"
check_eq "no SSH_AUTH_SOCK in the remote environment" "sock=none
0" "$out"

stop_agent

finish
