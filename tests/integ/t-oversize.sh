#!/bin/sh
# Oversized and repeated requests from an authenticated client (a libssh
# client of our own, tests/oversize.c): 10,000 env requests, ptys of 0x0
# and 65535x65535, a storm of 10,000 window changes, exec requests of
# 100 KB and 1 MiB. Each is refused, clamped or served; the agent stays up.
. "$(dirname "$0")/lib.sh"

start_agent
O="$BUILD/tests/oversize 127.0.0.1 $PORT $TICKET"

check_eq "10,000 env requests: 32 taken, the rest refused" \
    "env accepted=32 refused=9968" "$($O env 10000)"
check_eq "a 65535x65535 pty is clamped to 4096x4096" \
    "pty 4096 4096 status=0" "$($O pty 65535 65535)"
check_eq "a 0x0 pty gets 80x24" "pty 24 80 status=0" "$($O pty 0 0)"
check_eq "10,000 window changes: the last one holds" \
    "winch 49 219 status=0" "$($O winch 10000)"
check_eq "a 100 KB command runs" "exec status=0" "$($O exec 100000)"
out=$($O exec 1048576)
check "a 1 MiB request ends that connection (${out})" \
    eval "[ '$out' = 'exec lost' ] || [ '$out' = 'exec refused' ]"
check_grep "and the agent says why" "Packet len too high" "$AGENT_LOG"
check "the agent is still up" kill -0 "$AGENT_PID"
check_eq "and serves the next one" ok "$(agent_ssh echo ok)"
stop_agent
finish
