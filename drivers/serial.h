/* 16550 UART on COM1 (polled, 115200 8N1). serial_init() returns false when
 * no UART answers (the loopback test fails), and output is then dropped. */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H
#include "lib/compiler.h"

bool serial_init(void);
void serial_write(const char *s, size_t n);
/* Waits (bounded) until the last byte has left the wire: before power-off. */
void serial_drain(void);
#endif
