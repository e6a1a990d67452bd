/* Verification of a memdesc init and of its buddy allocator (run=memdesc's
 * verify=on, host tests). Same contract as mm/memmap_verify.h: each check
 * returns 0, or -1 with the first failure described in @err
 * (NUL-terminated when @errlen > 0); none prints; run them after every
 * init call has returned. "Initialized exactly once" uses the same two
 * tools: per-pfn counts (memdesc_verify_enable_counts) and the all-ones
 * poison (memdesc_verify_poison), whose type MEMDESC_POISON no check
 * accepts. */
#ifndef MM_MEMDESC_VERIFY_H
#define MM_MEMDESC_VERIFY_H
#include "mm/memdesc.h"

/* Fills every present section's array (the layout's bytes) with 0xff. */
void memdesc_verify_poison(struct memdesc_model *md);

/* Zeroes @counts (memmap_verify_counts_len(md->mm) bytes or more) and
 * makes init count into it; NULL disables. */
void memdesc_verify_enable_counts(struct memdesc_model *md, uint8_t *counts,
				  uint64_t len);

/* Every entry of every present section is final: counted once (if
 * counts are on); a reserved pfn has word RESERVED, a free pfn FREE or
 * BUDDY with a pool descriptor of its own pfn; in the 32-byte layout also
 * flags (section, node, zone, PG_reserved only on reserved pfns),
 * refcount (1 reserved, 0 free), mapcount -1, spare 0. Only for the state
 * right after init (no folio allocated). */
int memdesc_verify_pages(const struct memdesc_model *md, char *err,
			 size_t errlen);

/* Every zone's free lists: each entry a pool descriptor of type BUDDY on
 * the list of its order, aligned, inside the zone and its node's present
 * sections, its head word pointing back at it, its tail words FREE; list
 * lengths equal nr_free, free_pages their sum; no two blocks overlap
 * (@bitmap, memmap_verify_bitmap_words(md->mm) words, is scratch). Then
 * the blocks cover exactly the free pfns, and free_pages and
 * managed_pages both sum to usable_pages. Bounded on corrupt lists. */
int memdesc_verify_buddy(const struct memdesc_model *md, unsigned long *bitmap,
			 char *err, size_t errlen);

/* Drains every zone with order-0 allocations: each usable pfn comes back
 * exactly once and nothing else does, with its word FOLIO; then frees them
 * all in pfn order, after which every zone has the same free blocks per
 * order as before (the merges rebuilt them). Needs a pool with room for
 * one folio descriptor per usable page, and a state memdesc_verify_buddy
 * accepted. */
int memdesc_verify_alloc_all(struct memdesc_model *md, unsigned long *bitmap,
			     char *err, size_t errlen);

/* pages, buddy, alloc_all, buddy again. */
int memdesc_verify_all(struct memdesc_model *md, unsigned long *bitmap,
		       char *err, size_t errlen);
#endif
