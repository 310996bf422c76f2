#!/bin/sh
# The viewer's Roots screen under tmux: the offline systems with their OS
# and what is wrong with them, select with Enter (marked *ro) and the
# fstab entries it could not mount listed with the agent's reason, a
# chrooted console with c, tools that need the root become available, u
# releases and unmounts everything, w selects read-write (*rw); at 80x24
# every column shows, and below that the viewer says what it needs.
. "$(dirname "$0")/lib.sh"

good=$T/good
bad=$T/bad
fake_root "$good" "Test Linux"
fake_root "$bad" "Test Linux"
rm "$bad/etc/shadow"
echo "inside-the-offline-system" >"$good/marker"
echo "UUID=1111aaaa-2222-bbbb-cccc-000000000000 /data ext4 defaults 0 2" \
    >>"$good/etc/fstab"

# /bin/sh and its libraries, for the chrooted console.
chroot_ok=0
copy_sh "$good" && chroot_ok=1

cat >"$T/tools.yaml" <<EOF2
tools:
  - name: look
    title: Look at the offline system
    command: [cat, "{root}"]
    needs_root: true
EOF2
cat >"$T/tetherd.yaml" <<EOF2
shell: /bin/sh
tools: [$T/tools.yaml]
roots:
  scan: false
  extra: [$good, $bad]
EOF2
start_agent -f "$T/tetherd.yaml"
$TETHER --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" get --root /marker \
    "$T/m0" </dev/null 2>"$T/m0.err"
check_eq "get --root with nothing selected fails" 1 $?
check_grep "and says why" \
    "^tether: no offline system is selected: roots select ID first$" \
    "$T/m0.err"

viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "connected" "key ✔ ticket"
keys Down Enter
check_screen "before a select, a root tool is unavailable" \
    "look: needs a selected root"
keys Escape Down Enter
check_screen "Roots lists the offline systems" \
    "extra1 *Test Linux 12 .* ok *$good"
check_screen "HEALTH says what is wrong, not only limited" \
    "extra2 *Test Linux 12 .* limited: etc/sha"
keys Down
check_screen "a limited root says what is wrong" "extra2: etc/shadow missing"
keys Up Enter
check_screen "Enter selects it, and says not all its fstab is mounted" \
    "selected extra1, but 1 fstab entry was not mounted: see below"
check_screen "the selection is marked read-only" "^.*│ \*ro extra1"
check_screen "the screen lists what was not mounted" \
    "Not mounted from its fstab:"
check_screen "with the agent's reason" \
    "/data UUID=1111aaaa-2222-bbbb-cccc-000000000000: skipped: device not found"

# The CLI's get and put reach the selected system with --root or root:.
CLI="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"
$CLI get --root /marker "$T/m1" </dev/null 2>"$T/m1.err"
check_eq "get --root /marker reads the selected system's file" \
    "inside-the-offline-system" "$(cat "$T/m1" 2>/dev/null)"
$CLI get root:etc/os-release "$T/m2" </dev/null 2>/dev/null
check_grep "and so does a root: prefix" 'NAME="Test Linux"' "$T/m2"
$CLI get /etc/hostname "$T/m3" </dev/null 2>/dev/null
check "without them, get reads the rescue system's file" \
    cmp -s /etc/hostname "$T/m3"
check "its /proc is mounted" \
    grep -q " $good/proc " /proc/self/mounts
keys Escape Up Enter
check_screen "the root tool is available now" "Enter runs it"
keys Escape

# Files opens the agent's side at the selected system's /, and says so.
keys Down Down Down Enter
check_screen "Files starts at the selected system" \
    "agent: the selected system (~ rescue system)"
check_screen "at its /" "$good *\$"
check_screen "listing its files" "marker  "
keys Tab '~'
check_screen "~ goes to the rescue system" "agent: the rescue system"
keys Escape Up Up Up

if [ $chroot_ok -eq 1 ]; then
	keys Up c
	check_screen "c opens a shell" "key matches ticket"
	shell_line 'read l </marker; echo "$l"'
	check_screen "the shell is inside the offline system" \
	    "inside-the-offline-system$"
	shell_line 'exit 3'
	check_screen "back at the menu when it ends" \
	    "the shell ended (exit status 3)"
	keys Down Down
else
	echo "# skip: no /bin/sh with libraries to copy for the chroot"
	keys Down
fi

keys Enter u
check_screen "u releases" "released extra1"
check "nothing stays mounted under the root" \
    eval "! grep -q ' $good/' /proc/self/mounts"
keys w
check_screen "w selects read-write, marked so" "^.*│ \*rw extra1"
keys u
check_screen "released again" "released extra1"
# Files follows the selection made or released after it was opened.
keys Escape Down Down Enter
check_screen "with nothing selected Files shows the rescue system" \
    "agent: the rescue system"
keys Escape Up Up Enter w
check_screen "selected again" "^.*│ \*rw extra1"
keys Escape Down Down Enter
check_screen "Files follows the later selection" \
    "agent: the selected system (~ rescue system)"
check_screen "to its /" "$good *\$"
keys Escape Up Up Enter u
check_screen "and released" "released extra1"

# 80x24 holds every column; a smaller terminal is told what is needed.
tmux -L "$TMUX_SOCK" resize-window -t viewer -x 80 -y 24
check_screen "at 80 columns the DEVICE column stays" \
    "ID  *SYSTEM  *SIZE HEALTH  *DEVICE"
check_screen "and the device with it" "extra1 .* ok  */tmp/"
tmux -L "$TMUX_SOCK" resize-window -t viewer -x 79 -y 24
check_screen "below 80x24 the viewer says what it needs" \
    "tether needs at least 80x24"
tmux -L "$TMUX_SOCK" resize-window -t viewer -x 120 -y 40
check_screen "and draws again when it has it" "Not mounted\|Roots"
keys Escape q
check_screen "q leaves" "disconnected"
stop_agent
finish
