/* The boot banner and the boot result line. */
#include "boot/boot.h"
#include "boot/limits.h"
#include "boot/memory.h"
#include "arch/x86_64/apic.h"
#include "experiments/json.h"
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

static uint64_t node_memory(unsigned nid)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);

		if (r->nid == (int)nid)
			sum += r->size;
	}
	return sum;
}

static unsigned node_cpus(unsigned nid)
{
	unsigned n = 0;

	for (unsigned c = 0; c < nr_cpus_online; c++)
		n += smp_cpu(c)->node == nid;
	return n;
}

/* The boot result line; per-node figures let tests check NUMA layouts. */
void boot_report(void)
{
	struct json j;

	for (unsigned n = 0; n < boot.nodes; n++)
		kprintf("numa: node %u: %u CPUs, %lu MiB\n", n, node_cpus(n),
			node_memory(n) / MiB);
	json_begin(&j, "boot");
	json_u64(&j, "cpus", nr_cpus_online);
	json_u64(&j, "nodes", boot.nodes);
	json_u64(&j, "ram_bytes", boot_mem.ram_bytes);
	json_u64(&j, "usable_bytes", memblock_free_bytes());
	json_u64(&j, "tsc_hz", tsc_hz);
	json_str(&j, "tsc_source", tsc_source_name());
	json_u64(&j, "ns", boot.ready_ns);
	json_u64(&j, "ap_boot_ns", platform.smp.ns);
	json_u64(&j, "cpus_failed", platform.smp.failed);
	json_str(&j, "firmware", boot.mb.has_efi64_systab ? "uefi" : "bios");
	json_str(&j, "loader", boot.mb.loader_name ? boot.mb.loader_name : "");
	json_str(&j, "memory_map", boot_mem.source);
	json_str(&j, "options", run_opts_canonical());
	json_bool(&j, "acpi", platform.acpi);
	json_bool(&j, "x2apic", lapic_x2apic_mode());
	json_bool(&j, "fb_console", boot.fb_console);
	json_bool(&j, "pdpe1gb", cpu.pdpe1gb);
	json_bool(&j, "avx2", cpu.avx2);
	json_bool(&j, "nx", pte_nx != 0);
	json_u64(&j, "ram_dropped_bytes", boot_mem.ram_dropped_bytes);
	json_u64(&j, "cpus_dropped", boot_limits.cpus_dropped);
	json_u64(&j, "numa_entries_dropped", boot_limits.numa_entries_dropped);
	json_u64(&j, "cpus_late", smp_late_aps());
	json_array_begin(&j, "node_info");
	for (unsigned n = 0; n < boot.nodes; n++) {
		json_object_begin(&j);
		json_u64(&j, "node", n);
		json_u64(&j, "cpus", node_cpus(n));
		json_u64(&j, "mem_bytes", node_memory(n));
		json_object_end(&j);
	}
	json_array_end(&j);
	json_end(&j);
}
