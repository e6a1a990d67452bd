/* The buddy allocator, after Linux mm/page_alloc.c: per zone, one free
 * list per order 0..MAX_PAGE_ORDER. A free block of order k is 2^k pages
 * aligned to 2^k; its head page carries PG_buddy and private = k and is
 * linked on free_area[k]; its other pages are plain free pages (refcount 0,
 * no PG_buddy). Freeing merges a block with its buddy (pfn ^ 2^k) while the
 * buddy is a free block of the same order in the same zone.
 *
 * Locking: the allocation and free functions take zone->lock and may run
 * concurrently; buddy_zone_init and buddy_check_zone expect the zone to be
 * quiescent. */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H
#include "mm/zone.h"

/* Prepares an empty zone: empty lists, zero counters, no span. */
void buddy_zone_init(struct zone *z, const struct section_table *t,
		     unsigned nid, enum zone_type idx);

/* Gives the block of 2^order pages at @page (aligned, inside one section,
 * all pages of zone @z, head refcount 0, not PG_buddy, not reserved) to
 * the free lists, merging with free buddies. Does not touch managed_pages.
 * Safe against concurrent frees and allocations in the same zone. The
 * buddy's state is read under the lock, so the buddy's struct page must be
 * initialized (or still poisoned, which never reads as a free block of the
 * right zone) before anyone frees next to it: callers that initialize in
 * parallel split work on MAX_ORDER_NR_PAGES (better: section) boundaries. */
void buddy_free_block(struct zone *z, struct page *page, unsigned order);

/* Adds pre-built free blocks under one lock acquisition: lists[o] holds
 * nr[o] heads of order-o blocks, each already formed (PG_buddy, private o,
 * pages initialized as by buddy_free_block's precondition) and such that
 * no merge is possible (its buddy is not free and cannot become free
 * before this call returns). Adds their pages to free_pages and
 * managed_pages. The lists are left empty. */
void buddy_splice_blocks(struct zone *z, struct list_head lists[NR_PAGE_ORDERS],
			 const uint64_t nr[NR_PAGE_ORDERS]);

/* Takes the free block of 2^order pages headed by @page off the lists (as
 * Linux's take_page_off_buddy does for a poisoned page): it stays
 * initialized, refcount 0, but no longer free. Returns false, changing
 * nothing, if @page is not currently the head of such a free block. */
bool buddy_take_block(struct zone *z, struct page *page, unsigned order);

/* Frees an allocated block: drops the head's reference, then
 * buddy_free_block. */
void buddy_free_pages(struct zone *z, struct page *page, unsigned order);

/* Takes a block of 2^order pages from @z, splitting a larger block if
 * needed (the unused halves go back on the lists). The head gets refcount
 * 1, loses PG_buddy and private. Returns NULL if no block is large enough
 * or order > MAX_PAGE_ORDER. */
struct page *buddy_alloc(struct zone *z, unsigned order);

/* Allocation with fallback: the preferred node's zones from ZONE_NORMAL
 * down to ZONE_DMA, then the other online nodes in increasing id order
 * (wrapping) the same way. @nodes has MAX_NUMNODES entries. NULL when
 * nothing fits. */
struct page *buddy_alloc_any(struct node *nodes, unsigned nid, unsigned order);

/* Checks the zone's buddy invariants:
 *   every list entry is the head of a free block: a struct page of a
 *   present section, PG_buddy set, private equal to the list's order,
 *   pfn aligned to 2^order, node and zone those of @z, inside the zone's
 *   span, refcount 0; its tail pages have neither PG_buddy nor a
 *   reference; lists are well linked; nr_free equals the list length and
 *   free_pages the sum of nr_free << order;
 *   no two blocks overlap: each block's pfns are set in @bitmap (bit
 *   pfn - @base; @nbits bits; the caller clears it once and may pass the
 *   same bitmap for several zones to also catch overlaps between zones).
 * Returns 0, or -1 with the first violation described in @err (always
 * NUL-terminated when @errlen > 0). Bounded even on corrupt lists. */
int buddy_check_zone(const struct zone *z, unsigned long *bitmap,
		     uint64_t base, uint64_t nbits, char *err, size_t errlen);

/* ---- pfn bitmaps for the checkers (bit i = pfn base + i) --------------- */

#define BITMAP_WORD_BITS	64

static inline uint64_t bitmap_words(uint64_t nbits)
{
	return DIV_ROUND_UP(nbits, BITMAP_WORD_BITS);
}

static inline bool bitmap_test(const unsigned long *map, uint64_t bit)
{
	return (map[bit / BITMAP_WORD_BITS] >> (bit % BITMAP_WORD_BITS)) & 1;
}

static inline void bitmap_set_bit(unsigned long *map, uint64_t bit)
{
	map[bit / BITMAP_WORD_BITS] |= 1ul << (bit % BITMAP_WORD_BITS);
}

/* Sets bits [start, start + n); returns true if any of them was set. */
static inline bool bitmap_test_and_set_range(unsigned long *map,
					     uint64_t start, uint64_t n)
{
	bool seen = false;

	while (n) {
		uint64_t off = start % BITMAP_WORD_BITS;
		uint64_t k = MIN(n, BITMAP_WORD_BITS - off);
		unsigned long mask = (k == BITMAP_WORD_BITS ? ~0ul :
				      (1ul << k) - 1) << off;
		unsigned long *w = &map[start / BITMAP_WORD_BITS];

		seen |= (*w & mask) != 0;
		*w |= mask;
		start += k;
		n -= k;
	}
	return seen;
}
#endif
