/* isa-debug-exit (see qemu_exit.h). */
#include "drivers/qemu_exit.h"
#include "arch/x86_64/cpu.h"

#define DEBUG_EXIT_PORT 0xf4
#define CPUID_HYPERVISOR_BIT (1u << 31)   /* leaf 1, ECX */

static enum qemu_exit_mode mode = QEMU_EXIT_AUTO;

void qemu_exit_set_mode(enum qemu_exit_mode m)
{
	mode = m;
}

/* CPUID directly, not the cpu_features copy: a crash may leave before
 * cpu_features_detect() ran. */
bool qemu_exit_enabled(void)
{
	uint32_t r[4];

	if (mode != QEMU_EXIT_AUTO)
		return mode == QEMU_EXIT_PORT;
	cpuid_count(1, 0, r);
	return r[2] & CPUID_HYPERVISOR_BIT;
}

void qemu_exit(enum exit_code code)
{
	if (qemu_exit_enabled())
		outl(DEBUG_EXIT_PORT, code);
}
