#!/bin/sh
# The snapshot verb through stock ssh: a fake framebuffer (16 bpp, padded
# and panned) as a PNG whose pixels are compared, PPM, the hash and
# "unchanged" answers, a fake text console as txt and ansi, and errors.
. "$(dirname "$0")/lib.sh"

PNGCHECK="python3 $top/tests/integ/pngcheck.py"
FIX="python3 $top/tests/integ/snapfix.py"
$FIX fb "$T"
$FIX vc "$T"

cat >"$T/tetherd.yaml" <<EOF
audit:
  file: $T/audit.log
snapshot:
  fb: [/dev/fb0, $T/fb7]
  vc: [$T/vcsa3]
$(fake_fb)
  fake_vc:
    vcsa: $T/vcsa
    vcsu: $T/vcsu
EOF
start_agent -f "$T/tetherd.yaml"

# The framebuffer, as PNG.
agent_ssh snapshot >"$T/shot.png" 2>"$T/err"
check_eq "snapshot exits 0" 0 $?
check_eq "snapshot writes nothing on stderr" "" "$(cat "$T/err")"
check_eq "the default is a PNG" "89504e47" \
    "$(head -c 4 "$T/shot.png" | od -An -tx1 | tr -d ' \n')"
out=$($PNGCHECK "$T/shot.png" "$T/fb.rgb" 37 23)
check_eq "the PNG has the fake framebuffer's visible pixels" "" "$out"
agent_ssh snapshot fb0 --format png >"$T/shot2.png"
check "fb0 --format png is the same image" cmp -s "$T/shot.png" "$T/shot2.png"

# PPM: the header and the very same pixels.
agent_ssh snapshot fb0 --format ppm >"$T/shot.ppm"
check_eq "ppm has its header" "P6 37 23 255" \
    "$(head -c 13 "$T/shot.ppm" | tr '\n' ' ' | sed 's/ $//')"
tail -c +14 "$T/shot.ppm" >"$T/ppm.rgb"
check "ppm has the same pixels" cmp -s "$T/ppm.rgb" "$T/fb.rgb"

# The hash, and the cheap answer for a frame the client has.
agent_ssh snapshot --hash >"$T/h.png" 2>"$T/h.err"
hash=$(sed -n 's/^hash \([0-9a-f]\{16\}\)$/\1/p' "$T/h.err")
check "--hash says the hash on stderr" [ -n "$hash" ]
check "--hash still sends the image" cmp -s "$T/h.png" "$T/shot.png"
agent_ssh snapshot --unless "$hash" >"$T/u.png" 2>"$T/u.err"
check_eq "--unless the same hash exits 3" 3 $?
check_eq "--unless the same hash sends no image" 0 "$(wc -c <"$T/u.png")"
check_eq "--unless the same hash says unchanged" "unchanged $hash" \
    "$(cat "$T/u.err")"
agent_ssh snapshot --unless 0000000000000000 >"$T/u.png" 2>"$T/u.err"
check_eq "--unless another hash exits 0" 0 $?
check "--unless another hash sends the image" cmp -s "$T/u.png" "$T/shot.png"
check_eq "--unless another hash says the hash" "hash $hash" "$(cat "$T/u.err")"
# A visible pixel (line 6 of memory, x 4), then one left of the area.
printf '\377\377' | dd of="$T/fb.raw" bs=1 seek=$((6 * 100 + 4 * 2)) \
    conv=notrunc 2>/dev/null
agent_ssh snapshot --unless "$hash" >/dev/null 2>&1
check_eq "a changed pixel changes the hash" 0 $?
agent_ssh snapshot --hash >/dev/null 2>"$T/h2.err"
h2=$(sed -n 's/^hash //p' "$T/h2.err")
printf '\377\377' | dd of="$T/fb.raw" bs=1 seek=$((6 * 100)) conv=notrunc \
    2>/dev/null
agent_ssh snapshot --unless "$h2" >/dev/null 2>&1
check_eq "a change outside the visible area keeps the hash" 3 $?

# The text console.
printf 'h\303\251\n\342\226\210ok\n\n' >"$T/want.txt"
agent_ssh snapshot vc1 --format txt >"$T/vc.txt"
check "txt is the console's UTF-8 text" cmp -s "$T/vc.txt" "$T/want.txt"
E=$(printf '\033')
printf '%s\n' "${E}[0;37;40mh${E}[0;91;40mé${E}[0m" \
    "${E}[0;93;44m█${E}[0;37;40mo${E}[0;37;100mk${E}[0m" \
    "${E}[0;37;40m ${E}[0;37;40;7m ${E}[0m" >"$T/want.ansi"
