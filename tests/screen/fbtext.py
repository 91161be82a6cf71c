#!/usr/bin/env python3
"""Reads the text sinter's framebuffer console drew, from a screen dump.

The console (drivers/console/fbcon.c) draws each character as one PSF glyph
cell on a grid from the top-left corner, foreground pixels where the glyph's
bits are set, background elsewhere. This decoder takes the same PSF font
file and accepts a cell only if every one of its pixels is exactly the
glyph's: foreground where the glyph has a bit, background where not. A
cell that matches no glyph is reported (as '\\x00' in the text and in the
list of bad cells), so text drawn with another font, scaled, or corrupted
never reads as text.

Formats: PSF1 and PSF2 as documented by the kbd project (psf.h); screen
dumps in binary PPM (P6), what QEMU's QMP screendump writes by default.
"""
import gzip
import struct
import sys

PSF1_MAGIC = b"\x36\x04"
PSF2_MAGIC = b"\x72\xb5\x4a\x86"


def load_psf(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:4] == PSF2_MAGIC:
        _, _, hdr, flags, count, size, height, width = struct.unpack_from("<4sIIIIIII", data)
        glyphs_at, has_table = hdr, flags & 1
        row_bytes = (width + 7) // 8
    elif data[:2] == PSF1_MAGIC:
        mode, size = data[2], data[3]
        count, width, height = (512 if mode & 1 else 256), 8, size
        glyphs_at, has_table, row_bytes = 4, mode & 2, 1
    else:
        raise ValueError(f"{path}: not a PSF font")
    glyphs = [data[glyphs_at + i * size: glyphs_at + (i + 1) * size] for i in range(count)]
    # Which glyph draws each ASCII character: the Unicode table when there
    # is one (first glyph listing the code point wins), else glyph = code.
    ascii_glyph = {}
    if has_table:
        pos = glyphs_at + count * size
        if data[:4] == PSF2_MAGIC:
            for g in range(count):
                end = data.index(b"\xff", pos)
                entry = data[pos:end]
                pos = end + 1
                # UTF-8 code points before the first 0xfe (sequences after it)
                for ch in entry.split(b"\xfe")[0].decode("utf-8", "replace"):
                    if ord(ch) < 128:
                        ascii_glyph.setdefault(ord(ch), g)
        else:
            for g in range(count):
                while True:
                    (u,) = struct.unpack_from("<H", data, pos)
                    pos += 2
                    if u == 0xFFFF:
                        break
                    if u < 128:
                        ascii_glyph.setdefault(u, g)
    else:
        ascii_glyph = {c: c for c in range(min(128, count))}
    # A cell's pixels as a bit string per row, for each printable character.
    patterns = {}
    for c in range(0x20, 0x7F):
        g = ascii_glyph.get(c)
        if g is None:
            continue
        rows = []
        for y in range(height):
            bits = glyphs[g][y * row_bytes:(y + 1) * row_bytes]
            rows.append(tuple((bits[x // 8] >> (7 - x % 8)) & 1 for x in range(width)))
        patterns.setdefault(tuple(rows), chr(c))   # first ASCII code wins (space vs. no-break space)
    return width, height, patterns


def load_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:          # magic, width, height, maxval; # comments allowed
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError(f"{path}: not an 8-bit binary PPM")
    w, h = int(fields[1]), int(fields[2])
    pix = data[pos + 1:pos + 1 + w * h * 3]
    if len(pix) != w * h * 3:
        raise ValueError(f"{path}: truncated")
    return w, h, pix


def decode(ppm_path, font_path, bg=(0, 0, 0)):
    """Returns (lines, bad_cells, colours): the text of every row with
    trailing blanks stripped, the (col, row) of cells that are no glyph, and
    the foreground colours seen."""
    fw, fh, patterns = load_psf(font_path)
    w, h, pix = load_ppm(ppm_path)
    cols, rows = w // fw, h // fh
    bgb = bytes(bg)
    blank_row = bgb * fw
    lines, bad, colours = [], [], set()
    for r in range(rows):
        text = []
        for c in range(cols):
            if all(pix[((r * fh + y) * w + c * fw) * 3:((r * fh + y) * w + c * fw) * 3 + fw * 3] == blank_row
                   for y in range(fh)):
                text.append(" ")          # all background: a blank cell (space draws as nothing)
                continue
            fg = None
            cell = []
            ok = True
            for y in range(fh):
                off = ((r * fh + y) * w + c * fw) * 3
                row = []
                for x in range(fw):
                    p = pix[off + x * 3: off + x * 3 + 3]
                    if p == bgb:
                        row.append(0)
                        continue
                    if fg is None:
                        fg = p
                    elif p != fg:         # a glyph has one colour: anything else is not text
                        ok = False
                    row.append(1)
                cell.append(tuple(row))
            ch = patterns.get(tuple(cell)) if ok else None
            if ch is None:
                bad.append((c, r))
                ch = "\x00"
            elif fg is not None:
                colours.add(fg)
            text.append(ch)
        lines.append("".join(text).rstrip(" "))
    return lines, bad, colours


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: fbtext.py screen.ppm font.psf")
    lines, bad, _ = decode(sys.argv[1], sys.argv[2])
    while lines and not lines[-1]:
        lines.pop()
    print("\n".join(lines))
    if bad:
        print(f"fbtext: {len(bad)} cells match no glyph, first at column {bad[0][0]} row {bad[0][1]}",
              file=sys.stderr)
        sys.exit(1)
