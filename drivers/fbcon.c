/* Framebuffer text console (see fbcon.h). */
#include "drivers/fbcon.h"

#define GLYPH_W 8
#define GLYPH_H 16
#define GLYPH_COUNT 128
#define FG 0x00c0c0c0u
#define BG 0x00000000u
#define TAB_STOP 8

extern const unsigned char fbcon_font[GLYPH_COUNT * GLYPH_H];

static struct fb_info fb;
static bool enabled;
static uint32_t cols, rows, cx, cy;

bool fbcon_init(const struct fb_info *info)
{
	if (!info->base || (info->bpp != 32 && info->bpp != 24))
		return false;
	fb = *info;
	cols = fb.width / GLYPH_W;
	rows = fb.height / GLYPH_H;
	enabled = cols && rows;
	return enabled;
}

static void put_pixel(uint32_t x, uint32_t y, uint32_t rgb)
{
	uint8_t *p = (uint8_t *)fb.base + (uint64_t)y * fb.pitch + x * (fb.bpp / 8);

	if (fb.bpp == 32) {
		*(volatile uint32_t *)p = rgb;
	} else {
		p[0] = rgb & 0xff;
		p[1] = (rgb >> 8) & 0xff;
		p[2] = (rgb >> 16) & 0xff;
	}
}

static void draw_glyph(uint32_t col, uint32_t row, unsigned char c)
{
	const unsigned char *g = &fbcon_font[(c < GLYPH_COUNT ? c : '?') * GLYPH_H];

	for (uint32_t y = 0; y < GLYPH_H; y++)
		for (uint32_t x = 0; x < GLYPH_W; x++)
			put_pixel(col * GLYPH_W + x, row * GLYPH_H + y,
				  (g[y] & (0x80 >> x)) ? FG : BG);
}

static void clear_row(uint32_t row)
{
	for (uint32_t c = 0; c < cols; c++)
		draw_glyph(c, row, ' ');
}

static void newline(void)
{
	cx = 0;
	cy = (cy + 1) % rows;
	clear_row(cy);
}

void fbcon_write(const char *s, size_t n)
{
	if (!enabled)
		return;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\n') {
			newline();
		} else if (c == '\r') {
			cx = 0;
		} else if (c == '\t') {
			cx = (cx + TAB_STOP) & ~(TAB_STOP - 1u);
		} else {
			draw_glyph(cx, cy, (unsigned char)c);
			cx++;
		}
		if (cx >= cols)
			newline();
	}
}
