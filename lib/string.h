/* Freestanding string and memory functions.
 * In the kernel lib/string.c provides them (GCC may emit calls to
 * memcpy/memset/memmove/memcmp on its own); in host builds (-DHOST) libc does,
 * so algorithm code includes this header in both worlds unchanged. */
#ifndef LIB_STRING_H
#define LIB_STRING_H
#include <stddef.h>
#ifdef HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);
#endif
#endif
