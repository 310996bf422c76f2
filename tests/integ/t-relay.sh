#!/bin/sh
# The relay: a private, unmodified sshd on 127.0.0.1 with its own host
# keys and the two authorized_keys lines of tetherd(8). The agent connects
# out to it and has it listen on its loopback; the viewer (--relay) and
# stock ssh -J reach the console through it. A relay that shows another
# host key is refused; a relay that restarts is found again within 10 s;
# the agent's key gets no shell there; wrong tickets through the relay
# are held by the global guess budget alone, and the right one still
# gets in.
. "$(dirname "$0")/lib.sh"

R=$T/relay
mkdir -p "$R" /run/sshd
ssh-keygen -q -t ed25519 -N '' -C relay-host -f "$R/host" || exit 1
ssh-keygen -q -t ed25519 -N '' -C relay-other -f "$R/other" || exit 1
ssh-keygen -q -t ed25519 -N '' -C agent -f "$R/agent" || exit 1
ssh-keygen -q -t ed25519 -N '' -C agent-hard -f "$R/agent2" || exit 1
ssh-keygen -q -t ed25519 -N '' -C tech -f "$R/tech" || exit 1
# The lines of tetherd(8), as they are; and the agent's line with the
# permitopen that also keeps a stolen agent key from connecting onwards.
{
	echo "restrict,port-forwarding,permitlisten=\"localhost:*\",command=\"/bin/false\" $(cat "$R/agent.pub")"
	echo "restrict,port-forwarding,permitlisten=\"localhost:*\",permitopen=\"localhost:1\",command=\"/bin/false\" $(cat "$R/agent2.pub")"
	echo "restrict,port-forwarding,permitopen=\"localhost:*\" $(cat "$R/tech.pub")"
} >"$R/authorized_keys"
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$R/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $RPORT
HostKey $R/host
PidFile none
AuthorizedKeysFile $R/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
LogLevel VERBOSE
EOF
/usr/sbin/sshd -t -f "$R/sshd_config" || exit 1

# relay_start / relay_stop: the relay's sshd, and it with every
# connection process it started (killing the listener alone leaves them).
relay_start() {
	/usr/sbin/sshd -D -e -f "$R/sshd_config" 2>>"$R/log" &
	RELAY_PID=$!
	agents="$agents $RELAY_PID"
	wait_for "ssh-keyscan -p $RPORT 127.0.0.1 2>/dev/null | grep -q ed25519" 50
}
relay_stop() {
	for _c in $(ps -o pid= --ppid "$RELAY_PID"); do
		kill "$_c" 2>/dev/null
	done
	kill "$RELAY_PID"
	wait "$RELAY_PID" 2>/dev/null
}
relay_start || { not_ok "the relay's sshd starts"; finish; }

# The technician's ssh: the relay's host key known, the tech key only.
echo "[127.0.0.1]:$RPORT $(cut -d' ' -f1,2 "$R/host.pub")" >"$R/known_hosts"
cat >"$R/ssh_config" <<EOF
Host relay
  HostName 127.0.0.1
  Port $RPORT
  User root
  IdentityFile $R/tech
  IdentitiesOnly yes
  UserKnownHostsFile $R/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
Host agent
  HostName localhost
  User tether
  UserKnownHostsFile $R/agent_known_hosts
  StrictHostKeyChecking yes
  PreferredAuthentications password
  PubkeyAuthentication no
  LogLevel ERROR
EOF
TETHER_SSH="ssh -F $R/ssh_config"
export TETHER_SSH

cat >"$T/conf.yaml" <<EOF
relay:
  - host: 127.0.0.1
    port: $RPORT
    user: root
    identity: $R/agent
    host_key: "$(cat "$R/host.pub")"
audit: {file: $T/audit.log}
limits:
  guesses: {burst: 20, refill: 10s}
EOF
start_agent -f "$T/conf.yaml"
OUT=$AGENT_DIR/out

# rport: the relay's port in connection.yaml, or nothing.
rport() {
	"$YGET" "$AGENT_STATE/connection.yaml" relay.0.port 2>/dev/null |
	    grep -x '[0-9][0-9]*'
}
check "connection.yaml has the relay's port" wait_for '[ -n "$(rport)" ]' 100
RP=$(rport)
check_grep "the status screen shows relay: HOST port N" \
    "relay: 127.0.0.1:$RPORT port $RP" "$OUT"
check_eq "connection.yaml names the relay" "127.0.0.1:$RPORT" \
    "$("$YGET" "$AGENT_STATE/connection.yaml" relay.0.host)"
check_grep "the relay's sshd saw the agent's key" \
    "Accepted publickey for root.*ED25519" "$R/log"
