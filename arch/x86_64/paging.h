/* Building and tearing down 4-level page tables. Used for the kernel's own
 * tables at boot and, later, for the page tables experiments build (huge
 * page splitting, demand faults). Table pages come from a caller-supplied
 * allocator so the same code works with memblock at boot and the buddy
 * allocator later. Tables are reached through the direct map. */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H
#include "arch/x86_64/mmu.h"

struct pt_alloc {
	/* Returns the physical address of a zeroed 4 KiB page, 0 on failure. */
	uint64_t (*alloc)(void *ctx);
	void (*free)(void *ctx, uint64_t phys);
	void *ctx;
	uint64_t tables;   /* table pages allocated through this allocator */
};

/* Maps [va, va+size) to [pa, pa+size) with leaf pages of page_size
 * (4 KiB, 2 MiB or 1 GiB; all three addresses aligned to it) and the given
 * PTE flags (PTE_P is implied; PTE_PS is added for large pages).
 * Returns 0, or -1 when the allocator runs out or an existing mapping of a
 * different size is in the way. */
int pt_map(uint64_t pml4_phys, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags, uint64_t page_size, struct pt_alloc *a);
/* Clears the leaf entries covering [va, va+size) (no TLB flush). */
void pt_unmap(uint64_t pml4_phys, uint64_t va, uint64_t size);
/* Returns a pointer to the leaf entry mapping va and its level's page size,
 * or NULL when va is not mapped. */
uint64_t *pt_lookup(uint64_t pml4_phys, uint64_t va, uint64_t *page_size);
/* Frees every table page below pml4 (not the mapped memory), then pml4
 * itself, for the given half: lower (user) entries 0..255 only. */
void pt_destroy_lower(uint64_t pml4_phys, struct pt_alloc *a);

extern uint64_t kernel_pml4_phys;

/* PTE_NX when EFER.NXE is on, else 0. Without NXE bit 63 is reserved and
 * any entry with it set faults on use (SDM vol. 3A, 4.5.4), so pt_map()
 * strips PTE_NX unless paging_set_nx(true) was called; code that writes
 * entries by hand masks its flags with pte_flags(). */
extern uint64_t pte_nx;
void paging_set_nx(bool enabled);

static inline uint64_t pte_flags(uint64_t flags)
{
	return flags & (~PTE_NX | pte_nx);
}
#endif
