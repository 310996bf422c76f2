#!/bin/sh
# Bulk data both ways through exec channels, with a reader slower than the
# network, so flow control (and not memory) takes the strain.
. "$(dirname "$0")/lib.sh"

start_agent
head -c 20000000 /dev/urandom >"$T/big"
want=$(md5sum <"$T/big" | cut -d' ' -f1)

got=$(agent_ssh 'md5sum' <"$T/big" | cut -d' ' -f1)
check_eq "20 MB of stdin arrive intact" "$want" "$got"

got=$(agent_ssh 'sleep 1; md5sum' <"$T/big" | cut -d' ' -f1)
check_eq "20 MB wait for a reader that starts late" "$want" "$got"

got=$(agent_ssh "cat $T/big" | md5sum | cut -d' ' -f1)
check_eq "20 MB of stdout arrive intact" "$want" "$got"

got=$(agent_ssh "cat $T/big" | (sleep 1; md5sum) | cut -d' ' -f1)
check_eq "20 MB wait for a local reader that starts late" "$want" "$got"

# The session child's memory stays bounded while a reader stalls.
agent_ssh 'sleep 3; cat >/dev/null' <"$T/big" &
sshpid=$!
sleep 2
child=$(session_pids | head -n 1)
rss=$(ps -o rss= -p "$child" | tr -d ' ')
if [ -n "${TETHER_SANITIZED:-}" ]; then
	# ASan's shadow memory and quarantine make RSS meaningless here.
	echo "# skipped the RSS bound under sanitizers (rss ${rss} KiB)"
else
	check "a stalled reader keeps the session under 16 MB (rss ${rss} KiB)" \
	    [ "${rss:-99999}" -lt 16384 ]
fi
wait "$sshpid"
check_eq "the stalled transfer completes" 0 $?

finish
