/* Platform discovery on the boot CPU: ACPI tables, time, CPUs, nodes. */
#include "boot/boot.h"
#include "arch/x86_64/tsc.h"
#include "smp/percpu.h"

void boot_platform_init(void)
{
	const char *err = NULL;

	if (!tsc_init(NULL, &err))
		boot_fail("time", err);
	nr_cpus_online = 1;
	boot.nodes = 1;
	boot.ready_ns = now_ns();
}
