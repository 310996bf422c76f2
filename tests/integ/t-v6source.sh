#!/bin/sh
# IPv6 sources are counted by their /64 (tetherd.yaml(5) limits.per_source),
# in a network namespace this test makes (nothing leaves it): the agent
# listens on an IPv6 address there; wrong tickets from three addresses of
# one /64 add up to one lockout, which then refuses a fourth address of
# that /64, while an address of another /64 still gets in.
. "$(dirname "$0")/lib.sh"

NS=tether-v6$$
NETNS_MADE=
ns_cleanup() {
	cleanup
	[ -n "$NETNS_MADE" ] && ip netns del "$NS" 2>/dev/null
}
trap ns_cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

if ! ip netns add "$NS" 2>/dev/null; then
	echo "# skip: ip netns is not permitted here (needs root and CAP_SYS_ADMIN)"
	exit 77
fi
NETNS_MADE=$NS
ip -n "$NS" link set lo up
for a in fd00:7::1 fd00:7::a fd00:7::b fd00:7::c fd00:7::d fd00:8::a; do
	ip -n "$NS" addr add "$a/64" dev lo nodad || {
		echo "# skip: no IPv6 in a new network namespace here"
		exit 77
	}
done

# The agent runs in the namespace: a wrapper, so start_agent is unchanged.
cat >"$T/tetherd-ns" <<EOW
#!/bin/sh
exec ip netns exec $NS $TETHERD "\$@"
EOW
chmod +x "$T/tetherd-ns"
TETHERD_REAL=$TETHERD
TETHERD=$T/tetherd-ns

wrongpw() { echo "$TICKET" | tr -d - | tr 0123456789 1234567890; }
# try6 from password: one password from the address from, to fd00:7::1.
try6() {
	# shellcheck disable=SC2086
	SSHPASS=$2 ip netns exec "$NS" sshpass -e ssh $SSHOPTS \
	    -o BindAddress="$1" -p "$PORT" tether@fd00:7::1 'echo in' \
	    2>/dev/null
}

cat >"$T/v6.yaml" <<EOC
limits:
  per_source: {failures: 3, penalty: 10m}
audit: {file: $T/v6.log}
EOC
start_agent -b fd00:7::1 -f "$T/v6.yaml"
check "the agent listens on [fd00:7::1]" \
    grep -q 'fd00:7::1' "$AGENT_STATE/connection.yaml" "$AGENT_LOG"
check_eq "the ticket gets in over IPv6" in "$(try6 fd00:7::d "$TICKET")"
for a in fd00:7::a fd00:7::b fd00:7::c; do
	try6 "$a" "$(wrongpw)" >/dev/null
done
echo "# $(grep -c 'event=auth-fail' "$T/v6.log") failures, lockouts: $(grep 'event=lockout' "$T/v6.log" | sed 's/.*event=//' | tr '\n' ' ')"
check_eq "three failures from three addresses of one /64" 3 \
    "$(grep -c 'event=auth-fail' "$T/v6.log")"
check "add up to one lockout" \
    wait_for "grep -q 'event=lockout' '$T/v6.log'" 50
check_eq "a fourth address of that /64 is refused, ticket or not" "" \
    "$(try6 fd00:7::d "$TICKET")"
check_eq "an address of another /64 still gets in" in \
    "$(try6 fd00:8::a "$TICKET")"
stop_agent
TETHERD=$TETHERD_REAL
finish
