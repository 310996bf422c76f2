#!/bin/sh
# Live view by tiles: "snapshot --tiles" over stock ssh sends the whole
# frame first, then only the rectangles that changed, a 16-byte header for
# an unchanged frame, and the whole frame again on 'r'; the viewer's live
# view composes them, and after each change to a fake framebuffer its
# frame is the framebuffer's, pixel by pixel.
. "$(dirname "$0")/lib.sh"

LIVEFB="python3 $top/tests/integ/livefb.py"
$LIVEFB init "$T"
# 200x150 at 32 bpp, 16 bytes of padding a line, panned by 2,1
cat >"$T/tetherd.yaml" <<EOF
snapshot:
  fake_fb:
    path: $T/live.raw
    width: 200
    height: 150
    bpp: 32
    stride: 824
    xoffset: 2
    yoffset: 1
    red: {offset: 16, length: 8}
    green: {offset: 8, length: 8}
    blue: {offset: 0, length: 8}
EOF
start_agent -f "$T/tetherd.yaml"

# shellcheck disable=SC2086
$LIVEFB stream "$T" -- sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" \
    tether@127.0.0.1 snapshot --tiles >"$T/stream" 2>&1
sed 's/^/# /' "$T/stream"
line() {
	sed -n "s/^$1 //p" "$T/stream"
}
check_eq "the first message is the whole frame" \
    "rects 1 reset 1 same" "$(line 'step -1' | sed 's/bytes [0-9]* //')"
check_eq "one changed pixel: one rectangle" \
    "rects 1 reset 0 same" "$(line 'step 0' | sed 's/bytes [0-9]* //')"
check_eq "a cursor block, then its removal: one rectangle each" \
    "rects 1 reset 0 same rects 1 reset 0 same" \
    "$(echo $(line 'step 1'; line 'step 2') | sed 's/bytes [0-9]* //g')"
check_eq "a block across a tile corner: four tiles in one rectangle" \
    "rects 1 reset 0 same" "$(line 'step 3' | sed 's/bytes [0-9]* //')"
check_eq "padding bytes only: a 16-byte message, nothing to draw" \
    "rects 0 bytes 16 reset 0 same" "$(line 'step 4')"
check_eq "a pixel in every tile, then a new picture: composed right" \
    "same same" "$(echo $(line 'step 5' | sed 's/.* //'; line 'step 6' | \
    sed 's/.* //'))"
check_eq "r sends the whole frame again" "rects 1 reset 1 full 1" \
    "$(line refresh)"
check_eq "the stream ends at stdin's end, status 0" "0 bytes status 0" \
    "$(line end)"

# Refusals, each with its status and message.
printf n | agent_ssh snapshot vc1 --tiles >/dev/null 2>"$T/err"
check_eq "--tiles on a text console: status 2" 2 $?
check_grep "and says why" "a text console has no tiles" "$T/err"
agent_ssh snapshot --tiles --hash </dev/null >/dev/null 2>"$T/err"
check_eq "--tiles with --hash: status 2" 2 $?
check_grep "and says why" "--tiles goes alone" "$T/err"
printf x | agent_ssh snapshot --tiles >"$T/out" 2>"$T/err"
check_eq "a request byte other than n or r: status 2" 2 $?
check_grep "and says which" "request 0x78 is not n or r" "$T/err"
check_eq "and sends nothing" 0 "$(wc -c <"$T/out")"
check_grep "the audit log says a tile stream was asked for" \
    "event=snapshot .* tiles=yes" "$AGENT_DIR/logs/audit.log"


# The viewer: live view composes the tiles; its frame (dumped after each
# message, from the buffer it draws) follows the framebuffer exactly.
$LIVEFB init "$T"
export TETHER_SNAPVIEW_DUMP="$T/view.ppm"
CONN="--ticket $TICKET --ip 127.0.0.1 --port $PORT"
viewer_start "$CONN snapshot"
check_screen "the view shows the frame" "200x150 zoom 1"
keys l
check_screen "l starts live view" "LIVE"
# same: wait up to 10 s for the viewer's frame to be the framebuffer's.
same() {
	n=100
	while [ $n -gt 0 ]; do
		out=$($LIVEFB same "$T" "$T/view.ppm")
		[ -z "$out" ] && break
		sleep 0.1
		n=$((n - 1))
	done
	echo "$out"
}
check_eq "the live view's first frame is the framebuffer's" "" "$(same)"
for n in 0 1 2 3 4 5 6; do
	$LIVEFB step "$T" $n
	check_eq "after change $n the viewer's frame is the framebuffer's" \
	    "" "$(same)"
done
check_screen "unchanged frames are counted, not drawn" "unchanged [1-9]" 50
frames() {
	screen | sed -n 's/.*frames \([0-9]*\),.*/\1/p'
}
before=$(frames)
rm -f "$T/view.ppm"
keys r
check_eq "r in live view: the whole frame again, the same" "" "$(same)"
check "and it counts as a frame" [ "$(frames)" -gt "$before" ]
keys l s
check_screen "s asks where to save" "save to \[snapshot-[0-9-]*\.png\]"
keys "$T/saved.png" Enter
check_screen "s saves" "saved $T/saved.png"
out=$(python3 "$top/tests/integ/pngcheck.py" "$T/saved.png" "$T/want.rgb" \
    200 150)
check_eq "what s saves after live view is the frame now" "" "$out"
keys q
check_screen "q leaves with status 0" "VIEWER-EXIT=0"

finish
