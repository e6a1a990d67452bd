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

/* The APIC id fault injection asks the bring-up to skip, or UINT32_MAX. */
uint32_t run_opts_skip_apic_id(void);
/* The parsed command line written back in canonical form. */
const char *run_opts_canonical(void);

void __noreturn boot_fail(const char *what, const char *why);
/* Prints the banner: loader, firmware, CPU, memory map summary. */
void boot_banner(void);
/* Parses the command line into run_opts (experiments/run.h); exits with
 * status 3 and a message on bad input. */
void boot_parse_options(void);
/* ACPI tables, TSC frequency, CPUs (MADT + AP bring-up), NUMA nodes. */
void boot_platform_init(void);
/* Prints {"experiment":"boot",...}. */
void boot_report(void);
/* Runs the chosen experiments; returns 0 when all passed. */
int boot_run_experiments(void);
#endif
