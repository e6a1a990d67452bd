/* VMAP area allocator (see vmap.h): a bump pointer, since stacks and slots
 * are never freed. */
#include "arch/x86_64/vmap.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/kernel_map.h"
#include "mm/memblock.h"
#include "lib/spinlock.h"
#include "lib/string.h"

static uintptr_t vmap_next = VMAP_BASE;
static struct spinlock vmap_lock = SPINLOCK_INIT;

uintptr_t vmap_reserve(uint64_t size)
{
	uintptr_t va;

	size = ALIGN_UP(size, PAGE_SIZE);
	spin_lock(&vmap_lock);
	va = vmap_next + PAGE_SIZE;     /* guard page first */
	if (va + size > VMAP_BASE + VMAP_SIZE)
		va = 0;
	else
		vmap_next = va + size;
	spin_unlock(&vmap_lock);
	return va;
}

uintptr_t vmap_alloc(uint64_t size)
{
	uint64_t pa;
	uintptr_t va;

	size = ALIGN_UP(size, PAGE_SIZE);
	pa = memblock_phys_alloc(size, PAGE_SIZE, 0);
	if (!pa)
		return 0;
	va = vmap_reserve(size);
	if (!va || pt_map(kernel_pml4_phys, va, pa, size, PTE_W | PTE_NX | PTE_G,
			  PAGE_SIZE, &kernel_pt_alloc))
		return 0;
	memset((void *)va, 0, size);
	return va;
}
