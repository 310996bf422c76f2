#!/bin/sh
# SPDX-License-Identifier: ISC
#
# One bench row: a 50 MB put with PuTTY's psftp to tetherd and to a private
# sshd on 127.0.0.1, interleaved, 3 rounds (1 with --quick). The row gives
# the median seconds of each side, their ratio and the goal (at most 1.5).
#
#   sh bench/psftp.sh [--quick]
#
# BUILD (default build) is where tetherd and tests/yget are.

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
rounds=3
[ "${1:-}" = --quick ] && rounds=1
command -v psftp >/dev/null || { echo "bench: psftp is missing: make deps (putty-tools)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root: the private sshd needs it" >&2; exit 1; }

d=$(mktemp -d /tmp/tether-bench-psftp.XXXXXX)
pids=
made_run=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ -z "$made_run" ] || rmdir /run/sshd 2>/dev/null || true
	rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
fp() {
	ssh-keyscan -t ed25519 -p "$1" 127.0.0.1 2>/dev/null |
	    ssh-keygen -lf - | awk '{ print $2 }'
}
waitfor() {
	i=0
	while [ $i -lt 100 ]; do eval "$1" && return 0; sleep 0.1; i=$((i + 1)); done
	echo "bench: timed out: $1" >&2
	exit 1
}

ssh-keygen -q -t ed25519 -N '' -f "$d/host"
ssh-keygen -q -t ed25519 -N '' -f "$d/user"
cp "$d/user.pub" "$d/authorized_keys"
puttygen "$d/user" -O private -o "$d/user.ppk" -q 2>/dev/null
printf 'HostKey %s/host\nPidFile none\nAuthorizedKeysFile %s/authorized_keys\nStrictModes no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM no\nSubsystem sftp /usr/lib/openssh/sftp-server\nLogLevel ERROR\n' \
    "$d" "$d" >"$d/sshd_config"
[ -d /run/sshd ] || { mkdir -m 755 /run/sshd; made_run=1; }
sport=$(freeport)
/usr/sbin/sshd -D -e -f "$d/sshd_config" -p "$sport" -o ListenAddress=127.0.0.1 2>"$d/sshd.log" &
pids="$pids $!"
"$BUILD/tetherd" -b 127.0.0.1 -p 0 --no-message --state-dir "$d/state" \
    --log-dir "$d/logs" </dev/null >/dev/null 2>"$d/tetherd.log" &
pids="$pids $!"
waitfor "[ -s '$d/state/connection.yaml' ]"
waitfor "[ -n \"\$(fp $sport)\" ]"
ticket=$("$BUILD/tests/yget" "$d/state/connection.yaml" ticket)
tport=$("$BUILD/tests/yget" "$d/state/connection.yaml" port)
head -c 50000000 /dev/urandom >"$d/src"
printf 'put %s %s/dst\nquit\n' "$d/src" "$d" >"$d/batch"

# put port user options...: the seconds one put took.
put() {
	_port=$1 _user=$2
	shift 2
	_t0=$(date +%s.%N)
	timeout 600 psftp -batch -P "$_port" -l "$_user" -hostkey "$(fp "$_port")" \
	    -b "$d/batch" "$@" 127.0.0.1 >"$d/psftp.out" 2>&1 ||
	    { cat "$d/psftp.out" >&2; exit 1; }
	echo "$(date +%s.%N) $_t0" | awk '{ printf "%.2f\n", $1 - $2 }'
	rm -f "$d/dst"
}

: >"$d/t" && : >"$d/o"
r=0
while [ $r -lt $rounds ]; do
	put "$tport" tether -pw "$ticket" >>"$d/t"
	put "$sport" root -i "$d/user.ppk" >>"$d/o"
	r=$((r + 1))
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
t=$(med "$d/t") o=$(med "$d/o")
awk -v t="$t" -v o="$o" -v n="$rounds" 'BEGIN {
	printf "| psftp put 50 MB, s (median of %d) | %.2f | %.2f | %.2f | <= 1.5 | %s |\n",
	    n, t, o, t / o, t <= 1.5 * o ? "pass" : "FAIL" }'
