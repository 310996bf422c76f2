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

# A LUKS2 container on a loop device: cryptsetup formats a file without
# device-mapper. Listed locked; an unlock reads the key to its end (the
# client's EOF reaches the verb) and reports cryptsetup's own error here,
# where there is no device-mapper to open it with.
loop=
if [ "$(id -u)" -eq 0 ] && command -v cryptsetup >/dev/null &&
    truncate -s 20M "$T/luks.img" &&
    printf 'host-Pass-4417' | cryptsetup luksFormat --batch-mode \
    --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
    --label tetherluks --key-file=- "$T/luks.img" >/dev/null 2>&1 &&
    loop=$(losetup -f --show "$T/luks.img" 2>/dev/null); then
	lid=$(basename "$loop")
	# A TPM2 token as systemd-cryptenroll leaves one (no TPM needed to
	# write it; the plugin's own checks are skipped).
	printf '{"type":"systemd-tpm2","keyslots":["0"],"tpm2-pcrs":[7]}' \
	    >"$T/token.json"
	tpm_ok=0
	cryptsetup token import --disable-external-tokens --json-file \
	    "$T/token.json" "$loop" >/dev/null 2>&1 && tpm_ok=1
	printf 'roots:\n  scan: true\n  devices: [%s]\n' "$loop" \
	    >"$T/luks.yaml"
	start_agent -f "$T/luks.yaml"
	agent_ssh roots >"$T/roots.yaml" 2>"$T/err"
	y() { "$YGET" "$T/roots.yaml" "roots.0.$1" 2>/dev/null; }
	check_eq "the container is listed" "$lid" "$(y id)"
	check_eq "locked" locked "$(y state)"
	check_eq "with health locked" locked "$(y health)"
	check_eq "its label" tetherluks "$(y label)"
	check_eq "its size" 20971520 "$(y size)"
	check_eq "as encrypted" "encrypted (LUKS)" "$(y os_name)"
	if [ $tpm_ok -eq 1 ]; then
		check_eq "a TPM-bound volume says to use its recovery passphrase" \
		    "this volume is bound to the machine's TPM; use its recovery passphrase" \
		    "$(y problems.0)"
	else
		echo "# skip: cryptsetup cannot import a token here"
	fi
	agent_ssh roots select "$lid" >/dev/null 2>"$T/err"
	check_eq "a locked container cannot be selected" 1 $?
	check_grep "and says to unlock it" \
	    "is a locked LUKS container: unlock it first (roots unlock $lid)" \
	    "$T/err"
	printf 'host-Pass-4417\n' | timeout 60 sshpass -p "$TICKET" ssh \
	    $SSHOPTS -p "$PORT" tether@127.0.0.1 roots unlock "$lid" \
	    >"$T/out" 2>"$T/err"
	check_eq "unlock reads the key to its end and answers" 1 $?
	check_grep "with cryptsetup's error (no device-mapper here)" \
	    "roots: unlock $lid: cryptsetup open $lid: " "$T/err"
	check "the passphrase is in no file of the agent's" \
	    sh -c '! grep -rq host-Pass-4417 "$1"' sh "$AGENT_DIR"
	stop_agent
	losetup -d "$loop"
else
	echo "# skip: no root, cryptsetup or loop device for a LUKS container"
fi
finish