ss -Hltn "sport = :$RP" | awk '{ print $4 }' >"$T/listen"
check_grep "the relay listens on that port" ":$RP\$" "$T/listen"
check_no_grep "on its loopback only" "^0\.0\.0\.0:\|^\[::\]:\|^\*:" \
    "$T/listen"
check_grep "the audit has the relay and its port" \
    "event=relay host=127.0.0.1:$RPORT port=$RP" "$T/audit.log"

# Stock ssh -J, with the agent's key checked as tether known-hosts prints
# it (through the relay too).
V="$TETHER --relay relay --ticket $TICKET --ip localhost --port $RP"
$V known-hosts >"$R/agent_known_hosts" 2>"$T/kh.err"
check_grep "known-hosts through the relay" "^\[localhost\]:$RP ssh-ed25519 " \
    "$R/agent_known_hosts"
out=$(sshpass -p "$TICKET" ssh -F "$R/ssh_config" -J relay -p "$RP" agent \
    'echo via-$((6*7))' 2>&1)
check_eq "stock ssh -J reaches the agent through the relay" "via-42" "$out"
# 8 MB each way through the relay's one connection, byte for byte.
head -c 8388608 /dev/urandom >"$T/big"
sshpass -p "$TICKET" ssh -F "$R/ssh_config" -J relay -p "$RP" agent \
    "cat > $T/big.up" <"$T/big"
check "8 MB up through the relay arrive whole" cmp -s "$T/big" "$T/big.up"
sshpass -p "$TICKET" ssh -F "$R/ssh_config" -J relay -p "$RP" agent \
    "cat $T/big" >"$T/big.down" </dev/null
check "8 MB down through the relay arrive whole" cmp -s "$T/big" \
    "$T/big.down"
rm -f "$T/big" "$T/big.up" "$T/big.down"
check_grep "the agent names the relay as the source" \
    "event=auth-ok from=relay:127.0.0.1:$RPORT" "$T/audit.log"

# The viewer, with a reason, under tmux.
viewer_start "--relay relay -ticket=$TICKET -ipaddress=localhost -port=$RP --reason 'INC-4821 disk full' shell"
check_screen "the viewer opens the console through the relay" "^root@\|[#$] *$"
shell_line 'echo through-$((7*6))'
check_screen "and runs a command in it" "^through-42"
shell_line 'echo $$ >'"$T/shellpid"'; exit 3'
check_screen "and gets its exit status back" "VIEWER-EXIT=3"
check "the agent's screen shows the reason" wait_for \
    "grep -q 'connected: relay:127.0.0.1:$RPORT, reason: INC-4821 disk full' '$OUT'" 50
check_grep "the audit has the reason" \
    'event=reason from=relay:127.0.0.1:[0-9]* session=[0-9a-f]* reason="INC-4821 disk full"' \
    "$T/audit.log"
