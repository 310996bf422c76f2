#!/bin/sh
# An unattended agent: ticket disabled, authorized_keys only. Stock
# ssh -i KEY gets in, another key and any password do not, and the host key
# is made once (0600) and kept across restarts.
. "$(dirname "$0")/lib.sh"

ssh-keygen -q -t ed25519 -N '' -f "$T/good" -C good
ssh-keygen -q -t ed25519 -N '' -f "$T/bad" -C bad
ssh-keygen -q -t ed25519 -N '' -f "$T/filed" -C filed
cp "$T/filed.pub" "$T/keys"

cat >"$T/unattended.yaml" <<EOC
ticket: {enabled: false}
authorized_keys:
  - $(cat "$T/good.pub")
  - $T/keys
host_key: $T/host_key
EOC
check "the unattended configuration passes -t" \
    "$TETHERD" -t -f "$T/unattended.yaml"

# No --no-message: an unattended agent asks nobody.
nagent=$((nagent + 1))
AGENT_STATE=$T/st
"$TETHERD" -f "$T/unattended.yaml" -b 127.0.0.1 -p 0 --state-dir "$AGENT_STATE" \
    >"$T/out" 2>"$T/log" </dev/null &
AGENT_PID=$!
agents="$agents $AGENT_PID"
check "it starts without a terminal and without --no-message" \
    wait_for "[ -s '$AGENT_STATE/connection.yaml' ]"
PORT=$("$YGET" "$AGENT_STATE/connection.yaml" port)
check_eq "connection.yaml shows no ticket" null \
    "$("$YGET" "$AGENT_STATE/connection.yaml" ticket)"
check_grep "the status screen says unattended" "unattended" "$T/out"
check_grep "and asks for an address and port, not a ticket" \
    "^Give an IP address and the port to the technician\.$" "$T/out"
check "the host key was made" [ -f "$T/host_key" ]
check_eq "the host key is 0600" 600 "$(stat -c %a "$T/host_key")"

KEYOPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 -o LogLevel=ERROR -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=10"
# shellcheck disable=SC2086
out=$(ssh $KEYOPTS -i "$T/good" -p "$PORT" tether@127.0.0.1 'echo in; exit 4')
check_eq "an inline authorized key gets in" in "$out"
# shellcheck disable=SC2086
ssh $KEYOPTS -i "$T/good" -p "$PORT" tether@127.0.0.1 'exit 4'
check_eq "and the exit status comes back" 4 $?
# shellcheck disable=SC2086
out=$(ssh $KEYOPTS -i "$T/filed" -p "$PORT" tether@127.0.0.1 'echo filed')
check_eq "a key from a listed file gets in" filed "$out"
# shellcheck disable=SC2086
ssh $KEYOPTS -i "$T/bad" -p "$PORT" tether@127.0.0.1 'touch '"$T"'/no' \
    2>/dev/null
rc=$?
check "a key not in the list is refused" [ "$rc" -ne 0 ]
check "nothing ran for it" [ ! -e "$T/no" ]
sshpass -p 000000000000 ssh -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o PreferredAuthentications=password,keyboard-interactive \
    -p "$PORT" tether@127.0.0.1 true 2>"$T/pw.err"
check "no password is taken" [ $? -ne 0 ]
check_grep "the agent offers only publickey" "publickey" "$T/pw.err"
check_grep "the agent logs the key login" "auth-ok method=authorized-key" \
    "$T/log"

# The viewer refuses an agent with no ticket to check.
"$TETHER" --ticket 482109375563 --ip 127.0.0.1 --port "$PORT" info \
    2>"$T/v.err"
check_eq "the viewer refuses an unattended agent" 255 $?
check_grep "and says why" "unattended agent" "$T/v.err"

# A restart keeps the host key.
fp1=$("$YGET" "$AGENT_STATE/connection.yaml" fingerprint)
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
"$TETHERD" -f "$T/unattended.yaml" -b 127.0.0.1 -p 0 --state-dir "$AGENT_STATE" \
    >"$T/out2" 2>"$T/log2" </dev/null &
AGENT_PID=$!
agents="$agents $AGENT_PID"
wait_for "[ \"\$($YGET $AGENT_STATE/connection.yaml state)\" = waiting ]"
fp2=$("$YGET" "$AGENT_STATE/connection.yaml" fingerprint)
check_eq "the host key survives a restart" "$fp1" "$fp2"

# A host key others can read is refused.
chmod 0644 "$T/host_key"
"$TETHERD" -f "$T/unattended.yaml" -b 127.0.0.1 -p 0 --state-dir "$T/st3" \
    </dev/null >/dev/null 2>"$T/err3"
check_grep "a readable host key is refused" "readable by others" "$T/err3"

finish
