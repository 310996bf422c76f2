#!/bin/sh
# The tool catalog at work: the tools verb says what can run and why not;
# run checks every argument against its pattern, wants the confirm word of
# a destructive tool, passes values as whole arguments with no shell,
# keeps the time limit, and audits start and end. Also through the viewer.
. "$(dirname "$0")/lib.sh"

AUDIT=$T/audit.log
M=$T/marks
mkdir -p "$M"
cat >"$T/tools.yaml" <<EOF
tools:
  - name: hello
    title: Say hello
    command: [echo, hello, "{who}"]
    args:
      - {name: who, prompt: Who, pattern: "^[a-z]+\$"}
  - name: argv
    title: Show the arguments as given
    command: [sh, -c, 'printf "[%s]" "\$@"; echo; echo "tool=\$TETHER_TOOL"', argv, "{a}", "{b}"]
    args:
      - {name: a, prompt: A, pattern: "^.{1,64}\$"}
      - {name: b, prompt: B, pattern: "^.{0,64}\$"}
  - name: mark
    title: Leave a mark
    command: [touch, "{file}"]
    args:
      - {name: file, prompt: File, pattern: "^$M/[a-z]+\$"}
    destructive: true
    confirm: "{file}"
  - name: nuke
    title: Destructive without a confirm word
    command: [touch, $M/nuked]
    destructive: true
  - name: slow
    title: Outlive the limit
    command: [sh, -c, 'echo \$\$ > $M/slow.pid; echo started; exec sleep 60']
    timeout: 2s
  - name: fails
    title: Exit 3
    command: [sh, -c, 'echo oops >&2; exit 3']
  - name: term
    title: Talk to the technician
    command: [sh, -c, 'test -t 0 && echo on-a-tty']
    pty: true
  - name: offline
    title: Needs an offline system
    command: [ls, "{root}"]
    needs_root: true
  - name: absent
    title: Not installed
    command: [no-such-program-here, x]
    needs: [sh, also-not-here]
EOF
cat >"$T/tetherd.yaml" <<EOF
tools: [$T/tools.yaml]
audit:
  file: $AUDIT
recording:
  enabled: false
EOF
start_agent -f "$T/tetherd.yaml"

# tools: the catalog with availability and reasons.
agent_ssh tools >"$T/tools.out"
check_eq "tools exits 0, YAML" 9 "$("$YGET" "$T/tools.out" tools | grep -c .)"
check_eq "tools: root is null" null "$("$YGET" "$T/tools.out" root)"
check_eq "hello is available" true "$("$YGET" "$T/tools.out" tools.0.available)"
check_eq "its argument is listed" who \
    "$("$YGET" "$T/tools.out" tools.0.args.0.name)"
check_eq "mark's confirm word is a placeholder" "{file}" \
    "$("$YGET" "$T/tools.out" tools.2.confirm)"
check_eq "nuke's confirm word is its name" nuke \
    "$("$YGET" "$T/tools.out" tools.3.confirm)"
check_eq "offline is unavailable" false \
    "$("$YGET" "$T/tools.out" tools.7.available)"
check_eq "offline: no root selected" \
    "needs a selected root (roots select ID)" \
    "$("$YGET" "$T/tools.out" tools.7.reason)"
check_eq "absent: the missing programs are named" \
    "command not found: no-such-program-here, also-not-here" \
    "$("$YGET" "$T/tools.out" tools.8.reason)"

# run: the plain case, exit status and stderr passed through.
check_eq "run hello" "hello world" "$(agent_ssh run hello world)"
agent_ssh run fails >"$T/fails.out" 2>&1
check_eq "a tool's exit status is the run's" 3 $?
check_grep "a tool's stderr reaches the client" oops "$T/fails.out"

# Values are whole arguments: no shell, no splitting, no globbing.
out=$(agent_ssh run argv "'a b; touch $M/pwned'" "'*'")
check_eq "values stay single arguments" "[a b; touch $M/pwned][*]
tool=argv" "$out"
check "nothing ran from inside a value" [ ! -e "$M/pwned" ]
check_eq "an empty value is an argument too" "[x][]" \
    "$(agent_ssh run argv x "''" | head -n 1)"

