/* Verification of a struct page init (the experiment's verify=on) and the
 * canonical comparison of two inits. Every check returns 0, or -1 with the
 * first failure described in @err (NUL-terminated when @errlen > 0); none
 * prints. Run them after all init calls have returned.
 *
 * "Initialized exactly once" is checked two ways, both optional and set up
 * before the init:
 *   counts   memmap_verify_enable_counts() hands the model a byte per pfn;
 *            the algorithms add one for every struct page they initialize
 *            (one branch per piece when off, an atomic add per page when
 *            on), so 0 means skipped and 2 means two chunks overlapped;
 *   poison   memmap_verify_poison() fills every memmap with 0xff (Linux's
 *            page_init_poison pattern); a page still all-ones was never
 *            written, whatever the counts say.
 * Without either, a skipped page is still caught if its stale bytes do not
 * happen to be a valid final state (memmap_verify_pages checks every
 * field), but a double init is not. */
#ifndef MM_MEMMAP_VERIFY_H
#define MM_MEMMAP_VERIFY_H
#include "mm/memmap.h"

#define MEMMAP_VERIFY_ERR_LEN	192	/* a comfortable @errlen */

/* Fills the memmap of every present section with PAGE_POISON_BYTE. */
void memmap_verify_poison(struct mm_model *m);

/* Bytes of the counts array: one per pfn of [span_start, span_end). */
uint64_t memmap_verify_counts_len(const struct mm_model *m);

/* Zeroes @counts (@len bytes, at least memmap_verify_counts_len) and makes
 * the algorithms count into it. Disable with NULL. */
void memmap_verify_enable_counts(struct mm_model *m, uint8_t *counts,
				 uint64_t len);

/* Words of the caller's pfn bitmap (one bit per pfn of the span). */
uint64_t memmap_verify_bitmap_words(const struct mm_model *m);

/* Every struct page of every present section is in its final state:
 * initialized exactly once (counts, if enabled; not poisoned), section,
 * node and zone bits right; a free pfn has refcount 0 and no PG_reserved,
 * PG_buddy only as an aligned block head with private <= MAX_PAGE_ORDER;
 * a reserved or hole pfn has PG_reserved, refcount 1, no PG_buddy (no
 * reserved page freed); every page has _mapcount -1, lru pointing at
 * itself unless it is a free block head, other fields 0. */
int memmap_verify_pages(const struct mm_model *m, char *err, size_t errlen);

/* Buddy invariants of every zone (buddy_check_zone), then: the free blocks
 * cover exactly the free pfns (no reserved pfn free, no usable pfn
 * leaked), free_pages and managed_pages sum to usable_pages. Uses @bitmap
 * (memmap_verify_bitmap_words() words) as scratch. */
int memmap_verify_buddy(const struct mm_model *m, unsigned long *bitmap,
			char *err, size_t errlen);

/* Drains every zone with order-0 allocations, checking that each usable
 * pfn comes back exactly once and nothing else does (@bitmap records
 * them), then frees them all again in pfn order, which rebuilds the same
 * free blocks. Run it only on a state memmap_verify_buddy accepted: a
 * corrupt free list could make it loop or scribble. On failure the
 * allocations are not undone. */
int memmap_verify_alloc_all(struct mm_model *m, unsigned long *bitmap,
			    char *err, size_t errlen);

/* pages, buddy, alloc_all, buddy again, stopping at the first failure. */
int memmap_verify_all(struct mm_model *m, unsigned long *bitmap, char *err,
		      size_t errlen);

/* Canonical comparison of two models with the same layout, each having
 * passed memmap_verify_buddy: every struct page equal byte for byte
 * except the lru links of free block heads (list order may differ, e.g.
 * with the number of threads), pageblock bits equal, and per zone the
 * same nr_free per order, free_pages and managed_pages. Since each free
 * list holds exactly the PG_buddy heads of its zone and order (checked by
 * memmap_verify_buddy), this means the same free blocks. */
int memmap_compare(const struct mm_model *a, const struct mm_model *b,
		   char *err, size_t errlen);
#endif
