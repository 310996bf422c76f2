#!/bin/sh
# The viewer wipes a ticket given with --ticket or -ticket= from its
# command line once parsed: /proc/PID/cmdline no longer shows it.
. "$(dirname "$0")/lib.sh"

start_agent
digits=$(echo "$TICKET" | tr -d -)
for form in "--ticket $TICKET" "-ticket=$TICKET"; do
	viewer_start "$form -ipaddress=127.0.0.1 -port=$PORT"
	wait_screen "Console" 100
	vpid=$(pgrep -f -n "^$TETHER " || pgrep -n -x tether)
	tr '\0' ' ' <"/proc/$vpid/cmdline" >"$T/cmdline"
	echo "# cmdline: $(cat "$T/cmdline")"
	check "the viewer runs ($form)" [ -s "$T/cmdline" ]
	check_no_grep "its command line no longer holds the ticket ($form)" \
	    "$TICKET\|$digits" "$T/cmdline"
done
stop_agent
finish
