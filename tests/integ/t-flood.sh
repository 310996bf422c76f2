#!/bin/sh
# A bounded connection flood from 127.0.0.2 (bench/flood.py: at most 4000
# connections, 40 at a time, 20 seconds): the technician on 127.0.0.1
# logs in every time meanwhile, the flooding address gets no more than
# per_source.max_startups slots, and afterwards no child is left and the
# listener has not grown.
. "$(dirname "$0")/lib.sh"

cat >"$T/conf.yaml" <<EOF2
audit:
  file: $T/audit.log
limits:
  login_grace_time: 5s
EOF2
start_agent -f "$T/conf.yaml"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
rss0=$(rss "$AGENT_PID")

python3 "$top/bench/flood.py" "$PORT" --count 4000 --parallel 40 \
    --seconds 20 --source 127.0.0.2 >"$T/flood.out" 2>&1 &
flood=$!
sleep 1
ok_logins=0
i=0
while [ $i -lt 10 ] && kill -0 $flood 2>/dev/null; do
	[ "$(agent_ssh echo in 2>/dev/null)" = in ] && ok_logins=$((ok_logins + 1))
	i=$((i + 1))
done
wait $flood
check_eq "the flood ran to its end ($(cat "$T/flood.out"))" 0 $?
check "the technician got in during the flood ($ok_logins of $i)" \
    eval "[ $i -gt 0 ] && [ $ok_logins -eq $i ]"
n=$(grep -c 'event=refused from=127.0.0.2 reason=per_source.max_startups' \
    "$T/audit.log")
check "the flooding address was held to its share ($n refusals)" \
    [ "$n" -gt 0 ]
check_no_grep "the technician's address was never refused" \
    "event=refused from=127.0.0.1 " "$T/audit.log"
check "no child is left after the grace time" \
    wait_for "[ -z \"\$(pgrep -P $AGENT_PID)\" ]" 100
rss1=$(rss "$AGENT_PID")
check "the listener did not grow (${rss0} kB, then ${rss1} kB)" \
    [ "$rss1" -lt $((rss0 + 2048)) ]
check_eq "and still serves" in "$(agent_ssh echo in)"
stop_agent
finish
