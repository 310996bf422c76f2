#!/bin/sh
# LAN discovery between network namespaces this test makes (nothing is
# sent on a real interface), with IPv6 on as on any LAN: agents A and B on
# one bridge with different tickets, the viewer in a third namespace. A has
# a second link to the viewer, a third one with no IPv4 at all, and an
# address the viewer has no route to. The viewer counts answers over IPv4
# and IPv6 and lists only A: its reachable addresses, its link-local ones
# with the viewer's interface on that link, and the unreachable one
# marked. The agents ignore short requests and unicast ones, cap replies
# at 10/s for each sender, stay silent when discovery is off, and answer
# only on the interfaces they are given. Then the same with IPv6 switched
# off in the namespaces.
. "$(dirname "$0")/lib.sh"

V=tether-v$$ A=tether-a$$ B=tether-b$$
NETNS_MADE=

ns_cleanup() {
	cleanup
	for ns in $NETNS_MADE; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap ns_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

if ! ip netns add "$V" 2>/dev/null; then
	echo "# skip: ip netns is not permitted here (needs root and CAP_SYS_ADMIN); t-candidates covers lo"
	exit 77
fi
NETNS_MADE="$V"
ip netns add "$A" && NETNS_MADE="$NETNS_MADE $A"
ip netns add "$B" && NETNS_MADE="$NETNS_MADE $B"

in_ns() {
	ns=$1
	shift
	ip netns exec "$ns" "$@"
}

net_setup() {
	for ns in $V $A $B; do
		ip -n "$ns" link set lo up || return 1
	done
	ip -n "$V" link add br0 type bridge &&
	ip -n "$V" addr add 10.77.0.1/24 brd + dev br0 &&
	ip -n "$V" link set br0 up &&
	ip link add va netns "$V" type veth peer name a0 netns "$A" &&
	ip link add vb netns "$V" type veth peer name b0 netns "$B" &&
	ip -n "$V" link set va master br0 up &&
	ip -n "$V" link set vb master br0 up &&
	ip -n "$A" addr add 10.77.0.11/24 brd + dev a0 &&
	ip -n "$A" link set a0 up &&
	ip -n "$B" addr add 10.77.0.12/24 brd + dev b0 &&
	ip -n "$B" link set b0 up &&
	# A's second link to the viewer, and an address out of reach.
	ip link add va1 netns "$V" type veth peer name a1 netns "$A" &&
	ip -n "$V" addr add 10.78.0.1/24 brd + dev va1 &&
	ip -n "$V" link set va1 up &&
	ip -n "$A" addr add 10.78.0.11/24 brd + dev a1 &&
	ip -n "$A" link set a1 up &&
	ip -n "$A" link add a2 type veth peer name a3 &&
	ip -n "$A" addr add 10.79.0.11/24 dev a2 &&
	ip -n "$A" link set a2 up &&
	ip -n "$A" link set a3 up &&
	# A link with IPv6 alone: only link-local addresses on it.
	ip link add va2 netns "$V" type veth peer name a4 netns "$A" &&
	ip -n "$V" link set va2 up &&
	ip -n "$A" link set a4 up
}

# An interface's IPv6 link-local address, once it is no longer tentative.
ll() {
	ip -n "$1" -6 -o addr show dev "$2" scope link -tentative |
	    awk '{ sub("/.*", "", $4); print $4; exit }'
}

# Every link-local address has passed duplicate address detection.
ll_ready() {
	for _ll in "$V br0" "$V va1" "$V va2" "$A a0" "$A a1" "$A a2" \
	    "$A a3" "$A a4" "$B b0"; do
		# shellcheck disable=SC2086
		[ -n "$(ll $_ll)" ] || return 1
	done
}

if ! net_setup; then
	echo "# skip: cannot make veth pairs or a bridge in the namespaces"
	exit 77
fi

# ns_agent NS PORT [args]: start_agent, inside NS, on all its addresses.
ns_agent() {
	ns=$1 port=$2
	shift 2
	nagent=$((nagent + 1))
	AGENT_DIR=$T/agent$nagent
	AGENT_STATE=$AGENT_DIR/state
	AGENT_LOG=$AGENT_DIR/log
	mkdir -p "$AGENT_DIR"
	ip netns exec "$ns" "$TETHERD" -p "$port" --no-message -d \
	    --state-dir "$AGENT_STATE" "$@" >"$AGENT_DIR/out" \
	    2>"$AGENT_LOG" </dev/null &
	AGENT_PID=$!
	agents="$agents $AGENT_PID"
	agent_ready "$AGENT_LOG"
}

check "IPv6 is on: every link has its link-local address" wait_for ll_ready 100
ns_agent "$A" 7022
A_TICKET=$TICKET A_LOG=$AGENT_LOG
ns_agent "$B" 7022
B_TICKET=$TICKET
printf 'discovery: {enabled: false}\n' >"$T/off.yaml"
ns_agent "$B" 7023 -f "$T/off.yaml"
printf 'discovery: {interfaces: [a1]}\n' >"$T/a1.yaml"
ns_agent "$A" 7024 -f "$T/a1.yaml"
check "the two tickets differ" [ "$A_TICKET" != "$B_TICKET" ]

probe() {
	in_ns "$V" python3 "$top/tests/integ/discprobe.py" "$@"
}

probe 10.77.0.255 7022 512 1 1 >"$T/bcast"
check_grep "a broadcast on the bridge draws both agents" "^replies=2$" \
    "$T/bcast"
probe 10.77.0.255 7022 511 1 1 >"$T/short"
check_grep "a 511-byte request draws no reply" "^replies=0$" "$T/short"
probe 10.77.0.255 7022 512 1 1 >"$T/full"
check_grep "a 512-byte one draws both" "^replies=2$" "$T/full"
size=$(sed -n 's/^size=//p' "$T/full")
check "the reply is no longer than the request" [ "${size:-9999}" -le 512 ]
check_grep "the reply echoes the nonce" \
    "^nonce: 0123456789abcdef0123456789abcdef$" "$T/full"
check_grep "the reply has the key" "^key: ssh-ed25519 AAAA" "$T/full"
probe 10.77.0.12 7022 512 1 1 >"$T/unicast"
check_grep "a request to the agent's own address draws none" \
    "^replies=0$" "$T/unicast"

sleep 1.1	# full buckets again
probe 10.77.0.255 7022 512 40 1 >"$T/burst"
n=$(sed -n 's/^replies=//p' "$T/burst")
check "40 requests at once draw 10 to 12 replies from each agent (got $n)" \
    test "${n:-0}" -ge 20 -a "${n:-0}" -le 24

# One sender's flood (from 10.78.0.1, over A's second link) leaves
# another sender's request its answers: each source has its own bucket.
sleep 1.1
( i=0; while [ $i -lt 30 ]; do
	probe 10.78.0.255 7022 512 20 0 >/dev/null; i=$((i + 1))
done ) &
flood=$!
sleep 0.5
probe 10.77.0.255 7022 512 10 1 >"$T/beside"
wait "$flood"
n=$(sed -n 's/^replies=//p' "$T/beside")
check "10 requests beside a flood from another sender draw 20 replies (got $n)" \
    test "${n:-0}" -eq 20

probe 10.77.0.255 7023 512 1 1 >"$T/off"
check_grep "discovery: {enabled: false} gives no reply" "^replies=0$" \
    "$T/off"
probe 10.77.0.255 7024 512 1 1 >"$T/wrongif"
check_grep "interfaces: [a1] ignores a request on a0" "^replies=0$" \
    "$T/wrongif"
probe 10.78.0.255 7024 512 1 1 >"$T/rightif"
check_grep "and answers one on a1" "^replies=1$" "$T/rightif"

# The viewer, in its namespace under tmux (a new session before the old
# one ends, as viewer_start does).
viewer_ns() {
	ip netns exec "$V" tmux -L "$TMUX_SOCK" new-session -d -s viewer-next \
	    -x 120 -y 40 \
	    "TERM=xterm-256color LANG=C.UTF-8 $TETHER $*; echo VIEWER-EXIT=\$?; sleep 600"
	tmux -L "$TMUX_SOCK" kill-session -t =viewer 2>/dev/null
	tmux -L "$TMUX_SOCK" rename-session -t =viewer-next viewer
}

# cand_check "what" ADDRESS VERDICT: a candidate row at port 7022.
cand_check() {
	check_screen "$1" "$(printf '%s' "$2" | sed 's/\./\\./g')  *7022 .*$3"
}

A_LL0=$(ll "$A" a0) A_LL1=$(ll "$A" a1) A_LL2=$(ll "$A" a2)
A_LL3=$(ll "$A" a3) A_LL4=$(ll "$A" a4) B_LL=$(ll "$B" b0)
viewer_ns "--discover-on br0,va1,va2 2>$T/viewer.err"
check_screen "the form is up" "remote rescue viewer"
keys "$(echo "$A_TICKET" | tr -d -)" Enter
cand_check "the candidates screen lists A's bridge address" 10.77.0.11 \
    "✔ matches ticket" 60
cand_check "and its second address" 10.78.0.11 "✔ matches ticket"
cand_check "and marks the unreachable one" 10.79.0.11 " -  unreachable"
cand_check "A's link-local on the bridge, with the viewer's bridge" \
    "$A_LL0%br0" "✔ matches ticket"
cand_check "A's link-local on the second link, with the viewer's end of it" \
    "$A_LL1%va1" "✔ matches ticket"
cand_check "the IPv6-only link: found by its IPv6 answer alone" \
    "$A_LL4%va2" "✔ matches ticket"
check_screen "five of six candidates hold the ticket" \
    "5 of 6 candidates hold the ticket"
screen >"$T/cands"
check_no_grep "B, with another ticket, is not listed" \
    "10\.77\.0\.12\|$B_LL" "$T/cands"
check_no_grep "A's link-locals on links the viewer is not on are left out" \
    "$A_LL2\|$A_LL3" "$T/cands"
check_no_grep "no agent's own interface name is shown" "%a[0-9]\|%b0" \
    "$T/cands"
check_grep "A answered the viewer over IPv6" \
    "discovery from fe80::[0-9a-f:]* answered" "$A_LOG"
keys Enter
check_screen "Enter connects" "key ✔ ticket" 60
keys Enter
check_screen "the console opens" "key matches ticket" 60
shell_line 'echo in-$((6*7))'
check_screen "the console runs on A" "^in-42"
check_grep "A saw the viewer come from the bridge or a link" \
    "connection from \(10\.7[78]\.0\.1\|fe80:[0-9a-f:]*\) " "$A_LOG"
keys C-]
check_screen "Ctrl-] goes back to the menu" "the shell is still running"
keys q y
check_screen "q goes back to the form" "disconnected"
keys Escape
check_screen "Esc quits" "VIEWER-EXIT=0"
check_no_grep "no sanitizer report from the viewer" \
    "Sanitizer\|runtime error" "$T/viewer.err"

