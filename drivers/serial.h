/* 16550 UART on one of the four standard PC COM ports (polled, 115200
 * 8N1). Output goes to one port at a time: COM1 from boot, another once the
 * command line's console= selected it. A port whose UART does not answer
 * the loopback test is never used: its output is dropped. */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H
#include "lib/compiler.h"

#define SERIAL_PORTS 4   /* ttyS0..ttyS3 = COM1..COM4 */

/* I/O base of ttyS<index> (0x3f8, 0x2f8, 0x3e8, 0x2e8); 0 past the end. */
uint16_t serial_port_base(unsigned index);
/* Programs and probes ttyS0 (COM1) and makes it the console port. Returns
 * whether a UART answered. */
bool serial_init(void);
/* Programs and probes ttyS<index>; if a UART answers, drains the current
 * port and makes this one the console port (true). Otherwise changes
 * nothing (false). */
bool serial_select(unsigned index);
/* Index of the console port (0 until serial_select moved it). */
unsigned serial_selected(void);
void serial_write(const char *s, size_t n);
/* Waits (bounded) until the last byte has left the wire of the console
 * port: before power-off or reset. */
void serial_drain(void);
#endif
