/* Page-table memory for mm/xpt in host tests: table pages from the C heap
 * (a page's "physical" address is its pointer), counted so a test can see
 * leaks, with an optional budget (allocation failure) and an optional
 * poke (a CPU setting A/D bits at the moment a split allocates). Used by
 * test_xpt, test_split and test_pin. */
#ifndef TESTS_HOST_XPT_HMEM_H
#define TESTS_HOST_XPT_HMEM_H
#include <stdlib.h>
#include <string.h>
#include "mm/xpt.h"

struct hmem {
	struct xpt_mem mem;
	long allocs, frees;     /* atomic */
	bool limited;
	long budget;            /* pages alloc() may still give when limited */
	/* The next alloc() ORs poke_bits into *poke: a CPU setting A/D on
	 * the leaf xpt_split() has read but not yet replaced. */
	uint64_t *poke, poke_bits;
};

static inline uint64_t hmem_alloc(void *ctx)
{
	struct hmem *h = ctx;
	void *p;

	if (h->limited && __atomic_fetch_sub(&h->budget, 1, __ATOMIC_RELAXED) <= 0)
		return 0;
	if (h->poke) {
		__atomic_fetch_or(h->poke, h->poke_bits, __ATOMIC_RELAXED);
		h->poke = NULL;
	}
	p = aligned_alloc(XPT_PAGE, XPT_PAGE);
	memset(p, 0, XPT_PAGE);
	__atomic_fetch_add(&h->allocs, 1, __ATOMIC_RELAXED);
	return (uintptr_t)p;
}

static inline void hmem_free(void *ctx, uint64_t phys)
{
	struct hmem *h = ctx;

	free((void *)(uintptr_t)phys);
	__atomic_fetch_add(&h->frees, 1, __ATOMIC_RELAXED);
}

static inline void *hmem_virt(void *ctx, uint64_t phys)
{
	(void)ctx;
	return (void *)(uintptr_t)phys;
}

/* Unlimited, nothing to poke, counters at zero; h->mem is ready for xpt. */
static inline void hmem_init(struct hmem *h)
{
	*h = (struct hmem){ .mem = { hmem_alloc, hmem_free, hmem_virt, h } };
}

/* Table pages allocated and not yet freed. */
static inline long hmem_live(const struct hmem *h)
{
	return h->allocs - h->frees;
}
#endif