# Refusals: exit 2 (3 for a destructive tool not confirmed), one line
# saying why, nothing run.
refused() {
	what=$1
	msg=$2
	shift 2
	agent_ssh "$@" >"$T/ref.out" 2>"$T/ref.err"
	rc=$?
	if [ $rc -eq "${WANT:-2}" ] && grep -qF -- "$msg" "$T/ref.err" &&
	    [ ! -s "$T/ref.out" ]; then
		ok "$what"
	else
		not_ok "$what"
		echo "#   exit $rc; stderr:"
		sed 's/^/#   /' "$T/ref.err"
	fi
}
refused "an argument against its pattern" \
    'run: hello: who "World" does not match ^[a-z]+$' run hello World
refused "too few arguments" "run: hello takes 1 argument, not 0" run hello
refused "too many arguments" "run: hello takes 1 argument, not 2" \
    run hello a b
refused "an unknown tool" 'run: no tool "bogus"' run bogus
refused "no tool named" "usage: run TOOL" run
refused "an unknown option" "run: hello: unknown option --force" \
    run hello --force x
WANT=3 refused "a destructive tool without its word: exit 3" \
    "run: mark is destructive: confirm with --confirm=$M/one" \
    run mark "$M/one"
WANT=3 refused "the wrong confirm word: exit 3" \
    "run: mark: --confirm=$M/two does not match; type --confirm=$M/one" \
    run mark --confirm="$M/two" "$M/one"
refused "a confirm word on a harmless tool" \
    "run: hello is not destructive: no --confirm" \
    run hello --confirm=x world
refused "a tool with missing programs" \
    "run: absent cannot run: command not found: no-such-program-here" run absent
refused "a tool that needs an offline system" \
    "run: offline cannot run: needs a selected root" run offline
refused "a pty tool without a terminal" \
    "run: term needs a terminal: use ssh -t, or the viewer" run term
check "no refused tool left a mark" [ -z "$(ls "$M")" ]

agent_ssh run mark --confirm="$M/one" "$M/one"
check_eq "the right word runs the destructive tool" 0 $?
check "and it did its work" [ -e "$M/one" ]
agent_ssh run nuke --confirm=nuke
check "a tool without a confirm key takes its name" [ -e "$M/nuked" ]
check_eq "-- ends the options" "hello x" "$(agent_ssh run hello -- x)"

# A pty tool on a terminal (ssh -tt with a pipe for stdin).
# shellcheck disable=SC2086
out=$(sshpass -p "$TICKET" ssh $SSHOPTS -tt -p "$PORT" tether@127.0.0.1 \
    run term </dev/null 2>&1 | tr -d '\r')
check_eq "a pty tool runs on a terminal" on-a-tty "$out"

# The time limit: TERM to the tool, exit 124, said on stderr.
start=$(date +%s)
agent_ssh run slow >"$T/slow.out" 2>"$T/slow.err"
rc=$?
took=$(($(date +%s) - start))
check_eq "a tool over its limit ends with 124" 124 $rc
check_grep "the client is told why" \
    "tetherd: slow: time limit reached, stopping it" "$T/slow.err"
check "it ended near its 2 s limit ($took s)" \
    eval "[ $took -ge 2 ] && [ $took -le 6 ]"
pid=$(cat "$M/slow.pid")
check "the tool's process is gone" eval "! kill -0 $pid 2>/dev/null"

# The viewer runs tools too, with the same checks and statuses.
V="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"
check_eq "viewer: run" "hello there" "$($V run hello there </dev/null)"
$V run hello There </dev/null >/dev/null 2>"$T/v.err"
check_eq "viewer: a refusal exits 2" 2 $?
check_grep "viewer: and says why" 'who "There" does not match' "$T/v.err"
check_eq "viewer: quoting survives the trip" "[it's \"here\"][a\\b]" \
    "$($V run argv "it's \"here\"" 'a\b' </dev/null | head -n 1)"
$V run fails </dev/null >/dev/null 2>&1
check_eq "viewer: the tool's exit status" 3 $?
check_eq "viewer: tools is YAML" hello \
    "$($V tools </dev/null | "$YGET" - tools.0.name)"

stop_agent

# The audit trail: the start with its arguments, the end with its status.
check_grep "audit: a tool's start and arguments" \
    'event=tool session=[0-9a-f]\{16\} name=hello args=world$' "$AUDIT"
check_grep "audit: a tool's exit status" \
    'event=tool-exit session=[0-9a-f]\{16\} name=fails exit=3$' "$AUDIT"
