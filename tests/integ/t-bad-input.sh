#!/bin/sh
# Bad input gets one clear line and a non-zero exit, and leaves nothing
# half-written: ports, addresses, the state directory, consent, tickets.
. "$(dirname "$0")/lib.sh"

# expect_fail "what" "message" command...: fails, says message, no output.
expect_fail() {
	what=$1
	msg=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q -- "$msg" "$T/err"; then
		ok "$what"
	else
		not_ok "$what"
		echo "#   exit $rc, stderr:"
		sed 's/^/#   /' "$T/err"
	fi
}

S=$T/state
expect_fail "port above 65535" 'bad port "70000": must be 0-65535' \
    "$TETHERD" --no-message --state-dir "$S" -b 127.0.0.1 -p 70000
expect_fail "port that is not a number" 'bad port "ssh": not a number' \
    "$TETHERD" --no-message --state-dir "$S" -b 127.0.0.1 -p ssh
expect_fail "bind address that is not an address" 'bad address "localhost"' \
    "$TETHERD" --no-message --state-dir "$S" -b localhost -p 0
expect_fail "unknown option" "usage: tetherd" \
    "$TETHERD" --no-message --bogus
expect_fail "stray argument" 'unexpected argument "extra"' \
    "$TETHERD" --no-message extra

start_agent
expect_fail "a taken port" "127.0.0.1:$PORT: Address already in use" \
    "$TETHERD" --no-message --state-dir "$S" -b 127.0.0.1 -p "$PORT"
check "the failed start wrote no state" [ ! -e "$S/connection.yaml" ]

touch "$T/afile"
expect_fail "state dir that is a file" "state directory $T/afile: not a directory" \
    "$TETHERD" --no-message --state-dir "$T/afile" -b 127.0.0.1 -p 0
expect_fail "state dir under a file" "state directory $T/afile/sub: Not a directory" \
    "$TETHERD" --no-message --state-dir "$T/afile/sub" -b 127.0.0.1 -p 0
mkdir -p "$T/ro"
chmod 0500 "$T/ro"
if [ "$(id -u)" -ne 0 ]; then
	expect_fail "unwritable state dir" "state directory $T/ro: Permission denied" \
	    "$TETHERD" --no-message --state-dir "$T/ro" -b 127.0.0.1 -p 0
fi
expect_fail "no terminal and no --no-message" "start with --no-message" \
    "$TETHERD" --state-dir "$S" -b 127.0.0.1 -p 0
check "refusing consent opened no port" [ ! -e "$S/connection.yaml" ]

# The viewer's command line.
expect_fail "viewer: unknown option" "unknown option --bogus" \
    "$TETHER" --bogus
expect_fail "viewer: option without a value" "option --port needs a value" \
    "$TETHER" --ticket 1 --port
expect_fail "viewer: short ticket for a command" \
    "ignored -ticket=1234 (a ticket has 12 digits, this has 4)" \
    "$TETHER" -ticket=1234 -ipaddress=127.0.0.1 -port="$PORT" info
"$TETHER" -ticket=1234 -ipaddress=127.0.0.1 -port="$PORT" info 2>/dev/null
check_eq "viewer: bad arguments exit 2" 2 $?
expect_fail "viewer: letters in the ticket" \
    "a ticket has only digits, spaces and dashes" \
    "$TETHER" --ticket 4821-0937-556x --ip 127.0.0.1 --port "$PORT" info
expect_fail "viewer: bad port" 'bad port "99999"' \
    "$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port 99999 info
expect_fail "viewer: a host name is not an address" 'bad address "example"' \
    "$TETHER" --ticket "$TICKET" --ip example --port "$PORT" info
expect_fail "viewer: unknown command" 'unknown command "bogus"' \
    "$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" bogus
expect_fail "viewer: no terminal for the form" "the form needs a terminal" \
    "$TETHER"

# DaRT rule, interactively: one invalid value starts the form blank.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=99999"
check_screen "invalid -port starts the form" "remote rescue viewer"
check_screen "the status line names what was ignored" \
    'ignored -port=99999 (bad port "99999": must be 0-65535)'
if screen | grep -q "Ticket  *[0-9]"; then
	not_ok "an invalid value blanks every field"
else
	ok "an invalid value blanks every field"
fi
check_no_grep "nothing connected" "connection from" "$AGENT_LOG"

# Two valid values of three: the form starts filled with them.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1"
check_screen "valid values prefill the form" "Ticket  *$TICKET"
check_screen "the given address is kept" "IP address  *127.0.0.1"
check_no_grep "and nothing connected" "connection from" "$AGENT_LOG"

finish
