/* memblock: the boot-time physical memory map, after Linux mm/memblock.c.
 *
 * Two region arrays of fixed capacity (no allocation ever happens here):
 *   memory    usable RAM, each region tagged with its NUMA node;
 *   reserved  ranges that must not be handed out (kernel image, boot
 *             information, early allocations, firmware tables...).
 * Reserved ranges need not lie inside memory. The free memory is
 * "memory minus reserved", computed on the fly by memblock_next_free().
 *
 * Invariant, true after every call (memblock_check() verifies it): each
 * array is sorted by base, its regions are non-empty and do not overlap,
 * and two regions that touch are merged unless (memory only) their nodes
 * differ. Like Linux, memblock_add() of a range that overlaps existing
 * memory keeps the existing regions (and their nodes) and adds only the
 * uncovered parts.
 *
 * Ranges are byte-exact [base, base + size). A range whose end would pass
 * 2^64 - 1 is clamped to end there (the last byte of the address space is
 * never representable, which no machine notices). Every modifying call
 * either succeeds completely or returns an error and changes nothing.
 *
 * One global instance, meant for the boot CPU before SMP bring-up: no
 * locking. Each call is O(number of regions).
 */
#ifndef MM_MEMBLOCK_H
#define MM_MEMBLOCK_H
#include "lib/compiler.h"

#define MEMBLOCK_MAX_REGIONS 512     /* per array */
#define MEMBLOCK_NID_NONE    (-1)    /* node not (yet) known */
#define MEMBLOCK_PAGE_SIZE   4096ull /* for memblock_trim_to_pages() */
#define MEMBLOCK_ADDR_MAX    UINT64_MAX /* exclusive end of everything */

/* Error codes (negative, like the kernel's -ENOSPC / -EINVAL). */
#define MEMBLOCK_E_FULL   (-1)  /* the result would need > MAX_REGIONS */
#define MEMBLOCK_E_INVAL  (-2)  /* bad argument (node id < NID_NONE) */

struct memblock_region {
	uint64_t base;
	uint64_t size;
	int nid;        /* MEMBLOCK_NID_NONE for reserved regions */
};

/* Forgets everything: both arrays empty. */
void memblock_reset(void);

/* Adds usable RAM; new parts get node MEMBLOCK_NID_NONE. size 0: no-op.
 * Returns 0 or MEMBLOCK_E_FULL. */
int memblock_add(uint64_t base, uint64_t size);

/* Same as memblock_add() with node nid for the parts not already present. */
int memblock_add_node(uint64_t base, uint64_t size, int nid);

/* Takes [base, base + size) out of memory (e.g. to honour a mem= limit);
 * may split a region. Returns 0 or MEMBLOCK_E_FULL. */
int memblock_remove(uint64_t base, uint64_t size);

/* Marks a range reserved (it need not be memory). Returns 0 or E_FULL. */
int memblock_reserve(uint64_t base, uint64_t size);

/* Un-reserves a range (the opposite of memblock_reserve). 0 or E_FULL. */
int memblock_free(uint64_t base, uint64_t size);

/* Records that the memory inside [base, base + size) belongs to node nid,
 * splitting regions at the range's ends; parts of the range that are not
 * memory are ignored. Returns 0, E_FULL or E_INVAL (nid < NID_NONE). */
int memblock_set_node(uint64_t base, uint64_t size, int nid);

/* Shrinks every memory region inward to MEMBLOCK_PAGE_SIZE boundaries and
 * drops regions left empty. Cannot fail. */
void memblock_trim_to_pages(void);

/* Early allocator, top-down: the highest free range of `size` bytes aligned
 * to `align` that ends at or below `limit` (0: no limit). Reserves it and
 * returns its base; returns 0 on failure (no room, size 0, align not a power
 * of two, or the reserved array full). Never returns address 0, so 0 is
 * unambiguous. align 0 means 1. */
uint64_t memblock_phys_alloc(uint64_t size, uint64_t align, uint64_t limit);

/* Bottom-up variant: the lowest such range with min <= base and
 * base + size <= max (max 0: no limit). Same failure rules. */
uint64_t memblock_phys_alloc_range(uint64_t size, uint64_t align,
				   uint64_t min, uint64_t max);

/* Totals in bytes. free = memory minus reserved, overlaps counted once. */
uint64_t memblock_memory_bytes(void);
uint64_t memblock_reserved_bytes(void);
uint64_t memblock_free_bytes(void);
/* One past the highest byte of memory, 0 if there is none. */
uint64_t memblock_end_of_ram(void);

/* Region accessors: NULL when i >= count. Pointers stay valid until the
 * next modifying call. */
size_t memblock_memory_count(void);
const struct memblock_region *memblock_memory_region(size_t i);
size_t memblock_reserved_count(void);
const struct memblock_region *memblock_reserved_region(size_t i);

/* Is the byte at addr memory / reserved? */
bool memblock_is_memory(uint64_t addr);
bool memblock_is_reserved(uint64_t addr);

/* Free ranges in ascending order: [*base, *end) is memory, not reserved,
 * of one node (it->nid). Adjacent free ranges of different nodes come out
 * separately. Start with MEMBLOCK_ITER_INIT; the arrays must not change
 * during the walk. Returns false when there are no more. */
struct memblock_iter {
	size_t mi;     /* current memory region */
	size_t ri;     /* first reserved region that may still matter */
	uint64_t pos;  /* everything below has been returned or skipped */
	int nid;       /* node of the range just returned */
};
#define MEMBLOCK_ITER_INIT { 0, 0, 0, MEMBLOCK_NID_NONE }
bool memblock_next_free(struct memblock_iter *it, uint64_t *base,
			uint64_t *end);

#define for_each_free_range(it, base, end)                          \
	for ((it) = (struct memblock_iter)MEMBLOCK_ITER_INIT;        \
	     memblock_next_free(&(it), &(base), &(end));)

/* Checks the invariant; returns NULL if it holds, else what is wrong. */
const char *memblock_check(void);
#endif
