/* Freestanding formatted output, shared by kernel and host builds.
 * Supports %d %i %u %x %X %o %c %s %p %% with flags '-', '0', width,
 * precision (for %s and integers) and the length modifiers hh h l ll z t j.
 * kvsnprintf always NUL-terminates when size > 0 and returns the length the
 * full output would have had (like C99 vsnprintf). */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H
#include <stdarg.h>
#include <stddef.h>
#include "lib/compiler.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* v / 10^decimals with that many decimals ("12.345"); returns buf. */
const char *kfmt_fixed(char *buf, size_t size, uint64_t v, unsigned decimals);

/* Kernel console output (all consoles), serialized across CPUs. */
int kprintf(const char *fmt, ...) __printf(1, 2);
int kvprintf(const char *fmt, va_list ap);
#endif
