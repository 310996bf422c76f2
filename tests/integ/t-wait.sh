#!/bin/sh
# tetherd wait, used as DaRT's winpeshl.ini uses WaitForConnection: a
# launch script starts the agent in the background, waits, and goes on to
# the next step only on 0. 0 once a technician is in, 2 on --timeout, 1
# when the agent has ended, died or never wrote its state file, 3 on a
# usage error; a just-started agent gets 10 s to make its state directory
# or replace a file left by an earlier one; and wait sleeps, not spins.
. "$(dirname "$0")/lib.sh"

cat >"$T/conf.yaml" <<EOC
audit: {file: $T/audit.log}
recording: {enabled: false}
EOC

# The launch script, as in tetherd(8): launch.sh STATE_DIR LOG [wait
# options...]. Every line it writes to LOG carries the time, so the order
# can be checked.
cat >"$T/launch.sh" <<'EOS'
dir=$1
log=$2
shift 2
"$TETHERD" -b 127.0.0.1 -p 0 --no-message -f "$CONF" --state-dir "$dir" \
    </dev/null >"$dir.out" 2>"$dir.err" &
echo "agent $! at=$(date +%s.%N)" >>"$log"
echo "wait at=$(date +%s.%N)" >>"$log"
"$TETHERD" wait --state-dir "$dir" "$@" 2>"$log.err"
rc=$?
echo "wait-exit rc=$rc at=$(date +%s.%N)" >>"$log"
[ $rc -eq 0 ] || exit $rc
echo "next-step at=$(date +%s.%N)" >>"$log"
EOS
export TETHERD
CONF=$T/conf.yaml
export CONF

# launch NAME [wait options...]: run the launch script in the background
# on state directory $T/NAME (made 0700 beforehand, as an image would ship
# it). Sets LPID, AGENT_PID, AGENT_STATE, LOG.
launch() {
	AGENT_STATE=$T/$1
	LOG=$T/$1.log
	shift
	mkdir -m 700 "$AGENT_STATE"
	sh "$T/launch.sh" "$AGENT_STATE" "$LOG" "$@" &
	LPID=$!
	wait_for "grep -q '^agent ' '$LOG' 2>/dev/null" 50
	AGENT_PID=$(sed -n 's/^agent \([0-9]*\) .*/\1/p' "$LOG")
	agents="$agents $AGENT_PID"
	agent_ready "$AGENT_STATE.err"
}

# at WHAT: the time the launch script logged WHAT.
at() {
	sed -n "s/^$1.* at=\\([0-9.]*\\)\$/\\1/p" "$LOG"
}

# secs A B: seconds from time A to time B; le A B: A <= B.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

alive() { kill -0 "$1" 2>/dev/null; }

# refused RC: the command failed by itself, not by timeout(1).
refused() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; }

# gone PID [tenths]: the process ends in time; then reap it, set RC.
gone() {
	if wait_for "! kill -0 $1 2>/dev/null" "${2:-50}"; then
		wait "$1"
		RC=$?
		return 0
	fi
	RC=timeout
	return 1
}

