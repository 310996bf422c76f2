#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Where does a tetherd connection spend its time? Not part of `make bench`.
#
#   sh bench/profile.sh [EXECS]
#
# 1. callgrind: tetherd under valgrind, collecting inside session_serve
#    only (the per-connection child), for one `ssh true` and EXECS (20)
#    exec requests over one multiplexed connection; prints the top frames.
# 2. strace: a plain tetherd, one `ssh true` and one multiplexed exec,
#    listing each poll() that waited 20 ms or more: the Nagle and
#    delayed-ACK stalls do not show in instruction counts.
# 3. callgrind of `tether ... info`, the viewer.
#
# Everything runs on 127.0.0.1 and is ended by PID on exit.

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
EXECS=${1:-20}
case $EXECS in ''|*[!0-9]*) echo "usage: profile.sh [EXECS]" >&2; exit 2 ;; esac
[ "$EXECS" -le 500 ] || EXECS=500
for c in valgrind callgrind_annotate strace ssh; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "profile: $c is missing (apt-get install valgrind strace)" >&2
		exit 1
	}
done
[ -x "$BUILD/bench/kdfbench" ] || {
	echo "profile: run sh bench/run.sh once first (builds kdfbench)" >&2
	exit 1
}

T=$(mktemp -d /tmp/tether-profile.XXXXXX)
pids=
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
	done
	sleep 1
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

SSHO="-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
 -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null
 -o LogLevel=ERROR -o IdentitiesOnly=yes -o IdentityAgent=none
 -o KexAlgorithms=curve25519-sha256 -o ConnectTimeout=10"

# start_agent DIR [wrapper...]: sets APID TICKET PORT
start_agent() {
	d=$1
	shift
	mkdir -p "$d"
	conf=
	rm -f "$d/key" "$d/key.pub"
	if "$BUILD/tetherd" -h 2>&1 | grep -q -- --config; then
		# A key of our own: the ticket's key is the host key, no login.
		ssh-keygen -q -t ed25519 -N '' -C tether-profile -f "$d/key"
		cat >"$d/tetherd.yaml" <<-EOF
		authorized_keys: ["$(cat "$d/key.pub")"]
		network:
		  mode: none
		discovery:
		  enabled: false
		roots:
		  scan: false
		log_dir: $d/log
		audit:
		  file: $d/log/audit.log
		recording:
		  dir: $d/log/sessions
		EOF
		conf="-f $d/tetherd.yaml"
	fi
	# shellcheck disable=SC2086
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    SHELL=/bin/bash "$@" "$BUILD/tetherd" $conf -b 127.0.0.1 -p 0 \
	    --no-message --state-dir "$d/state" >"$d/out" 2>"$d/log.txt" \
	    </dev/null &
	APID=$!
	pids="$pids $APID"
	i=0
	while [ ! -s "$d/state/connection.yaml" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "profile: agent did not start" >&2; exit 1; }
		sleep 0.1
	done
	TICKET=$("$BUILD/tests/yget" "$d/state/connection.yaml" ticket)
	PORT=$("$BUILD/tests/yget" "$d/state/connection.yaml" port)
	# Builds from before privilege separation took the ticket's key.
	[ -f "$d/key" ] || "$BUILD/bench/kdfbench" key "$TICKET" "$PORT" "$d/key"
}

# drive DIR: one connect, then EXECS execs over one master connection.
drive() {
	# shellcheck disable=SC2086
	ssh $SSHO -i "$1/key" -p "$PORT" tether@127.0.0.1 true
	# shellcheck disable=SC2086
	ssh $SSHO -i "$1/key" -p "$PORT" -o ControlMaster=yes \
	    -o ControlPath="$1/cm" -o ControlPersist=no -N tether@127.0.0.1 &
	m=$!
	pids="$pids $m"
	i=0
	while [ ! -S "$1/cm" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	n=0
	while [ $n -lt "$2" ]; do
		# shellcheck disable=SC2086
		ssh $SSHO -o ControlPath="$1/cm" -p "$PORT" tether@127.0.0.1 true
		n=$((n + 1))
	done
	# shellcheck disable=SC2086
	ssh $SSHO -o ControlPath="$1/cm" -O exit tether@127.0.0.1 2>/dev/null ||
	    kill -TERM "$m" 2>/dev/null || true
	wait "$m" 2>/dev/null || true
}

top_frames() {
	echo "-- exclusive (self) instructions"
	callgrind_annotate --inclusive=no "$1" 2>/dev/null |
	    sed -n '/PROGRAM TOTALS/,$p' | grep -E '^ *[0-9,]+ ' | sed -n 1,12p
	echo "-- inclusive, tether's own frames and libssh entry points"
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
	    grep -E '^ *[0-9,]+ ' |
	    grep -E 'agentd/|tui/|common/|ssh_(channel|handle|event|blocking)' |
	    sed -n 1,14p
}

echo "== 1. callgrind, tetherd connection child: 1 connect + $EXECS execs"
start_agent "$T/cg" valgrind --tool=callgrind --collect-atstart=no \
    --toggle-collect=session_serve --callgrind-out-file="$T/cg/out.%p"
drive "$T/cg" "$EXECS"
kill -TERM "$APID"
i=0
while kill -0 "$APID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
# The listener's own file is empty; of the children, the connect one is
# the smaller and the multiplexed one the larger.
# shellcheck disable=SC2012
for f in $(ls -S "$T"/cg/out.* | head -2); do
	echo "---- $(basename "$f"): $(callgrind_annotate "$f" 2>/dev/null |
	    grep 'PROGRAM TOTALS' | awk '{print $1}') instructions"
	top_frames "$f"
done

echo
echo "== 2. strace of a plain tetherd: polls that waited >= 20 ms"
start_agent "$T/st"
strace -f -tt -T -e trace=poll,ppoll,sendto,recvfrom -p "$APID" \
    -o "$T/st/strace" 2>/dev/null &
spid=$!
pids="$pids $spid"
sleep 1
drive "$T/st" 1
sleep 0.5
kill -INT "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
# The listener's own polls are idle waits, not stalls: children only.
awk -v lp="$APID" '$1 != lp && pend[$1] != "" && !/poll/ {
	call = substr($3, 1, index($3, "(") - 1)
	printf "  pid %s %s waited %s, then %s %s bytes\n", $1, stamp[$1],
	    pend[$1], call, $(NF - 1)
	pend[$1] = ""
}
$1 != lp && /poll/ && match($0, /<[0-9.]+>$/) {
	t = substr($0, RSTART + 1, RLENGTH - 2) + 0
	if (t >= 0.020) {
		n++; s += t
		pend[$1] = sprintf("%.1f ms", t * 1000); stamp[$1] = $2
	}
}
END { printf "  %d stalls in connection processes, %.0f ms in all\n", n, s * 1000 }' \
    "$T/st/strace"

echo
echo "== 3. callgrind, the viewer: tether info"
valgrind --tool=callgrind --callgrind-out-file="$T/viewer.out" \
    "$BUILD/tether" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" info \
    >/dev/null 2>&1 || true
echo "---- $(callgrind_annotate "$T/viewer.out" 2>/dev/null |
    grep 'PROGRAM TOTALS' | awk '{print $1}') instructions"
top_frames "$T/viewer.out"
