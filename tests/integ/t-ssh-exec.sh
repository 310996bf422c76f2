#!/bin/sh
# Stock OpenSSH against the agent: the ticket as password, exit status,
# stdout and stderr, a refused wrong password, the info and help verbs.
. "$(dirname "$0")/lib.sh"

start_agent

out=$(agent_ssh 'echo hi; echo oops >&2; exit 3' 2>"$T/err")
check_eq "exec prints stdout" "hi" "$out"
agent_ssh 'exit 3' 2>/dev/null
check_eq "exec returns the remote exit status" 3 $?
check_eq "exec passes stderr" "oops" "$(cat "$T/err")"

dashed=$(echo "$TICKET" | tr -d -)
out=$(sshpass -p "$(echo "$dashed" | sed 's/\(....\)\(....\)/\1 \2 /')" \
    ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 'echo spaced')
check_eq "ticket typed with spaces is accepted" "spaced" "$out"

wrong=$(echo "$dashed" | tr 0123456789 1234567890)
sshpass -p "$wrong" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 \
    'touch '"$T"'/should-not-exist' 2>"$T/wrong.err"
rc=$?
check "wrong password is refused" [ "$rc" -ne 0 ]
check "nothing ran for the wrong password" [ ! -e "$T/should-not-exist" ]
check_grep "agent logs the failed attempt" "auth-fail method=password" \
    "$AGENT_LOG"
check_no_grep "the ticket is never logged" "$TICKET" "$AGENT_LOG"
check_no_grep "the ticket digits are never logged" "$dashed" "$AGENT_LOG"

agent_ssh info >"$T/info.yaml"
check "info returns YAML that parses" "$YGET" "$T/info.yaml"
check_eq "info says tether: 1" 1 "$("$YGET" "$T/info.yaml" tether)"
check_eq "info has the agent's port" "$PORT" "$("$YGET" "$T/info.yaml" port)"
check_eq "info has the fingerprint" \
    "$("$YGET" "$AGENT_STATE/connection.yaml" fingerprint)" \
    "$("$YGET" "$T/info.yaml" fingerprint)"
check_eq "info lists the bound address" 127.0.0.1 "$("$YGET" "$T/info.yaml" ips.0)"

agent_ssh help >"$T/help"
check_grep "help lists info" "^  info" "$T/help"

agent_ssh "info 'unbalanced" >/dev/null 2>"$T/bad"
check_eq "a verb with bad quoting fails with status 2" 2 $?
check_grep "bad quoting gets a clear error" "info: unbalanced '" "$T/bad"

agent_ssh "info extra" >/dev/null 2>"$T/bad"
check_eq "info with arguments fails with status 2" 2 $?

out=$(agent_ssh 'printf "%s|" "$TETHER_SESSION" "$USER"; [ -t 0 ] && echo tty || echo notty')
case $out in
????????????????\|*\|notty) ok "exec gets TETHER_SESSION and no tty" ;;
*) not_ok "exec gets TETHER_SESSION and no tty"; echo "#   got: $out" ;;
esac

# stdin reaches the command and EOF ends it.
out=$(printf 'one\ntwo\n' | agent_ssh 'wc -l')
check_eq "stdin and EOF reach the command" 2 "$(echo $out)"

finish
