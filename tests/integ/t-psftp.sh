#!/bin/sh
# PuTTY's psftp puts 50 MB to the agent no slower than 1.5 times the same
# put to a private sshd in the same run: the agent's input queue toward
# sftp-server stays bounded, so sftp-server never re-copies a long queue.
# About one put in four on a busy machine used to stall for about 60 s,
# sftp-server's input queue filling (agentd/sftppace.c); t-sftp-flow.sh
# tests that part alone. bench/psftp.sh measures the same put.
. "$(dirname "$0")/lib.sh"

command -v psftp >/dev/null || { not_ok "psftp is installed (putty-tools)"; finish; }
start_agent
check "a private sshd starts" start_sshd
puttygen "$SSHD_KEY" -O private -o "$T/user.ppk" -q 2>/dev/null ||
    puttygen "$SSHD_KEY" -O private -o "$T/user.ppk"
head -c 50000000 /dev/urandom >"$T/put.src"

# put port user dest [psftp options]: seconds the put took, or "fail".
put() {
	_port=$1 _user=$2 _dst=$3
	shift 3
	printf 'put %s %s\nquit\n' "$T/put.src" "$_dst" >"$T/put.batch"
	_t0=$(date +%s.%N)
	if timeout 600 ${PSFTP_WRAP:-} psftp -batch -P "$_port" -l "$_user" \
	    -hostkey "$(host_fp "$_port")" -b "$T/put.batch" "$@" 127.0.0.1 \
	    >"$T/psftp.out" 2>&1 && cmp -s "$T/put.src" "$_dst"; then
		echo "$(date +%s.%N) $_t0" | awk '{ printf "%.2f\n", $1 - $2 }'
	else
		sed 's/^/#   /' "$T/psftp.out" >&2
		echo fail
	fi
	rm -f "$_dst"
}

ts=$(put "$SSHD_PORT" root "$T/to-sshd" -i "$T/user.ppk")
# The connection's peak RSS during the put, sampled from the session
# process (the sampler stops itself after 600 s).
( peak=0; i=0; while [ $i -lt 6000 ] && [ ! -e "$T/put.done" ]; do
	for p in $(session_pids); do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" >"$T/peak"
	done
	sleep 0.1; i=$((i + 1))
done ) &
sampler=$!
ta=$(put "$PORT" tether "$T/to-agent" -pw "$TICKET")
touch "$T/put.done"
wait "$sampler"
peak=$(cat "$T/peak" 2>/dev/null || echo 0)
echo "# psftp put of 50 MB: sshd ${ts} s, tetherd ${ta} s, connection peak RSS ${peak} KiB"
check "the put to sshd works" [ "$ts" != fail ]
check "the put to the agent arrives intact" [ "$ta" != fail ]
check "the agent takes at most 1.5 times sshd's time" \
    awk -v a="$ta" -v s="$ts" 'BEGIN { exit !(a != "fail" && s != "fail" && a <= 1.5 * s) }'
if [ -n "${TETHER_SANITIZED:-}" ]; then
	# ASan's shadow memory and quarantine make RSS meaningless here.
	echo "# skipped the RSS bound under sanitizers (peak ${peak} KiB)"
else
	check "the connection stays under 32 MiB during the put" \
	    [ "$peak" -lt 32768 ]
fi
stop_agent
finish
