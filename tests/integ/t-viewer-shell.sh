#!/bin/sh
# `tether ... shell` for scripts: the remote exit status becomes the
# viewer's, with and without a terminal; `info` prints the agent's YAML.
. "$(dirname "$0")/lib.sh"

start_agent
V="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"

out=$(printf 'echo from-stdin\nexit 7\n' | $V shell)
check_eq "shell without a terminal exits with the remote status" 7 $?
check_eq "shell without a terminal runs its input" "from-stdin" "$out"

printf 'exit 0\n' | $V shell
check_eq "a clean remote exit is 0" 0 $?

$V info >"$T/info.yaml"
check_eq "info exits 0" 0 $?
check_eq "info prints the agent's YAML" "$PORT" "$("$YGET" "$T/info.yaml" port)"
check_eq "info names the authenticated user" tether \
    "$("$YGET" "$T/info.yaml" user)"

# On a terminal: the pty shell's status comes back too.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT shell"
check_screen "shell on a terminal opens the console" "^root@\|[#$] *$"
shell_line 'exit 42'
check_screen "shell on a terminal exits with the remote status" \
    "VIEWER-EXIT=42"

# Leaving with Ctrl-] is not the shell finishing: 255, as ssh's ~. gives.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT shell"
check_screen "shell opens the console again" "^root@\|[#$] *$"
keys C-]
check_screen "leaving shell with Ctrl-] exits 255" "VIEWER-EXIT=255"

finish
