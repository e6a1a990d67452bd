/* libFuzzer target for boot/memory.c: an arbitrary memory map (multiboot2
 * or EFI format, byte 0 picks) of up to FAKE_MAP_MAX entries. Whatever the
 * map says, a successful import must keep memblock's invariant, never
 * offer a byte any non-usable entry lists, keep RAM below the direct map's
 * end, and put the trampoline page below 1 MiB and off the kernel and the
 * boot information. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "boot/memory.h"
#include "arch/x86_64/mmu.h"
#include "mm/memblock.h"
#include "tests/host/memory_fake.h"

#define ENTRY_BYTES 17   /* base 8, len 8, type 1 */

static const struct boot_memory_layout layout = {
	2 * MiB, 4 * MiB, 0x10000, 0x2000
};

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Small values are as likely as huge ones: the low byte of `shape` picks
 * how many of the 64 bits survive. */
static uint64_t shaped(uint64_t v)
{
	unsigned bits = v & 63;

	return bits ? v >> (64 - bits) << 12 : v;
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_memory: %s\n", what);
	abort();
}

static bool overlaps_free(uint64_t base, uint64_t end)
{
	struct memblock_iter it;
	uint64_t b, e;

	for_each_free_range(it, b, e)
		if (b < end && base < e)
			return true;
	return false;
}

static void check(struct fake_map *f)
{
	uint64_t t = boot_mem.trampoline_phys;

	if (memblock_check())
		fail(memblock_check());
	if (memblock_end_of_ram() > DIRECT_MAP_MAX)
		fail("RAM above the direct map");
	if (t && (t < 0x1000 || t + PAGE_SIZE > 1 * MiB ||
		  (t < layout.kernel_end && layout.kernel_start < t + PAGE_SIZE) ||
		  (t < layout.mbi_phys + layout.mbi_size && layout.mbi_phys < t + PAGE_SIZE)))
		fail("trampoline page misplaced");
	for (size_t i = 0; i < f->n; i++) {
		uint64_t base, len, pages;
		uint32_t type;
		bool usable;

		if (f->efi) {
			mb2_efi_mmap_entry(&f->mb, i, &type, &base, &pages);
			usable = type == MB2_EFI_CONVENTIONAL ||
				 (type >= MB2_EFI_LOADER_CODE && type <= MB2_EFI_BOOT_DATA);
			len = pages > UINT64_MAX / 4096 ? UINT64_MAX : pages * 4096;
		} else {
			mb2_mmap_entry(&f->mb, i, &base, &len, &type);
			usable = type == MB2_MEM_AVAILABLE;
		}
		if (usable || !len)
			continue;
		if (base + len < base)
			len = UINT64_MAX - base;
		if (overlaps_free(base, base + len))
			fail("a non-usable entry is offered as free memory");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake_map f;
	const char *err = NULL;

	if (size < 1)
		return 0;
	fake_map_init(&f, data[0] & 1);
	/* RAM under the kernel, so most inputs get past the kernel check and
	 * reach check(); the fuzzed entries may still take it away. */
	fake_map_add(&f, 1 * MiB, 63 * MiB,
		     f.efi ? MB2_EFI_CONVENTIONAL : MB2_MEM_AVAILABLE);
	for (size_t off = 1; off + ENTRY_BYTES <= size; off += ENTRY_BYTES) {
		uint64_t base = shaped(ld64(data + off));
		uint64_t len = shaped(ld64(data + off + 8));
		uint32_t type = data[off + 16] % 16;

		if (f.efi)
			fake_map_add_pages(&f, base, len >> 12, type);
		else
			fake_map_add(&f, base, len, type);
	}
	if (boot_memory_build(fake_map_info(&f), &layout, &err) == 0) {
		check(&f);
		if (getenv("FUZZ_MEMORY_VERBOSE"))
			fprintf(stderr, "ok: %zu entries\n", f.n);
	}
	else if (!err)
		fail("failure without a message");
	return 0;
}
