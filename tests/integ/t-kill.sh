#!/bin/sh
# Processes killed outright. The viewer killed in a console and in a put:
# the agent's child goes, nothing it started stays, the next connection
# works, and a cut put leaves the old remote file. A connection's process
# killed during a tool: the tool's whole group goes too (the listener is
# their subreaper), the audit says so, and the viewer can reconnect.
. "$(dirname "$0")/lib.sh"

cat >"$T/tools.yaml" <<EOF2
tools:
  - name: sleeper
    title: Sleep with a child
    command: [sh, -c, 'sleep 3021 & echo \$! >$T/sleeper.pid; echo started; wait']
EOF2
# A console whose connection drops is held for a while (t-detach); here
# what a killed viewer started must end with it, as it does without that.
cat >"$T/conf.yaml" <<EOF2
tools: [$T/tools.yaml]
limits:
  detached_timeout: 0s
audit:
  file: $T/audit.log
EOF2
start_agent -f "$T/conf.yaml"
V="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"
children() { pgrep -P "$AGENT_PID" | wc -l; }

# 1. The viewer killed in a console with a command running.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "connected" "key ✔ ticket"
keys Enter
check_screen "a console is open" "key matches ticket"
keys 'sleep 3022' Enter
check "the command runs" wait_for "pgrep -f 'sleep 3022' >/dev/null" 50
vpid=$(pgrep -f "$TETHER -ticket=$TICKET" | head -n 1)
kill -KILL "$vpid"
check "the agent's child for it goes" wait_for "[ \$(children) -eq 0 ]" 100
check "and so does the command" \
    wait_for "! pgrep -f 'sleep 3022' >/dev/null" 50
check_eq "the next connection works" ok "$(agent_ssh echo ok)"

# 2. The viewer killed in a put over an existing file.
echo precious >"$T/remote.txt"
head -c $((64 * 1024 * 1024)) /dev/zero >"$T/big"
$V put -f "$T/big" "$T/remote.txt" </dev/null &
vpid=$!
wait_for "[ -s '$T/remote.txt.part' ]" 100
kill -KILL $vpid
wait $vpid 2>/dev/null
check_eq "a cut put leaves the old file" precious "$(cat "$T/remote.txt")"
check "the agent's child for it goes" wait_for "[ \$(children) -eq 0 ]" 100
check "no sftp server is left" \
    wait_for "! descendant_runs $AGENT_PID sftp-server" 50

# 3. A connection's process killed while a tool runs.
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "connected again" "key ✔ ticket"
keys Down Enter
check_screen "the tool is listed" "sleeper"
keys Enter
check_screen "it runs" "started"
wait_for "[ -s '$T/sleeper.pid' ]" 50
tool=$(cat "$T/sleeper.pid")
child=$(pgrep -P "$AGENT_PID" -x tetherd | head -n 1)
kill -KILL "$child"
check "the tool's processes go with it" \
    wait_for "! kill -0 $tool 2>/dev/null" 100
check "nothing of it is left" \
    wait_for "! pgrep -f 'sleep 3021' >/dev/null" 50
check_grep "the audit says what was ended" "event=orphans sessions=[1-9][0-9]*\$" \
    "$T/audit.log"
check_screen "the viewer says the connection is lost" \
    "Connection to 127.0.0.1 lost"
keys r
check_screen "r connects again" "connected again"
keys Escape q
check_screen "and q leaves" "remote rescue viewer"
stop_agent
finish
