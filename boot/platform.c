/* Platform discovery on the boot CPU: ACPI tables (checksummed), the TSC
 * frequency (HPET when ACPI lists one), CPUs from the MADT and their
 * bring-up, NUMA nodes from SRAT/SLIT. Missing tables degrade with a
 * message: no MADT -> one CPU, no SRAT -> one node. */
#include "boot/boot.h"
#include "boot/limits.h"
#include "boot/memory.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tsc.h"
#include "drivers/acpi.h"
#include "drivers/pic.h"
#include "lib/cmdline_scan.h"
#include "lib/printf.h"
#include "mm/memblock.h"
#include "smp/smp.h"

#define ACPI_ERR_LEN 128

struct platform platform;
static struct acpi_cpu madt_cpus[MAX_CPUS];
static struct acpi_srat_cpu srat_cpus[MAX_CPUS];
static struct acpi_srat_mem srat_mems[ACPI_MAX_NODES * 4];
static struct smp_cpu_desc cpu_descs[MAX_CPUS];

/* ACPI tables live in RAM or reserved ranges below the direct map's end;
 * everything below 4 GiB and all RAM is mapped, so only bound the range. */
static const void *acpi_map_direct(uint64_t phys, size_t len)
{
	uint64_t limit = MAX(DIRECT_MAP_LOW_END, boot_mem.ram_end);

	if (phys + len < phys || phys + len > limit)
		return NULL;
	return phys_to_virt(phys);
}

static void acpi_setup(void)
{
	char err[ACPI_ERR_LEN];

	acpi_map = acpi_map_direct;
	if (!boot.mb.rsdp) {
		kprintf("acpi: no RSDP from the loader: one CPU, one node\n");
		return;
	}
	if (acpi_init(boot.mb.rsdp, boot.mb.rsdp_len, err, sizeof(err))) {
		kprintf("acpi: %s: one CPU, one node\n", err);
		return;
	}
	platform.acpi = true;
	for (size_t i = 0; i < acpi_table_count(); i++) {
		const struct acpi_table *t = acpi_table_get(i);

		kprintf("acpi: %s rev %u %s at %#lx, %u bytes\n", t->signature,
			t->revision, t->oem_id, t->phys, (unsigned)t->length);
	}
	for (size_t i = 0; i < acpi_problem_count(); i++)
		kprintf("acpi: skipped: %s\n", acpi_problem(i));
}

static void madt_setup(void)
{
	const struct acpi_sdt_header *h = platform.acpi ?
		acpi_find_table(ACPI_SIG_MADT, 0) : NULL;
	char err[ACPI_ERR_LEN];

	platform.madt.cpus = madt_cpus;
	platform.madt.cpu_cap = MAX_CPUS;
	if (!h || acpi_madt_parse(h, &platform.madt, err, sizeof(err)) < 0) {
		if (platform.acpi)
			kprintf("acpi: no usable MADT (%s): one CPU\n",
				h ? err : "table absent");
		platform.madt.cpu_count = 0;
		return;
	}
	lapic_set_base(platform.madt.lapic_address);
}

/* Gives memblock its nodes and counts them; without SRAT, node 0. */
static void numa_setup(void)
{
	const struct acpi_sdt_header *h = platform.acpi ?
		acpi_find_table(ACPI_SIG_SRAT, 0) : NULL;
	struct acpi_numa *n = &platform.numa;
	char err[ACPI_ERR_LEN];

	n->cpus = srat_cpus;
	n->cpu_cap = ARRAY_SIZE(srat_cpus);
	n->mems = srat_mems;
	n->mem_cap = ARRAY_SIZE(srat_mems);
	boot.nodes = 1;
	if (!h || acpi_srat_parse(h, n, err, sizeof(err)) < 0 || !n->node_count) {
		memblock_set_node(0, UINT64_MAX, 0);
		return;
	}
	boot.nodes = n->node_count;
	/* Memory SRAT does not cover keeps node 0, as in Linux. */
	memblock_set_node(0, UINT64_MAX, 0);
	for (size_t i = 0; i < n->mem_count; i++)
		if (memblock_set_node(n->mems[i].base, n->mems[i].length,
				      (int)n->mems[i].node))
			n->mems_unassigned++;
	h = acpi_find_table(ACPI_SIG_SLIT, 0);
	if (h && acpi_slit_parse(h, n, err, sizeof(err)))
		kprintf("acpi: SLIT ignored: %s\n", err);
}

