#!/bin/sh
# The reason for a connection: --reason, TETHER_REASON and the form's
# Reason field send it; the agent puts it in the audit, the recording's
# header and on its screen. With require_reason: true a session without
# one gets info, and nothing that acts on the machine.
. "$(dirname "$0")/lib.sh"

cat >"$T/conf.yaml" <<EOC
require_reason: true
audit: {file: $T/audit.log}
EOC
start_agent -f "$T/conf.yaml"
OUT=$AGENT_DIR/out
V="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"

# Without a reason: info answers and says one is wanted; the rest is
# refused with a word why, by the viewer and by stock ssh.
$V info >"$T/info.yaml"
check_eq "info answers without a reason" 0 $?
check_eq "and says the agent requires one" true \
    "$("$YGET" "$T/info.yaml" require_reason)"
out=$(echo 'echo ran' | $V shell 2>"$T/shell.err")
check_eq "shell without a reason: exit 3" 3 $?
check_eq "and nothing ran" "" "$out"
check_grep "and the viewer says why" "requires a reason" "$T/shell.err"
out=$(agent_ssh 'echo ran' 2>"$T/ssh.err")
check_eq "ssh without a reason runs nothing" "" "$out"
check_grep "and is told why" "requires a reason" "$T/ssh.err"
# shellcheck disable=SC2086
echo 'ls /' | SSHPASS=$TICKET sshpass -e sftp -b - $SSHOPTS -P "$PORT" \
    tether@127.0.0.1 >"$T/sftp.out" 2>&1
check "sftp without a reason fails" [ $? -ne 0 ]
check_grep "the audit has the refusals" \
    "event=refused from=127.0.0.1 session=[0-9a-f]* reason=require_reason" \
    "$T/audit.log"

# With one: --reason, then TETHER_REASON, then stock ssh's SetEnv.
out=$(echo 'echo ran-$((6*7))' | $V --reason "INC-4821 disk full" shell)
check_eq "--reason: the shell runs" "ran-42" "$out"
check "the agent's screen shows who and why" wait_for \
    "grep -q 'connected: 127.0.0.1, reason: INC-4821 disk full' '$OUT'" 50
check_grep "the audit has the reason with the session" \
    'event=reason from=127.0.0.1 session=[0-9a-f]* reason="INC-4821 disk full"' \
    "$T/audit.log"
out=$(echo 'echo env-$((1+1))' | TETHER_REASON="CHG-77 bootloader" $V shell 2>&1)
check_eq "TETHER_REASON stands for --reason" "env-2" "$out"
check_grep "and is audited" 'reason="CHG-77 bootloader"' "$T/audit.log"
out=$(agent_ssh -o SetEnv=TETHER_REASON=stock-ssh 'echo stock-ok' 2>&1)
check_eq "stock ssh sends it with SetEnv" "stock-ok" "$out"
check_grep "and it is audited" 'reason=stock-ssh' "$T/audit.log"
$V --reason "$(printf 'bad\001x')" info >/dev/null 2>&1
check_eq "a reason with a control character is refused by the viewer" 2 $?
long=$(printf '%0201d' 0)
$V --reason "$long" info >/dev/null 2>&1
check_eq "and one over 200 characters" 2 $?
out=$(agent_ssh -o SetEnv=TETHER_REASON="$long" 'echo long' 2>&1)
check_eq "the agent takes no reason over 200 characters either" "" \
    "$(echo "$out" | grep -x long)"
# U+009B is CSI to a terminal: a C1 control, refused like C0's.
out=$(agent_ssh -o SetEnv=TETHER_REASON="$(printf 'x\302\233y')" 'echo c1' 2>&1)
check_eq "the agent takes no reason with a C1 control" "" \
    "$(echo "$out" | grep -x c1)"
out=$(agent_ssh -o SetEnv=TETHER_REASON="$(printf 'caf\303\251-d\303\251j\303\240')" \
    'echo utf-ok' 2>&1)
check_eq "but takes one in UTF-8" "utf-ok" "$out"

# The form's Reason field, on a terminal.
viewer_start "--ticket $TICKET --ip 127.0.0.1"
check_screen "the form has a Relay field" "Relay"
check_screen "and a Reason field" "Reason"
keys Up
keys "INC-9 form field"
keys Up Up C-u "$PORT"
wait_screen "$PORT" 50
screen >"$T/form.screen"
keys Enter
check "the form connects with the reason: the agent's screen shows it" \
    wait_for "grep -q 'connected: 127.0.0.1, reason: INC-9 form field' '$OUT'" 100

# No reason given, and the agent requires one: the viewer asks for it.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "the viewer asks for the reason the agent requires" \
    "Reason for this connection:"
keys "INC-7 asked"
keys Enter
check "the agent's screen shows the reason asked for" wait_for \
    "grep -q 'connected: 127.0.0.1, reason: INC-7 asked' '$OUT'" 50
keys Enter
check_screen "and with it the console opens" "[#$] *$"

# A console with a reason: the recording's header has it.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT --reason 'REC-1 header' shell"
check_screen "a console with a reason" "[#$] *$"
shell_line 'exit 0'
check_screen "ends" "VIEWER-EXIT=0"
cast=$(grep -l '"reason": "REC-1 header"' "$AGENT_DIR"/logs/sessions/*.cast 2>/dev/null | head -n 1)
check "the recording's header has the reason" [ -n "$cast" ]
stop_agent

# Without require_reason, none is needed.
start_agent
out=$(echo 'echo free' | $TETHER --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" shell)
check_eq "without require_reason a shell needs no reason" "free" "$out"
stop_agent

finish
