#!/bin/sh
# Privilege separation (tetherd(8), PRIVILEGE SEPARATION): the process that
# holds the client's TCP socket is unprivileged, sandboxed and chrooted at
# every stage of a connection; what it starts for the technician is root
# as before; a forbidden system call kills it and is audited; the ticket
# is not in its memory.
. "$(dirname "$0")/lib.sh"

TRIP=$BUILD/tests/tetherd-trip
NOBODY=$(getent passwd nobody | cut -d: -f3)
NOBODY=${NOBODY:-65534}
NOGROUP=$(getent passwd nobody | cut -d: -f4)
NOGROUP=${NOGROUP:-65534}
fake_fb >"$T/fb.yaml"
{
	echo "snapshot:"
	sed 's/^/  /' "$T/fb.yaml"
} >"$T/tetherd.yaml"
start_agent -f "$T/tetherd.yaml"

# held STAGE [ARG]: start privsep.py at STAGE, wait for "ready"; sets HELD.
held() {
	mkfifo "$T/hold.$1"
	/usr/bin/python3 "$top/tests/integ/privsep.py" "$1" "$PORT" \
	    "$TICKET" "${2:-}" <"$T/hold.$1" >"$T/held.$1" 2>&1 &
	HELD=$!
	exec 7>"$T/hold.$1"
	wait_for "grep -q ready '$T/held.$1'" 150
}

release() {
	exec 7>&-
	wait "$HELD" 2>/dev/null
}

# field PID NAME: a line of /proc/PID/status, tabs squeezed to spaces.
field() {
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status"
}

# confined STAGE: the socket's process is not root, has no capability,
# is under a seccomp filter with no_new_privs, and is shut in state/empty.
confined() {
	pid=$(session_pids | tail -n 1)
	check "$1: a process holds the connection's socket" [ -n "$pid" ]
	[ -n "$pid" ] || return
	check_eq "$1: its uids are nobody's" \
	    "$NOBODY $NOBODY $NOBODY $NOBODY" "$(field "$pid" Uid)"
	check_eq "$1: its gids are nobody's" \
	    "$NOGROUP $NOGROUP $NOGROUP $NOGROUP" "$(field "$pid" Gid)"
	check_eq "$1: no effective capability" 0000000000000000 \
	    "$(field "$pid" CapEff)"
	check_eq "$1: no permitted capability" 0000000000000000 \
	    "$(field "$pid" CapPrm)"
	check_eq "$1: seccomp filter mode" 2 "$(field "$pid" Seccomp)"
	check_eq "$1: no_new_privs" 1 "$(field "$pid" NoNewPrivs)"
	check "$1: its standard error is a pipe, not the agent's terminal" \
	    sh -c "readlink /proc/$pid/fd/2 | grep -q '^pipe:'"
	check_eq "$1: its root is the empty directory" \
	    "$(readlink -f "$AGENT_STATE/empty")" "$(readlink "/proc/$pid/root")"
	check_eq "$1: its parent, the monitor, is the listener's child" \
	    "$AGENT_PID" "$(awk '$1 == "PPid:" { print $2 }' \
	    "/proc/$(awk '$1 == "PPid:" { print $2 }' "/proc/$pid/status")/status")"
}

# no_ticket STAGE: neither spelling of the ticket is in its memory.
no_ticket() {
	pid=$(session_pids | tail -n 1)
	[ -n "$pid" ] || return
	check_eq "$1: the ticket is not in its memory" "absent" \
	    "$(python3 - "$pid" "$TICKET" <<'PY'
import re, sys
pid, ticket = sys.argv[1], sys.argv[2]
needles = [ticket.encode(), ticket.replace("-", "").encode()]
found = "absent"
with open("/proc/%s/maps" % pid) as maps, \
        open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar]" in line or "[vsyscall]" in line:
            continue
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        # A sanitizer's shadow: terabytes reserved, none of it ours.
        if hi - lo > 1 << 30:
            continue
        tail = b""
        for at in range(lo, hi, 1 << 20):
            try:
                mem.seek(at)
                data = tail + mem.read(min(1 << 20, hi - at))
            except OSError:
                break
            if any(n in data for n in needles):
                found = "present: " + line.split()[-1]
            tail = data[-16:]
print(found)
PY
)"
}

held banner
confined "during key exchange"
no_ticket "during key exchange"
release

held failed
confined "after a failed login"
no_ticket "after a failed login"
release

# What the technician gets is root as before, with every capability.
check_eq "the shell is uid 0" 0 "$(agent_ssh id -u </dev/null)"
capeff=$(agent_ssh "awk '/^CapEff:/ { print \$2 }' /proc/self/status" </dev/null)
check_eq "the shell has the capabilities root has here" \
    "$(awk '/^CapEff:/ { print $2 }' /proc/self/status)" "$capeff"

held busy "$T/upload"
confined "with a shell, an upload and a live snapshot"
check "the upload was under way" [ -s "$T/upload" ]
check_eq "the shell's command runs as root" root \
    "$(ps -o user= -p "$(pgrep -xf 'sleep 120' | head -n 1)" 2>/dev/null)"
release

# The session process killed outright: its monitor ends what it started
# and the connection, and the listener goes on.
agent_ssh 'sleep 301' </dev/null >/dev/null 2>&1 &
sshjob=$!
wait_for "pgrep -xf 'sleep 301' >/dev/null" 100
victim=$(session_pids | tail -n 1)
check "a session process runs the command's connection" [ -n "$victim" ]
kill -KILL "$victim" 2>/dev/null
check "its command is ended with it" \
    wait_for "! pgrep -xf 'sleep 301' >/dev/null" 100
check "and the monitor is gone too" \
    wait_for "[ -z \"\$(pgrep -P $AGENT_PID)\" ]" 100
wait "$sshjob" 2>/dev/null
check_eq "the listener serves the next connection" again \
    "$(agent_ssh echo again </dev/null)"

# A session process that makes a call outside the allow-list dies of it;
# the monitor says which call, the audit has it, the agent goes on.
stop_agent
AGENT_BIN=$TETHERD
TETHERD=$TRIP
start_agent -f "$T/tetherd.yaml"
TETHERD=$AGENT_BIN
sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" sandbox-trip@127.0.0.1 true \
    </dev/null >"$T/trip.out" 2>&1
check "the tripped connection ended with an error" [ $? -ne 0 ]
case $(uname -m) in
x86_64) nr=59 ;;
aarch64) nr=221 ;;
*) nr= ;;
esac
check "the log names the forbidden call" wait_for \
    "grep -q 'killed by the sandbox: system call ${nr:-[0-9]*} is not allowed' '$AGENT_LOG'" 50
check_grep "the audit names it too" "event=sandbox .*syscall=${nr:-[0-9]}" \
    "$AGENT_DIR/logs/audit.log"
# A session process that begins a request and never finishes it cannot
# hold its monitor: the whole message has 10 seconds.
t0=$(date +%s)
sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" monitor-stall@127.0.0.1 true \
    </dev/null >"$T/stall.out" 2>&1
t1=$(date +%s)
check "a stalled request ends its connection within 20 s ($((t1 - t0)) s)" \
    [ $((t1 - t0)) -ge 9 -a $((t1 - t0)) -le 20 ]
check_grep "the log says why" \
    "did not finish a request in 10 seconds" "$AGENT_LOG"
check_grep "and the audit" "event=privsep .*error=timeout" \
    "$AGENT_DIR/logs/audit.log"
check_eq "the agent serves the next connection" tripped-ok \
    "$(agent_ssh echo tripped-ok </dev/null)"
stop_agent

finish
