#!/bin/sh
# roots unlock and lock on this host, which has no device-mapper (the
# real containers are tested under qemu by make drill-storage): the
# words are checked, an unknown container is refused before any key is
# read, and the layer journal a dead agent left is replayed at start.
. "$(dirname "$0")/lib.sh"

# Only a loop-free pattern: no device of this host is ever touched.
cat >"$T/tetherd.yaml" <<EOF2
roots:
  scan: true
  devices: [/dev/tether-test-none-*]
EOF2
mkdir -p "$T/agent1/state/roots"
chmod 0700 "$T/agent1/state" "$T/agent1/state/roots"
# What an agent that died with layers open leaves: the new agent closes
# them, newest first; these are gone already, so they just go.
printf 'layers:\n- md md99\n- lvm tethertestvg\n- crypt luks-tether-test\n' \
    >"$T/agent1/state/roots/layers.yaml"
start_agent -f "$T/tetherd.yaml"

check_eq "the journal of a dead agent is replayed at start" "" \
    "$("$YGET" "$AGENT_STATE/roots/layers.yaml" layers.0 2>/dev/null)"
check_grep "each closed layer is audited" "event=layer action=close name=luks-tether-test" \
    "$AGENT_DIR/logs/audit.log"

printf 'secret\n' | agent_ssh roots unlock nosuch >"$T/out" 2>"$T/err"
check_eq "unlock of an unknown container exits 1" 1 $?
check_grep "and says there is none" \
    "roots: unlock nosuch: no LUKS or BitLocker container nosuch" "$T/err"
agent_ssh roots lock nosuch >"$T/out" 2>"$T/err"
check_eq "lock of an unknown container exits 1" 1 $?
check_grep "and says so" "roots: lock nosuch: no LUKS or BitLocker container nosuch" \
    "$T/err"
agent_ssh roots unlock >"$T/out" 2>"$T/err"
check_eq "unlock without an id is a usage error" 2 $?
check_grep "with the usage" "unlock ID \[--key-file\] | lock ID" "$T/err"
agent_ssh roots unlock a --keyfile >"$T/out" 2>"$T/err"
check_eq "an unknown option too" 2 $?
check "the passphrase is in no file of the agent's" \
    sh -c '! grep -rq secret "$1"' sh "$AGENT_DIR"

view() {
	timeout 30 "$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" "$@"
}
printf 'secret\n' | view roots unlock nosuch >"$T/out" 2>"$T/err"
check_eq "tether roots unlock passes the agent's status on" 1 $?
check_grep "and its message" "no LUKS or BitLocker container nosuch" "$T/err"
view roots unlock 'bad id' </dev/null >"$T/out" 2>"$T/err"
check_eq "tether checks the id before connecting" 2 $?
check_grep "with the usage" "unlock ID \[--key-file\] | lock ID" "$T/err"
head -c 9000 /dev/zero | view roots unlock x --key-file >"$T/out" 2>"$T/err"
check_eq "a key over 8192 bytes is refused before connecting" 2 $?
check_grep "and says why" "the key is over 8192 bytes" "$T/err"
stop_agent
finish
