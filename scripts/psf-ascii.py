#!/usr/bin/env python3
"""Writes the printable-ASCII subset (0x20..0x7e) of a PSF1 or PSF2 console
font as a PSF2 font with a Unicode table. The kernel draws ASCII only
(drivers/console/psf.c maps codes below 128), so the image carries 95 glyphs
instead of the 256 of the Terminus font (the image target, docs/bench.md).
Formats: PSF1 and PSF2 as the Linux kbd project documents them."""
import struct
import sys

FIRST, LAST = 0x20, 0x7E


def glyph_table(data):
    """(glyph bitmaps, bytes per glyph, height, width, {code: glyph index})."""
    if data[:2] == b"\x36\x04":
        mode, height = data[2], data[3]
        count = 512 if mode & 1 else 256
        size, width, header = height, 8, 4
        glyphs = data[header:header + count * size]
        codes = {}
        if mode & 2:
            table, g, seq = data[header + count * size:], 0, False
            for i in range(0, len(table) - 1, 2):
                u = table[i] | table[i + 1] << 8
                if u == 0xFFFF:
                    g, seq = g + 1, False
                elif u == 0xFFFE:
                    seq = True
                elif not seq:
                    codes.setdefault(u, g)
        else:
            codes = {c: c for c in range(min(count, 128))}
        return glyphs, size, height, width, codes
    magic, _, header, flags, count, size, height, width = struct.unpack_from("<8I", data)
    if magic != 0x864AB572:
        sys.exit("psf-ascii: not a PSF1 or PSF2 font")
    glyphs = data[header:header + count * size]
    codes = {}
    if flags & 1:
        g, seq = 0, False
        for b in data[header + count * size:]:
            if b == 0xFF:
                g, seq = g + 1, False
            elif b == 0xFE:
                seq = True
            elif not seq and b < 0x80:
                codes.setdefault(b, g)
    else:
        codes = {c: c for c in range(min(count, 128))}
    return glyphs, size, height, width, codes


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: psf-ascii.py font.psf out.psf")
    data = open(sys.argv[1], "rb").read()
    glyphs, size, height, width, codes = glyph_table(data)
    missing = [c for c in range(FIRST, LAST + 1) if c not in codes]
    if missing:
        sys.exit("psf-ascii: the font has no glyph for %s" % ", ".join("0x%02x" % c for c in missing))
    n = LAST - FIRST + 1
    out = struct.pack("<8I", 0x864AB572, 0, 32, 1, n, size, height, width)
    out += b"".join(glyphs[codes[c] * size:(codes[c] + 1) * size] for c in range(FIRST, LAST + 1))
    out += b"".join(bytes([c, 0xFF]) for c in range(FIRST, LAST + 1))
    open(sys.argv[2], "wb").write(out)


main()
