#include <string.h>
#include "drivers/console/psf.h"

#define PSF1_MAGIC0 0x36
#define PSF1_MAGIC1 0x04
#define PSF1_MODE512 0x01
#define PSF1_MODEHASTAB 0x02
#define PSF2_MAGIC 0x864ab572u
#define PSF2_HAS_UNICODE_TABLE 0x01

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void map_code(struct psf_font *f, uint32_t code, uint32_t glyph)
{
    if (code < 128 && f->ascii_glyph[code] == 0xffff)
        f->ascii_glyph[code] = (uint16_t)glyph;
}

/* PSF2 table: per glyph, UTF-8 strings; 0xFE starts a multi-code sequence
 * (ignored), 0xFF ends the glyph's entry. Only single-byte ASCII matters. */
static void psf2_table(struct psf_font *f, const uint8_t *p, const uint8_t *end)
{
    uint32_t glyph = 0;
    bool in_seq = false;
    while (p < end && glyph < f->count) {
        uint8_t b = *p++;
        if (b == 0xff) { glyph++; in_seq = false; continue; }
        if (b == 0xfe) { in_seq = true; continue; }
        if (!in_seq && b < 0x80)
            map_code(f, b, glyph);
    }
}

static void psf1_table(struct psf_font *f, const uint8_t *p, const uint8_t *end)
{
    uint32_t glyph = 0;
    bool in_seq = false;
    while (p + 2 <= end && glyph < f->count) {
        uint16_t u = (uint16_t)(p[0] | p[1] << 8);
        p += 2;
        if (u == 0xffff) { glyph++; in_seq = false; continue; }
        if (u == 0xfffe) { in_seq = true; continue; }
        if (!in_seq)
            map_code(f, u, glyph);
    }
}

bool psf_parse(struct psf_font *f, const uint8_t *data, size_t len)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 128; i++)
        f->ascii_glyph[i] = 0xffff;
    bool has_table;
    size_t header;
    if (len >= 4 && data[0] == PSF1_MAGIC0 && data[1] == PSF1_MAGIC1) {
        f->count = data[2] & PSF1_MODE512 ? 512 : 256;
        f->width = 8;
        f->height = data[3];
        header = 4;
        has_table = data[2] & PSF1_MODEHASTAB;
    } else if (len >= 32 && le32(data) == PSF2_MAGIC) {
        header = le32(data + 8);
        has_table = le32(data + 12) & PSF2_HAS_UNICODE_TABLE;
        f->count = le32(data + 16);
        f->height = le32(data + 24);
        f->width = le32(data + 28);
        if (le32(data + 20) != ((f->width + 7) / 8) * f->height)
            return false;
    } else {
        return false;
    }
    if (f->width == 0 || f->width > 32 || f->height == 0 || f->height > 64 || f->count == 0 ||
        f->count > 65535 || header > len)
        return false;
    f->bytes_per_row = (f->width + 7) / 8;
    f->bytes_per_glyph = f->bytes_per_row * f->height;
    if ((uint64_t)f->count * f->bytes_per_glyph > len - header)
        return false;
    f->glyphs = data + header;
    const uint8_t *table = f->glyphs + (size_t)f->count * f->bytes_per_glyph;
    if (has_table) {
        if (data[0] == PSF1_MAGIC0)
            psf1_table(f, table, data + len);
        else
            psf2_table(f, table, data + len);
    } else {
        for (uint32_t c = 0; c < 128 && c < f->count; c++)
            f->ascii_glyph[c] = (uint16_t)c;
    }
    /* Unmapped characters draw as '?' (or glyph 0 if even that is missing). */
    uint16_t fallback = f->ascii_glyph['?'] != 0xffff ? f->ascii_glyph['?'] : 0;
    for (int i = 0; i < 128; i++)
        if (f->ascii_glyph[i] == 0xffff)
            f->ascii_glyph[i] = fallback;
    return true;
}
