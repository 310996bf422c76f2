#!/bin/sh
# The viewer's session screen under tmux: Tools (catalog, greyed tools
# with their reason, argument form checked before sending, confirm word,
# output pane with search, a running tool stopped), Info, resize, a lost
# connection and r to connect again, and End session.
. "$(dirname "$0")/lib.sh"

M=$T/marks
mkdir -p "$M"
cat >"$T/tools.yaml" <<EOF2
tools:
  - name: count
    title: Count to 60
    command: [seq, 1, 60]
  - name: hello
    title: Say hello
    command: [echo, hello, "{who}"]
    args:
      - {name: who, prompt: Who, pattern: "^[a-z]+\$"}
  - name: mark
    title: Leave a mark
    command: [touch, "{file}"]
    args:
      - {name: file, prompt: File, pattern: "^$M/[a-z]+\$"}
    destructive: true
    confirm: "{file}"
  - name: sleepy
    title: Sleep a long time
    command: [sh, -c, 'echo \$\$ >$M/sleepy.pid; echo sleeping; exec sleep 300']
  - name: absent
    title: Not installed here
    command: [no-such-program-here]
EOF2
cat >"$T/tetherd.yaml" <<EOF2
tools: [$T/tools.yaml]
audit:
  file: $T/audit.log
snapshot:
$(fake_fb)
EOF2
start_agent -f "$T/tetherd.yaml"

viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "connected" "key ✔ ticket"
keys Down Enter
check_screen "Tools lists the catalog" "count  *Count to 60"
check_screen "with every tool" "absent  *Not installed here"
keys Down Down Down Down
check_screen "an unavailable tool says why" \
    "absent: command not found: no-such-program-here"
ESC=$(printf '\033')
escreen() { tmux -L "$TMUX_SOCK" capture-pane -e -p -t viewer; }
check "an unavailable tool is greyed (dim)" \
    eval "escreen | grep -q '${ESC}\[2[;0-9]*mabsent'"
keys Enter
check_screen "Enter on it does nothing" "absent: command not found"

# An argument is checked against its pattern before anything is sent.
keys Up Up Up Enter
check_screen "the argument form asks" "hello: Who:"
keys World Enter
check_screen "a bad value is refused here, saying in words what is wanted" \
    'who "World" is not accepted: give who$'
keys C-u world Enter
check_screen "the output pane shows the tool's output" "│ hello world$"
check_screen "and its exit status" "hello ended, exit status 0"
check_no_grep "the refused value never reached the agent" \
    'verb name=run.*World' "$AGENT_LOG"
keys Escape

# A destructive tool wants its confirm word.
keys Down Enter
keys "$M/one" Enter
check_screen "a destructive tool asks for the confirm word" \
    "mark destroys data. Type $M/one to go on"
keys nope Enter
check_screen "a wrong word is refused" "that is not the confirm word"
check "and nothing ran" [ ! -e "$M/one" ]
keys C-u "$M/one" Enter
check_screen "the right word runs it" "mark ended, exit status 0"
check "and it did its work" [ -e "$M/one" ]
keys Escape

# Long output scrolls; / searches.
keys Up Up Enter
check_screen "long output ends in view" "count ended, exit status 0"
keys g
check_screen "g goes to the top" "Console *│ 1 *$"
keys / 42 Enter
check "/ finds a line and marks it" \
    eval "escreen | grep -q '│ ${ESC}\[7m42 *\$'"
keys Escape

# A running tool stops when the technician leaves its output.
keys Down Down Down Enter
check_screen "a long tool runs" "sleeping"
wait_for "[ -s '$M/sleepy.pid' ]" 50
pid=$(cat "$M/sleepy.pid")
keys Escape
check_screen "Esc stops it" "-- stopped"
check "and the agent ends the tool" \
    wait_for "! kill -0 $pid 2>/dev/null" 100
check "the audit says the technician closed it" wait_for \
    "grep -q 'event=tool-exit session=[0-9a-f]* name=sleepy exit=closed' '$T/audit.log'" 50
keys Escape Escape

# Snapshot shows the agent's screen, full size, and q comes back.
keys Down Down Enter
check "Snapshot draws the screen in half blocks" \
    wait_for "escreen | grep -q '▀'" 100
keys q
check_screen "q comes back to the menu" "Snapshot *│"

# Info shows the agent's facts.
keys Down Down Enter
check_screen "Info shows the agent's facts" "port: $PORT"
keys Escape

# A resize redraws the screen at the new size.
tmux -L "$TMUX_SOCK" resize-window -t viewer -x 80 -y 24 2>/dev/null ||
    tmux -L "$TMUX_SOCK" resize-pane -t viewer -x 80 -y 24
check "the screen follows a resize" wait_for \
    "screen | sed -n 24p | grep -q 'Up/Down choose'" 50

# The connection is cut: a banner, then r connects with the same ticket.
child=$(pgrep -P "$AGENT_PID" -x tetherd | head -n 1)
kill -KILL "$child"
check_screen "a lost connection shows a banner" "Connection to 127.0.0.1 lost."
keys r
check_screen "r connects again" "connected again"
check_screen "with the same ticket" "key ✔ ticket"

# End session: n keeps it, y ends the agent.
keys Down Enter
check_screen "End session asks, for one key" \
    "End the remote session for everyone? y ends it, any other key keeps it"
keys n
check_screen "n keeps the session" "the session goes on"
keys Enter y
check_screen "y ends it and returns to the form" \
    "session ended: the agent has stopped"
check "the agent is gone" wait_for "! kill -0 $AGENT_PID 2>/dev/null" 100
check_eq "connection.yaml says ended" ended \
    "$("$YGET" "$AGENT_STATE/connection.yaml" state)"

finish
