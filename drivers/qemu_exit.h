/* QEMU's isa-debug-exit device (iobase 0xf4): writing v makes QEMU exit
 * with status (v << 1) | 1. The kernel's contract: 1 = pass, 3 = fail;
 * anything else (0 = the guest reset, e.g. triple fault) = crash.
 *
 * Port 0xf4 is nobody's on a PC, but on bare metal an unknown chipset or
 * board device may sit there: the port is written only under a hypervisor
 * (CPUID.1:ECX bit 31) unless the command line's exit= says otherwise
 * (qemu_exit_set_mode). */
#ifndef DRIVERS_QEMU_EXIT_H
#define DRIVERS_QEMU_EXIT_H
#include "lib/compiler.h"

enum exit_code {
	EXIT_PASS = 0,   /* QEMU status 1 */
	EXIT_FAIL = 1,   /* QEMU status 3 */
	EXIT_CRASH = 2,  /* QEMU status 5 */
};

/* When the port is written (cmdline exit=auto|port|acpi). */
enum qemu_exit_mode {
	QEMU_EXIT_AUTO,   /* under a hypervisor (CPUID) */
	QEMU_EXIT_PORT,   /* always: an emulator that hides the hypervisor bit */
	QEMU_EXIT_NEVER,  /* never: test the bare-metal path under QEMU */
};

/* Leaves through isa-debug-exit; returns when the mode says not to write
 * the port or when the device is absent. */
void qemu_exit(enum exit_code code);
void qemu_exit_set_mode(enum qemu_exit_mode mode);
/* Whether qemu_exit() will write the port. */
bool qemu_exit_enabled(void);
#endif
