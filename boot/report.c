/* The boot banner, the options boot acts on itself, and the machine
 * description handed to the experiment runner. */
#include "boot/boot.h"
#include "boot/limits.h"
#include "boot/memory.h"
#include "arch/x86_64/apic.h"
#include "drivers/console.h"
#include "drivers/power.h"
#include "drivers/serial.h"
#include "lib/cmdline.h"
#include "experiments/machine.h"
#include "lib/cmdline_scan.h"
#include "smp/smp.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "mm/memblock.h"
#include "smp/ap_boot.h"
#include "smp/percpu.h"

void boot_banner(void)
{
	kprintf("parinit: booted by %s (%s), command line '%s'\n",
		boot.mb.loader_name ? boot.mb.loader_name : "unknown loader",
		boot.mb.has_efi64_systab ? "UEFI" : "BIOS",
		boot.mb.cmdline ? boot.mb.cmdline : "");
	kprintf("parinit: CPU %s %s, family %u model %u%s%s%s%s\n", cpu.vendor,
		cpu.brand, cpu.family, cpu.model, cpu.pdpe1gb ? ", 1G pages" : "",
		cpu.avx2 ? ", AVX2" : "", cpu.erms ? ", ERMS" : "",
		cpu.x2apic ? ", x2APIC" : "");
	kprintf("parinit: memory from %s: %lu MiB usable in %u ranges, RAM ends at %#lx\n",
		boot_mem.source, boot_mem.ram_bytes / MiB, boot_mem.ranges,
		boot_mem.ram_end);
	if (boot.mb.has_fb)
		kprintf("parinit: framebuffer %ux%u, %u bpp, type %u at %#lx%s\n",
			boot.mb.fb.width, boot.mb.fb.height, boot.mb.fb.bpp,
			boot.mb.fb.type, boot.mb.fb.addr,
			boot.fb_console ? ", text console on it" : "");
}

/* Index of the cmdline_scan choice of key among choices, or dflt. */
static unsigned scan_choice(const char *key, const char *const *choices,
			    unsigned dflt)
{
	for (unsigned i = 0; choices[i]; i++)
		if (cmdline_scan_has(boot.mb.cmdline, key, choices[i]))
			return i;
	return dflt;
}

void boot_console_option(void)
{
	unsigned want = scan_choice("console", cmdline_consoles, 0);
	unsigned from = serial_selected();

	if (want == from)
		return;
	kprintf("parinit: console moves to %s (port %#x)\n",
		cmdline_consoles[want], serial_port_base(want));
	if (serial_select(want))
		kprintf("parinit: console on %s (port %#x), was %s\n",
			cmdline_consoles[want], serial_port_base(want),
			cmdline_consoles[from]);
	else
		kprintf("parinit: console=%s: no UART answers at port %#x; "
			"the console stays on %s\n", cmdline_consoles[want],
			serial_port_base(want), cmdline_consoles[from]);
}

void boot_early_options(void)
{
	bool halt = cmdline_scan_has(boot.mb.cmdline, "halt", NULL);
	bool reboot = cmdline_scan_has(boot.mb.cmdline, "reboot", NULL);

	/* Both given: the runner rejects the line (status 3); halting keeps
	 * that message on the screen. */
	power_set_after(halt ? POWER_HALT : reboot ? POWER_REBOOT : POWER_OFF);
	qemu_exit_set_mode((enum qemu_exit_mode)
			   scan_choice("exit", cmdline_exits, QEMU_EXIT_AUTO));
	if (cmdline_scan_has(boot.mb.cmdline, "quiet", NULL))
		console_set_fb(false);
}

/* The build's source commit (git describe, from the Makefile). */
#ifndef PARINIT_BUILD_ID
#define PARINIT_BUILD_ID "not-from-git"
#endif

void boot_describe(struct machine *m)
{
	*m = (struct machine){
		.cmdline = boot.mb.cmdline ? boot.mb.cmdline : "",
		.build_id = PARINIT_BUILD_ID,
		.firmware = boot.mb.has_efi64_systab ? "uefi" : "bios",
		.loader = boot.mb.loader_name ? boot.mb.loader_name : "",
		.memory_map = boot_mem.source,
		.cpu_vendor = cpu.vendor, .cpu_brand = cpu.brand,
		.cpus = nr_cpus_online,
		.cpus_requested = platform.smp.requested,
		.cpus_failed = platform.smp.failed,
		.nodes = boot.nodes ? boot.nodes : 1,
		.ram_bytes = boot_mem.ram_bytes,
		.usable_bytes = memblock_free_bytes(),
		.tsc_hz = tsc_hz, .tsc_source = tsc_source_name(),
		.tsc_invariant = cpu.invariant_tsc,
		.ready_ns = boot.ready_ns, .ap_boot_ns = platform.smp.ns,
		.acpi = platform.acpi, .x2apic = lapic_x2apic_mode(),
		.fb_console = boot.fb_console, .pdpe1gb = cpu.pdpe1gb,
		.avx2 = cpu.avx2, .nx = pte_nx != 0,
		.ram_dropped_bytes = boot_mem.ram_dropped_bytes,
		.cpus_dropped = boot_limits.cpus_dropped,
		.numa_entries_dropped = boot_limits.numa_entries_dropped,
		.cpus_late = smp_late_aps(),
	};
}
