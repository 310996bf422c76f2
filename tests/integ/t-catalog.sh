#!/bin/sh
# The shipped catalog (config/tools.yaml) doing real work on an offline
# system that is a directory: summary over stock ssh, search finds a
# planted file, crash shows planted errors, setpass changes one hash in the
# root's shadow and nothing else, passwd is unavailable on a root without
# a shadow file, and wipe is refused without its word (exit 3) and wipes
# a loop device with it.
. "$(dirname "$0")/lib.sh"

good=$T/good
bad=$T/bad
fake_root "$good" "Debian GNU/Linux"
fake_root "$bad" "Debian GNU/Linux"
rm "$bad/etc/shadow"
echo "report" >"$good/home/alice/Quarterly-Report.ODS"
printf 'Nov 25 10:00:01 host kernel: BUG: unable to handle page fault TETHER-PLANTED\n' \
    >"$good/var/log/syslog"
cp "$good/etc/shadow" "$T/shadow.before"

cat >"$T/conf.yaml" <<EOF2
tools: [$top/config/tools.yaml]
roots:
  scan: false
  extra: [$good, $bad]
EOF2
start_agent -f "$T/conf.yaml"
host_shadow=$(sha256sum </etc/shadow)
check_no_grep "a catalog with tools draws no warning" "catalog is empty" \
    "$AGENT_LOG"

# An empty catalog works, but says so, and where it looked: from -t too.
mkdir "$T/notools"
printf 'tools: [%s]\n' "$T/notools" >"$T/empty.yaml"
"$TETHERD" -t -f "$T/empty.yaml" --state-dir "$T/es" 2>"$T/empty.err"
check_eq "tetherd -t passes an empty catalog" 0 $?
check_grep "and warns, naming where it looked" \
    "^tetherd: warning: the tool catalog is empty: no tool in $T/notools (tools: in tetherd.yaml)$" \
    "$T/empty.err"
A_LOG=$AGENT_LOG A_PID=$AGENT_PID A_STATE=$AGENT_STATE A_PORT=$PORT
A_TICKET=$TICKET A_DIR=$AGENT_DIR
start_agent -f "$T/empty.yaml"
check_grep "an agent started with it warns in its log" \
    "warning: the tool catalog is empty: no tool in $T/notools" "$AGENT_LOG"
AGENT_LOG=$A_LOG AGENT_PID=$A_PID AGENT_STATE=$A_STATE PORT=$A_PORT
TICKET=$A_TICKET AGENT_DIR=$A_DIR

# tool_reason NAME: why the agent says NAME cannot run now.
tool_reason() {
	agent_ssh tools >"$T/tools.yaml"
	i=0
	while name=$("$YGET" "$T/tools.yaml" tools.$i.name 2>/dev/null); do
		if [ "$name" = "$1" ]; then
			"$YGET" "$T/tools.yaml" tools.$i.reason
			return
		fi
		i=$((i + 1))
	done
}

# summary needs no root.
# shellcheck disable=SC2086
out=$(sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 \
    'run summary' 2>&1)
check_eq "stock ssh 'run summary' exits 0" 0 $?
check "and shows the kernel" eval "echo \"\$out\" | grep -q '$(uname -r)'"

# On the root without a shadow file, passwd cannot run, and says why.
agent_ssh roots select extra2 >/dev/null
check_eq "passwd is unavailable on a root without a shadow file" \
    "root is limited: etc/shadow missing" "$(tool_reason passwd)"
agent_ssh roots release >/dev/null

agent_ssh roots select extra1 >/dev/null
check_eq "search finds the planted file, whatever its case" \
    "$good/home/alice/Quarterly-Report.ODS" \
    "$(agent_ssh run search "'quarterly-*'" 2>/dev/null)"
agent_ssh run crash >"$T/crash.out" 2>&1
check_grep "crash shows the planted error" "TETHER-PLANTED" "$T/crash.out"

printf 'N3w-Passw0rd\n' | agent_ssh run setpass alice >"$T/setpass.out" 2>&1
check_eq "setpass alice exits 0" 0 $?
new=$(awk -F: '$1 == "alice" { print $2 }' "$good/etc/shadow")
check "alice's hash changed to a SHA-512 crypt" \
    eval "case '$new' in '\$6\$'*) [ '$new' != '\$6\$old\$abcdefghijklmnop' ];; *) false;; esac"
check_eq "root's line is untouched" \
    "$(grep '^root:' "$T/shadow.before")" "$(grep '^root:' "$good/etc/shadow")"
printf 'x\n' | agent_ssh run setpass 'Bad;user' >/dev/null 2>&1
check_eq "a user name against the pattern is refused" 2 $?
check_eq "the rescue system's own shadow is untouched" "$host_shadow" \
    "$(sha256sum </etc/shadow)"
agent_ssh roots release >/dev/null

# wipe: no word, exit 3 and nothing touched; with it, on a loop device.
img=$T/disk.img
truncate -s 8M "$img"
if command -v mkfs.ext4 >/dev/null && mkfs.ext4 -q -F "$img" >/dev/null 2>&1 &&
    loop=$(losetup -f --show "$img" 2>/dev/null); then
	agent_ssh run wipe "$loop" >/dev/null 2>"$T/wipe.err"
	check_eq "wipe without its word exits 3" 3 $?
	check_grep "and names the word" "confirm with --confirm=$loop" \
	    "$T/wipe.err"
	check "and the signature is still there" \
	    eval "blkid -p '$loop' | grep -q ext4"
	agent_ssh run wipe "--confirm=$loop" "$loop" >/dev/null 2>&1
	check_eq "wipe with its word exits 0" 0 $?
	check "and the signature is gone" \
	    eval "! blkid -p '$loop' 2>/dev/null | grep -q ext4"
	losetup -d "$loop"
else
	echo "# skip: no loop device here; wipe's refusal only"
	agent_ssh run wipe /dev/loop9 >/dev/null 2>"$T/wipe.err"
	check_eq "wipe without its word exits 3" 3 $?
fi
stop_agent
finish
