/* What the boot steps in kmain() share. */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H
#include "boot/multiboot2.h"
#include "drivers/acpi.h"
#include "lib/compiler.h"
#include "smp/smp.h"

struct boot_info {
	struct mb2_info mb;
	uint64_t mbi_phys;
	bool fb_console;
	bool uefi;              /* booted through UEFI (EFI system table tag) */
	unsigned nodes;
	uint64_t ready_ns;      /* kernel entry -> all CPUs online */
};

extern struct boot_info boot;

/* What ACPI said about the machine (boot/platform.c). */
struct platform {
	bool acpi;
	struct acpi_madt madt;
	struct acpi_numa numa;
	struct smp_boot_result smp;
	uint32_t skip_apic_id;   /* inject=smp-noap: an AP not started */
};
extern struct platform platform;

void __noreturn boot_fail(const char *what, const char *why);
/* Prints the banner: loader, firmware, CPU, memory map summary. */
void boot_banner(void);
/* console=: moves the serial console to the chosen COM port as soon as the
 * command line is known (a port without a UART: said, and the console
 * stays). */
void boot_console_option(void);
/* The options boot itself acts on, read where they are used (quiet: no
 * framebuffer console; halt / reboot: what happens after the verdict;
 * exit=: when the QEMU exit port is written). The runner validates the
 * whole line later. */
void boot_early_options(void);
/* ACPI tables, TSC frequency, CPUs (MADT + AP bring-up), NUMA nodes. */
void boot_platform_init(void);
/* What the experiment runner is handed (experiments/machine.h). */
struct machine;
void boot_describe(struct machine *m);
#endif