cast=$(ls -t "$AGENT_DIR"/logs/sessions/*.cast 2>/dev/null | head -n 1)
check_grep "the recording's header has the reason" \
    '"reason": "INC-4821 disk full"' "${cast:-/dev/null}"

# The form's Relay field, and TETHER_RELAY.
viewer_start "--ticket $TICKET"
check_screen "the form starts" "Relay"
keys localhost Tab C-u "$RP" Tab relay Enter
check_screen "the form's Relay field connects through the relay" "Console"
n=$(grep -c "event=auth-ok from=relay:127.0.0.1:$RPORT" "$T/audit.log")
TETHER_RELAY=relay $TETHER --ticket "$TICKET" --ip localhost --port "$RP" \
    info >"$T/env.yaml" 2>&1
check_eq "TETHER_RELAY stands for --relay" "relay:127.0.0.1:$RPORT" \
    "$("$YGET" "$T/env.yaml" from)"
check_eq "and logged in through it" $((n + 1)) \
    "$(grep -c "event=auth-ok from=relay:127.0.0.1:$RPORT" "$T/audit.log")"

# info shows the relay.
$V info >"$T/info.yaml"
check_eq "info through the relay: the relay's port" "$RP" \
    "$("$YGET" "$T/info.yaml" relay.0.port)"
check_eq "info: the connection came from the relay" "relay:127.0.0.1:$RPORT" \
    "$("$YGET" "$T/info.yaml" from)"

# A port on the relay where no agent listens: the viewer says where.
$TETHER --relay relay --ticket "$TICKET" --ip localhost --port 1 info \
    >/dev/null 2>"$T/noport.err"
check_eq "a relay port with no agent: exit 255" 255 $?
check_grep "and the viewer says the relay had nothing there" \
    "no connection through the relay relay to localhost port 1" \
    "$T/noport.err"

# The agent's keys get no shell and no command on the relay.
for k in agent agent2; do
	out=$(ssh -i "$R/$k" -o IdentitiesOnly=yes -o BatchMode=yes \
	    -o UserKnownHostsFile="$R/known_hosts" -p "$RPORT" root@127.0.0.1 \
	    'echo PWNED' 2>&1 </dev/null)
	rc=$?
	check "the $k key runs no command on the relay (exit $rc)" \
	    [ "$rc" -ne 0 ]
	check_eq "and prints nothing of it" "" "$(echo "$out" | grep PWNED)"
	out=$(ssh -tt -i "$R/$k" -o IdentitiesOnly=yes -o BatchMode=yes \
	    -o UserKnownHostsFile="$R/known_hosts" -p "$RPORT" root@127.0.0.1 \
	    2>&1 </dev/null)
	check_grep "the $k key gets no pty" "PTY allocation request failed" \
	    "$(echo "$out" >"$T/pty.out"; echo "$T/pty.out")"
done
# With permitopen as well, the agent's key opens nothing onwards, and
# still has the relay listen.
out=$(timeout 10 ssh -i "$R/agent2" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$R/known_hosts" -p "$RPORT" \
    -W "127.0.0.1:$PORT" root@127.0.0.1 </dev/null 2>&1 | head -c 200)
check_eq "permitopen: the hardened agent key cannot reach the agent's port" \
    "" "$(echo "$out" | grep SSH-2.0)"
timeout 5 ssh -i "$R/agent2" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$R/known_hosts" -o ExitOnForwardFailure=yes \
    -p "$RPORT" -N -R 0:localhost:1 root@127.0.0.1 </dev/null \
    >"$T/r.out" 2>&1
check_grep "and it may still have the relay listen" "Allocated port" "$T/r.out"

# 100 wrong tickets through the relay, 5 connections of 3 tries at a time,
# over a stock ssh -L through it (the technician's key): the global budget
# (20, then 1 every 10 s) holds them, nobody is locked out, and the right
# ticket gets in at once.
LP=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
ssh -F "$R/ssh_config" -N -o ExitOnForwardFailure=yes \
    -L "127.0.0.1:$LP:localhost:$RP" relay </dev/null 2>"$T/L.err" &
LPID=$!
agents="$agents $LPID"
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $LP), 1)' 2>/dev/null" 50
wrong=$(echo "$TICKET" | tr -d - | tr 0123456789 1234567890)
PY=/usr/bin/python3
answered=0
closed=0
t0=$(date +%s)
i=0
while [ $i -lt 7 ]; do
	r=$($PY "$top/tests/integ/guess.py" preopen "$LP" 5 3 "$wrong" 2>&1)
	a=$(echo "$r" | sed -n 's/^answered=\([0-9]*\) closed=\([0-9]*\)$/\1/p')
	c=$(echo "$r" | sed -n 's/^answered=\([0-9]*\) closed=\([0-9]*\)$/\2/p')
	answered=$((answered + ${a:-0}))
	closed=$((closed + ${c:-0}))
	i=$((i + 1))
done
secs=$(($(date +%s) - t0))
budget=$((20 + secs / 10 + 1))
fails=$(grep -c "event=auth-fail from=relay:127.0.0.1:$RPORT" "$T/audit.log")
spent=$(grep -c "event=refused from=relay:127.0.0.1:$RPORT reason=limits.guesses" "$T/audit.log")
echo "# 105 wrong tickets through the relay in $secs s: $fails checked, $spent connections closed by the budget ($budget tokens); paramiko: answered=$answered closed=$closed"
check_eq "every wrong ticket was tried or refused" 105 $((answered + closed))
check "the budget closed connections" [ "$spent" -gt 0 ]
# Past the budget a guess costs its connection: at most the tokens, and
# one for each of the 35 connections.
check "no more guesses checked than the budget and the connections allow" \
    [ "$fails" -le $((budget + 35)) ]
check "fewer than were sent" [ "$fails" -lt 105 ]
check_no_grep "nobody behind the relay is locked out" "event=lockout" \
    "$T/audit.log"
out=$(sshpass -p "$TICKET" ssh -F "$R/ssh_config" -J relay -p "$RP" agent \
    'echo still-$((6*7))' 2>&1)
check_eq "the right ticket still gets in through the relay" "still-42" "$out"
kill "$LPID" 2>/dev/null

# The relay restarts: the agent is there again, on a new port, in 10 s.
downs=$(grep -c "relay: 127.0.0.1:$RPORT down" "$OUT")
ups=$(grep -c "relay: 127.0.0.1:$RPORT port" "$OUT")
relay_stop
check "the agent sees the relay go" wait_for \
    "[ \$(grep -c 'relay: 127.0.0.1:$RPORT down' '$OUT') -gt $downs ]" 50
check_eq "connection.yaml: no port while it is down" "" "$(rport)"
t0=$(date +%s%N)
relay_start
check "the agent is back on the relay within 10 s" wait_for \
    "[ \$(grep -c 'relay: 127.0.0.1:$RPORT port' '$OUT') -gt $ups ]" 100
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# back on the relay $ms ms after its sshd started again"
RP2=$(rport)
check "connection.yaml has the new port" [ -n "$RP2" ]
out=$(sshpass -p "$TICKET" ssh -F "$R/ssh_config" -J relay -p "$RP2" \
    -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no agent \
    'echo again-42' 2>&1)
check_eq "and takes connections through it again" "again-42" "$out"

# A reload keeps the relays as they started; the relay's process, if it
# dies, is started again with them.
cp "$T/conf.yaml" "$T/conf.orig"
printf 'audit: {file: %s}\n' "$T/audit.log" >"$T/conf.yaml"
kill -HUP "$AGENT_PID"
check "the agent reloads a file without relays" wait_for \
    "grep -q 'reloaded' '$AGENT_LOG'" 50
rpid=$(ss -Htnp "dport = :$RPORT" | grep -o 'pid=[0-9]*' | head -n 1 |
    cut -d= -f2)
check "the relay's process holds the connection to the relay" \
    [ -n "$rpid" ]
# It speaks SSH to the network as a client: not as root.
NOBODY=$(getent passwd nobody | cut -d: -f3)
check_eq "the relay's process runs as nobody" \
    "${NOBODY:-65534}" "$(awk '$1 == "Uid:" { print $3 }' "/proc/$rpid/status")"
check_eq "with no_new_privs" 1 \
    "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$rpid/status")"
check_eq "and no capability" 0000000000000000 \
    "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$rpid/status")"
ups=$(grep -c "relay: 127.0.0.1:$RPORT port" "$OUT")
kill -TERM "$rpid"
check "after a reload, a relay process that died is back within 10 s" \
    wait_for "[ \$(grep -c 'relay: 127.0.0.1:$RPORT port' '$OUT') -gt $ups ]" 100
cp "$T/conf.orig" "$T/conf.yaml"
stop_agent

# A relay with another host key: refused before the agent logs in.
cat >"$T/bad.yaml" <<EOF
relay:
  - host: 127.0.0.1
    port: $RPORT
    user: root
    identity: $R/agent
    host_key: "$(cat "$R/other.pub")"
audit: {file: $T/audit2.log}
EOF
accepted=$(grep -c "Accepted publickey" "$R/log")
start_agent -f "$T/bad.yaml"
check "another host key: the agent refuses the relay" wait_for \
    "grep -q 'relay: 127.0.0.1:$RPORT down (host key mismatch' '$AGENT_DIR/out'" 50
check_grep "the audit says so" "event=relay host=127.0.0.1:$RPORT down=\"host key mismatch" \
    "$T/audit2.log"
sleep 2
check_eq "no relay port in connection.yaml" "" "$(rport)"
check_eq "the agent did not log in to it" "$accepted" \
    "$(grep -c "Accepted publickey" "$R/log")"
stop_agent

# The same with a SHA256: fingerprint: right is taken, wrong refused.
fp=$(ssh-keygen -lf "$R/host.pub" | awk '{ print $2 }')
sed "s|host_key: .*|host_key: \"$fp\"|" "$T/bad.yaml" >"$T/fp.yaml"
start_agent -f "$T/fp.yaml"
check "a SHA256: fingerprint of the relay's key is taken" \
    wait_for '[ -n "$(rport)" ]' 100
stop_agent

# tether.relay= on the kernel command line wins over the file's relay,
# with the file's identity and host key. The agent sees a command line of
# the test's own, bound over /proc/cmdline in a mount namespace.
echo "quiet tether.relay=root@127.0.0.1:$RPORT" >"$T/cmdline"
cat >"$T/wrap" <<EOW
#!/bin/sh
exec unshare -m sh -c 'mount --bind "\$0" /proc/cmdline && exec "\$@"' \
    "$T/cmdline" "$BUILD/tetherd" "\$@"
EOW
chmod 0755 "$T/wrap"
sed -e "s|host: 127.0.0.1|host: relay.invalid|" -e "s|port: $RPORT|port: 1|" \
    "$T/fp.yaml" >"$T/boot.yaml"
TETHERD=$T/wrap start_agent -f "$T/boot.yaml"
check "tether.relay= on the kernel command line is the relay" \
    wait_for '[ -n "$(rport)" ]' 100
check_eq "connection.yaml names the relay it gave" "127.0.0.1:$RPORT" \
    "$("$YGET" "$AGENT_STATE/connection.yaml" relay.0.host)"
stop_agent

finish
