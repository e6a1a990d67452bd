/* Messages and counts for topology the kernel cannot use (see limits.h). */
#include "boot/limits.h"
#include "arch/x86_64/apic.h"
#include "lib/printf.h"
#include "smp/percpu.h"

struct boot_limits boot_limits;

static void cpu_limits(struct acpi_madt *madt)
{
	struct acpi_cpu_limits l;

	acpi_madt_limit_cpus(madt, lapic_max_apic_id(), lapic_id(), MAX_CPUS, &l);
	if (l.unaddressable)
		kprintf("smp: %zu CPUs have APIC ids above %#x, which this local APIC cannot address without x2APIC: left out\n",
			l.unaddressable, lapic_max_apic_id());
	if (l.over_cap)
		kprintf("smp: %zu CPUs beyond the kernel's limit of %u: left out\n",
			l.over_cap, MAX_CPUS);
	if (l.table_full)
		kprintf("smp: %zu MADT CPU entries did not fit the CPU table: left out\n",
			l.table_full);
	boot_limits.cpus_dropped = l.total;
}

static void numa_limits(const struct acpi_numa *n)
{
	size_t dropped = n->pxm_dropped + n->mems_dropped + n->cpus_dropped +
			 n->mems_unassigned;

	if (n->pxm_dropped)
		kprintf("numa: %zu SRAT entries name proximity domains beyond %u nodes: their memory and CPUs stay on node 0\n",
			n->pxm_dropped, ACPI_MAX_NODES);
	if (n->mems_dropped)
		kprintf("numa: %zu SRAT memory ranges beyond the %zu held: that memory stays on node 0\n",
			n->mems_dropped, n->mem_cap);
	if (n->cpus_dropped)
		kprintf("numa: %zu SRAT CPU entries beyond the %zu held: those CPUs go to node 0\n",
			n->cpus_dropped, n->cpu_cap);
	if (n->mems_unassigned)
		kprintf("numa: %zu SRAT memory ranges split memblock's region table past its capacity: that memory stays on node 0\n",
			n->mems_unassigned);
	boot_limits.numa_entries_dropped = dropped;
}

void boot_limits_apply(struct acpi_madt *madt, const struct acpi_numa *numa)
{
	cpu_limits(madt);
	numa_limits(numa);
}
