#!/bin/sh
# What a technician met in a first recovery, screen by screen: the menu
# previews load instead of saying "empty"; a full-screen tool's last
# screen stays until a key; a tool that reads a secret asks for it twice,
# hidden; long output lines wrap and w cuts them; a path typed with a
# leading slash is the selected system's; Esc stops a connect that hangs
# and keeps the form; a port that does not speak SSH is named; a shell
# the agent ends says so.
. "$(dirname "$0")/lib.sh"

M=$T/marks
mkdir -p "$M"
long=$(printf 'x%.0s' $(seq 1 150))
cat >"$T/tools.yaml" <<EOF2
tools:
  - name: failpw
    title: A full-screen tool that fails
    command: [sh, -c, 'echo "failpw: Authentication token manipulation error"; exit 127']
    pty: true
  - name: setpw
    title: Read a password on standard input
    command: [sh, -c, 'IFS= read -r pw; echo "got \${#pw} characters"; [ "\$pw" = s3cret-pw ] && echo same-as-typed']
    secret: "New password"
  - name: longline
    title: Print a long line
    command: [sh, -c, 'echo "start-${long}-END-OF-LONG-LINE"']
  - name: show
    title: Show a file of the system
    command: [echo, "{file}"]
    args:
      - {name: file, prompt: "A path inside the selected system, like etc/fstab", pattern: "^[A-Za-z0-9_][A-Za-z0-9._/-]*\$"}
EOF2
cat >"$T/tetherd.yaml" <<EOF2
tools: [$T/tools.yaml]
EOF2
start_agent -f "$T/tetherd.yaml"

viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "connected" "key ✔ ticket"
keys Down
check_screen "the Tools preview shows the catalog before Enter" \
    "failpw  *A full-screen tool that fails"
check_no_grep "it never claims an empty catalog" "catalog is empty" \
    "$(screen >"$T/s1"; echo "$T/s1")"

# A pty tool: its own words and exit status stay until a key.
keys Enter Enter
check_screen "a full-screen tool's output stays on screen" \
    "failpw: Authentication token manipulation error"
check_screen "with its exit status, until a key" \
    "-- failpw ended, exit status 127; a key goes back"
sleep 0.5
check_screen "still there half a second later" \
    "failpw: Authentication token manipulation error"
keys Space
check_screen "a key goes back to the pane, which keeps the status" \
    "-- failpw ended, exit status 127"
keys Escape

# A secret on standard input: asked twice, hidden, must match.
keys Down Enter
check_screen "the secret is asked for, hidden" \
    "setpw: New password (not shown, Esc cancels):"
keys s3cret-pw Enter
check_screen "then again" "setpw: New password again (not shown"
keys other-pw Enter
check_screen "two that differ are asked again" \
    "the two did not match: type it again"
keys s3cret-pw Enter s3cret-pw Enter
check_screen "the tool gets it on standard input" "got 9 characters"
check_screen "exactly as typed" "same-as-typed"
check_screen "and ends" "setpw ended, exit status 0"
check_no_grep "the secret never shows" "s3cret" \
    "$(screen >"$T/s2"; echo "$T/s2")"
keys Escape

# Long lines wrap; w cuts them at the edge.
keys Down Enter
check_screen "a long line wraps: its end is on screen" "-END-OF-LONG-LINE"
keys w
sleep 0.3
check_no_grep "w cuts it at the edge instead" "END-OF-LONG-LINE" \
    "$(screen >"$T/s3"; echo "$T/s3")"
keys w
check_screen "w again wraps it" "-END-OF-LONG-LINE"
# Esc stops a tool that still runs and stays on its output: wait for the end.
check_screen "longline ends" "-- longline ended, exit status 0"
keys Escape

# A path with a leading slash is the selected system's own.
keys Down Enter
check_screen "the path is asked for" "show: A path inside the selected system"
keys "/etc/fstab" Enter
check_screen "/etc/fstab is taken as etc/fstab" "│ etc/fstab$"
check_screen "show ends" "-- show ended, exit status 0"
keys Escape Enter "a;b" Enter
check_screen "a refusal says in words what is accepted" \
    'file "a;b" is not accepted: give a path inside the selected system, like etc/fstab'
keys Escape Escape

# The agent ends: the shell says so, not "exit status -1".
keys Up Up Up Up Enter
shell_line 'echo in-shell'
check_screen "a shell runs" "^in-shell"
kill -TERM "$AGENT_PID"
check_screen "a shell the agent ends says so" "the agent ended the session"
check_screen "and the menu says the connection is lost" \
    "Connection to 127.0.0.1 lost"
keys q
check_screen "q goes back to the form" "remote rescue viewer"

# Esc stops a connect to a port that accepts and never answers.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$T/mute.port" &
agents="$agents $!"
wait_for "[ -s '$T/mute.port' ]" 50
MUTE=$(cat "$T/mute.port")
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$MUTE"
check_screen "a connect that hangs shows itself" \
    "connecting to 127.0.0.1 port $MUTE"
sleep 1
t0=$(date +%s)
keys Escape
check_screen "Esc stops it at once" "connect cancelled" 20
t1=$(date +%s)
check "well before the 10 s timeout ($((t1 - t0)) s)" [ $((t1 - t0)) -le 3 ]
check_screen "the form stays, with its values" "Port  *$MUTE"
check_screen "the viewer is still running" "remote rescue viewer"

# A port that answers, but not with SSH.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(60)
print(s.getsockname()[1], flush=True)
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        c, _ = s.accept()
    except OSError:
        break
    c.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
    c.close()' >"$T/http.port" &
agents="$agents $!"
wait_for "[ -s '$T/http.port' ]" 50
HTTP=$(cat "$T/http.port")
"$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$HTTP" info \
    >/dev/null 2>"$T/http.err"
check_grep "a port that does not speak SSH is named, not 'reset'" \
    "^tether: no tether agent answers at 127.0.0.1 port $HTTP$" "$T/http.err"
keys Escape
check_screen "Esc in the form quits" "VIEWER-EXIT=0"
finish
