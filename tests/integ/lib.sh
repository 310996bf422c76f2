# Shared by the integration scripts: start a private agent on 127.0.0.1
# with a free port and a temporary state directory, drive it with stock
# ssh or with the viewer under a private tmux server, clean up on exit.
# Each check prints "ok - what" or "not ok - what"; tests/run.sh counts them.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
TETHERD=$BUILD/tetherd
TETHER=$BUILD/tether
YGET=$BUILD/tests/yget
T=$(mktemp -d /tmp/tether-test.XXXXXX)
TMUX_SOCK=tether-test-$$
SSHOPTS="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
 -o LogLevel=ERROR -o PubkeyAuthentication=no -o ConnectTimeout=10
 -o PreferredAuthentications=password -o NumberOfPasswordPrompts=1"
failures=0
agents=
nagent=0
# The agent's shell is $SHELL, or /bin/sh when it is unset, as it is under
# a rescue system's init and in CI: test with that one unless told.
SHELL=${TETHER_TEST_SHELL:-/bin/sh}
export SHELL
# The viewer's key cache stays in the test's directory, not in $HOME.
TETHER_KEY_CACHE=$T/keycache
export TETHER_KEY_CACHE
# Under sanitizers every process reports to a file here, even one whose
# stderr is a client's channel or a tmux pane; finish() looks.
if [ -n "${TETHER_SANITIZED:-}" ]; then
	mkdir -p "$T/san"
	ASAN_OPTIONS="log_path=$T/san/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	UBSAN_OPTIONS="log_path=$T/san/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
	export ASAN_OPTIONS UBSAN_OPTIONS
fi

# end_agents [tenths], at exit: SIGTERM to every agent started, then
# SIGKILL to any still there after tenths (50) of a second each.
end_agents() {
	for p in $agents; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $agents; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt "${1:-50}" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
}

# A test that failed keeps its directory (logs, state, recordings) and
# says where, once; one that passed leaves nothing behind.
cleanup() {
	_rc=$?
	end_agents
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	# An agent killed in the middle of a select leaves the machine's
	# /dev, /proc, /sys and /run bound under $T: detach them, or rm (or
	# whoever later clears a kept directory) would empty the real ones.
	grep " $T/" /proc/self/mountinfo 2>/dev/null | awk '{ print $5 }' |
	    sort -r | while read -r _m; do umount -l "$_m" 2>/dev/null; done
	if [ "$failures" -gt 0 ] || [ "$_rc" -ne 0 ]; then
		echo "# kept for inspection: $T"
	else
		rm -rf --one-file-system "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# scan_agent IMAGE: attach IMAGE to a loop device ($dev; the test is
# skipped where there is none) and start an agent whose roots scan it.
# The device is detached when the test ends, if it has not been.
scan_agent() {
	if ! dev=$(losetup -f --show "$1" 2>/dev/null); then
		echo "# skip: no loop device"
		exit 77
	fi
	trap 'cleanup; losetup -d "$dev" 2>/dev/null' EXIT
	cat >"$T/conf.yaml" <<EOC
roots:
  scan: true
  devices: [$dev]
EOC
	start_agent -f "$T/conf.yaml"
}

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }

# check "what" command...: ok if the command succeeds.
check() {
	what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		_rc=$?
		not_ok "$what"
		echo "#   failed (exit $_rc): $*"
	fi
}

# check_eq "what" expected actual
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   expected: $2"
		echo "#   got:      $3"
	fi
}

# check_grep "what" pattern file
check_grep() {
	if grep -q -- "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   no \"$2\" in $3:"
		sed 's/^/#   /' "$3" | tail -n 15
	fi
}

check_no_grep() {
	if grep -q -- "$2" "$3"; then
		not_ok "$1"
		grep -- "$2" "$3" | sed 's/^/#   /'
	else
		ok "$1"
	fi
}

