/* PSF font parsing: the real console font, then corrupted headers that
 * must be refused rather than read past the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/host/check.h"
#include "drivers/console/psf.h"

static uint8_t *font;
static size_t font_len;

static void load(void)
{
    FILE *f = fopen("build/font.psf", "rb");
    if (!f)
        return;
    font = malloc(1 << 20);
    font_len = fread(font, 1, 1 << 20, f);
    fclose(f);
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
    load();
    RUN_TEST(test_real_font);
    RUN_TEST(test_truncated_and_bad);
    CHECK_MAIN_END();
}