# The same LAN with IPv6 switched off everywhere: IPv4 alone still finds A.
end_agents
agents=
for ns in $V $A $B; do
	in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1
done
check "IPv6 is off in the namespaces" \
    [ -z "$(ip -n "$V" -6 addr; ip -n "$A" -6 addr; ip -n "$B" -6 addr)" ]
ns_agent "$A" 7022
A_TICKET=$TICKET
ns_agent "$B" 7022
viewer_ns "--discover-on br0,va1 2>$T/viewer4.err"
check_screen "IPv6 off: the form is up" "remote rescue viewer"
keys "$(echo "$A_TICKET" | tr -d -)" Enter
cand_check "IPv6 off: A's bridge address" 10.77.0.11 "✔ matches ticket" 60
cand_check "IPv6 off: its second address" 10.78.0.11 "✔ matches ticket"
check_screen "IPv6 off: two of three candidates hold the ticket" \
    "2 of 3 candidates hold the ticket"
screen >"$T/cands4"
check_no_grep "IPv6 off: no link-local candidate" "fe80:" "$T/cands4"
check_no_grep "IPv6 off: B is not listed" "10\.77\.0\.12" "$T/cands4"
keys q Escape
check_screen "IPv6 off: Esc quits" "VIEWER-EXIT=0"
check_no_grep "no sanitizer report from the viewer (IPv6 off)" \
    "Sanitizer\|runtime error" "$T/viewer4.err"
for log in "$T"/agent*/log; do
	check_no_grep "no sanitizer report in $(basename "$(dirname "$log")")" \
	    "Sanitizer\|runtime error" "$log"
done

finish
