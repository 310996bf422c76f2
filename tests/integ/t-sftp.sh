#!/bin/sh
# The sftp subsystem with stock sftp: a file goes up and comes back
# byte-exact.
. "$(dirname "$0")/lib.sh"

start_agent
head -c 3000000 /dev/urandom >"$T/blob"
cat >"$T/batch" <<EOB
put $T/blob $T/blob.up
get $T/blob.up $T/blob.down
ls $T
EOB
# sftp -b would forbid password authentication, so commands go on stdin.
# shellcheck disable=SC2086
sshpass -p "$TICKET" sftp $SSHOPTS -P "$PORT" tether@127.0.0.1 \
    <"$T/batch" >"$T/sftp.out" 2>&1
rc=$?
check_eq "sftp session succeeds" 0 $rc
[ $rc -eq 0 ] || sed 's/^/#   /' "$T/sftp.out"
check "upload is byte-exact" cmp -s "$T/blob" "$T/blob.up"
check "download is byte-exact" cmp -s "$T/blob" "$T/blob.down"
check_grep "agent logs the sftp session" "sftp" "$AGENT_LOG"

# Without authentication there is no sftp.
# shellcheck disable=SC2086
sshpass -p 000000000000 sftp $SSHOPTS -P "$PORT" tether@127.0.0.1 \
    <"$T/batch" >/dev/null 2>&1
check "sftp with a wrong ticket fails" [ $? -ne 0 ]

finish
