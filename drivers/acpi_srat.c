/* SRAT ("SRAT") parser: which NUMA node each CPU and memory range is on.
 *
 * ACPI 6.5 section 5.2.16 (System Resource Affinity Table): 5.2.16.1
 * processor local APIC/SAPIC affinity, 5.2.16.2 memory affinity, 5.2.16.3
 * processor local x2APIC affinity. Proximity domains are sparse 32-bit
 * numbers; we hand out dense node ids in order of first appearance, as
 * Linux's acpi_map_pxm_to_node() does, so node 0 is the first domain the
 * firmware lists (normally the boot CPU's).
 */
#include "drivers/acpi.h"
#include "lib/printf.h"
#include "lib/string.h"

#define SRAT_FIXED_LEN      48u  /* header + u32 reserved (1) + u64 reserved */
#define SRAT_REV_PXM32      2u   /* revision 1 had 8-bit domains in type 0/1 */
#define SRAT_PXM8_MASK      0xffu
#define SRAT_ENABLED        (1u << 0)
#define SRAT_MEM_HOTPLUG    (1u << 1)
#define SRAT_MEM_NONVOLATILE (1u << 2)

enum srat_type {
	SRAT_CPU_APIC = 0,
	SRAT_MEMORY = 1,
	SRAT_CPU_X2APIC = 2,
};

struct srat_cpu_apic {         /* type 0, 16 bytes */
	uint8_t type, length;
	uint8_t pxm_lo;        /* bits 7:0 of the proximity domain */
	uint8_t apic_id;
	uint32_t flags;
	uint8_t sapic_eid;
	uint8_t pxm_hi[3];     /* bits 31:8 */
	uint32_t clock_domain;
} __packed;

struct srat_memory {           /* type 1, 40 bytes */
	uint8_t type, length;
	uint32_t pxm;
	uint16_t reserved1;
	uint32_t base_lo, base_hi;
	uint32_t length_lo, length_hi;
	uint32_t reserved2;
	uint32_t flags;
	uint64_t reserved3;
} __packed;

struct srat_cpu_x2apic {       /* type 2, 24 bytes */
	uint8_t type, length;
	uint16_t reserved1;
	uint32_t pxm;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t clock_domain;
	uint32_t reserved2;
} __packed;

_Static_assert(sizeof(struct srat_cpu_apic) == 16, "SRAT type 0 layout");
_Static_assert(sizeof(struct srat_memory) == 40, "SRAT type 1 layout");
_Static_assert(sizeof(struct srat_cpu_x2apic) == 24, "SRAT type 2 layout");

int acpi_numa_pxm_to_node(const struct acpi_numa *numa, uint32_t pxm)
{
	for (size_t n = 0; n < numa->node_count; n++)
		if (numa->node_pxm[n] == pxm)
			return (int)n;
	return ACPI_NO_NODE;
}

int acpi_numa_apic_to_node(const struct acpi_numa *numa, uint32_t apic_id)
{
	for (size_t i = 0; i < numa->cpu_count; i++)
		if (numa->cpus[i].apic_id == apic_id)
			return (int)numa->cpus[i].node;
	return ACPI_NO_NODE;
}

int acpi_numa_addr_to_node(const struct acpi_numa *numa, uint64_t addr)
{
	for (size_t i = 0; i < numa->mem_count; i++) {
		const struct acpi_srat_mem *r = &numa->mems[i];

		if (addr >= r->base && addr - r->base < r->length)
			return (int)r->node;
	}
	return ACPI_NO_NODE;
}

/* Node of pxm, allocating the next dense id on first sight; ACPI_NO_NODE
 * when all ACPI_MAX_NODES ids are taken. */
static int pxm_node(struct acpi_numa *numa, uint32_t pxm)
{
	int node = acpi_numa_pxm_to_node(numa, pxm);

	if (node != ACPI_NO_NODE)
		return node;
	if (numa->node_count == ACPI_MAX_NODES)
		return ACPI_NO_NODE;
	numa->node_pxm[numa->node_count] = pxm;
	return (int)numa->node_count++;
}

static void cpu_add(struct acpi_numa *numa, uint32_t apic_id, uint32_t pxm,
		    bool x2apic)
{
	struct acpi_srat_cpu *c;
	int node;

	if (acpi_numa_apic_to_node(numa, apic_id) != ACPI_NO_NODE) {
		numa->cpus_duplicate++;
		return;
	}
	node = pxm_node(numa, pxm);
	if (node == ACPI_NO_NODE) {
		numa->pxm_dropped++;
		return;
	}
	numa->node_has_cpus[node] = true;
	if (numa->cpu_count == numa->cpu_cap) {
		numa->cpus_dropped++;
		return;
	}
	c = &numa->cpus[numa->cpu_count++];
	c->apic_id = apic_id;
	c->pxm = pxm;
	c->node = (uint32_t)node;
	c->x2apic_entry = x2apic;
}

static void cpu_apic_entry(struct acpi_numa *numa, const struct srat_cpu_apic *e)
{
	uint32_t pxm = e->pxm_lo;

	if (!(e->flags & SRAT_ENABLED)) {
		numa->disabled_entries++;
		return;
	}
	if (numa->revision >= SRAT_REV_PXM32)
		pxm |= (uint32_t)e->pxm_hi[0] << 8 | (uint32_t)e->pxm_hi[1] << 16 |
		       (uint32_t)e->pxm_hi[2] << 24;
	cpu_add(numa, e->apic_id, pxm, false);
}

