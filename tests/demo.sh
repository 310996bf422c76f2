#!/bin/sh
# make demo: an agent on 127.0.0.1 with a temporary state directory, then
# the viewer with -ticket= -ipaddress= -port= from its connection.yaml, so
# the session screen opens at once. The agent stops when the viewer exits.

BUILD=${1:-build}
state=$(mktemp -d /tmp/tether-demo.XXXXXX)
agent="$BUILD/tetherd -b 127.0.0.1 -p 0 --no-message --state-dir $state"

if ! [ -t 0 ] || ! [ -t 1 ]; then
	echo "make demo needs a terminal. It would run:"
	echo "  $agent &"
	echo "  $BUILD/tether -ticket=TICKET -ipaddress=127.0.0.1 -port=PORT"
	echo "with TICKET and PORT read from $state/connection.yaml,"
	echo "then stop the agent when the viewer exits."
	rmdir "$state"
	exit 0
fi

$agent >"$state/status" 2>"$state/agent.log" </dev/null &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$state"' EXIT
trap 'exit 1' INT TERM

i=0
while ! [ -s "$state/connection.yaml" ]; do
	if ! kill -0 $pid 2>/dev/null || [ $i -ge 100 ]; then
		echo "demo: the agent did not start:" >&2
		cat "$state/agent.log" >&2
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
ticket=$("$BUILD/tests/yget" "$state/connection.yaml" ticket)
port=$("$BUILD/tests/yget" "$state/connection.yaml" port)
cat "$state/status"
echo "Starting the viewer: Enter opens the console, Ctrl-] comes back, q disconnects, Esc quits."
sleep 1
"$BUILD/tether" -ticket="$ticket" -ipaddress=127.0.0.1 -port="$port"
