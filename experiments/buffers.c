/* Experiment buffers from memblock (buffers.h). */
#include "experiments/buffers.h"
#include "arch/x86_64/mmu.h"
#include "mm/memblock.h"

static uint64_t alloc_on_node(uint64_t bytes, uint64_t align, int nid)
{
	if (nid < 0)
		return memblock_phys_alloc(bytes, align, 0);
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);
		uint64_t base = r->base, end = r->base + r->size, pa;

		if (r->nid != nid)
			continue;
		pa = memblock_phys_alloc_range(bytes, align, base, end);
		if (pa)
			return pa;
	}
	return 0;
}

uint64_t exp_buf_alloc(uint64_t bytes, uint64_t align, int nid)
{
	uint64_t pa;

	while (align & (align - 1))	/* the highest power of two in it */
		align &= align - 1;
	align = MAX(align, PAGE_SIZE);
	pa = alloc_on_node(bytes, align, nid);
	if (!pa && align > HPAGE_SIZE)
		pa = alloc_on_node(bytes, HPAGE_SIZE, nid);
	return pa;
}

void exp_buf_free(uint64_t pa, uint64_t bytes)
{
	if (pa)
		memblock_free(pa, bytes);
}
