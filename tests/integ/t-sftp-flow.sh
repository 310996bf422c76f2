#!/bin/sh
# An SFTP upload with no limit on outstanding write requests, as PuTTY's
# psftp sends them, while sftp-server is held for a second. sftp-server
# reads 16 KiB a turn and answers one request a turn: unless the agent
# paces the requests, what piled up meanwhile moves into its input queue,
# which it copies whole each time it grows, and the upload crawls. Small
# requests (256 bytes) make the pile-up certain, not a matter of timing.
. "$(dirname "$0")/lib.sh"

KIB=${TETHER_FLOOD_KIB:-4096}
BLOCK=${TETHER_FLOOD_BLOCK:-256}
start_agent

# within_512k start peak: both known and peak less than 512 KiB over start.
within_512k() {
	[ -n "$1" ] && [ -n "$2" ] && [ $(($2 - $1)) -lt 512 ]
}

# hwm pid: the peak resident set of a process in KiB.
hwm() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# Debian's python3, where python3-paramiko is.
/usr/bin/python3 "$top/tests/integ/sftpflood.py" "$PORT" "$TICKET" "$T" "$KIB" \
    "$BLOCK" >"$T/flood.out" 2>"$T/flood.err" &
client=$!
check "the client opens a file over sftp" \
    wait_for "grep -q open '$T/flood.out'" 150
# The monitor starts it, beside the session process.
sftp=
for p in $(descendants "$AGENT_PID"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sftp-server ] && sftp=$p
done
check "sftp-server is there" [ -n "$sftp" ] || finish
start=$(hwm "$sftp")
kill -STOP "$sftp"
touch "$T/go"
sleep 1
kill -CONT "$sftp"
check "the upload ends" wait_for "grep -q done '$T/flood.out'" 600
peak=$(hwm "$sftp")
touch "$T/end"
wait "$client"
check_eq "the client ends well" 0 $?
set -- $(tail -n 1 "$T/flood.out")
echo "# sftp-server peak RSS: ${start} KiB at the start, ${peak} KiB after" \
    "${KIB} KiB in ${BLOCK}-byte writes; upload ${2:-?} s"
check_eq "the file arrives whole" "$KIB $3" \
    "$(($(stat -c %s "$T/flood.dst" 2>/dev/null || echo 0) / 1024)) $(sha256sum <"$T/flood.dst" | cut -d' ' -f1)"
check "sftp-server grows by less than 512 KiB" within_512k "$start" "$peak"
stop_agent
finish
