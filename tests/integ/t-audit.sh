#!/bin/sh
# The audit trail and session recording: one key=value line per event,
# client text quoted so it cannot forge fields, never the ticket; a pty
# console recorded as asciicast v2, mode 0600 in a 0700 directory.
. "$(dirname "$0")/lib.sh"

CASTCHECK="python3 $top/tests/integ/castcheck.py"
AUDIT=$T/audit.log
REC=$T/rec
# time= pid= event=, then key=value pairs, each value plain or quoted.
LINE_RE='^time=[0-9T:Z-]+ pid=[0-9]+ event=[a-z-]+'
LINE_RE=$LINE_RE'( [a-z_]+=("([^"\\]|\\.)*"|[^ "]+))*$'
# One line, for the tmux command below.
# shellcheck disable=SC2086,SC2116
opts=$(echo $SSHOPTS)

cat >"$T/tetherd.yaml" <<EOF
audit:
  file: $AUDIT
recording:
  dir: $REC
EOF
start_agent -f "$T/tetherd.yaml"
dashed=$(echo "$TICKET" | tr -d -)

# 1. A wrong password.
wrong=$(echo "$dashed" | tr 0123456789 1234567890)
# shellcheck disable=SC2086
sshpass -p "$wrong" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 true 2>/dev/null
check "the wrong password is refused" [ $? -ne 0 ]

# 2. The right one, running a command; 3. the info verb; 4. sftp.
check_eq "exec runs" hi "$(agent_ssh 'echo hi')"
agent_ssh info >"$T/info.yaml"
check_eq "info answers" 1 "$("$YGET" "$T/info.yaml" tether)"
echo up >"$T/up"
# shellcheck disable=SC2086
printf 'put %s %s\nls %s\n' "$T/up" "$T/up.copy" "$T" |
    sshpass -p "$TICKET" sftp $SSHOPTS -P "$PORT" tether@127.0.0.1 \
    >"$T/sftp.out" 2>&1
check_eq "sftp session succeeds" 0 $?

# 5. A user name with a space and a quote. ssh -l refuses such a name,
# ssh_config does not.
cat >"$T/ssh_config" <<'EOF'
Host tether-quoted
	HostName 127.0.0.1
	User "a \"b"
EOF
# shellcheck disable=SC2086
out=$(sshpass -p "$TICKET" ssh -F "$T/ssh_config" $SSHOPTS -p "$PORT" \
    tether-quoted 'echo quoted' 2>&1)
check_eq "a user name with a space and a quote logs in" quoted "$out"
# And one with a newline and an escape, which only a raw client sends.
"$BUILD/tests/preauth" -l "$(printf 'evil\nevent=forged x=\033')" \
    -p "$TICKET" 127.0.0.1 "$PORT" channel >"$T/evil.out" 2>&1
check_eq "a user name with a newline logs in" 1 $?
# A 2,100-byte user name, and one a shell would run.
long=$(head -c 2100 /dev/zero | tr '\0' a)
"$BUILD/tests/preauth" -l "$long" -p "$TICKET" 127.0.0.1 "$PORT" channel \
    >/dev/null 2>&1
cat >"$T/ssh_config2" <<'EOF'
Host tether-shell
	HostName 127.0.0.1
	User "x;y|z`w$(id)"
EOF
# shellcheck disable=SC2086
sshpass -p "$TICKET" ssh -F "$T/ssh_config2" $SSHOPTS -p "$PORT" \
    tether-shell true >/dev/null 2>&1

# 6. A pty console in a 120x40 terminal: type a command, then exit.
tmux -L "$TMUX_SOCK" new-session -d -s pty -x 120 -y 40 \
    "sshpass -p '$TICKET' ssh $opts -tt -p $PORT tether@127.0.0.1;
    echo PTY-EXIT=\$?; sleep 600"
