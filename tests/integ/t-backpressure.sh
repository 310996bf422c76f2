#!/bin/sh
# Backpressure: a client that sends faster than the agent-side program reads
# must not make the connection's process grow. A slow reader fed from
# /dev/zero for 20 seconds keeps that process within 16 MiB of its size
# at the start.
. "$(dirname "$0")/lib.sh"

SECS=${TETHER_SLOW_SECS:-20}
# Under ASan freed memory waits in a quarantine of 256 MiB before it is
# reused, which would grow any busy process: measure with it off, so the
# check still sees what the agent itself keeps.
if [ -n "${TETHER_SANITIZED:-}" ]; then
	ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
	export ASAN_OPTIONS
fi
start_agent

# within_16m start peak: both known and peak at most 16 MiB over start.
within_16m() {
	[ -n "$1" ] && [ -n "$2" ] && [ $(($2 - $1)) -le 16384 ]
}

# rss pid: the resident set of a process in KiB.
rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

agent_ssh "python3 -u $top/tests/integ/slowread.py $SECS" </dev/zero \
    >"$T/slow.out" 2>"$T/slow.err" &
ssh_pid=$!
# The connection's process is the session process: it holds the socket,
# and the bytes in flight (the monitor only starts what it relays).
check "the connection's process is there" \
    wait_for "[ -n \"\$(session_pids)\" ]" 100
conn=$(session_pids | head -n 1)
wait_for "pgrep -f slowread.py >/dev/null" 100
start=$(rss "$conn")
peak=$start
i=0
# Until the reader ends itself after SECS seconds (with a margin).
while [ $i -lt $((SECS * 4 + 40)) ] && kill -0 "$ssh_pid" 2>/dev/null; do
	now=$(rss "$conn")
	[ -n "$now" ] && [ "$now" -gt "$peak" ] && peak=$now
	sleep 0.25
	i=$((i + 1))
done
kill "$ssh_pid" 2>/dev/null
wait "$ssh_pid" 2>/dev/null
echo "# connection RSS: start ${start} KiB, peak ${peak} KiB, read $(cat "$T/slow.out") bytes"
check "the slow reader got data" [ "$(cat "$T/slow.out")" -gt 1000000 ]
check "the connection's RSS stays within 16 MiB of its start" \
    within_16m "$start" "$peak"

# Debian's python3, where python3-paramiko is.
/usr/bin/python3 "$top/tests/integ/bigwindow.py" "$PORT" "$TICKET" >"$T/big.out" \
    2>"$T/big.err" &
big=$!
check "the big-window client runs cat /dev/zero" \
    wait_for "grep -q ready '$T/big.out'" 150
kill -STOP "$big"
wait_for "[ -n \"\$(session_pids)\" ]" 100
conn=$(session_pids | head -n 1)
sleep 1
start=$(rss "$conn")
peak=$start
i=0
while [ $i -lt 20 ]; do
	now=$(rss "$conn")
	[ -n "$now" ] && [ "$now" -gt "$peak" ] && peak=$now
	sleep 0.25
	i=$((i + 1))
done
kill -KILL "$big"
wait "$big" 2>/dev/null
echo "# connection RSS toward a stopped client: ${start} KiB, 5 s later ${peak} KiB"
check "output toward a client that stopped reading stays within 16 MiB" \
    within_16m "$start" "$peak"
stop_agent
finish