check_grep "audit: a time limit" \
    'event=tool-exit session=[0-9a-f]\{16\} name=slow exit=timeout$' "$AUDIT"
check_no_grep "audit: a refused run starts no tool" \
    'event=tool session=[0-9a-f]* name=mark args=[^ ]*two' "$AUDIT"
check_eq "audit: every started tool ended" \
    "$(grep -c ' event=tool ' "$AUDIT")" \
    "$(grep -c ' event=tool-exit ' "$AUDIT")"

# Tools on a selected offline system: {root}, needs_files, TETHER_ROOT.
R=$T/sys1
mkdir -p "$R/etc" "$R/boot"
echo 'NAME="Test Linux"' >"$R/etc/os-release"
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
cat >"$T/root-tools.yaml" <<EOF
tools:
  - name: look
    title: List the offline system
    command: [sh, -c, 'ls "\$1"; echo "env=\$TETHER_ROOT"', look, "{root}"]
    needs_root: true
    needs_files: [etc/passwd]
  - name: shadow
    title: Needs a shadow file
    command: [cat, "{root}"]
    needs_root: true
    needs_files: [etc/shadow, etc/gshadow]
  - name: chpw
    title: Needs the system's own passwd
    command: [chroot, "{root}", passwd]
    needs_root: true
    needs_files: [usr/bin/passwd]
EOF
cat >"$T/root.yaml" <<EOF
tools: [$T/root-tools.yaml]
roots:
  scan: false
  extra: [$R]
EOF
start_agent -f "$T/root.yaml"
agent_ssh roots select extra1 >/dev/null 2>"$T/sel.err"
check_eq "a root without /dev cannot be selected" 1 $?
check_grep "and says whose /dev is missing" \
    "cannot bind the rescue system's /dev: the offline system's /dev: No such file" \
    "$T/sel.err"
# Its passwd is a link to /usr/bin/passwd: the rescue system's, not its own.
mkdir -p "$R/usr/bin" && ln -s /usr/bin/passwd "$R/usr/bin/passwd"
mkdir "$R/dev" "$R/proc" "$R/sys" "$R/run"
agent_ssh roots select extra1 >/dev/null 2>"$T/sel.err"
check_eq "an offline system is selected" 0 $?
check_eq "the agent's log lines do not reach the client" "" \
    "$(cat "$T/sel.err")"
check_grep "they go to the agent's log" "mounted /dev on $R/dev" \
    "$AGENT_LOG"
agent_ssh tools >"$T/rt.out"
check_eq "tools names the selected root" "$R" "$("$YGET" "$T/rt.out" root)"
check_eq "a tool on the root is available" true \
    "$("$YGET" "$T/rt.out" tools.0.available)"
check_eq "a missing needed file is named" \
    "root is limited: etc/shadow missing, etc/gshadow missing" \
    "$("$YGET" "$T/rt.out" tools.1.reason)"
check_eq "a needed file is looked for inside the root: an absolute link" \
    "root is limited: usr/bin/passwd missing" \
    "$("$YGET" "$T/rt.out" tools.2.reason)"
agent_ssh run look >"$T/look.out" 2>&1
check_grep "{root} is the root's directory" "^os-release\|^etc\$" \
    "$T/look.out"
check_grep "the tool sees TETHER_ROOT" "^env=$R\$" "$T/look.out"
agent_ssh roots release >/dev/null 2>&1
check_eq "after release the tool needs a root again" \
    "needs a selected root (roots select ID)" \
    "$(agent_ssh tools | "$YGET" - tools.0.reason)"
stop_agent

# The shipped catalog loads, and each tool it cannot run says why.
cat >"$T/default.yaml" <<EOF
tools: [$top/config/tools.yaml]
EOF
start_agent -f "$T/default.yaml"
agent_ssh tools >"$T/default.out"
n=$("$YGET" "$T/default.out" tools | grep -c .)
check "the shipped catalog has at least 18 tools ($n)" [ "$n" -ge 18 ]
i=0
bad=0
while [ $i -lt "$n" ]; do
	if [ "$("$YGET" "$T/default.out" tools.$i.available)" = false ] &&
	    [ "$("$YGET" "$T/default.out" tools.$i.reason)" = null ]; then
		bad=$((bad + 1))
	fi
	i=$((i + 1))
done
check_eq "every unavailable shipped tool says why" 0 $bad
stop_agent

finish
