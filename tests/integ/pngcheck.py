#!/usr/bin/env python3
# Decode a PNG with zlib alone (8-bit RGB, or a palette of 1 to 8 bits;
# every filter type) and compare its pixels with a raw RGB file:
# pngcheck.py FILE.png EXPECTED.rgb W H.
# Exit 0 if they are equal; otherwise say where they differ.
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def decode(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, ihdr, plte = 8, b"", None, None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if zlib.crc32(kind + body) != crc:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            plte = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if interlace != 0 or not ((ctype == 2 and depth == 8) or
                              (ctype == 3 and depth in (1, 2, 4, 8))):
        raise ValueError("not RGB or palette, non-interlaced: %r" % (ihdr,))
    if ctype == 3 and plte is None:
        raise ValueError("palette image without PLTE")
    raw = zlib.decompress(idat)
    stride = w * 3 if ctype == 2 else (w * depth + 7) // 8
    bpp = 3 if ctype == 2 else 1
    out = bytearray()
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                line[i] = (line[i] + paeth(a, b, c)) & 255
            elif f != 0:
                raise ValueError("filter %d on line %d" % (f, y))
        prev = line
        if ctype == 2:
            out += line
            continue
        for x in range(w):
            bit = x * depth
            v = line[bit // 8] >> (8 - depth - bit % 8) & ((1 << depth) - 1)
            out += plte[3 * v:3 * v + 3]
    return w, h, bytes(out)


def main():
    png = open(sys.argv[1], "rb").read()
    want = open(sys.argv[2], "rb").read()
    ww, wh = int(sys.argv[3]), int(sys.argv[4])
    try:
        w, h, got = decode(png)
    except (ValueError, zlib.error, struct.error, TypeError) as e:
        print("bad PNG: %s" % e)
        return 1
    if (w, h) != (ww, wh):
        print("size %dx%d, expected %dx%d" % (w, h, ww, wh))
        return 1
    for i in range(0, len(want), 3):
        if got[i:i + 3] != want[i:i + 3]:
            print("pixel (%d,%d) is %s, expected %s" % (i // 3 % w,
                  i // 3 // w, got[i:i + 3].hex(), want[i:i + 3].hex()))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
