#ifndef SINTER_DRIVERS_FBCON_H
#define SINTER_DRIVERS_FBCON_H
#include <stddef.h>
#include <stdbool.h>
#include "kernel/boot_info.h"
/* Text console on the GOP framebuffer with the embedded PSF font. */
bool fbcon_init(const struct framebuffer_info *fb);
void fbcon_write(const char *s, size_t n);
void fbcon_set_color(unsigned rgb);
/* The status page: the top n rows are drawn with fbcon_put_at and kept; the
 * log scrolls in the rows below. Clears the screen. False if it does not
 * fit (or there is no framebuffer). */
#include <stdint.h>
uint32_t fbcon_cols(void);
uint32_t fbcon_rows(void);
bool fbcon_reserve_top(uint32_t n);
void fbcon_put_at(uint32_t col, uint32_t row, const char *s);   /* clears the rest of the row */
#endif
