#!/bin/sh
# The SSH transport: ssh-audit finds no failure and no warning but its
# note on the strict key exchange marker; a client asking for group
# exchange (where a small group could be asked for) is refused at once
# and logged; OpenSSH, PuTTY's plink, paramiko and asyncssh still log in.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
start_agent

timeout 60 ssh-audit -n -p "$PORT" 127.0.0.1 >"$T/audit.out" 2>&1
fails=$(grep -c '\[fail\]' "$T/audit.out")
warns=$(grep -c '\[warn\]' "$T/audit.out")
echo "# ssh-audit: $fails failure(s), $warns warning(s)"
check_eq "ssh-audit: no failure" 0 "$fails"
check_eq "ssh-audit: one warning" 1 "$warns"
check_grep "and it is the strict key exchange marker" \
    'kex-strict-s-v00@openssh.com *-- \[warn\] unknown algorithm' "$T/audit.out"
for weak in ecdh-sha2-nistp diffie-hellman hmac-sha2-256\  hmac-sha2-512\ ; do
	check_no_grep "not offered: $weak" "$weak" "$T/audit.out"
done

t0=$(date +%s.%N)
# shellcheck disable=SC2086
sshpass -p "$TICKET" ssh $SSHOPTS \
    -o KexAlgorithms=diffie-hellman-group-exchange-sha256 \
    -p "$PORT" tether@127.0.0.1 true 2>"$T/gex.err"
rc=$?
t1=$(date +%s.%N)
check "group exchange is refused (exit $rc)" [ $rc -ne 0 ]
check "at once (under 3 s)" awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 3) }'
check_grep "the agent logs why" "key exchange with 127.0.0.1 failed" \
    "$AGENT_LOG"

check_eq "OpenSSH logs in" openssh-ok "$(agent_ssh 'echo openssh-ok')"
out=$(timeout 30 plink -batch -ssh -P "$PORT" -l tether -pw "$TICKET" \
    -hostkey "$(host_fp "$PORT")" 127.0.0.1 'echo plink-ok' 2>"$T/plink.err")
check_eq "PuTTY's plink logs in" plink-ok "$out"
check_eq "paramiko logs in" paramiko-ok \
    "$(timeout 60 $PY "$top/tests/integ/clients.py" paramiko "$PORT" "$TICKET" 2>"$T/pm.err")"
check_eq "asyncssh logs in" asyncssh-ok \
    "$(timeout 60 $PY "$top/tests/integ/clients.py" asyncssh "$PORT" "$TICKET" 2>"$T/as.err")"
stop_agent
finish
