/* Physical memory map from the Multiboot2 boot information (see memory.h).
 * Under UEFI, GRUB's memory map tag is derived from the EFI map; the EFI
 * map itself is used only when no memory map tag is present.
 *
 * Firmware maps overlap in the field (a reserved or bad-RAM entry inside an
 * available one, in any order), so the map is imported in two passes:
 * every usable entry is added, then every other entry is taken out again.
 * Reserved wins wherever the two overlap: page tables and buffers must
 * never land on ROM, MMIO, ACPI tables or bad RAM. */
#include "boot/memory.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/paging.h"
#include "mm/memblock.h"

#define LOW_MEMORY_END   (1ull * MiB)   /* BIOS data, EBDA, ROMs, trampoline */
#define TRAMPOLINE_MIN   0x1000ull      /* never page 0 */

struct boot_memory boot_mem;

static bool efi_type_usable(uint32_t t)
{
	/* Boot services have exited, so their memory is free too. */
	return t == MB2_EFI_CONVENTIONAL || t == MB2_EFI_LOADER_CODE ||
	       t == MB2_EFI_LOADER_DATA || t == MB2_EFI_BOOT_CODE ||
	       t == MB2_EFI_BOOT_DATA;
}

/* One map entry, whichever format it came from. */
struct map_entry {
	uint64_t base, len;
	bool usable;
	bool wraps;    /* base + len (or pages * 4096) passes 2^64 */
};

static size_t map_count(const struct mb2_info *mb)
{
	return mb2_mmap_count(mb) ? mb2_mmap_count(mb) : mb2_efi_mmap_count(mb);
}

static struct map_entry map_get(const struct mb2_info *mb, size_t i)
{
	struct map_entry e = { 0 };
	uint64_t pages;
	uint32_t type;

	if (mb2_mmap_count(mb)) {
		mb2_mmap_entry(mb, i, &e.base, &e.len, &type);
		e.usable = type == MB2_MEM_AVAILABLE;
	} else {
		mb2_efi_mmap_entry(mb, i, &type, &e.base, &pages);
		e.usable = efi_type_usable(type);
		/* pages * 4096 itself can wrap before base is added. */
		e.wraps = pages > UINT64_MAX / MB2_EFI_PAGE_SIZE;
		e.len = e.wraps ? UINT64_MAX : pages * MB2_EFI_PAGE_SIZE;
	}
	e.wraps = e.wraps || e.base + e.len < e.base;
	if (e.wraps)
		e.len = UINT64_MAX - e.base;   /* to the end of the space */
	return e;
}

/* Pass 1 adds usable entries (a wrapping one is garbage: dropped);
 * pass 2 removes every other entry (a wrapping one removes up to the
 * end: the conservative reading). */
static int import_typed_map(const struct mb2_info *mb)
{
	int rc = 0;
	uint64_t listed;

	for (size_t i = 0; i < map_count(mb) && !rc; i++) {
		struct map_entry e = map_get(mb, i);

		boot_mem.wrapped_entries += e.wraps;
		if (e.usable && !e.wraps && e.len) {
			boot_mem.ranges++;
			rc = memblock_add(e.base, e.len);
		}
	}
	listed = memblock_memory_bytes();
	for (size_t i = 0; i < map_count(mb) && !rc; i++) {
		struct map_entry e = map_get(mb, i);

		if (!e.usable)
			rc = memblock_remove(e.base, e.len);
	}
	boot_mem.reserved_overlap_bytes = listed - memblock_memory_bytes();
	return rc;
}

static int import_map(const struct mb2_info *mb, const char **err)
{
	int rc = 0;

	if (mb2_mmap_count(mb) || mb2_efi_mmap_count(mb)) {
		boot_mem.source = mb2_mmap_count(mb) ? "multiboot2 mmap" : "EFI mmap";
		rc = import_typed_map(mb);
	} else if (mb->has_meminfo) {
		boot_mem.source = "meminfo";
		boot_mem.ranges = 2;
		rc = memblock_add(0, (uint64_t)mb->mem_lower_kib * KiB);
		if (!rc)
			rc = memblock_add(LOW_MEMORY_END, (uint64_t)mb->mem_upper_kib * KiB);
	} else {
		*err = "boot information has no memory map (tags 6, 17, 4 all missing)";
		return -1;
	}
	if (rc) {
		*err = "memory map has more ranges than memblock can hold";
		return -1;
	}
	return 0;
}

