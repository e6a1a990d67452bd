/* QEMU's isa-debug-exit device (iobase 0xf4): writing v makes QEMU exit
 * with status (v << 1) | 1. The kernel's contract: 1 = pass, 3 = fail;
 * anything else (0 = the guest reset, e.g. triple fault) = crash. */
#ifndef DRIVERS_QEMU_EXIT_H
#define DRIVERS_QEMU_EXIT_H
#include "lib/compiler.h"

enum exit_code {
	EXIT_PASS = 0,   /* QEMU status 1 */
	EXIT_FAIL = 1,   /* QEMU status 3 */
	EXIT_CRASH = 2,  /* QEMU status 5 */
};

/* Leaves through isa-debug-exit; returns only when not under QEMU (or the
 * device is absent). */
void qemu_exit(enum exit_code code);
#endif