# Wait up to $2 tenths of a second for a command to succeed.
wait_for() {
	cmd=$1
	n=${2:-100}
	while [ "$n" -gt 0 ]; do
		eval "$cmd" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# start_agent [tetherd args...]: sets AGENT_PID AGENT_DIR AGENT_LOG
# AGENT_STATE TICKET PORT.
start_agent() {
	nagent=$((nagent + 1))
	AGENT_DIR=$T/agent$nagent
	AGENT_STATE=$AGENT_DIR/state
	AGENT_LOG=$AGENT_DIR/log
	mkdir -p "$AGENT_DIR"
	# As OpenSSH's regress runs sshd -t: a test configuration the agent
	# would refuse is the test's fault, and says so before anything runs.
	if ! "$TETHERD" -t --state-dir "$AGENT_STATE" --log-dir \
	    "$AGENT_DIR/logs" "$@" >"$AGENT_DIR/check" 2>&1 </dev/null; then
		echo "# tetherd -t refuses this test's configuration:"
		sed 's/^/#   /' "$AGENT_DIR/check"
		exit 1
	fi
	"$TETHERD" -b 127.0.0.1 -p 0 --no-message --state-dir "$AGENT_STATE" \
	    --log-dir "$AGENT_DIR/logs" \
	    "$@" >"$AGENT_DIR/out" 2>"$AGENT_LOG" </dev/null &
	AGENT_PID=$!
	agents="$agents $AGENT_PID"
	agent_ready "$AGENT_LOG"
}

# agent_ready log: wait for $AGENT_STATE/connection.yaml of an agent past
# "starting", or show the log and give up; then set TICKET and PORT from it.
agent_ready() {
	# "starting": the ticket is shown, the host key not made yet.
	if ! wait_for "[ -s '$AGENT_STATE/connection.yaml' ] && ! grep -q '^state: starting' '$AGENT_STATE/connection.yaml'" 100; then
		echo "# agent did not start:"
		sed 's/^/#   /' "$1"
		exit 1
	fi
	TICKET=$("$YGET" "$AGENT_STATE/connection.yaml" ticket)
	PORT=$("$YGET" "$AGENT_STATE/connection.yaml" port)
}

# stop_agent: SIGTERM, then check it ended cleanly and quietly.
stop_agent() {
	kill -TERM "$AGENT_PID"
	check "the agent ends on SIGTERM" \
	    wait_for "! kill -0 $AGENT_PID 2>/dev/null" 100
	wait "$AGENT_PID"
	check_eq "the agent exits 0" 0 $?
	check_no_grep "no sanitizer report" "Sanitizer\|runtime error" \
	    "$AGENT_LOG"
}

# session_pids: the processes that hold the agent's end of a TCP connection
# to $PORT (the session processes; their parents are the monitors), one a
# line, oldest connection first.
session_pids() {
	ss -Htnp state established "( sport = :$PORT )" 2>/dev/null |
	    sed -n 's/.*pid=\([0-9]*\).*/\1/p' | sort -n | uniq
}

# descendants pid: every process below pid (a listener's monitors, their
# session processes, and what those started), one a line.
descendants() {
	for d in $(pgrep -P "$1"); do
		echo "$d"
		descendants "$d"
	done
}

# descendant_runs pid pattern: some process below pid has pattern in its
# command line.
descendant_runs() {
	for d in $(descendants "$1"); do
		tr '\0' ' ' <"/proc/$d/cmdline" 2>/dev/null | grep -q -- "$2" &&
		    return 0
	done
	return 1
}

# agent_ssh command...: stock ssh with the ticket as password.
agent_ssh() {
	# shellcheck disable=SC2086
	sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 "$@"
}

# fake_fb: the test framebuffer (37x23, 16 bpp, padded and panned) in $T,
# printed as the "fake_fb:" block of tetherd.yaml's snapshot mapping.
fake_fb() {
	[ -s "$T/fb.raw" ] || python3 "$top/tests/integ/snapfix.py" fb "$T"
	cat <<EOF_FB
  fake_fb:
    path: $T/fb.raw
    width: 37
    height: 23
    bpp: 16
    stride: 100
    xoffset: 3
    yoffset: 5
    red: {offset: 11, length: 5}
    green: {offset: 5, length: 6}
    blue: {offset: 0, length: 5}
EOF_FB
}

# fake_root dir name: an offline system in a directory, healthy: system
# name and version 12, root and alice (password hash "$6$old$..."), an
# fstab with nothing to remap, a dpkg database, a passwd program, and the
# directories a select binds into.
fake_root() {
	mkdir -p "$1/etc" "$1/boot" "$1/dev" "$1/proc" "$1/sys" "$1/run" \
	    "$1/var/lib/dpkg" "$1/var/log" "$1/var/crash" "$1/home/alice"
	printf 'NAME="%s"\nVERSION_ID="12"\n' "$2" >"$1/etc/os-release"
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' \
	    >"$1/etc/passwd"
	printf 'root:x:0:\nalice:x:1000:\n' >"$1/etc/group"
	printf 'root:*:19000:0:99999:7:::\nalice:$6$old$abcdefghijklmnop:19000:0:99999:7:::\n' \
	    >"$1/etc/shadow"
	printf '# nothing to remap\n' >"$1/etc/fstab"
	printf 'Package: dash\nStatus: install ok installed\n\n' \
	    >"$1/var/lib/dpkg/status"
	# The system's own passwd (a stand-in), which the passwd tool needs.
	mkdir -p "$1/usr/bin" && : >"$1/usr/bin/passwd"
}

# copy_sh root: /bin/sh and the libraries it needs into root, for a
# chroot; fails when they cannot be found or copied.
copy_sh() {
	_sh=$(readlink -f /bin/sh)
	_libs=$(ldd "$_sh" 2>/dev/null |
	    awk '/\// { for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }')
	[ -n "$_libs" ] || return 1
	mkdir -p "$1/bin" && cp "$_sh" "$1/bin/sh" || return 1
	for _l in $_libs; do
		mkdir -p "$1$(dirname "$_l")" && cp -L "$_l" "$1$_l" || return 1
	done
}

# The viewer under a private tmux server, 120x40.
viewer_start() {
	# Start the new session before killing the old: killing the last
	# session makes the tmux server exit, and a new-session racing that
	# exit finds no server.
	tmux -L "$TMUX_SOCK" new-session -d -s viewer-next -x 120 -y 40 \
	    "TERM=${VIEWER_TERM:-xterm-256color} LANG=C.UTF-8 $TETHER $*; echo VIEWER-EXIT=\$?; sleep 600"
	tmux -L "$TMUX_SOCK" kill-session -t =viewer 2>/dev/null
	tmux -L "$TMUX_SOCK" rename-session -t =viewer-next viewer
}

screen() {
	tmux -L "$TMUX_SOCK" capture-pane -p -t viewer
}

keys() {
	tmux -L "$TMUX_SOCK" send-keys -t viewer "$@"
}

# wait_output cmd "text" [tenths] [grep option]: wait until what cmd
# prints (a tmux screen) holds text.
wait_output() {
	n=${3:-100}
	while [ "$n" -gt 0 ]; do
		# shellcheck disable=SC2086
		$1 | grep -q ${4:-} -- "$2" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# wait_screen "text" [tenths]: wait until the viewer's screen shows text.
wait_screen() {
	wait_output screen "$1" "${2:-100}"
}

# shell_line "command": type a line into the viewer's console once the
# shell shows its prompt, as a person would; typed sooner, its echo and
# the prompt would land on the lines the checks read.
shell_line() {
	wait_for "screen | grep -v '^ *\$' | tail -n 1 | grep -q '[#\$%>] *\$'" \
	    100 || not_ok "a shell prompt before typing: $1"
	keys "$1" Enter
}

# check_screen "what" "text" [tenths]
check_screen() {
	if wait_screen "$2" "${3:-100}"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   screen has no \"$2\":"
		screen | grep -v '^$' | sed 's/^/#   /'
	fi
}

finish() {
	if [ -d "$T/san" ]; then
		if [ -z "$(ls -A "$T/san")" ]; then
			ok "no sanitizer report from any process"
		else
			not_ok "no sanitizer report from any process"
			cat "$T"/san/* | head -n 60 | sed 's/^/#   /'
		fi
	fi
	[ "$failures" -eq 0 ]
	exit $?
}

# start_sshd: a private OpenSSH sshd on 127.0.0.1 with key authentication
# for root and the system's sftp-server, for comparisons in the same run.
# Sets SSHD_PID SSHD_PORT SSHD_KEY (the user's private key); keys in
# $T/sshd. Fails when no free port takes it.
start_sshd() {
	_d=$T/sshd
	mkdir -p "$_d" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C tether-test -f "$_d/host" || return 1
	ssh-keygen -q -t ed25519 -N '' -C tether-test -f "$_d/user" || return 1
	cp "$_d/user.pub" "$_d/authorized_keys"
	cat >"$_d/sshd_config" <<EOF_SSHD
ListenAddress 127.0.0.1
HostKey $_d/host
PidFile none
AuthorizedKeysFile $_d/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
Subsystem sftp /usr/lib/openssh/sftp-server
LogLevel ERROR
EOF_SSHD
	/usr/sbin/sshd -t -f "$_d/sshd_config" || return 1
	for _try in 1 2 3; do
		SSHD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		/usr/sbin/sshd -D -e -f "$_d/sshd_config" -p "$SSHD_PORT" \
		    2>"$_d/log" &
		SSHD_PID=$!
		agents="$agents $SSHD_PID"
		SSHD_KEY=$_d/user
		wait_for "ssh-keyscan -p $SSHD_PORT 127.0.0.1 2>/dev/null |
		    grep -q ed25519" 50 && return 0
		kill "$SSHD_PID" 2>/dev/null
	done
	return 1
}

# host_fp port: the SHA256 fingerprint of the ed25519 host key there.
host_fp() {
	ssh-keyscan -t ed25519 -p "$1" 127.0.0.1 2>/dev/null |
	    ssh-keygen -lf - | awk '{ print $2 }'
}
