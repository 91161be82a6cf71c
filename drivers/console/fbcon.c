/* Text console on the linear framebuffer GOP left us. When the screen is
 * full it scrolls by a quarter screen at once: under TCG each scroll moves
 * megabytes, so doing it per line would make logging slow. */
#include <string.h>
#include "drivers/console/fbcon.h"
#include "drivers/console/psf.h"

extern const uint8_t font_psf[], font_psf_end[];

static struct psf_font font;
static volatile uint32_t *fbmem;
static uint32_t width, height, pitch, cols, rows, col, row;
static uint32_t top;   /* rows [0, top) belong to the status page; the log scrolls below */
static uint32_t fg = 0xc0c0c0, bg = 0x000000;
static uint32_t drawn_rows; /* rows [0, drawn_rows) may hold text (all of them after a scroll) */
static bool bgr;
static bool ready;

static uint32_t pixel(uint32_t rgb)
{
    if (bgr)
        return rgb; /* BGRX in memory = 0x00RRGGBB as a little-endian word */
    return (rgb & 0xff) << 16 | (rgb & 0xff00) | (rgb >> 16 & 0xff);
}

/* Pixels [from, to) in the background colour, two per store where the
 * range allows: under TCG a store costs the same whatever its width, and
 * one clear of a 1024x768 screen is 786,432 pixels. */
static void fill_bg(size_t from, size_t to)
{
    uint32_t pix = pixel(bg);
    size_t i = from;
    if ((i & 1) && i < to)
        fbmem[i++] = pix;
    volatile uint64_t *two = (volatile uint64_t *)(fbmem + i);  /* 8-aligned: the base is page-aligned */
    size_t pairs = (to - i) / 2;
    uint64_t both = (uint64_t)pix << 32 | pix;
    for (size_t k = 0; k < pairs; k++)
        two[k] = both;
    i += pairs * 2;
    if (i < to)
        fbmem[i] = pix;
}

bool fbcon_init(const struct framebuffer_info *fb)
{
    if (!fb->base || !psf_parse(&font, font_psf, (size_t)(font_psf_end - font_psf)))
        return false;
    fbmem = (volatile uint32_t *)fb->base;
    width = fb->width;
    height = fb->height;
    pitch = fb->pitch_pixels;
    bgr = fb->format == 1;
    cols = width / font.width;
    rows = height / font.height;
    if (!cols || !rows)
        return false;
    /* Whatever the firmware left goes, pitch padding included. */
    fill_bg(0, (size_t)height * pitch);
    drawn_rows = 0;
    ready = true;
    return true;
}

void fbcon_set_color(unsigned rgb)
{
    fg = rgb;
}

static void draw(uint32_t c, uint32_t r, char ch)
{
    const uint8_t *g = font.glyphs + (size_t)font.ascii_glyph[(unsigned char)ch & 0x7f] * font.bytes_per_glyph;
    uint32_t on = pixel(fg), off = pixel(bg);
    for (uint32_t y = 0; y < font.height; y++) {
        volatile uint32_t *dst = fbmem + (size_t)(r * font.height + y) * pitch + c * font.width;
        const uint8_t *bits = g + y * font.bytes_per_row;
        for (uint32_t x = 0; x < font.width; x++)
            dst[x] = (bits[x / 8] & (0x80 >> (x % 8))) ? on : off;
    }
}

static void scroll(void)
{
    uint32_t span = rows - top;
    uint32_t by = span / 4 ? span / 4 : 1;
    size_t line = (size_t)pitch * font.height;
    memmove((void *)(fbmem + top * line), (const void *)(fbmem + (top + by) * line), (span - by) * line * 4);
    fill_bg((rows - by) * line, rows * line);
    row -= by;
    drawn_rows = rows;
}

static void clear_rows(uint32_t from, uint32_t to)
{
    fill_bg((size_t)from * font.height * pitch, (size_t)to * font.height * pitch);
}

uint32_t fbcon_cols(void) { return ready ? cols : 0; }
uint32_t fbcon_rows(void) { return ready ? rows : 0; }

bool fbcon_reserve_top(uint32_t n)
{
    if (!ready || n + 4 > rows)
        return false;
    top = n;
    /* Only rows text was drawn on: the rest are still clear from init. */
    clear_rows(0, drawn_rows);
    drawn_rows = 0;
    col = 0;
    row = top;
    return true;
}

void fbcon_put_at(uint32_t c, uint32_t r, const char *s)
{
    if (!ready || r >= top)
        return;
    if (r >= drawn_rows)
        drawn_rows = r + 1;
    for (; *s && c < cols; s++)
        draw(c++, r, *s);
    for (; c < cols; c++)
        draw(c, r, ' ');   /* the rest of the row: no stale text from a longer line */
}

void fbcon_write(const char *s, size_t n)
{
    if (!ready)
        return;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\n' || col >= cols) {
            col = 0;
            if (++row >= rows)
                scroll();
            if (ch == '\n')
                continue;
        }
        if (ch == '\r') {
            col = 0;
            continue;
        }
        if (ch == '\b') {          /* the console's line editor moves left with it */
            if (col > 0)
                col--;
            continue;
        }
        if ((unsigned char)ch < 0x20)
            continue;
        if (row >= drawn_rows)
            drawn_rows = row + 1;
        draw(col++, row, ch);
    }
}
