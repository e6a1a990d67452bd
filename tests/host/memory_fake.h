/* Crafted memory maps for boot/memory.c (host tests and the fuzzer): a
 * struct mb2_info whose tag 6 or tag 17 points at entries built here, as
 * GRUB would have handed them over. */
#ifndef TESTS_HOST_MEMORY_FAKE_H
#define TESTS_HOST_MEMORY_FAKE_H
#include <string.h>
#include "boot/multiboot2.h"

#define FAKE_MAP_MAX    64
#define FAKE_MMAP_SIZE  24   /* multiboot2 mmap entry */
#define FAKE_EFI_SIZE   48   /* EFI_MEMORY_DESCRIPTOR with a typical stride */

struct fake_map {
	uint8_t bytes[FAKE_MAP_MAX * FAKE_EFI_SIZE];
	size_t n;
	bool efi;
	struct mb2_info mb;
};

static inline void fake_map_init(struct fake_map *f, bool efi)
{
	memset(f, 0, sizeof(*f));
	f->efi = efi;
}

/* Appends an entry: mmap (base, len, type) or EFI (base, len / 4096 pages,
 * type); for EFI, len is a page count when pages is true. */
static inline void fake_map_add(struct fake_map *f, uint64_t base,
				uint64_t len, uint32_t type)
{
	uint8_t *e;

	if (f->n == FAKE_MAP_MAX)
		return;
	if (f->efi) {
		uint64_t pages = len / 4096;

		e = f->bytes + f->n * FAKE_EFI_SIZE;
		memcpy(e, &type, 4);
		memcpy(e + 8, &base, 8);
		memcpy(e + 24, &pages, 8);
	} else {
		e = f->bytes + f->n * FAKE_MMAP_SIZE;
		memcpy(e, &base, 8);
		memcpy(e + 8, &len, 8);
		memcpy(e + 16, &type, 4);
	}
	f->n++;
}

/* An EFI descriptor with a raw page count (to make pages * 4096 wrap). */
static inline void fake_map_add_pages(struct fake_map *f, uint64_t base,
				      uint64_t pages, uint32_t type)
{
	uint8_t *e = f->bytes + f->n * FAKE_EFI_SIZE;

	if (f->n == FAKE_MAP_MAX)
		return;
	memcpy(e, &type, 4);
	memcpy(e + 8, &base, 8);
	memcpy(e + 24, &pages, 8);
	f->n++;
}

static inline const struct mb2_info *fake_map_info(struct fake_map *f)
{
	memset(&f->mb, 0, sizeof(f->mb));
	if (f->efi) {
		f->mb.efi_mmap = f->bytes;
		f->mb.efi_mmap_count = f->n;
		f->mb.efi_desc_size = FAKE_EFI_SIZE;
	} else {
		f->mb.mmap = f->bytes;
		f->mb.mmap_count = f->n;
		f->mb.mmap_stride = FAKE_MMAP_SIZE;
	}
	return &f->mb;
}
#endif
