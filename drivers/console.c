/* Console multiplexer and kprintf(). */
#include "drivers/console.h"
#include "lib/json.h"
#include "drivers/serial.h"
#include "drivers/fbcon.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define KPRINTF_BUF 1024

static struct spinlock console_spin = SPINLOCK_INIT;
static bool panicking;
static bool fb_on = true;

void console_lock(void)
{
	if (!panicking)
		spin_lock(&console_spin);
}

void console_unlock(void)
{
	if (!panicking)
		spin_unlock(&console_spin);
}

void console_panic_mode(void)
{
	panicking = true;
}

void console_set_fb(bool on)
{
	fb_on = on;
}

static void console_write_locked(const char *s, size_t n)
{
	serial_write(s, n);
	if (fb_on)
		fbcon_write(s, n);
}

void console_write(const char *s, size_t n)
{
	console_lock();
	console_write_locked(s, n);
	console_unlock();
}

int kvprintf(const char *fmt, va_list ap)
{
	char buf[KPRINTF_BUF];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void json_output(const char *s, size_t n)
{
	console_write(s, n);
}

void report_output(const char *line)
{
	console_lock();
	console_write_locked(line, strlen(line));
	console_write_locked("\n", 1);
	console_unlock();
}
