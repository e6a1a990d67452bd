/* The boot CPU's view of physical memory: the memblock map built from the
 * boot information, and the kernel's own page tables over it. */
#ifndef BOOT_MEMORY_H
#define BOOT_MEMORY_H
#include "boot/multiboot2.h"

struct boot_memory {
	uint64_t ram_bytes;        /* usable RAM the firmware reported */
	uint64_t ram_end;          /* end of the highest usable range */
	uint64_t trampoline_phys;  /* one page below 1 MiB for AP start-up */
	const char *source;        /* "multiboot2 mmap", "EFI mmap", "meminfo" */
	unsigned ranges;           /* usable ranges before reservations */
	/* What the map said that could not be used as it said (kernel_map.c
	 * prints these, boot/report.c puts ram_dropped_bytes on the boot
	 * line): */
	uint64_t ram_dropped_bytes;       /* usable RAM above DIRECT_MAP_MAX */
	uint64_t reserved_overlap_bytes;  /* listed usable and also reserved */
	unsigned wrapped_entries;         /* entries whose end passes 2^64 */
};

/* Where the kernel image and the boot information lie (physical). */
struct boot_memory_layout {
	uint64_t kernel_start, kernel_end;
	uint64_t mbi_phys, mbi_size;
};

extern struct boot_memory boot_mem;

/* Fills memblock from the boot information (memory map, else EFI memory
 * map, else basic meminfo) and reserves low memory, the kernel image and
 * the boot information itself. Returns 0, or -1 with *err set. */
int boot_memory_init(const struct mb2_info *mb, uint64_t mbi_phys,
		     uint64_t mbi_size, const char **err);
/* The same from an explicit layout (host tests): resets memblock and
 * boot_mem, imports every map entry (usable ones added, all others
 * removed, so reserved wins over available wherever they overlap; usable
 * entries that wrap past 2^64 dropped), drops RAM above DIRECT_MAP_MAX
 * (counted in ram_dropped_bytes), reserves the kernel and the boot
 * information, then takes the trampoline page (0 when no page in
 * [4 KiB, 1 MiB) is free) and reserves the low megabyte. */
int boot_memory_build(const struct mb2_info *mb,
		      const struct boot_memory_layout *l, const char **err);
/* Is the framebuffer tag something the console may write to? NULL if
 * so, else why not: empty or inconsistent geometry, a range that wraps,
 * ends above DIRECT_MAP_MAX (it would collide with other mappings) or
 * overlaps RAM in memblock (console output would overwrite memory: call
 * after boot_memory_init). */
const char *boot_fb_check(const struct mb2_framebuffer *fb);

#endif
