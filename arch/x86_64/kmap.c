/* Per-CPU temporary mapping slots (see kmap.h). The slots of all CPUs are
 * one vmap range, CPU n's slots at n * KMAP_SLOTS pages, like Linux's
 * per-CPU kmap fixmap slots. */
#include "arch/x86_64/kmap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/vmap.h"
#include "arch/x86_64/kernel_map.h"
#include "smp/smp.h"

/* Linux's PAGE_KERNEL for a kmap: present, writable, global, no execute. */
#define KMAP_PTE_FLAGS (PTE_P | PTE_W | PTE_G | PTE_NX)

static uintptr_t kmap_base;
static volatile uint64_t *kmap_pte[MAX_CPUS * KMAP_SLOTS];

static uintptr_t slot_va(unsigned cpu, unsigned slot)
{
	return kmap_base + (uintptr_t)(cpu * KMAP_SLOTS + slot) * PAGE_SIZE;
}

/* Builds the tables under one slot by mapping a page there once, keeps a
 * pointer to the leaf entry (pt_unmap clears entries, never tables), and
 * leaves the slot unmapped. */
static int kmap_prepare_slot(uintptr_t va)
{
	uint64_t *pte;
	uint64_t ps = 0;

	/* Any page will do: it is unmapped before anyone could use it. */
	if (pt_map(kernel_pml4_phys, va, 0, PAGE_SIZE, KMAP_PTE_FLAGS,
		   PAGE_SIZE, &kernel_pt_alloc))
		return -1;
	pte = pt_lookup(kernel_pml4_phys, va, &ps);
	if (!pte || ps != PAGE_SIZE)
		return -1;
	kmap_pte[(va - kmap_base) / PAGE_SIZE] = pte;
	pt_unmap(kernel_pml4_phys, va, PAGE_SIZE);
	invlpg((void *)va);
	return 0;
}

int kmap_init(void)
{
	unsigned n = nr_cpus_online * KMAP_SLOTS;
	uintptr_t base;

	if (kmap_base)
		return 0;
	base = vmap_reserve((uint64_t)n * PAGE_SIZE);
	if (!base)
		return -1;
	kmap_base = base;
	for (unsigned i = 0; i < n; i++)
		if (kmap_prepare_slot(base + (uintptr_t)i * PAGE_SIZE)) {
			kmap_base = 0;
			return -1;
		}
	return 0;
}

void *kmap_slot(uint64_t pa, unsigned slot)
{
	unsigned cpu = smp_this_cpu();

	*kmap_pte[cpu * KMAP_SLOTS + slot] = (pa & PTE_ADDR_MASK) |
					     pte_flags(KMAP_PTE_FLAGS);
	/* The compiler must not move accesses through the slot above this. */
	barrier();
	return (void *)slot_va(cpu, slot);
}

void kunmap_slot(unsigned slot)
{
	unsigned cpu = smp_this_cpu();

	barrier();	/* accesses through the slot stay above the clear */
	*kmap_pte[cpu * KMAP_SLOTS + slot] = 0;
	invlpg((void *)slot_va(cpu, slot));
}