static void cpu_x2apic_entry(struct acpi_numa *numa,
			     const struct srat_cpu_x2apic *e)
{
	if (!(e->flags & SRAT_ENABLED)) {
		numa->disabled_entries++;
		return;
	}
	cpu_add(numa, e->x2apic_id, e->pxm, true);
}

static void memory_entry(struct acpi_numa *numa, const struct srat_memory *e)
{
	uint64_t base = (uint64_t)e->base_hi << 32 | e->base_lo;
	uint64_t len = (uint64_t)e->length_hi << 32 | e->length_lo;
	uint32_t pxm = e->pxm;
	struct acpi_srat_mem *r;
	int node;

	if (!(e->flags & SRAT_ENABLED)) {
		numa->disabled_entries++;
		return;
	}
	if (len == 0 || base + len - 1 < base) {
		numa->bad_entries++;
		return;
	}
	if (numa->revision < SRAT_REV_PXM32)
		pxm &= SRAT_PXM8_MASK;
	node = pxm_node(numa, pxm);
	if (node == ACPI_NO_NODE) {
		numa->pxm_dropped++;
		return;
	}
	numa->node_has_memory[node] = true;
	if (numa->mem_count == numa->mem_cap) {
		numa->mems_dropped++;
		return;
	}
	r = &numa->mems[numa->mem_count++];
	r->base = base;
	r->length = len;
	r->pxm = pxm;
	r->node = (uint32_t)node;
	r->hotpluggable = e->flags & SRAT_MEM_HOTPLUG;
	r->nonvolatile = e->flags & SRAT_MEM_NONVOLATILE;
}

static uint8_t entry_min_len(uint8_t type)
{
	switch (type) {
	case SRAT_CPU_APIC:   return sizeof(struct srat_cpu_apic);
	case SRAT_MEMORY:     return sizeof(struct srat_memory);
	case SRAT_CPU_X2APIC: return sizeof(struct srat_cpu_x2apic);
	default:              return 0;
	}
}

static void entry_handle(struct acpi_numa *numa, const uint8_t *e, uint8_t type)
{
	switch (type) {
	case SRAT_CPU_APIC:
		cpu_apic_entry(numa, (const void *)e);
		break;
	case SRAT_MEMORY:
		memory_entry(numa, (const void *)e);
		break;
	case SRAT_CPU_X2APIC:
		cpu_x2apic_entry(numa, (const void *)e);
		break;
	}
}

/* Two ranges on different nodes claiming the same bytes leave no right
 * answer; Linux then gives up on NUMA (numa_cleanup_meminfo), so do we.
 * Overlaps within one node are harmless. */
static int overlap_check(const struct acpi_numa *numa, char *err,
			 size_t err_size)
{
	for (size_t i = 0; i < numa->mem_count; i++) {
		const struct acpi_srat_mem *a = &numa->mems[i];

		for (size_t j = i + 1; j < numa->mem_count; j++) {
			const struct acpi_srat_mem *b = &numa->mems[j];

			/* Last bytes, not ends: a range may end at 2^64. */
			if (a->node == b->node ||
			    a->base + (a->length - 1) < b->base ||
			    b->base + (b->length - 1) < a->base)
				continue;
			ksnprintf(err, err_size,
				  "SRAT: node %u and node %u memory overlap at 0x%llx",
				  a->node, b->node,
				  (unsigned long long)MAX(a->base, b->base));
			return -1;
		}
	}
	return 0;
}

/* Clears the results, keeps the caller's storage; default distances. */
static void numa_reset(struct acpi_numa *numa)
{
	struct acpi_srat_cpu *cpus = numa->cpus;
	struct acpi_srat_mem *mems = numa->mems;
	size_t cpu_cap = cpus ? numa->cpu_cap : 0;
	size_t mem_cap = mems ? numa->mem_cap : 0;

	memset(numa, 0, sizeof(*numa));
	numa->cpus = cpus;
	numa->cpu_cap = cpu_cap;
	numa->mems = mems;
	numa->mem_cap = mem_cap;
	for (size_t i = 0; i < ACPI_MAX_NODES; i++)
		for (size_t j = 0; j < ACPI_MAX_NODES; j++)
			numa->distance[i][j] = i == j ? ACPI_LOCAL_DISTANCE
						      : ACPI_REMOTE_DISTANCE;
}

int acpi_srat_parse(const struct acpi_sdt_header *hdr, struct acpi_numa *numa,
		    char *err, size_t err_size)
{
	struct acpi_entry_iter it;
	const uint8_t *e;
	uint8_t type, len;
	int r;

	numa_reset(numa);
	if (memcmp(hdr->signature, ACPI_SIG_SRAT, ACPI_SIG_LEN) != 0 ||
	    hdr->length < SRAT_FIXED_LEN) {
		ksnprintf(err, err_size, "SRAT: bad signature or length %u",
			  hdr->length);
		return -1;
	}
	numa->revision = hdr->revision;
	acpi_entry_iter_init(&it, hdr, SRAT_FIXED_LEN);
	while ((r = acpi_entry_next(&it, &e, &type, &len, err, err_size)) > 0) {
		if (len < entry_min_len(type)) {
			numa->bad_entries++;
			continue;
		}
		entry_handle(numa, e, type);
	}
	if (r < 0 || overlap_check(numa, err, err_size))
		return -1;
	return (int)numa->node_count;
}
