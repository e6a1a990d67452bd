/* Framebuffer text console (see fbcon.h). */
#include "drivers/fbcon.h"

#define GLYPH_W 8
#define GLYPH_H 16
#define GLYPH_COUNT 128
#define FG 0x00c0c0c0u
#define BG 0x00000000u
#define TAB_STOP 8
/* Text kept for scrolling; 4K (3840x2160) is 480x135 cells. A larger
 * screen uses its top-left MAX_COLS x MAX_ROWS cells. */
#define MAX_COLS 512
#define MAX_ROWS 192

extern const unsigned char fbcon_font[GLYPH_COUNT * GLYPH_H];

static struct fb_info fb;
static bool enabled;
static uint32_t cols, rows, cx, cy;
/* What each cell shows now; 0 = never drawn (black, like a space). */
static char text[MAX_ROWS][MAX_COLS];

bool fbcon_init(const struct fb_info *info)
{
	if (!info->base || (info->bpp != 32 && info->bpp != 24))
		return false;
	fb = *info;
	cols = MIN(fb.width / GLYPH_W, (uint32_t)MAX_COLS);
	rows = MIN(fb.height / GLYPH_H, (uint32_t)MAX_ROWS);
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

/* Draws c at a cell unless the cell already shows it: a blank never drawn
 * is black already. */
static void set_cell(uint32_t col, uint32_t row, char c)
{
	char *cell = &text[row][col];

	if (*cell == c || (c == ' ' && !*cell))
		return;
	draw_glyph(col, row, (unsigned char)c);
	*cell = c;
}

/* Moves every row up by one and blanks the last. Only the cells whose
 * character changes are redrawn (writes only: reading back a
 * write-combined framebuffer is slow on real hardware, and under TCG
 * copying the whole framebuffer per line is too). */
static void scroll(void)
{
	for (uint32_t r = 0; r + 1 < rows; r++)
		for (uint32_t c = 0; c < cols; c++)
			set_cell(c, r, text[r + 1][c] ? text[r + 1][c] : ' ');
	for (uint32_t c = 0; c < cols; c++)
		set_cell(c, rows - 1, ' ');
}

static void newline(void)
{
	cx = 0;
	if (cy + 1 < rows)
		cy++;
	else
		scroll();
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
			set_cell(cx, cy, c);
			cx++;
		}
		if (cx >= cols)
			newline();
	}
}
