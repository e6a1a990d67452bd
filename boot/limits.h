/* What the machine description asks for that this kernel cannot do, said
 * on the console and counted for the boot line (boot/report.c): CPUs it
 * cannot start, NUMA entries it cannot hold, CPUs that answered too late.
 * Degraded but correct: the run goes on without them. */
#ifndef BOOT_LIMITS_H
#define BOOT_LIMITS_H
#include "drivers/acpi.h"

struct boot_limits {
	unsigned cpus_dropped;          /* listed enabled, not started */
	unsigned numa_entries_dropped;  /* SRAT entries past the kernel's arrays */
};

extern struct boot_limits boot_limits;

/* After lapic_init() on the boot CPU (the APIC mode decides which ids can
 * be started) and before the MADT's enabled CPUs are walked: disables the
 * CPUs that must not be started (acpi_madt_limit_cpus), says why, and
 * counts them and numa's dropped entries in boot_limits. */
void boot_limits_apply(struct acpi_madt *madt, const struct acpi_numa *numa);
#endif
