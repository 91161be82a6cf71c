/* PC Screen Font (PSF1 and PSF2) parsing: glyph geometry and the Unicode
 * table, reduced to what a text console needs, an ASCII -> glyph map.
 * Formats as documented by the kbd project (psf.h / psffontop). */
#ifndef SINTER_DRIVERS_PSF_H
#define SINTER_DRIVERS_PSF_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct psf_font {
    const uint8_t *glyphs;
    uint32_t count, width, height, bytes_per_row, bytes_per_glyph;
    uint16_t ascii_glyph[128];
};

/* Validates every size against len before use; false for a bad font. */
bool psf_parse(struct psf_font *f, const uint8_t *data, size_t len);

#endif
