/* The kernel console: every line goes to the serial port and, when there is
 * one, the framebuffer. console_write() is serialized across CPUs; a panic
 * takes the lock over with console_panic_mode() so it cannot deadlock. */
#ifndef DRIVERS_CONSOLE_H
#define DRIVERS_CONSOLE_H
#include "lib/compiler.h"

void console_write(const char *s, size_t n);
void console_lock(void);
void console_unlock(void);
void console_panic_mode(void);
/* Framebuffer output off (quiet runs): the serial log keeps everything. */
void console_set_fb(bool on);
#endif
