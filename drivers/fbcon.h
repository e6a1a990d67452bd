/* Text console on a linear framebuffer (UEFI GOP or VESA via GRUB), for
 * machines without a serial port. 8x16 glyphs (GNU Unifont's ASCII subset as
 * shipped by grub-common, converted at build time). Instead of scrolling,
 * output wraps to the top and clears the line ahead: scrolling copies the
 * whole framebuffer per line, which is slow under TCG and in a panic. */
#ifndef DRIVERS_FBCON_H
#define DRIVERS_FBCON_H
#include "lib/compiler.h"

struct fb_info {
	void *base;          /* mapped virtual address */
	uint32_t pitch, width, height, bpp;
};

/* Returns false (and stays disabled) for unsupported depths. */
bool fbcon_init(const struct fb_info *fb);
void fbcon_write(const char *s, size_t n);
#endif
