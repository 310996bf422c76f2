#!/bin/sh
# A locked-out source keeps its entry while the table of sources is full
# (tetherd.yaml(5) limits.per_source): 127.0.0.1 is locked out, then 1100
# other sources (more than the 1024 entries) each leave a connection that
# tried nothing, so the table fills and entries are given up; 127.0.0.1 is
# still refused, ticket or not, and a fresh source still gets in.
. "$(dirname "$0")/lib.sh"

wrongpw() { echo "$TICKET" | tr -d - | tr 0123456789 1234567890; }

cat >"$T/full.yaml" <<EOC
limits:
  per_source: {failures: 2, penalty: 1h, noauth: 1000}
audit: {file: $T/full.log}
EOC
start_agent -f "$T/full.yaml"
for k in 1 2; do
	# shellcheck disable=SC2086
	sshpass -p "$(wrongpw)" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 true \
	    >/dev/null 2>&1
done
check "two wrong tickets lock 127.0.0.1 out" \
    wait_for "grep -q 'event=lockout from=127.0.0.1 ' '$T/full.log'" 50
out=$(python3 "$top/tests/integ/srcfill.py" "$PORT" 1100 1 240)
echo "# 1100 other sources: $out"
check "all 1100 were answered" \
    sh -c "echo '$out' | grep -q 'banners=1100 closed=0'"
# shellcheck disable=SC2086
out=$(sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 \
    'echo in' 2>/dev/null)
check_eq "127.0.0.1 is still locked out with the table full" "" "$out"
# shellcheck disable=SC2086
out=$(sshpass -p "$TICKET" ssh $SSHOPTS -o BindAddress=127.0.2.1 \
    -p "$PORT" tether@127.0.0.1 'echo in' 2>/dev/null)
check_eq "a fresh source still gets in" in "$out"
stop_agent
finish
