#!/bin/sh
# The viewer's snapshot command: -o FILE saves the agent's PNG; on a
# terminal it shows the frame in upper-half blocks with 256 colours (or
# direct colour), live view skips unchanged frames, s saves, and a text
# console shows as text.
. "$(dirname "$0")/lib.sh"

PNGCHECK="python3 $top/tests/integ/pngcheck.py"
python3 "$top/tests/integ/snapfix.py" vc "$T"

cat >"$T/tetherd.yaml" <<EOF
snapshot:
$(fake_fb)
  fake_vc:
    vcsa: $T/vcsa
    vcsu: $T/vcsu
EOF
start_agent -f "$T/tetherd.yaml"
CONN="--ticket $TICKET --ip 127.0.0.1 --port $PORT"

# shellcheck disable=SC2086
"$TETHER" $CONN snapshot -o "$T/out.png" 2>"$T/err"
check_eq "snapshot -o exits 0" 0 $?
check_eq "snapshot -o says nothing" "" "$(cat "$T/err")"
out=$($PNGCHECK "$T/out.png" "$T/fb.rgb" 37 23)
check_eq "the saved PNG has the framebuffer's pixels" "" "$out"
# shellcheck disable=SC2086
"$TETHER" $CONN snapshot vc1 --format txt -o "$T/out.txt"
printf 'h\303\251\n\342\226\210ok\n\n' >"$T/want.txt"
check "snapshot vc1 --format txt -o saves the text" \
    cmp -s "$T/out.txt" "$T/want.txt"
# shellcheck disable=SC2086
"$TETHER" $CONN snapshot fb9 -o "$T/none.png" 2>"$T/err"
check_eq "a refused device passes the agent's status" 1 $?
check_grep "and its message" "snapshot: fb9: not in snapshot.fb" "$T/err"
check "and saves nothing" [ ! -e "$T/none.png" ]

# Full screen: half blocks in 256 colours.
viewer_start "$CONN snapshot"
check_screen "the view shows the frame's size" "37x23 zoom 1"
tmux -L "$TMUX_SOCK" capture-pane -e -p -t viewer >"$T/pane"
check_grep "the pane holds upper-half blocks" "▀" "$T/pane"
check_grep "with 256-colour foreground and background" \
    "38;5;[0-9]*.*48;5;[0-9]*\|48;5;[0-9]*.*38;5;[0-9]*" "$T/pane"
keys l
check_screen "l starts live view" "LIVE"
check_screen "live view skips unchanged frames" "unchanged [1-9]" 50
keys +
check_screen "+ zooms in" "zoom 2"
keys Right Down -
check_screen "- zooms out" "zoom 1"
# Saving is one prompt, in live view as out of it; Esc and Ctrl-C cancel.
keys s
check_screen "in live view s asks where to save" \
    "save to \[snapshot-[0-9-]*\.png\] (Esc cancels)"
keys Escape
check_screen "Esc cancels it" "not saved"
keys s "$T/live.png" Enter
check_screen "the path typed in live view is where it saves" \
    "saved $T/live.png"
check "the live save is a PNG of the frame" \
    eval "[ -z \"\$($PNGCHECK '$T/live.png' '$T/fb.rgb' 37 23)\" ]"
keys l s
check_screen "s asks where to save" "save to \[snapshot-[0-9-]*\.png\]"
keys C-c
check_screen "Ctrl-C cancels it" "not saved"
keys s "$T/saved.png" Enter
check_screen "s saves" "saved $T/saved.png"
out=$($PNGCHECK "$T/saved.png" "$T/fb.rgb" 37 23)
check_eq "the saved frame has the pixels" "" "$out"
keys q
check_screen "q leaves with status 0" "VIEWER-EXIT=0"

# A terminal with direct colour: at zoom 1 the whole frame is on screen,
# and the cells' colours, as tmux keeps them, are its pixels exactly.
VIEWER_TERM=xterm-direct viewer_start "$CONN snapshot"
check_screen "direct colour: the view is up" "37x23 zoom 1"
tmux -L "$TMUX_SOCK" capture-pane -e -p -t viewer >"$T/pane"
grep -o '[34]8;2;[0-9]*;[0-9]*;[0-9]*' "$T/pane" | cut -d';' -f3- |
    sort -u >"$T/cells"
python3 -c '
import sys
rgb = open(sys.argv[1], "rb").read()
for i in range(0, len(rgb), 3):
    print("%d;%d;%d" % tuple(rgb[i:i + 3]))' "$T/fb.rgb" | sort -u >"$T/pixels"
echo "#   $(wc -l <"$T/cells") colours in the cells, $(wc -l <"$T/pixels") in the frame"
check "direct colour: the cells show every colour of the frame, no other" \
    cmp -s "$T/cells" "$T/pixels"
keys q
check_screen "q leaves the direct-colour view" "VIEWER-EXIT=0"

# A text console as its text, in colour.
viewer_start "$CONN snapshot vc1"
check_screen "a text console shows its text" "█ok"
tmux -L "$TMUX_SOCK" capture-pane -e -p -t viewer >"$T/pane"
check_grep "in its colours" "44m" "$T/pane"
keys q
check_screen "q leaves the text view" "VIEWER-EXIT=0"

stop_agent
finish
