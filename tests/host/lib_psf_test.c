/* PSF font parsing: the real console font, then corrupted headers that
 * must be refused rather than read past the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/check.h"
#include "drivers/console/psf.h"

static uint8_t *font, *ascii_font;
static size_t font_len, ascii_font_len;

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *p = malloc(1 << 20);
    *len = fread(p, 1, 1 << 20, f);
    fclose(f);
    return p;
}

static void test_real_font(void)
{
    struct psf_font p;
    CHECK(font != NULL);
    if (!font)
        return;
    CHECK(psf_parse(&p, font, font_len));
    CHECK_EQ(p.width, 8);
    CHECK_EQ(p.height, 16);
    /* 'A' and 'B' map to different glyphs, and 'A' is not blank. */
    CHECK(p.ascii_glyph['A'] != p.ascii_glyph['B']);
    const uint8_t *g = p.glyphs + p.ascii_glyph['A'] * p.bytes_per_glyph;
    int ink = 0;
    for (uint32_t i = 0; i < p.bytes_per_glyph; i++)
        ink += g[i] != 0;
    CHECK(ink > 4);
}

/* The image's font (scripts/psf-ascii.py) draws every printable character
 * exactly as the full console font does, and anything else as '?'. */
static void test_ascii_subset_matches(void)
{
    struct psf_font full, sub;
    CHECK(font != NULL && ascii_font != NULL);
    if (!font || !ascii_font)
        return;
    CHECK(psf_parse(&full, font, font_len));
    CHECK(psf_parse(&sub, ascii_font, ascii_font_len));
    CHECK_EQ(sub.count, 95);
    CHECK_EQ(sub.bytes_per_glyph, full.bytes_per_glyph);
    for (int c = 0x20; c < 0x7f; c++)
        CHECK(memcmp(sub.glyphs + sub.ascii_glyph[c] * sub.bytes_per_glyph,
                     full.glyphs + full.ascii_glyph[c] * full.bytes_per_glyph, full.bytes_per_glyph) == 0);
    CHECK_EQ(sub.ascii_glyph['\n'], sub.ascii_glyph['?']);
}

static void test_truncated_and_bad(void)
{
    struct psf_font p;
    if (!font)
        return;
    CHECK(!psf_parse(&p, font, 31));
    CHECK(!psf_parse(&p, font, font_len / 2 > 64 ? 64 : font_len / 2));
    uint8_t *copy = malloc(font_len);
    memcpy(copy, font, font_len);
    if (copy[0] == 0x36) {
        /* PSF1: claim 512 glyphs in a file cut after 256 of them. */
        copy[2] = 0x01;
        CHECK(!psf_parse(&p, copy, 4 + 256 * (size_t)copy[3]));
        copy[3] = 200; /* absurd height */
        CHECK(!psf_parse(&p, copy, font_len));
    } else {
        copy[16] = 0xff; copy[17] = 0xff; copy[18] = 0xff; copy[19] = 0x7f; /* huge glyph count */
        CHECK(!psf_parse(&p, copy, font_len));
    }
    uint8_t zero[40] = { 0 };
    CHECK(!psf_parse(&p, zero, sizeof zero));
    free(copy);
}

int main(void)
{
    font = load("build/font.psf", &font_len);
    ascii_font = load("build/font-ascii.psf", &ascii_font_len);
    RUN_TEST(test_real_font);
    RUN_TEST(test_ascii_subset_matches);
    RUN_TEST(test_truncated_and_bad);
    CHECK_MAIN_END();
}
