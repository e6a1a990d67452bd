/* The kernel's final page tables, built once on the boot CPU from what
 * memblock says is RAM:
 *
 *   direct map at PAGE_OFFSET: every RAM range write-back with the largest
 *   pages its alignment allows (1 GiB with pdpe1gb, 2 MiB, 4 KiB), so no
 *   large page spans RAM and non-RAM (architecturally undefined where the
 *   MTRRs give the two different memory types); the rest of the low 4 GiB
 *   (MMIO: LAPIC, IOAPIC, HPET, ROM, ACPI tables) uncached (PCD|PWT); the
 *   framebuffer write-back as the firmware's MTRRs decide; the kernel's
 *   text and rodata read-only there too (no writable alias of them);
 *   everything NX;
 *   kernel image: 4 KiB pages with per-section permissions (text read-only
 *   executable, rodata read-only, data/bss writable), the page under the
 *   boot stack left unmapped (guard). */
#ifndef ARCH_X86_64_KERNEL_MAP_H
#define ARCH_X86_64_KERNEL_MAP_H
#include "arch/x86_64/paging.h"

/* Builds the tables above and switches to them (boot CPU, memblock ready,
 * CPU features detected). fb_phys/fb_size: the framebuffer (0 = none),
 * already checked not to overlap RAM. Returns 0, or -1 with *err (out of
 * table pages). */
int kernel_map_init(uint64_t fb_phys, uint64_t fb_size, const char **err);

/* Page-table pages from memblock, below 4 GiB (the early direct map) and
 * zeroed: for the kernel tables and later boot-time mappings (vmap, kmap,
 * the AP trampoline). */
extern struct pt_alloc kernel_pt_alloc;
#endif
