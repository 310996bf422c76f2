#!/bin/sh
# The viewer's file commands over the agent's sftp subsystem: put and get
# of a 50 MiB file intact, nothing overwritten unless asked, a cut get
# resumed; known-hosts gives stock ssh a line it trusts; TETHER_TICKET
# stands for --ticket.
. "$(dirname "$0")/lib.sh"

start_agent
V="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"
R=$T/remote
mkdir -p "$R" "$T/local"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$T/big"
sum=$(sha256sum <"$T/big")

$V put "$T/big" "$R/big" </dev/null 2>"$T/put.err"
check_eq "put 50 MiB exits 0" 0 $?
check_eq "put: the copy is intact" "$sum" "$(sha256sum <"$R/big")"
check "put: no .part is left" [ ! -e "$R/big.part" ]
check_eq "put: the mode is kept" "$(stat -c %a "$T/big")" \
    "$(stat -c %a "$R/big")"

$V get "$R/big" "$T/local/big" </dev/null 2>"$T/get.err"
check_eq "get 50 MiB exits 0" 0 $?
check_eq "get: the copy is intact" "$sum" "$(sha256sum <"$T/local/big")"
check "get: no .part is left" [ ! -e "$T/local/big.part" ]
check_eq "no progress lines when stderr is not a terminal" "" \
    "$(cat "$T/get.err" "$T/put.err")"

# Nothing is overwritten unless asked.
echo keep >"$T/local/keep"
$V get "$R/big" "$T/local/keep" </dev/null 2>"$T/ow.err"
check_eq "get onto an existing file exits 1" 1 $?
check_grep "and says how to overwrite" \
    "tether: get: $T/local/keep: exists (use -f to overwrite)" "$T/ow.err"
check_eq "and the file is untouched" keep "$(cat "$T/local/keep")"
echo theirs >"$R/theirs"
$V put "$T/local/keep" "$R/theirs" </dev/null 2>"$T/ow2.err"
check_eq "put onto an existing file exits 1" 1 $?
check_grep "and says so" "exists on the agent (use -f to overwrite)" \
    "$T/ow2.err"
check_eq "and the agent's file is untouched" theirs "$(cat "$R/theirs")"
$V put -f "$T/local/keep" "$R/theirs" </dev/null
check_eq "put -f overwrites" keep "$(cat "$R/theirs")"
$V get -f "$R/big" "$T/local/keep" </dev/null
check_eq "get -f overwrites" "$sum" "$(sha256sum <"$T/local/keep")"

# Errors: one line each, exit 1.
$V get "$R/nothing" "$T/local/n" </dev/null 2>"$T/e1"
check_eq "a missing remote file exits 1" 1 $?
check_grep "and is named" "$R/nothing: No such file or directory" "$T/e1"
check "and leaves no local file" eval \
    "[ ! -e '$T/local/n' ] && [ ! -e '$T/local/n.part' ]"
$V get "$R" "$T/local/d" </dev/null 2>"$T/e2"
check_grep "a directory is refused" "$R: is a directory" "$T/e2"
$V put "$T/local" "$R/x" </dev/null 2>"$T/e3"
check_grep "a local directory is refused" "not a regular file" "$T/e3"
$V get "$R/big" </dev/null 2>"$T/e4"
check_eq "get without LOCAL is a usage error" 2 $?
$V get -z "$R/big" "$T/local/z" </dev/null 2>"$T/e5"
check_grep "an unknown option is named" "get: unknown option -z" "$T/e5"

# Resume: a .part holding the start of the file (zeroed, so that a
# restart would show) is continued, not fetched again.
head -c $((20 * 1024 * 1024)) /dev/zero >"$T/local/res.part"
$V get -c "$R/big" "$T/local/res" </dev/null
check_eq "get -c exits 0" 0 $?
check_eq "get -c kept the 20 MiB already there" \
    "$(head -c $((20 * 1024 * 1024)) /dev/zero | sha256sum)" \
    "$(head -c $((20 * 1024 * 1024)) "$T/local/res" | sha256sum)"
check_eq "get -c fetched the rest" \
    "$(tail -c +$((20 * 1024 * 1024 + 1)) "$T/big" | sha256sum)" \
    "$(tail -c +$((20 * 1024 * 1024 + 1)) "$T/local/res" | sha256sum)"

# A get cut by SIGKILL leaves only .part; -c then completes it intact.
$V get "$R/big" "$T/local/cut" </dev/null &
vpid=$!
wait_for "[ -s '$T/local/cut.part' ]" 100
kill -KILL $vpid 2>/dev/null
wait $vpid 2>/dev/null
check "a cut get leaves no whole-looking file" [ ! -e "$T/local/cut" ]
$V get -c "$R/big" "$T/local/cut" </dev/null
check_eq "the resumed get is intact" "$sum" "$(sha256sum <"$T/local/cut")"
check "and its .part is gone" [ ! -e "$T/local/cut.part" ]

# known-hosts: stock ssh trusts the agent with no prompt.
$V known-hosts </dev/null >"$T/kh"
check_eq "known-hosts exits 0" 0 $?
check_grep "known-hosts is one [ip]:port line" \
    "^\[127.0.0.1\]:$PORT ssh-ed25519 AAAA[A-Za-z0-9+/=]*\$" "$T/kh"
out=$(sshpass -p "$TICKET" ssh -o UserKnownHostsFile="$T/kh" \
    -o StrictHostKeyChecking=yes -o LogLevel=ERROR \
    -o PubkeyAuthentication=no -o PreferredAuthentications=password \
    -p "$PORT" tether@127.0.0.1 echo trusted 2>&1)
check_eq "stock ssh accepts the agent with that line" trusted "$out"

# TETHER_TICKET in place of --ticket.
out=$(TETHER_TICKET=$TICKET "$TETHER" --ip 127.0.0.1 --port "$PORT" info \
    </dev/null | "$YGET" - tether)
check_eq "TETHER_TICKET stands for --ticket" 1 "$out"
TETHER_TICKET=1234 "$TETHER" --ip 127.0.0.1 --port "$PORT" info \
    </dev/null 2>"$T/tt.err"
check_eq "a bad TETHER_TICKET is a usage error" 2 $?
check_grep "and is named" "TETHER_TICKET" "$T/tt.err"

stop_agent
finish
