#!/usr/bin/env python3
# A fake framebuffer that changes step by step, for live view by tiles
# (t-snaplive.sh), and a reader of the agent's tile stream:
#   livefb.py init DIR            DIR/live.raw (32 bpp, padded lines) and
#                                 DIR/want.rgb, what it shows
#   livefb.py step DIR N          change N, in place; want.rgb again
#   livefb.py same DIR FILE.ppm   "" if FILE shows want.rgb, else where not
#   livefb.py stream DIR -- CMD   run CMD (ssh ... snapshot --tiles); for
#                                 each step, ask 'n', compose, compare
# The layout is the one t-snaplive.sh gives the agent.
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
W, H, XOFF, YOFF = 200, 150, 2, 1
STRIDE = (W + XOFF) * 4 + 16        # 16 bytes of padding a line
STEPS = 7


def offset(x, y):
    return (y + YOFF) * STRIDE + (x + XOFF) * 4


def put(mem, x, y, rgb):
    r, g, b = rgb
    mem[offset(x, y):offset(x, y) + 4] = bytes((b, g, r, 0))


def rgb_of(mem):
    out = bytearray()
    for y in range(H):
        for x in range(W):
            b, g, r, _ = mem[offset(x, y):offset(x, y) + 4]
            out += bytes((r, g, b))
    return bytes(out)


def pattern(mem, seed):
    for y in range(H):
        for x in range(W):
            put(mem, x, y, ((x * 5 + seed) & 255, (y * 7) & 255,
                            (x ^ y ^ seed) & 255))


def block(mem, x0, y0, w, h, rgb):
    for y in range(y0, y0 + h):
        for x in range(x0, x0 + w):
            put(mem, x, y, rgb)


def change(mem, n):
    if n == 0:          # one pixel
        put(mem, 70, 10, (255, 255, 255))
    elif n == 1:        # a 16x32 cursor block
        block(mem, 130, 100, 16, 32, (250, 250, 250))
    elif n == 2:        # the cursor goes: the same tiles again
        block(mem, 130, 100, 16, 32, (0, 0, 0))
    elif n == 3:        # across a tile corner: four tiles
        block(mem, 60, 60, 10, 10, (1, 2, 3))
    elif n == 4:        # only the padding of a line: nothing to show
        mem[offset(W - 1, 5) + 4:offset(W - 1, 5) + 20] = b"\xab" * 16
    elif n == 5:        # a pixel in every tile: many rectangles
        for ty in range(0, H, 64):
            for tx in range(0, W, 64):
                put(mem, tx + 3, ty + 5, (9, 99, 199))
    else:               # everything
        pattern(mem, 77)


def init(d):
    mem = bytearray(STRIDE * (H + YOFF + 1))
    pattern(mem, 0)
    save(d, mem)


def save(d, mem):
    with open(os.path.join(d, "live.raw"), "r+b" if os.path.exists(
            os.path.join(d, "live.raw")) else "wb") as f:
        f.write(mem)
    with open(os.path.join(d, "want.rgb.tmp"), "wb") as f:
        f.write(rgb_of(mem))
    os.rename(os.path.join(d, "want.rgb.tmp"), os.path.join(d, "want.rgb"))


def step(d, n):
    with open(os.path.join(d, "live.raw"), "rb") as f:
        mem = bytearray(f.read())
    change(mem, n)
    save(d, mem)


def differ(got, want, w):
    if len(got) != len(want):
        return "%d bytes, expected %d" % (len(got), len(want))
    for i in range(0, len(want), 3):
        if got[i:i + 3] != want[i:i + 3]:
            return "pixel (%d,%d) is %s, expected %s" % (
                i // 3 % w, i // 3 // w, got[i:i + 3].hex(),
                want[i:i + 3].hex())
    return ""


def same(d, path):
    want = open(os.path.join(d, "want.rgb"), "rb").read()
    try:
        data = open(path, "rb").read()
    except OSError as e:
        return str(e)
    head = b"P6\n%d %d\n255\n" % (W, H)
    if not data.startswith(head):
        return "not a %dx%d PPM: %r" % (W, H, data[:16])
    return differ(data[len(head):], want, W)


def read_exact(f, n):
    b = b""
    while len(b) < n:
        c = f.read(n - len(b))
        if not c:
            raise EOFError("stream ended after %d of %d bytes" % (len(b), n))
        b += c
    return b


def message(f):
    """One message: (reset, width, height, [(x, y, w, h, png)], size)."""
    head = read_exact(f, 16)
    magic, w, h, n, flags, zero, rest = struct.unpack(">4sHHHBBI", head)
    if magic != b"TTV1" or zero != 0:
        raise ValueError("bad header %r" % head)
    body = read_exact(f, rest)
    rects, pos = [], 0
    for _ in range(n):
        x, y, rw, rh, ln = struct.unpack(">HHHHI", body[pos:pos + 12])
        rects.append((x, y, rw, rh, body[pos + 12:pos + 12 + ln]))
        pos += 12 + ln
    if pos != rest:
        raise ValueError("%d bytes of rectangles, header says %d" % (pos,
                                                                    rest))
    return flags & 1, w, h, rects, 16 + rest


def compose(canvas, w, rects):
    import pngcheck
    for x, y, rw, rh, png in rects:
        pw, ph, rgb = pngcheck.decode(png)
        if (pw, ph) != (rw, rh):
            raise ValueError("PNG %dx%d for a %dx%d rectangle" % (pw, ph,
                                                                 rw, rh))
        for row in range(rh):
            at = ((y + row) * w + x) * 3
            canvas[at:at + rw * 3] = rgb[row * rw * 3:(row + 1) * rw * 3]


def stream(d, cmd):
    """Print one line a step: step rects bytes reset verdict."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    canvas = None
    for n in range(-1, STEPS):
        if n >= 0:
            step(d, n)
        p.stdin.write(b"n")
        p.stdin.flush()
        reset, w, h, rects, size = message(p.stdout)
        if reset:
            canvas = bytearray(w * h * 3)
        compose(canvas, w, rects)
        want = open(os.path.join(d, "want.rgb"), "rb").read()
        print("step %d rects %d bytes %d reset %d %s" % (
            n, len(rects), size, reset,
            differ(bytes(canvas), want, w) or "same"))
    p.stdin.write(b"r")
    p.stdin.flush()
    reset, w, h, rects, size = message(p.stdout)
    print("refresh rects %d reset %d full %d" % (
        len(rects), reset, rects == [] or rects[0][:4] == (0, 0, W, H)))
    p.stdin.close()
    rest = p.stdout.read()
    print("end %d bytes status %d" % (len(rest), p.wait()))


def main():
    if sys.argv[1] == "init":
        init(sys.argv[2])
    elif sys.argv[1] == "step":
        step(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "same":
        print(same(sys.argv[2], sys.argv[3]))
    elif sys.argv[1] == "stream":
        stream(sys.argv[2], sys.argv[4:])
    return 0


sys.exit(main())