static void time_setup(void)
{
	const struct acpi_sdt_header *h = platform.acpi ?
		acpi_find_table(ACPI_SIG_HPET, 0) : NULL;
	struct acpi_hpet hpet = { 0 };
	char err[ACPI_ERR_LEN];
	const char *why = NULL;
	volatile void *regs = NULL;

	if (h && !acpi_hpet_parse(h, &hpet, err, sizeof(err)) &&
	    hpet.address && hpet.address < DIRECT_MAP_LOW_END &&
	    !memblock_is_memory(hpet.address))   /* enabling it writes there */
		regs = phys_to_virt(hpet.address);
	else if (h && hpet.address)
		kprintf("acpi: HPET registers at %#lx are RAM or outside the low 4 GiB: not used\n",
			hpet.address);
	if (!tsc_init(regs, &why))
		boot_fail("time", why);
}

static unsigned cpu_node(uint32_t apic_id)
{
	int node = acpi_numa_apic_to_node(&platform.numa, apic_id);

	return node < 0 ? 0 : (unsigned)node;
}

static void cpus_setup(void)
{
	unsigned n = 0;
	struct smp_boot_result res;

	pic_disable();         /* before anything enables interrupts */
	lapic_init();
	smp_init_ipis();
	boot_limits_apply(&platform.madt, &platform.numa);   /* needs the APIC mode */
	for (size_t i = 0; i < platform.madt.cpu_count && n < MAX_CPUS; i++) {
		if (!platform.madt.cpus[i].enabled)
			continue;
		cpu_descs[n].apic_id = platform.madt.cpus[i].apic_id;
		cpu_descs[n].node = cpu_node(cpu_descs[n].apic_id);
		n++;
	}
	if (!n) {
		cpu_descs[0].apic_id = lapic_id();
		n = 1;
	}
	smp_boot_aps(cpu_descs, n, boot_mem.trampoline_phys,
		     platform.skip_apic_id, &res);
	platform.smp = res;
	if (res.failed)
		kprintf("smp: %u of %u APs did not answer and are left out\n",
			res.failed, res.requested);
}

/* inject=smp-ap-hang: what a wedged CPU looks like to the others: it
 * never returns and takes no interrupt, so no call or IPI reaches it. */
static void hang_forever(void *arg, unsigned idx)
{
	(void)arg;
	(void)idx;
	irq_disable();
	for (;;)
		cpu_relax();
}

static void inject_ap_hang(void)
{
	if (nr_cpus_online < 2 ||
	    !cmdline_scan_has(boot.mb.cmdline, "inject", "smp-ap-hang"))
		return;
	kprintf("smp: inject=smp-ap-hang: CPU %u hangs with interrupts off\n",
		nr_cpus_online - 1);
	smp_call_start(nr_cpus_online - 1, hang_forever, NULL, 0);
}

void boot_platform_init(void)
{
	/* inject=smp-noap: leave the last MADT CPU that is not us unstarted;
	 * inject=smp-ap-lost: start it, but let it find no boot record. */
	platform.skip_apic_id = cmdline_scan_has(boot.mb.cmdline, "inject",
						 "smp-noap") ? SMP_SKIP_LAST_AP : UINT32_MAX;
	if (cmdline_scan_has(boot.mb.cmdline, "inject", "smp-ap-lost"))
		platform.skip_apic_id = SMP_LOSE_LAST_AP;
	acpi_setup();
	madt_setup();
	numa_setup();
	time_setup();
	cpus_setup();          /* needs the TSC for its delays */
	inject_ap_hang();
	nr_nodes_online = boot.nodes;
	boot.ready_ns = now_ns();
}
