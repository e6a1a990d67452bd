/* The boot banner and the boot result line. */
#include "boot/boot.h"
#include "boot/memory.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "mm/memblock.h"
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

void boot_report(void)
{
	kprintf("{\"experiment\":\"boot\",\"cpus\":%u,\"nodes\":%u,"
		"\"ram_bytes\":%lu,\"usable_bytes\":%lu,\"tsc_hz\":%lu,"
		"\"tsc_source\":\"%s\",\"ns\":%lu,\"firmware\":\"%s\","
		"\"loader\":\"%s\",\"fb_console\":%s,\"pdpe1gb\":%s,\"avx2\":%s}\n",
		nr_cpus_online, boot.nodes, boot_mem.ram_bytes, memblock_free_bytes(),
		tsc_hz, tsc_source_name(), boot.ready_ns,
		boot.mb.has_efi64_systab ? "uefi" : "bios",
		boot.mb.loader_name ? boot.mb.loader_name : "",
		boot.fb_console ? "true" : "false", cpu.pdpe1gb ? "true" : "false",
		cpu.avx2 ? "true" : "false");
}