# cpu PID: user+system CPU time of a live process, in seconds.
cpu() {
	awk -v hz="$(getconf CLK_TCK)" \
	    '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

# bg_wait NAME [wait options...]: tetherd wait in the background, bounded;
# its exit status and end time go to $T/NAME.rc, its stderr to $T/NAME.err.
bg_wait() {
	name=$1
	shift
	(
		timeout 30 "$TETHERD" wait "$@" 2>"$T/$name.err"
		echo "$? $(date +%s.%N)" >"$T/$name.rc"
	) &
}

# bg_rc NAME / bg_end NAME: what bg_wait recorded (waits up to 20 s).
bg_rc() {
	wait_for "[ -s '$T/$1.rc' ]" 200
	cut -d' ' -f1 "$T/$1.rc"
}
bg_end() {
	cut -d' ' -f2 "$T/$1.rc"
}

# sleep_to F: sleep until the wall clock shows F past a whole second.
sleep_to() {
	sleep "$(date +%N | awk -v f="$1" '{ printf "%.3f", 1 - $1 / 1e9 + f }')"
}

# 1. A technician logs in: wait exits 0, and only then the next step runs.
launch login
sleep 1.5
check "wait blocks while nobody is connected" alive "$LPID"
check_no_grep "the next step has not run yet" next-step "$LOG"
login=$(date +%s.%N)
check_eq "a stock ssh login works" in "$(agent_ssh 'echo in; sleep 1')"
check "wait returns after the login" gone "$LPID" 50
check_eq "the launch script goes on" 0 "$RC"
check_grep "wait exits 0" "^wait-exit rc=0 " "$LOG"
check_grep "the next step ran" "^next-step " "$LOG"
next=$(at next-step)
check "the next step came after the login ($(secs "$login" "$next") s)" \
    le "$login" "$next"
check "and within 2 s of it" le "$(secs "$login" "$next")" 2
check_eq "a successful wait prints nothing" "" "$(cat "$LOG.err")"
kill -TERM "$AGENT_PID"
gone "$AGENT_PID"

# 2. Nobody connects: --timeout 1 ends it with 2 after about a second.
launch timeout --timeout 1
check "wait --timeout 1 returns" gone "$LPID" 50
check_grep "it exits 2" "^wait-exit rc=2 " "$LOG"
check_grep "and says why" "^tetherd: wait: timed out$" "$LOG.err"
check_no_grep "the next step does not run" next-step "$LOG"
took=$(secs "$(at wait)" "$(at wait-exit)")
check "in at most 3 s (took $took s)" le "$took" 3
check "the agent is still up" alive "$AGENT_PID"
# Any change in the state directory (here a stray file, as the agent's
# own temporary files make) wakes wait: that must not end it early, even
# just after the clock's second ticks over.
sleep_to 0.6
t0=$(date +%s.%N)
"$TETHERD" wait --state-dir "$AGENT_STATE" --timeout 1 2>/dev/null &
wpid=$!
sleep_to 0.1
: >"$AGENT_STATE/stray"
gone "$wpid" 50
took=$(secs "$t0" "$(date +%s.%N)")
check_eq "a woken --timeout 1 wait exits 2" 2 "$RC"
check "and not before 0.9 s (took $took s)" le 0.9 "$took"
rm -f "$AGENT_STATE/stray"
t0=$(date +%s.%N)
timeout 10 "$TETHERD" wait --state-dir "$AGENT_STATE" --timeout 0 \
    2>"$T/zero.err"
check_eq "--timeout 0 checks once: 2" 2 $?
check "at once" le "$(secs "$t0" "$(date +%s.%N)")" 0.9
check_grep "saying why" "^tetherd: wait: timed out$" "$T/zero.err"

# 3. It does not spin: little CPU over a 2 s wait.
"$TETHERD" wait --state-dir "$AGENT_STATE" --timeout 3 2>/dev/null &
wpid=$!
sleep 2
used=$(cpu "$wpid")
check "waiting 2 s takes under 0.2 s of CPU ($used s)" le "$used" 0.19
gone "$wpid" 30
check_eq "and it then times out with 2" 2 "$RC"

# 4. The agent is ended (SIGTERM): wait exits 1.
launch term
sleep 0.5
kill -TERM "$AGENT_PID"
check "a waiting wait returns when the agent is ended" gone "$LPID" 30
check_grep "it exits 1" "^wait-exit rc=1 " "$LOG"
check_grep "and says why" "^tetherd: wait: the agent has ended$" "$LOG.err"
check_no_grep "the next step does not run" next-step "$LOG"
check_eq "connection.yaml says ended" ended \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
# A wait started afterwards gives the file the start grace (it could be an
# earlier agent's), then counts it. Collected in 6.
ended0=$(date +%s.%N)
bg_wait ended --state-dir "$AGENT_STATE"

# 5. The agent is killed (SIGKILL): the file still says waiting, the pid
# is dead, and wait notices on its tick.
launch kill
sleep 0.5
kill -KILL "$AGENT_PID"
t0=$(date +%s.%N)
check "a waiting wait returns when the agent is killed" gone "$LPID" 30
took=$(secs "$t0" "$(date +%s.%N)")
check_grep "it exits 1" "^wait-exit rc=1 " "$LOG"
check "within 3 s (took $took s)" le "$took" 3
check_grep "and says why" "^tetherd: wait: the agent is not running$" \
    "$LOG.err"
check_eq "connection.yaml still says waiting" waiting \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"
check_eq "and names the dead pid" "$AGENT_PID" \
    "$("$YGET" "$AGENT_STATE/connection.yaml" pid)"
killed0=$(date +%s.%N)
bg_wait killed --state-dir "$AGENT_STATE"

# 6. No state file ever: wait gives up after about 10 s, without spinning.
mkdir -m 700 "$T/empty"
t0=$(date +%s.%N)
"$TETHERD" wait --state-dir "$T/empty" 2>"$T/empty.err" &
wpid=$!
sleep 8
used=$(cpu "$wpid")
check "8 s of waiting for a state file take under 0.2 s of CPU ($used s)" \
    le "$used" 0.19
gone "$wpid" 60
took=$(secs "$t0" "$(date +%s.%N)")
check_eq "wait with no connection.yaml exits 1" 1 "$RC"
check "after about 10 s (took $took s)" le 9.5 "$took"
check "not much more (took $took s)" le "$took" 13
check_grep "and says why" "^tetherd: wait: no state file$" "$T/empty.err"

check_eq "a wait started after the agent ended exits 1" 1 "$(bg_rc ended)"
took=$(secs "$ended0" "$(bg_end ended)")
check "by the end of the start grace (took $took s)" le "$took" 13
check_grep "saying why" "^tetherd: wait: the agent has ended$" \
    "$T/ended.err"
check_eq "a wait started after the agent was killed exits 1" 1 \
    "$(bg_rc killed)"
took=$(secs "$killed0" "$(bg_end killed)")
check "by the end of the start grace (took $took s)" le "$took" 13
check_grep "saying why" "^tetherd: wait: the agent is not running$" \
    "$T/killed.err"

# 7. As at boot: wait starts before the agent has made its state
# directory, or while the directory still holds an earlier agent's ended
# file. Either way it waits for the new agent.
mkdir -m 700 "$T/boot"
bg_wait boot --state-dir "$T/boot/state"
bg_wait stale --state-dir "$T/term"
sleep 1.5
check "wait waits for a state directory still to be made" \
    [ ! -e "$T/boot.rc" ]
check "wait waits past an earlier agent's ended file" [ ! -e "$T/stale.rc" ]
for dir in "$T/boot/state" "$T/term"; do
	"$TETHERD" -b 127.0.0.1 -p 0 --no-message -f "$CONF" \
	    --state-dir "$dir" </dev/null >>"$T/boot.out" 2>&1 &
	agents="$agents $!"
	wait_for "[ \"\$('$YGET' '$dir/connection.yaml' state 2>/dev/null)\" \
	    = waiting ]" 100
	# shellcheck disable=SC2086
	sshpass -p "$("$YGET" "$dir/connection.yaml" ticket)" ssh $SSHOPTS \
	    -p "$("$YGET" "$dir/connection.yaml" port)" tether@127.0.0.1 \
	    'sleep 1' >/dev/null 2>&1
done
check_eq "and exits 0 once a technician is in" 0 "$(bg_rc boot)"
sed 's/^/# wait: /' "$T/boot.err"
check_eq "so does the one that saw the old file" 0 "$(bg_rc stale)"
sed 's/^/# wait: /' "$T/stale.err"

# 8. connection.yaml removed under a waiting wait: 1.
launch removed
sleep 0.5
rm "$AGENT_STATE/connection.yaml"
check "wait returns when the state file goes" gone "$LPID" 30
check_grep "it exits 1" "^wait-exit rc=1 " "$LOG"
check_grep "and says why" "^tetherd: wait: no state file$" "$LOG.err"

# 9. Usage errors exit 3, at once, with a clear message.
for bad in abc -1 1.5 "" 99999999999; do
	timeout 5 "$TETHERD" wait --state-dir "$T/empty" --timeout "$bad" \
	    2>"$T/bad.err"
	check_eq "--timeout \"$bad\" is refused with 3" 3 $?
	check_grep "and the message names \"$bad\"" \
	    "^tetherd: wait: bad timeout \"$bad\"$" "$T/bad.err"
done
timeout 5 "$TETHERD" wait --state-dir "$T/empty" --bogus 2>"$T/bad.err"
check_eq "an unknown option is refused with 3" 3 $?
check_grep "with the usage line" \
    "^usage: tetherd wait \[--state-dir dir\] \[--timeout seconds\]$" \
    "$T/bad.err"
timeout 5 "$TETHERD" wait --state-dir "$T/empty" extra 2>/dev/null
check_eq "so is an extra argument" 3 $?

# Under BUILD=build/asan a sanitizer reports on stderr.
cat "$T"/*.err "$T/boot.out" >"$T/stderr"
check_no_grep "no sanitizer report from any agent or wait" \
    "Sanitizer\|runtime error" "$T/stderr"

finish
