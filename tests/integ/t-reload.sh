#!/bin/sh
# SIGHUP reloads tetherd.yaml: a new connection sees the new welcome text
# while an open session goes on; a broken file keeps the old configuration
# and logs the error with file:line:col.
. "$(dirname "$0")/lib.sh"

printf 'welcome: "first text"\n' >"$T/conf.yaml"
start_agent -f "$T/conf.yaml"
agent_ssh info >"$T/i1"
check_eq "the first welcome is served" "first text" "$("$YGET" "$T/i1" welcome)"

# A session that spans the reload.
agent_ssh 'sleep 2; echo survived' >"$T/long" 2>&1 &
longpid=$!
wait_for "grep -q auth-ok '$AGENT_LOG'"
sleep 0.3

printf 'welcome: "second text"\n' >"$T/conf.yaml"
kill -HUP "$AGENT_PID"
check "the agent logs the reload" wait_for "grep -q 'reloaded' '$AGENT_LOG'"
agent_ssh info >"$T/i2"
check_eq "a new connection sees the new welcome" "second text" \
    "$("$YGET" "$T/i2" welcome)"
wait "$longpid"
check_eq "the open session finished normally" 0 $?
check_eq "and printed its output" survived "$(cat "$T/long")"
check "the agent is still running" kill -0 "$AGENT_PID"

# The welcome opens a console, too.
out=$( (sleep 1; echo exit) | sshpass -p "$TICKET" ssh -tt $SSHOPTS \
    -p "$PORT" tether@127.0.0.1 2>/dev/null | tr -d '\r')
case $out in
*"second text"*) ok "the console starts with the welcome text" ;;
*) not_ok "the console starts with the welcome text"; echo "# $out" ;;
esac

# A broken file on reload: old configuration kept, error logged.
printf 'welcome: "third"\nlimits:\n  max_sesions: 2\n' >"$T/conf.yaml"
kill -HUP "$AGENT_PID"
check "a broken reload is logged with file:line:col" \
    wait_for "grep -q 'conf.yaml:3:3: unknown key \"max_sesions\"' '$AGENT_LOG'"
check_grep "and says the old configuration stays" "keeping the configuration" \
    "$AGENT_LOG"
agent_ssh info >"$T/i3"
check_eq "the old welcome is still served" "second text" \
    "$("$YGET" "$T/i3" welcome)"
check "the agent survived the broken reload" kill -0 "$AGENT_PID"

finish
