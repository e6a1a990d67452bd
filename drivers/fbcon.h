/* Text console on a linear framebuffer (UEFI GOP or VESA via GRUB), for
 * machines without a serial port. 8x16 glyphs (GNU Unifont's ASCII subset as
 * shipped by grub-common, converted at build time). The last row is
 * always the newest: past the bottom the text scrolls up. A copy of the
 * text lets a scroll redraw only the cells that change, without reading the
 * framebuffer back. */
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
