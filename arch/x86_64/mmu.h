/* Virtual memory layout and page-table entry format (Intel SDM vol. 3A,
 * 4.5: 4-level paging).
 *
 *   0xffff800000000000  direct map of physical memory (PAGE_OFFSET, 64 TiB)
 *   0xffffc90000000000  VMAP area: CPU stacks with guard pages, temporary
 *                       (kmap-like) mappings for experiments
 *   0xffffffff80000000  kernel image (-mcmodel=kernel)
 * Low addresses are not mapped after boot, so a NULL dereference faults. */
#ifndef ARCH_X86_64_MMU_H
#define ARCH_X86_64_MMU_H
#include "lib/compiler.h"

#define PAGE_SHIFT  12
#define PAGE_SIZE   (1ul << PAGE_SHIFT)
#define PAGE_MASK   (~(PAGE_SIZE - 1))
#define HPAGE_SHIFT 21
#define HPAGE_SIZE  (1ull << HPAGE_SHIFT)       /* 2 MiB */
#define GPAGE_SHIFT 30
#define GPAGE_SIZE  (1ull << GPAGE_SHIFT)       /* 1 GiB */
#define PT_ENTRIES  512

#define PAGE_OFFSET  0xffff800000000000ull
#define DIRECT_MAP_MAX (64ull * TiB)
#define VMAP_BASE    0xffffc90000000000ull
#define VMAP_SIZE    (1ull * TiB)
#define KERNEL_VIRT  0xffffffff80000000ull
/* The direct map always covers [0, 4 GiB), RAM or not: the early tables of
 * boot/entry.asm map exactly that, and the final ones keep it for MMIO
 * (LAPIC, IOAPIC, HPET, framebuffer) and ACPI tables. */
#define DIRECT_MAP_LOW_END (4ull * GiB)

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + PAGE_OFFSET);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;

	return v >= KERNEL_VIRT ? v - KERNEL_VIRT : v - PAGE_OFFSET;
}
#endif
