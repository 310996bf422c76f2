#!/bin/sh
# Brute force: 10,000 wrong-password attempts from one source. After
# per_source.failures the source is refused before the banner, with a
# line that says so, which the viewer shows; the penalty doubles when
# earned again, another source still gets in with the ticket,
# and the audit log shows each phase.
. "$(dirname "$0")/lib.sh"

cat >"$T/conf.yaml" <<EOC
limits:
  per_source: {failures: 5, window: 10m, penalty: 1m}
audit: {file: $T/audit.log}
EOC
start_agent -f "$T/conf.yaml"
wrong=$(echo "$TICKET" | tr -d - | tr 0123456789 1234567890)

# attempt: one wrong password from 127.0.0.1; 0 if the agent answered.
attempt() {
	# shellcheck disable=SC2086
	sshpass -p "$wrong" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 true \
	    >/dev/null 2>&1
}

t0=$(date +%s.%N)
i=0
while [ $i -lt 5 ]; do
	attempt
	i=$((i + 1))
done
check "the fifth failure locks the source out" \
    wait_for "grep -q 'event=lockout from=127.0.0.1 seconds=60' '$T/audit.log'" 50
t1=$(date +%s.%N)
check_eq "five auth-fail lines before the lockout" 5 \
    "$(grep -c 'event=auth-fail.*from=127.0.0.1' "$T/audit.log")"

# The other 9,995 attempts, bounded to 60 s: refused before any banner.
forks=$(grep -c 'connection from 127.0.0.1 port' "$AGENT_LOG")
python3 "$top/tests/integ/bannerprobe.py" 127.0.0.1 "$PORT" 9995 60 \
    >"$T/probe"
echo "# probe: $(cat "$T/probe")"
banners=$(sed 's/.*banners=\([0-9]*\).*/\1/' "$T/probe")
closed=$(sed 's/.*closed=\([0-9]*\).*/\1/' "$T/probe")
check_eq "every connect inside the penalty was refused" 0 "$banners"
check_eq "all 9,995 were made within the bound" 9995 "$closed"
check_eq "no child was forked for them" "$forks" \
    "$(grep -c 'connection from 127.0.0.1 port' "$AGENT_LOG")"

# The viewer with the right ticket is told why, not shown a reset.
"$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" info \
    >/dev/null 2>"$T/viewer.err"
check_grep "the viewer says the address is locked out" \
    "^tether: 127.0.0.1 port $PORT: this address is locked out for 1 minute after failed logins$" \
    "$T/viewer.err"
viewer_start
# Type once the form is up, as a person would: keys sent before the
# viewer draws it are not read as the ticket.
check_screen "the form is up" "Tab/arrows move"
keys "$(echo "$TICKET" | tr -d -)" Tab 127.0.0.1 Tab C-u "$PORT" Enter
check_screen "and so does its form" \
    "this address is locked out for 1 minute after failed logins"
keys Escape

# Another source address gets in with the ticket meanwhile.
attempt
out=$(sshpass -p "$TICKET" ssh $SSHOPTS -o BindAddress=127.0.0.2 \
    -p "$PORT" tether@127.0.0.1 'echo in-from-2')
check_eq "the ticket still works from 127.0.0.2" in-from-2 "$out"
check_grep "the audit log shows the login from 127.0.0.2" \
    "event=auth-ok from=127.0.0.2 session=[0-9a-f]* method=password user=tether" "$T/audit.log"

lockouts=$(grep -c 'event=lockout' "$T/audit.log")
fails=$(grep -c 'event=auth-fail' "$T/audit.log")
echo "# attempts: 10000, failures counted: $fails, lockouts: $lockouts," \
    "first lockout after $(awk "BEGIN { print $t1 - $t0 }") s, probe: $(cat "$T/probe")"
check_eq "only real logins counted as failures" 5 "$fails"
check "the agent is still running" kill -0 "$AGENT_PID"

# Earning the penalty again doubles it (a 1 s penalty here).
cat >"$T/short.yaml" <<EOC
limits:
  per_source: {failures: 3, window: 10m, penalty: 1s}
audit: {file: $T/audit-short.log}
EOC
start_agent -f "$T/short.yaml"
wrong=$(echo "$TICKET" | tr -d - | tr 0123456789 1234567890)
attempt; attempt; attempt
check "the first penalty is 1 s" \
    wait_for "grep -q 'event=lockout from=127.0.0.1 seconds=1\$' '$T/audit-short.log'" 50
sleep 1.2
attempt; attempt; attempt
check "earned again, it is 2 s" \
    wait_for "grep -q 'event=lockout from=127.0.0.1 seconds=2\$' '$T/audit-short.log'" 50
sleep 2.2
attempt; attempt; attempt
check "and then 4 s" \
    wait_for "grep -q 'event=lockout from=127.0.0.1 seconds=4\$' '$T/audit-short.log'" 50

finish
