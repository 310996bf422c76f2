#!/usr/bin/env python3
# Fixtures for t-snapshot.sh. "fb DIR": a 16 bpp RGB565 fake framebuffer
# of 37x23 visible pixels, padded lines (stride 100) and panned (xoffset 3,
# yoffset 5), and the RGB the agent must make of it, scaled as
# (v * 255 + mask / 2) / mask. "vc DIR": a 4x3 vcsa/vcsu pair. "grey
# DIR": a 13x5 8 bpp fake of 6 grey levels. "big DIR": 640x400 at 32 bpp.
import os
import struct
import sys

W, H, STRIDE, XOFF, YOFF, VH = 37, 23, 100, 3, 5, 40


def scale(v, bits):
    mask = (1 << bits) - 1
    return (v * 255 + mask // 2) // mask


def fb(d):
    mem = bytearray(os.urandom(STRIDE * VH))
    rgb = bytearray()
    for y in range(H):
        for x in range(W):
            r, g, b = (x * 7 + y) % 32, (x * y + 3) % 64, (x + y * 5) % 32
            v = r << 11 | g << 5 | b
            at = (y + YOFF) * STRIDE + (x + XOFF) * 2
            mem[at:at + 2] = struct.pack("<H", v)
            rgb += bytes((scale(r, 5), scale(g, 6), scale(b, 5)))
    open(os.path.join(d, "fb.raw"), "wb").write(mem)
    open(os.path.join(d, "fb.rgb"), "wb").write(rgb)


def vc(d):
    rows, cols = 3, 4
    text = ["h\u00e9  ", "\u2588ok ", "    "]
    attrs = [[0x07, 0x0c, 0x07, 0x07], [0x1e, 0x07, 0x87, 0x07],
             [0x07, 0x07, 0x07, 0x07]]
    a = bytearray((rows, cols, 1, 2))
    u = bytearray()
    for y in range(rows):
        for x in range(cols):
            ch = ord(text[y][x])
            a += bytes((ch if ch < 128 else ord("?"), attrs[y][x]))
            u += struct.pack("<I", ch)
    open(os.path.join(d, "vcsa"), "wb").write(a)
    open(os.path.join(d, "vcsu"), "wb").write(u)
    open(os.path.join(d, "vcsa.short"), "wb").write(a[:-1])


def big(d):
    # 640x400 at 32 bpp (XRGB), thousands of colours: an RGB PNG, made in
    # stripes when the agent has more than one CPU.
    w, h = 640, 400
    mem = bytearray(w * h * 4)
    rgb = bytearray(w * h * 3)
    for y in range(h):
        for x in range(w):
            r, g, b = (x * 3 + y) & 255, (x ^ y) & 255, (x * y >> 4) & 255
            mem[(y * w + x) * 4:(y * w + x) * 4 + 4] = bytes((b, g, r, 0x5a))
            rgb[(y * w + x) * 3:(y * w + x) * 3 + 3] = bytes((r, g, b))
    open(os.path.join(d, "big.raw"), "wb").write(mem)
    open(os.path.join(d, "big.rgb"), "wb").write(rgb)


def grey(d):
    # 8 bpp with no bitfields: a grey ramp palette; 6 grey levels.
    mem = bytes((x + y) % 6 * 40 for y in range(5) for x in range(13))
    open(os.path.join(d, "grey.raw"), "wb").write(mem)
    open(os.path.join(d, "grey.rgb"), "wb").write(bytes(
        v for v in mem for _ in range(3)))


{"fb": fb, "vc": vc, "grey": grey, "big": big}[sys.argv[1]](sys.argv[2])