agent_ssh snapshot --format txt >"$T/vc2.txt"
check "--format txt alone means vc1" cmp -s "$T/vc2.txt" "$T/want.txt"
agent_ssh snapshot vc1 >"$T/vc.ansi"
check "ansi: SGR colours, bright for bold and blink, cursor reversed" \
    cmp -s "$T/vc.ansi" "$T/want.ansi"

# Errors: each names the device and the reason.
cp "$T/vcsa.short" "$T/vcsa3"
agent_ssh snapshot vc3 --format txt >"$T/out" 2>"$T/err"
check_eq "a cut-short vcsa fails with status 1" 1 $?
check_grep "a cut-short vcsa says so" \
    "snapshot: $T/vcsa3: vcsa: cut short: 27 bytes, a 4x3 screen needs 28" \
    "$T/err"
agent_ssh snapshot fb7 >"$T/out" 2>"$T/err"
check_eq "a missing framebuffer fails with status 1" 1 $?
check_grep "a missing device is named with its errno" \
    "snapshot: $T/fb7: No such file or directory" "$T/err"
agent_ssh snapshot fb3 2>"$T/err"
check_grep "an unlisted device is refused" \
    "snapshot: fb3: not in snapshot.fb" "$T/err"
agent_ssh snapshot vc1 --format png 2>"$T/err"
check_eq "a text console as png is a usage error" 2 $?
agent_ssh snapshot sda1 2>"$T/err"
check_grep "a device that is not fbN or vcN is refused" \
    'snapshot: "sda1" is not fbN or vcN' "$T/err"
agent_ssh snapshot >/dev/null
check_eq "the agent still answers" 0 $?
check_grep "each snapshot is audited" \
    "event=snapshot session=[^ ]* device=vc1 format=txt" "$T/audit.log"

stop_agent

# No framebuffer at all: the default is vc1 as ansi.
cat >"$T/tetherd2.yaml" <<EOF
snapshot:
  fb: [$T/nofb0]
  fake_vc:
    vcsa: $T/vcsa
    vcsu: $T/vcsu
EOF
start_agent -f "$T/tetherd2.yaml"
agent_ssh snapshot >"$T/vc2.ansi"
check "without a framebuffer the default is vc1 as ansi" \
    cmp -s "$T/vc2.ansi" "$T/want.ansi"
stop_agent

# 8 bpp pseudocolour, few colours: a palette PNG, still the exact pixels.
$FIX grey "$T"
cat >"$T/tetherd3.yaml" <<EOF
snapshot:
  fake_fb: {path: $T/grey.raw, width: 13, height: 5, bpp: 8}
EOF
start_agent -f "$T/tetherd3.yaml"
agent_ssh snapshot >"$T/grey.png"
check_eq "few colours make a palette PNG (4 bits, colour type 3)" "04 03" \
    "$(od -An -tx1 -j 24 -N 2 "$T/grey.png" | sed 's/^ //')"
out=$($PNGCHECK "$T/grey.png" "$T/grey.rgb" 13 5)
check_eq "the palette PNG has the pixels" "" "$out"
stop_agent

# A large RGB frame: deflated in stripes, one an IDAT, on every CPU (at
# most 4); zlib alone must read them as one stream.
$FIX big "$T"
cat >"$T/tetherd4.yaml" <<EOF
snapshot:
  fake_fb:
    path: $T/big.raw
    width: 640
    height: 400
    bpp: 32
    red: {offset: 16, length: 8}
    green: {offset: 8, length: 8}
    blue: {offset: 0, length: 8}
EOF
start_agent -f "$T/tetherd4.yaml"
agent_ssh snapshot >"$T/big.png"
out=$($PNGCHECK "$T/big.png" "$T/big.rgb" 640 400)
check_eq "a large RGB frame has its exact pixels" "" "$out"
cpus=$(nproc)
if [ "$cpus" -gt 1 ]; then
	[ "$cpus" -gt 4 ] && cpus=4
	idats=$(python3 -c '
import struct, sys
d, i, n = open(sys.argv[1], "rb").read(), 8, 0
while i < len(d):
    n += d[i + 4:i + 8] == b"IDAT"
    i += 12 + struct.unpack(">I", d[i:i + 4])[0]
print(n)' "$T/big.png")
	check_eq "in one IDAT a stripe, one stripe a CPU" "$cpus" "$idats"
fi
stop_agent

finish