pane() { tmux -L "$TMUX_SOCK" capture-pane -p -t pty; }
check "the console shows a prompt" wait_for "pane | grep -q '[#$] *\$'" 100
tmux -L "$TMUX_SOCK" send-keys -t pty 'echo rec-$((6*7))' Enter
check "the typed command runs" wait_for "pane | grep -q 'rec-42$'" 100
tmux -L "$TMUX_SOCK" send-keys -t pty 'env' Enter 'exit' Enter
check "the console ends" wait_for "pane | grep -q 'PTY-EXIT=0$'" 100
casts=$(ls "$REC"/*.cast 2>/dev/null)
check_eq "one recording" 1 "$(echo "$casts" | grep -c .)"
cast=$(echo "$casts" | head -n 1)

# 7. A pty with no size (stdin a pipe): RFC 4254 says zero dimensions are
# to be ignored, not recorded as a 0x0 terminal.
# shellcheck disable=SC2086
(sleep 1; echo 'echo piped-$((2*3))'; sleep 1; echo exit) |
    sshpass -p "$TICKET" ssh $SSHOPTS -tt -p "$PORT" tether@127.0.0.1 \
    >"$T/piped.out" 2>&1
check_grep "a piped pty console runs" "piped-6" "$T/piped.out"
piped=
for f in "$REC"/*.cast; do
	[ "$f" = "$cast" ] || piped=$f
done

stop_agent

# The audit file: every event once, one line each, nothing else.
check "the audit file exists" [ -s "$AUDIT" ]
check_eq "the audit file is mode 0600" 600 "$(stat -c %a "$AUDIT")"
total=0
for want in start:1 connect:10 auth-fail:1 auth-ok:9 exec:3 verb:1 sftp:1 \
    record:2 end:1; do
	e=${want%:*}
	n=${want#*:}
	check_eq "$n audit line(s) with event=$e" "$n" \
	    "$(grep -c " event=$e\( \|\$\)" "$AUDIT")"
	total=$((total + n))
done
check_eq "no other audit lines" "$total" "$(wc -l <"$AUDIT")"
check_eq "every audit line is key=value, values quoted" 0 \
    "$(grep -Evc "$LINE_RE" "$AUDIT")"
check_grep "start names the agent's pid and port" \
    "^time=[^ ]* pid=$AGENT_PID event=start version=[^ ]* port=$PORT " \
    "$AUDIT"
check_grep "connect names the source" \
    "event=connect from=127.0.0.1 port=[0-9][0-9]* child=[0-9][0-9]*\$" "$AUDIT"
check_grep "auth-fail names the method and the user" \
    "event=auth-fail from=127.0.0.1 method=password user=tether tries=1\$" \
    "$AUDIT"
check_grep "exec has the command text" \
    "event=exec session=[0-9a-f]\{16\} command=\"echo hi\"\$" "$AUDIT"
check_grep "the info verb is named" \
    "event=verb session=[0-9a-f]\{16\} name=info\$" "$AUDIT"
check_grep "sftp is audited" "event=sftp session=[0-9a-f]\{16\}\$" "$AUDIT"
check_grep "record names the file" \
    "event=record session=[0-9a-f]\{16\} file=$cast\$" "$AUDIT"
check_grep "end says by signal" "event=end by=signal signal=TERM\$" "$AUDIT"
check_grep "the odd user name is one quoted, escaped value" \
    'event=auth-ok from=127.0.0.1 session=[0-9a-f]\{16\} method=password user="a \\"b"' \
    "$AUDIT"
check_grep "a newline and an escape in a value are escaped" \
    'event=auth-ok from=127.0.0.1 session=[0-9a-f]\{16\} method=password user="evil\\x0aevent=forged x=\\x1b"' \
    "$AUDIT"
check_grep "a 2,100-byte user name keeps from and session first, capped" \
    "event=auth-ok from=127.0.0.1 session=[0-9a-f]\{16\} method=password user=\"a\{512\}\.\.\.\"\$" \
    "$AUDIT"
check_grep "shell characters are quoted" \
    'event=auth-ok from=127.0.0.1 session=[0-9a-f]\{16\} method=password user="x;y|z`w\$(id)"$' \
    "$AUDIT"
shpid=$(sed -n 's/^time=[^ ]* pid=\([0-9]*\) event=auth-ok .*user="x;y.*/\1/p' "$AUDIT")
check_grep "the connect line names the connection's pid, as its auth line" \
    "event=connect from=127.0.0.1 port=[0-9]* child=${shpid:-none}\$" "$AUDIT"
check_no_grep "no forged audit line" "^event=forged" "$AUDIT"
check_no_grep "no forged log line" "^event=forged" "$AGENT_LOG"
check_grep "the odd user's command is quoted too" \
    'event=exec session=[0-9a-f]\{16\} command="echo quoted"$' "$AUDIT"

# The ticket, with or without dashes: on the status screen only.
check_grep "the status screen shows the ticket" "^  Ticket: *$TICKET\$" \
    "$AGENT_DIR/out"
grep -v "^  Ticket: *$TICKET\$" "$AGENT_DIR/out" >"$T/out.rest"
for f in "$AUDIT" "$AGENT_LOG" "$T/out.rest"; do
	check_no_grep "no ticket in $(basename "$f")" "$TICKET" "$f"
	check_no_grep "no dashless ticket in $(basename "$f")" "$dashed" "$f"
done
check "no ticket in any recording" eval \
    "! grep -rqF -e '$TICKET' -e '$dashed' '$REC'"

# The recordings.
check_eq "the recording directory is mode 0700" 700 "$(stat -c %a "$REC")"
check_eq "the recording is mode 0600" 600 "$(stat -c %a "$cast")"
$CASTCHECK "$cast" 'echo rec-$((6*7))' rec-42 >"$T/cc.out" 2>&1
check_eq "the recording is asciicast v2 with the typed text and output" \
    0 $?
sed 's/^/#   /' "$T/cc.out"
check_grep "the recording has the terminal's size" ": 120x40," "$T/cc.out"
$CASTCHECK "$piped" 'echo piped-$((2*3))' piped-6 >"$T/cc2.out" 2>&1
check_eq "a pty without a size is recorded with a usable size" 0 $?
sed 's/^/#   /' "$T/cc2.out"

finish
