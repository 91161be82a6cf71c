#ifndef SINTER_DRIVERS_FBCON_H
#define SINTER_DRIVERS_FBCON_H
#include <stddef.h>
#include <stdbool.h>
#include "kernel/boot_info.h"
/* Text console on the GOP framebuffer with the embedded PSF font. */
bool fbcon_init(const struct framebuffer_info *fb);
void fbcon_write(const char *s, size_t n);
void fbcon_set_color(unsigned rgb);
#endif
