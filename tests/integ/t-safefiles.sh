#!/bin/sh
# Files the agent writes as root: the state directory, and the directories
# of the audit file and recordings, must be owned by root all the way up
# (as OpenSSH's safe_path checks), and no file is opened through a
# symbolic link.
. "$(dirname "$0")/lib.sh"

# A directory another user owns, on the way to the state directory.
mkdir -p "$T/theirs"
chown 65534:65534 "$T/theirs"
"$TETHERD" -b 127.0.0.1 -p 0 --no-message --state-dir "$T/theirs/state" \
    --log-dir "$T/logs" </dev/null >/dev/null 2>"$T/state.err" &
pid=$!
agents="$agents $pid"
check "the agent refuses a state directory under another user's" \
    wait_for "! kill -0 $pid 2>/dev/null" 100
check_grep "and says which directory and why" \
    "state directory $T/theirs/state: unsafe: $T/theirs/state: owned by uid 65534, not root\|state directory $T/theirs/state: unsafe: $T/theirs: owned by uid 65534, not root" \
    "$T/state.err"

# An audit file in a directory another user owns: syslog only.
mkdir -p "$T/theirlogs"
chown 65534:65534 "$T/theirlogs"
cat >"$T/a.yaml" <<EOC
audit: {file: $T/theirlogs/audit.log}
EOC
start_agent -f "$T/a.yaml"
check_grep "an audit directory another user owns is refused" \
    "audit file $T/theirlogs/audit.log: $T/theirlogs: owned by uid 65534, not root (auditing to syslog only)" \
    "$AGENT_LOG"
check "and no audit file was made there" [ ! -e "$T/theirlogs/audit.log" ]
stop_agent

# An audit file that is a symbolic link: not followed.
mkdir -p "$T/mine"
echo untouched >"$T/victim"
ln -s "$T/victim" "$T/mine/audit.log"
cat >"$T/b.yaml" <<EOC
audit: {file: $T/mine/audit.log}
EOC
start_agent -f "$T/b.yaml"
agent_ssh true
check_grep "a symbolic link as the audit file is refused" \
    "audit file $T/mine/audit.log: Too many levels of symbolic links" \
    "$AGENT_LOG"
check_eq "and the file it points to is untouched" untouched "$(cat "$T/victim")"
stop_agent
finish
