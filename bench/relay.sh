#!/bin/sh
# SPDX-License-Identifier: ISC
#
# A bench row script (bench/README.md, "A row from a script"): connecting
# through a relay. A private sshd on 127.0.0.1 is the relay, with the
# authorized_keys lines of tetherd(8); a tetherd of its own connects out to
# it. The same ssh client then connects through the same relay (ssh -J)
# to the agent and to that sshd itself, round by round, the first side
# alternating; and the viewer connects with --relay.
#
#   sh bench/relay.sh        (BUILD, BENCH_TMP, BENCH_QUICK from bench.py)

set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
rounds=12
[ "${BENCH_QUICK:-0}" = 1 ] && rounds=4
D=$(mktemp -d "${BENCH_TMP:-/tmp}/relay.XXXXXX")
pids=

cleanup() {
	for p in $pids; do
		for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
			kill "$c" 2>/dev/null
		done
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for cmd tenths
wait_for() {
	n=$2
	while [ "$n" -gt 0 ]; do
		eval "$1" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

mkdir -p /run/sshd
for k in host agent tech; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$D/$k" || exit 1
done
{
	echo "restrict,port-forwarding,permitlisten=\"localhost:*\",command=\"/bin/false\" $(cat "$D/agent.pub")"
	echo "restrict,port-forwarding,permitopen=\"localhost:*\" $(cat "$D/tech.pub")"
	# The OpenSSH side's target is this sshd itself: the tech key logs in.
} >"$D/authorized_keys"
RPORT=$(free_port)
cat >"$D/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $RPORT
HostKey $D/host
PidFile none
AuthorizedKeysFile $D/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
LogLevel ERROR
EOF
/usr/sbin/sshd -D -e -f "$D/sshd_config" 2>"$D/sshd.log" &
pids="$pids $!"
wait_for "ssh-keyscan -p $RPORT 127.0.0.1 2>/dev/null | grep -q ed25519" 50 ||
	{ echo "relay sshd did not start" >&2; exit 1; }

echo "[127.0.0.1]:$RPORT $(cut -d' ' -f1,2 "$D/host.pub")" >"$D/known_hosts"
echo "[localhost]:$RPORT $(cut -d' ' -f1,2 "$D/host.pub")" >>"$D/known_hosts"
cat >"$D/ssh_config" <<EOF
Host relay
  HostName 127.0.0.1
  Port $RPORT
  User root
Host *
  IdentityFile $D/tech
  IdentitiesOnly yes
  UserKnownHostsFile $D/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
EOF

mkdir -p "$D/state" "$D/logs"
chmod 700 "$D/state"
cat >"$D/tetherd.yaml" <<EOF
relay:
  - host: 127.0.0.1
    port: $RPORT
    user: root
    identity: $D/agent
    host_key: "$(cat "$D/host.pub")"
recording: {enabled: false}
ticket: {kdf_cost: 14}
EOF
"$BUILD/tetherd" -b 127.0.0.1 -p 0 --no-message --state-dir "$D/state" \
    --log-dir "$D/logs" -f "$D/tetherd.yaml" >"$D/out" 2>"$D/log" </dev/null &
pids="$pids $!"
rport() {
	"$BUILD/tests/yget" "$D/state/connection.yaml" relay.0.port 2>/dev/null |
	    grep -x '[0-9][0-9]*'
}
wait_for '[ -n "$(rport)" ]' 150 ||
	{ echo "tetherd did not reach the relay" >&2; exit 1; }
RP=$(rport)
TICKET=$("$BUILD/tests/yget" "$D/state/connection.yaml" ticket)
# The agent's key, from the viewer (which checks it against the ticket).
TETHER_SSH="ssh -F $D/ssh_config"
TETHER_KEY_CACHE=$D/keycache
export TETHER_SSH TETHER_KEY_CACHE
"$BUILD/tether" --relay relay --ticket "$TICKET" --ip localhost --port "$RP" \
    known-hosts >>"$D/known_hosts" || exit 1

# ms cmd...: the wall time of one run, or nothing if it failed.
ms() {
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 </dev/null || return 1
	echo $((($(date +%s%N) - t0) / 1000000))
}
agent_j() {
	SSHPASS=$TICKET sshpass -e ssh -F "$D/ssh_config" -J relay -p "$RP" \
	    -o PreferredAuthentications=password -o BatchMode=no \
	    tether@localhost true
}
sshd_j() {
	ssh -F "$D/ssh_config" -J relay -p "$RPORT" root@localhost true
}
viewer() {
	"$BUILD/tether" --relay relay --ticket "$TICKET" --ip localhost \
	    --port "$RP" info
}

: >"$D/a" ; : >"$D/s" ; : >"$D/v"
i=0
while [ $i -lt "$rounds" ]; do
	if [ $((i % 2)) -eq 0 ]; then
		ms agent_j >>"$D/a"; ms sshd_j >>"$D/s"
	else
		ms sshd_j >>"$D/s"; ms agent_j >>"$D/a"
	fi
	ms viewer >>"$D/v"
	i=$((i + 1))
done

# stats file: "median min/median/max n"
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
	    if (NR == 0) { print "- - 0"; exit }
	    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    printf "%.0f %d/%.0f/%d %d\n", m, v[1], m, v[NR], NR }'
}
set -- $(stats "$D/a")
am=$1 as=$2 an=$3
set -- $(stats "$D/s")
sm=$1 ss=$2 sn=$3
set -- $(stats "$D/v")
vm=$1 vs=$2 vn=$3
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-";
	    else printf "%.2f\n", a / b }'
}
okay() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(b + 0 > 0 && a / b <= 1.0) }' &&
	    echo pass || echo FAIL
}
printf 'row\trelay: connect (ssh -J true)\t%s ms\t%s ms\t%s\t<= 1.0\t%s\t%s rounds (%s and %s answered); the same client and relay sshd, the target tetherd against that sshd itself; tether min/median/max %s ms, OpenSSH %s ms\t%s\n' \
    "$am" "$sm" "$(ratio "$am" "$sm")" "$(okay "$am" "$sm")" "$rounds" "$an" \
    "$sn" "$as" "$ss" "$as"
printf 'row\trelay: connect (tether --relay info)\t%s ms\t%s ms\t%s\tinfo\tinfo\t%s rounds (%s answered); the viewer through ssh -W against ssh -J to the sshd, true; min/median/max %s ms\t%s\n' \
    "$vm" "$sm" "$(ratio "$vm" "$sm")" "$rounds" "$vn" "$vs" "$vs"
