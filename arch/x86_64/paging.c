/* 4-level page-table construction (see paging.h; SDM vol. 3A, 4.5). */
#include "arch/x86_64/paging.h"

#define LEVELS 4
#define TABLE_FLAGS (PTE_P | PTE_W)

uint64_t kernel_pml4_phys;
uint64_t pte_nx;    /* 0 until the boot CPU's EFER.NXE is known to be on */

void paging_set_nx(bool enabled)
{
	pte_nx = enabled ? PTE_NX : 0;
}

static unsigned pt_index(uint64_t va, int level)
{
	/* level 4 = PML4 ... level 1 = PT */
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static uint64_t level_size(int level)
{
	return 1ull << (PAGE_SHIFT + 9 * (level - 1));
}

static uint64_t *table(uint64_t phys)
{
	return phys_to_virt(phys & PTE_ADDR_MASK);
}

/* Returns the next-level table under entry *e, allocating it if absent;
 * NULL when allocation fails or a large page is in the way. */
static uint64_t *next_table(uint64_t *e, struct pt_alloc *a)
{
	if (*e & PTE_P)
		return (*e & PTE_PS) ? NULL : table(*e);
	uint64_t phys = a->alloc(a->ctx);
	if (!phys)
		return NULL;
	a->tables++;
	*e = phys | TABLE_FLAGS;
	return table(phys);
}

static int leaf_level(uint64_t page_size)
{
	switch (page_size) {
	case PAGE_SIZE:  return 1;
	case HPAGE_SIZE: return 2;
	case GPAGE_SIZE: return 3;
	default:         return -1;
	}
}

int pt_map(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags, uint64_t page_size, struct pt_alloc *a)
{
	int leaf = leaf_level(page_size);

	if (leaf < 0 || ((va | pa | size) & (page_size - 1)))
		return -1;
	flags = pte_flags(flags);
	if (leaf > 1)
		flags |= PTE_PS;
	for (uint64_t off = 0; off < size; off += page_size) {
		uint64_t *t = table(pml4_phys);

		for (int level = LEVELS; level > leaf; level--) {
			t = next_table(&t[pt_index(va + off, level)], a);
			if (!t)
				return -1;
		}
		t[pt_index(va + off, leaf)] = (pa + off) | flags | PTE_P;
	}
	return 0;
}

uint64_t *pt_lookup(uint64_t pml4_phys, uint64_t va, uint64_t *page_size)
{
	uint64_t *t = table(pml4_phys);

	for (int level = LEVELS; level >= 1; level--) {
		uint64_t *e = &t[pt_index(va, level)];

		if (!(*e & PTE_P))
			return NULL;
		if (level == 1 || (*e & PTE_PS)) {
			if (page_size)
				*page_size = level_size(level);
			return e;
		}
		t = table(*e);
	}
	return NULL;
}

void pt_unmap(uint64_t pml4_phys, uint64_t va, uint64_t size)
{
	uint64_t end = va + size;

	while (va < end) {
		uint64_t ps = PAGE_SIZE;
		uint64_t *e = pt_lookup(pml4_phys, va, &ps);

		if (e)
			*e = 0;
		va = ALIGN_DOWN(va, ps) + ps;
	}
}

static void free_level(uint64_t *t, int level, struct pt_alloc *a)
{
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		if (!(t[i] & PTE_P) || (t[i] & PTE_PS) || level == 1)
			continue;
		free_level(table(t[i]), level - 1, a);
		a->free(a->ctx, t[i] & PTE_ADDR_MASK);
		t[i] = 0;
	}
}

void pt_destroy_lower(uint64_t pml4_phys, struct pt_alloc *a)
{
	uint64_t *pml4 = table(pml4_phys);

	for (unsigned i = 0; i < PT_ENTRIES / 2; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		free_level(table(pml4[i]), LEVELS - 1, a);
		a->free(a->ctx, pml4[i] & PTE_ADDR_MASK);
		pml4[i] = 0;
	}
	a->free(a->ctx, pml4_phys);
}
