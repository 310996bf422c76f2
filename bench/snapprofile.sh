#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Where the time of a one-shot "ssh ... snapshot > f.png" goes, on the
# plain ssh path (a connection of its own, no multiplexing). Not part of
# `make bench`; its summary goes in bench/results.md by hand.
#
#   sh bench/snapprofile.sh [RUNS]
#
# tetherd runs under strace -f -ttt with a 1920x1080x32 fake framebuffer
# (bench/snapbench.c's desktop frame); for each run the phases are cut at
# the connection's fork, the verb's fork, the frame's mmap, the stripes'
# threads, the verb's first and last write of the PNG, its exit and the
# connection's exit. strace slows every system call: compare phases with
# each other, and the total with the untraced run printed first.

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
RUNS=${1:-5}
case $RUNS in ''|*[!0-9]*) echo "usage: snapprofile.sh [RUNS]" >&2; exit 2 ;; esac
[ "$RUNS" -le 50 ] || RUNS=50
for f in tetherd tests/yget bench/kdfbench bench/snapbench; do
	[ -x "$BUILD/$f" ] || {
		echo "snapprofile: $BUILD/$f is missing: make bench-quick first" >&2
		exit 1
	}
done
command -v strace >/dev/null 2>&1 || {
	echo "snapprofile: strace is missing (make deps)" >&2
	exit 1
}
T=$(mktemp -d /tmp/tether-snapprofile.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	[ -n "$pid" ] && wait "$pid" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$BUILD/bench/snapbench" -w "$T/frame.raw"
# A key of our own: the ticket's key is the host key, not a login.
ssh-keygen -q -t ed25519 -N '' -C tether-snapprofile -f "$T/key"
cat >"$T/tetherd.yaml" <<EOF2
authorized_keys: ["$(cat "$T/key.pub")"]
network: {mode: none}
discovery: {enabled: false}
roots: {scan: false}
log_dir: $T/log
audit: {file: $T/audit.log}
recording: {enabled: false}
snapshot:
  fake_fb:
    path: $T/frame.raw
    width: 1920
    height: 1080
    bpp: 32
    red: {offset: 16, length: 8}
    green: {offset: 8, length: 8}
    blue: {offset: 0, length: 8}
EOF2

# start [strace]: tetherd, its ticket, port and key.
start() {
	rm -rf "$T/state"
	# A session of its own: tetherd ends its process group when it stops.
	setsid $1 "$BUILD/tetherd" -f "$T/tetherd.yaml" -b 127.0.0.1 -p 0 \
	    --no-message --state-dir "$T/state" </dev/null >/dev/null \
	    2>"$T/agent.log" &
	pid=$!
	i=0
	while [ ! -s "$T/state/connection.yaml" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	port=$("$BUILD/tests/yget" "$T/state/connection.yaml" port)
	ticket=$("$BUILD/tests/yget" "$T/state/connection.yaml" ticket)
}

stop() {
	# strace blocks TERM while it traces: end tetherd, under it, first.
	for c in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
		kill -TERM "$c" 2>/dev/null || true
	done
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}

shot() {
	ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	    -o IdentitiesOnly=yes -o IdentityAgent=none -i "$T/key" \
	    -p "$port" tether@127.0.0.1 snapshot >"$T/f.png"
}

ms() {
	date +%s%N
}

start ""
shot
echo "untraced: ms for $RUNS runs of ssh ... snapshot > f.png:"
i=0
while [ $i -lt "$RUNS" ]; do
	t0=$(ms)
	shot
	t1=$(ms)
	printf ' %d' $(((t1 - t0) / 1000000))
	i=$((i + 1))
done
echo
stop

start "strace -f -ttt -qq -o $T/trace -e trace=clone,clone3,fork,vfork,exit_group,openat,mmap,munmap,write,accept,accept4"
shot
: >"$T/trace.mark"
i=0
while [ $i -lt "$RUNS" ]; do
	shot
	i=$((i + 1))
done
stop
python3 - "$T/trace" "$RUNS" <<'EOF2'
import re, statistics, sys
lines = open(sys.argv[1]).read().splitlines()
runs = int(sys.argv[2])
ev = []
for ln in lines:
    m = re.match(r"(\d+) +(\d+\.\d+) (\w+)\((.*)", ln)
    if m:
        ev.append((int(m.group(1)), float(m.group(2)), m.group(3),
                   m.group(4)))
# A connection: the listener's accept; its child: the first clone after.
listener = ev[0][0]
accepts = [e for e in ev if e[0] == listener and e[2].startswith("accept")
           and not e[3].endswith("EAGAIN (Resource temporarily "
                                 "unavailable)")]
phases = {}
def add(k, v):
    phases.setdefault(k, []).append(v * 1e3)
for a in accepts[-runs:]:
    t0 = a[1]
    after = [e for e in ev if e[1] >= t0]
    conn = next(int(re.search(r"= (\d+)", e[3]).group(1)) for e in after
                if e[0] == listener and e[2] in ("clone", "clone3", "fork")
                and re.search(r"= (\d+)$", e[3]))
    cev = [e for e in after if e[0] == conn]
    vfork = next(e for e in cev if e[2] in ("clone", "clone3", "fork")
                 and re.search(r"= (\d+)$", e[3]))
    verb = int(re.search(r"= (\d+)$", vfork[3]).group(1))
    vev = [e for e in after if e[0] == verb]
    mm = next(e for e in vev if e[2] == "mmap" and "MAP_POPULATE" in e[3])
    thr = [e for e in vev if e[2] in ("clone", "clone3")]
    wr = [e for e in vev if e[2] == "write" and e[3].startswith("1,")]
    vend = next(e for e in vev if e[2] == "exit_group")
    cend = next(e for e in cev if e[2] == "exit_group")
    add("accept -> connection forked", [e for e in after if e[0] == listener
        and e[2] in ("clone", "clone3", "fork")][0][1] - t0)
    add("connection: key exchange, auth, exec request -> verb forked",
        vfork[1] - t0)
    add("verb: fork -> frame mapped (open, mmap populate)", mm[1] - vfork[1])
    add("verb: mapped -> stripes' threads started", (thr[-1][1] if thr
        else mm[1]) - mm[1])
    add("verb: threads started -> first PNG write", wr[0][1] -
        (thr[-1][1] if thr else mm[1]))
    add("verb: PNG writes to the pipe", wr[-1][1] - wr[0][1])
    add("verb: last write -> exit", vend[1] - wr[-1][1])
    add("connection: verb exit -> connection exit (channel drained)",
        cend[1] - vend[1])
    add("total: accept -> connection exit", cend[1] - t0)
print("traced phases, ms min/median/max over %d runs:" % len(accepts[-runs:]))
for k, v in phases.items():
    print("  %-60s %6.1f %6.1f %6.1f" % (k, min(v), statistics.median(v),
                                          max(v)))
EOF2
