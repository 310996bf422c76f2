#!/bin/sh
# What a live view costs the agent: RATE snapshot requests a second for
# SECONDS seconds over one multiplexed ssh connection, against a 1920x1080
# 32 bpp fake framebuffer that does not change. Prints the agent's CPU
# (listener plus every process it started, from /proc) for "--unless the
# last hash" requests and for full PNG requests.
#   sh bench/snaplive.sh [SECONDS [RATE]]    (after make and bench-snap)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
SECONDS_RUN=${1:-30}
RATE=${2:-5}
T=$(mktemp -d /tmp/snaplive.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"' EXIT

"$BUILD/bench/snapbench" -n 1 -d "$T" >/dev/null
cat >"$T/tetherd.yaml" <<EOF
recording: {enabled: false}
audit: {file: $T/audit.log}
snapshot:
  fake_fb:
    path: $T/fixture1.raw
    width: 1920
    height: 1080
    bpp: 32
    red: {offset: 16, length: 8}
    green: {offset: 8, length: 8}
    blue: {offset: 0, length: 8}
EOF
"$BUILD/tetherd" -b 127.0.0.1 -p 0 --no-message --state-dir "$T/state" \
    -f "$T/tetherd.yaml" >"$T/out" 2>"$T/log" &
pid=$!
i=0
while [ ! -s "$T/state/connection.yaml" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ticket=$("$BUILD/tests/yget" "$T/state/connection.yaml" ticket)
port=$("$BUILD/tests/yget" "$T/state/connection.yaml" port)
opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 -o LogLevel=ERROR -o PubkeyAuthentication=no -o ControlPath=$T/ctl"

# CPU ticks of the listener and of each connection's process, with the
# verb processes those have reaped: taken while the connection is open,
# so its key exchange and login before "before" are not counted.
ticks() {
	{
		awk '{ print $14 + $15 }' "/proc/$pid/stat"
		for c in $(cat "/proc/$pid/task/$pid/children"); do
			awk '{ print $14 + $15 + $16 + $17 }' "/proc/$c/stat"
		done
	} | awk '{ n += $1 } END { print n }'
}

now() {
	date +%s.%N
}

# calc EXPR: floating point arithmetic.
calc() {
	awk "BEGIN { printf \"%.3f\", $1 }"
}

# run unless|full: one connection, RATE x SECONDS requests, then close.
run() {
	mode=$1
	# The first request leaves the master connection behind.
	# shellcheck disable=SC2086
	hash=$(sshpass -p "$ticket" ssh $opts -o ControlMaster=auto \
	    -o ControlPersist=120 -p "$port" tether@127.0.0.1 snapshot --hash \
	    2>&1 >/dev/null | sed -n 's/^hash //p')
	[ "$mode" = unless ] || hash=
	sleep 1
	before=$(ticks)
	n=0
	start=$(now)
	while [ $n -lt $((SECONDS_RUN * RATE)) ]; do
		# shellcheck disable=SC2086
		ssh $opts -o ControlMaster=no -p "$port" tether@127.0.0.1 snapshot \
		    ${hash:+--unless $hash} >"$T/out" 2>/dev/null
		n=$((n + 1))
		left=$(calc "$start + $n / $RATE - $(now)")
		case $left in -*) ;; *) sleep "$left" ;; esac
	done
	end=$(now)
	sleep 1
	after=$(ticks)
	# shellcheck disable=SC2086
	ssh $opts -O exit -p "$port" tether@127.0.0.1 2>/dev/null
	i=0
	while [ -e "$T/ctl" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	hz=$(getconf CLK_TCK)
	echo "$mode: $n requests in $(calc "$end - $start") s, agent CPU" \
	    "$(calc "($after - $before) / $hz") s =" \
	    "$(calc "100 * ($after - $before) / $hz / ($end - $start)")% of" \
	    "one core, last answer $(wc -c <"$T/out") bytes"
}

run unless
run full
