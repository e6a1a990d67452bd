/* Physical memory map from the Multiboot2 boot information (see memory.h).
 * Under UEFI, GRUB's memory map tag is derived from the EFI map; the EFI
 * map itself is used only when no memory map tag is present. */
#include "boot/memory.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/paging.h"
#include "mm/memblock.h"

#define LOW_MEMORY_END   (1ull * MiB)   /* BIOS data, EBDA, ROMs, trampoline */
#define TRAMPOLINE_MIN   0x1000ull      /* never page 0 */

extern char _kernel_phys_start[], _kernel_end[];

struct boot_memory boot_mem;

static bool efi_type_usable(uint32_t t)
{
	/* Boot services have exited, so their memory is free too. */
	return t == MB2_EFI_CONVENTIONAL || t == MB2_EFI_LOADER_CODE ||
	       t == MB2_EFI_LOADER_DATA || t == MB2_EFI_BOOT_CODE ||
	       t == MB2_EFI_BOOT_DATA;
}

static int add_usable(uint64_t base, uint64_t len)
{
	if (!len)
		return 0;
	boot_mem.ranges++;
	return memblock_add(base, len);
}

static int import_map(const struct mb2_info *mb, const char **err)
{
	int rc = 0;

	if (mb2_mmap_count(mb)) {
		boot_mem.source = "multiboot2 mmap";
		for (size_t i = 0; i < mb2_mmap_count(mb) && !rc; i++) {
			uint64_t base, len;
			uint32_t type;

			mb2_mmap_entry(mb, i, &base, &len, &type);
			if (type == MB2_MEM_AVAILABLE)
				rc = add_usable(base, len);
		}
	} else if (mb2_efi_mmap_count(mb)) {
		boot_mem.source = "EFI mmap";
		for (size_t i = 0; i < mb2_efi_mmap_count(mb) && !rc; i++) {
			uint64_t base, pages;
			uint32_t type;

			mb2_efi_mmap_entry(mb, i, &type, &base, &pages);
			if (efi_type_usable(type))
				rc = add_usable(base, pages * MB2_EFI_PAGE_SIZE);
		}
	} else if (mb->has_meminfo) {
		boot_mem.source = "meminfo";
		rc = add_usable(0, (uint64_t)mb->mem_lower_kib * KiB);
		if (!rc)
			rc = add_usable(LOW_MEMORY_END, (uint64_t)mb->mem_upper_kib * KiB);
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

int boot_memory_init(const struct mb2_info *mb, uint64_t mbi_phys,
		     uint64_t mbi_size, const char **err)
{
	uint64_t kstart = (uint64_t)_kernel_phys_start;
	uint64_t kend = virt_to_phys(_kernel_end);

	memblock_reset();
	if (import_map(mb, err))
		return -1;
	memblock_trim_to_pages();
	/* The direct map covers DIRECT_MAP_MAX; RAM beyond it is ignored. */
	memblock_remove(DIRECT_MAP_MAX, UINT64_MAX - DIRECT_MAP_MAX);
	boot_mem.ram_bytes = memblock_memory_bytes();
	boot_mem.ram_end = memblock_end_of_ram();
	if (!boot_mem.ram_bytes) {
		*err = "memory map lists no usable RAM";
		return -1;
	}
	/* The AP trampoline needs a page below 1 MiB: take it before the
	 * low megabyte is reserved as a whole. */
	boot_mem.trampoline_phys = memblock_phys_alloc_range(PAGE_SIZE, PAGE_SIZE,
			TRAMPOLINE_MIN, LOW_MEMORY_END);
	if (memblock_reserve(0, LOW_MEMORY_END) ||
	    memblock_reserve(kstart, kend - kstart) ||
	    memblock_reserve(ALIGN_DOWN(mbi_phys, PAGE_SIZE),
			     ALIGN_UP(mbi_phys + mbi_size, PAGE_SIZE) -
			     ALIGN_DOWN(mbi_phys, PAGE_SIZE))) {
		*err = "memblock: too many reserved ranges";
		return -1;
	}
	if (kend > boot_mem.ram_end || !memblock_is_memory(kstart)) {
		*err = "the kernel image was not loaded into usable RAM";
		return -1;
	}
	return 0;
}