/* Is all of [base, end) memory? Regions are merged where they touch, so
 * one region must hold it. */
static bool range_is_memory(uint64_t base, uint64_t end)
{
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);

		if (r->base <= base && end <= r->base + r->size)
			return true;
	}
	return false;
}

static int reserve_range(uint64_t base, uint64_t size)
{
	uint64_t start = ALIGN_DOWN(base, PAGE_SIZE);

	return memblock_reserve(start, ALIGN_UP(base + size, PAGE_SIZE) - start);
}

int boot_memory_build(const struct mb2_info *mb,
		      const struct boot_memory_layout *l, const char **err)
{
	uint64_t before;

	memblock_reset();
	boot_mem = (struct boot_memory){ 0 };
	if (import_map(mb, err))
		return -1;
	memblock_trim_to_pages();
	/* The direct map covers DIRECT_MAP_MAX; RAM beyond it cannot be
	 * used, and is counted so the boot line can say so. */
	before = memblock_memory_bytes();
	if (memblock_remove(DIRECT_MAP_MAX, UINT64_MAX - DIRECT_MAP_MAX)) {
		*err = "memory map has more ranges than memblock can hold";
		return -1;
	}
	boot_mem.ram_dropped_bytes = before - memblock_memory_bytes();
	boot_mem.ram_bytes = memblock_memory_bytes();
	boot_mem.ram_end = memblock_end_of_ram();
	if (!boot_mem.ram_bytes) {
		*err = "memory map lists no usable RAM";
		return -1;
	}
	/* The kernel and the boot information first: the trampoline page
	 * below must not land on either. Then the trampoline, before the low
	 * megabyte is reserved as a whole. */
	if (reserve_range(l->kernel_start, l->kernel_end - l->kernel_start) ||
	    reserve_range(l->mbi_phys, l->mbi_size)) {
		*err = "memblock: too many reserved ranges";
		return -1;
	}
	boot_mem.trampoline_phys = memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE,
			TRAMPOLINE_MIN, LOW_MEMORY_END);
	if (memblock_reserve(0, LOW_MEMORY_END)) {
		*err = "memblock: too many reserved ranges";
		return -1;
	}
	if (!range_is_memory(l->kernel_start, l->kernel_end)) {
		*err = "the kernel image was not loaded into usable RAM";
		return -1;
	}
	return 0;
}

static bool overlaps_memory(uint64_t base, uint64_t end)
{
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);

		if (r->base < end && base < r->base + r->size)
			return true;
	}
	return false;
}

const char *boot_fb_check(const struct mb2_framebuffer *fb)
{
	uint64_t size = (uint64_t)fb->pitch * fb->height;
	uint64_t line = ((uint64_t)fb->width * fb->bpp + 7) / 8;

	if (!size || !fb->width || !fb->bpp)
		return "empty (no pitch, width, height or depth)";
	if (fb->pitch < line)
		return "pitch shorter than one line of pixels";
	if (fb->addr + size < fb->addr)
		return "address range wraps past 2^64";
	if (fb->addr + size > DIRECT_MAP_MAX)
		return "at or above the direct map limit";
	if (overlaps_memory(fb->addr, fb->addr + size))
		return "inside RAM (console output would overwrite memory)";
	return NULL;
}

#ifndef HOST
extern char _kernel_phys_start[], _kernel_end[];

int boot_memory_init(const struct mb2_info *mb, uint64_t mbi_phys,
		     uint64_t mbi_size, const char **err)
{
	struct boot_memory_layout l = {
		.kernel_start = (uint64_t)_kernel_phys_start,
		.kernel_end = virt_to_phys(_kernel_end),
		.mbi_phys = mbi_phys,
		.mbi_size = mbi_size,
	};

	return boot_memory_build(mb, &l, err);
}
#endif
