#!/bin/sh
# Faults the agent must survive without losing or corrupting anything: a
# full disk and a read-only state directory, at start and while serving;
# the audit file on a full disk; a session child killed in mid-transfer.
# connection.yaml is always whole (old or new), never a temp file left.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=64k tmpfs "$T" 2>/dev/null
then
	echo "# skip: needs root and tmpfs mounts"
	exit 77
fi
# $T is now a small tmpfs of our own: the test's files go on a second one.
umount "$T"
F=$T/fs
W=$T/work
mkdir -p "$F" "$W"
G=$T/ro
mkdir -p "$G"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$F"
mount -t tmpfs -o size=256k,mode=0700 tmpfs "$G"
unmount_fs() {
	umount "$F" 2>/dev/null
	umount "$G" 2>/dev/null
}
trap 'unmount_fs; cleanup' EXIT

fill() {
	dd if=/dev/zero of="$F/filler" bs=4k 2>/dev/null
	return 0
}
unfill() {
	rm -f "$F/filler"
}
no_temp() {
	[ -z "$(ls -A "$1" | grep '^\.connection\.yaml\.')" ]
}

# 1. The disk is full before the agent starts: it refuses, and says why.
mkdir -p "$F/full"
fill
"$TETHERD" --no-message -b 127.0.0.1 -p 0 --state-dir "$F/full" \
    >"$W/out" 2>"$W/err" </dev/null
check_eq "a full disk at start: the agent refuses to start" 1 $?
check_grep "and says so" "No space left on device" "$W/err"
check "no connection.yaml is written" [ ! -e "$F/full/connection.yaml" ]
check "no temporary file is left" no_temp "$F/full"
unfill

# 2. The disk fills while the agent serves.
cat >"$W/conf.yaml" <<EOF2
audit:
  file: $F/audit.log
recording:
  enabled: false
EOF2
AGENT_STATE=$F/state
start_agent_at() {
	nagent=$((nagent + 1))
	AGENT_DIR=$W/agent$nagent
	AGENT_LOG=$AGENT_DIR/log
	mkdir -p "$AGENT_DIR"
	"$TETHERD" -b 127.0.0.1 -p 0 --no-message --state-dir "$AGENT_STATE" \
	    -f "$W/conf.yaml" >"$AGENT_DIR/out" 2>"$AGENT_LOG" </dev/null &
	AGENT_PID=$!
	agents="$agents $AGENT_PID"
	agent_ready "$AGENT_LOG"
}
start_agent_at
cp "$AGENT_STATE/connection.yaml" "$W/before.yaml"
fill
check_eq "full disk: the agent still serves" ok "$(agent_ssh echo ok)"
check_grep "and logs that it could not write its state" \
    "connection.yaml.*No space left on device" "$AGENT_LOG"
check "connection.yaml is the old one, whole" \
    cmp -s "$W/before.yaml" "$AGENT_STATE/connection.yaml"
check "no temporary file is left" no_temp "$AGENT_STATE"
check "the audit file is not cut mid-line" \
    eval "[ -z \"\$(tail -c 1 '$F/audit.log')\" ]"
unfill
agent_ssh 'sleep 2' &
sshpid=$!
check "with room again, the state is written" wait_for \
    "[ \"\$($YGET $AGENT_STATE/connection.yaml state)\" = connected ]" 50
wait $sshpid

stop_agent

# 3. The state directory turns read-only while the agent serves (its own
# file system: one with a file open for writing cannot be made read-only).
cat >"$W/conf.yaml" <<EOF2
audit:
  file: $W/audit.log
recording:
  enabled: false
EOF2
AGENT_STATE=$G/state
start_agent_at
cp "$AGENT_STATE/connection.yaml" "$W/before.yaml"
mount -o remount,ro "$G"
check_eq "read-only: the agent still serves" ok "$(agent_ssh echo ok)"
check_grep "and logs why it could not write" "Read-only file system" \
    "$AGENT_LOG"
check "connection.yaml is unchanged" \
    cmp -s "$W/before.yaml" "$AGENT_STATE/connection.yaml"
mount -o remount,rw "$G"

# 4. A session child killed in mid-transfer: the listener goes on.
head -c $((40 * 1024 * 1024)) /dev/zero >"$W/big"
# shellcheck disable=SC2086
(echo "put $W/big $W/big.copy" | sshpass -p "$TICKET" sftp $SSHOPTS \
    -P "$PORT" tether@127.0.0.1 >/dev/null 2>&1) &
sftp_job=$!
wait_for "[ -s '$W/big.copy' ]" 100
child=$(pgrep -P "$AGENT_PID" -x tetherd | head -n 1)
check "a session child is found mid-transfer" [ -n "$child" ]
kill -KILL "$child" 2>/dev/null
wait $sftp_job 2>/dev/null
check "the listener lives on" kill -0 "$AGENT_PID"
check "its state goes back to waiting" wait_for \
    "[ \"\$($YGET $AGENT_STATE/connection.yaml state)\" = waiting ]" 50
check_eq "a new connection works" ok "$(agent_ssh echo ok)"
check "no zombie is left" \
    eval "! ps -o stat= --ppid $AGENT_PID | grep -q Z"
check "no temporary file is left" no_temp "$AGENT_STATE"

stop_agent
check_eq "connection.yaml says ended" ended \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
finish
