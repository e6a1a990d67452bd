/* Dirty logging over an experiment page table: the bitmap, the two ways of
 * enabling it (write-protect, eager split), the write fault's fast and
 * slow paths, and the get / clear / disable steps (dirty_log.h). */
#include "mm/dirty_log.h"

#define DIRTY_2M (XPT_PAGE * XPT_ENTRIES)

void dirty_log_mark(struct dirty_log *d, uint64_t page)
{
	__atomic_fetch_or(&d->bitmap[page / 64], 1ull << (page % 64),
			  __ATOMIC_RELAXED);
}

void dirty_log_unmark(struct dirty_log *d, uint64_t page)
{
	__atomic_fetch_and(&d->bitmap[page / 64], ~(1ull << (page % 64)),
			   __ATOMIC_RELAXED);
}

bool dirty_log_test(const uint64_t *bitmap, uint64_t page)
{
	return bitmap[page / 64] >> (page % 64) & 1;
}

/* Set bits of x (the kernel is built without popcnt: no libgcc helper). */
static uint64_t bits_set(uint64_t x)
{
	uint64_t n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

uint64_t dirty_log_get_clear(struct dirty_log *d, uint64_t *out, uint64_t w0,
			     uint64_t w1)
{
	uint64_t n = 0;

	for (uint64_t w = w0; w < w1; w++) {
		out[w] = __atomic_exchange_n(&d->bitmap[w], 0, __ATOMIC_ACQ_REL);
		n += bits_set(out[w]);
	}
	return n;
}

static uint64_t region_bytes(const struct dirty_log *d)
{
	return d->pages * XPT_PAGE;
}

int64_t dirty_log_protect(struct dirty_log *d)
{
	return xpt_protect(d->pt, d->base, region_bytes(d), XPT_W, 0);
}

/* Splits the huge leaf mapping va until it is 4 KiB, new leaves read-only;
 * flushes each split through d->flush when `flush`. Returns the splits
 * made, -1 when no table page was left, -2 when va is not mapped. */
static int split_to_4k(struct dirty_log *d, uint64_t va, bool flush)
{
	struct xpt_leaf l;
	int splits = 0, rc;

	while (xpt_walk(d->pt, va, &l)) {
		if (l.level == 1)
			return splits;
		rc = xpt_split(d->pt, &l, XPT_W, 0);
		if (rc < 0)
			return -1;
		splits += rc;
		/* rc == 0: another CPU split it first and flushes for it. */
		if (rc > 0 && flush && d->flush)
			d->flush(d->flush_ctx, l.va, l.page_size);
	}
	return -2;
}

int64_t dirty_log_split_range(struct dirty_log *d, uint64_t p0, uint64_t p1)
{
	uint64_t va0 = d->base + p0 * XPT_PAGE, va1 = d->base + p1 * XPT_PAGE;
	int64_t splits = 0;

	for (uint64_t va = va0; va < va1; va += DIRTY_2M) {
		struct xpt_leaf l;
		int rc;

		if (!xpt_walk(d->pt, va, &l))
			return -1;
		/* Split before (a second enable): only write-protect. A split
		 * leaves read-only leaves, so it needs no second pass. */
		if (l.level == 1) {
			if (xpt_protect(d->pt, va, DIRTY_2M, XPT_W, 0) < 0)
				return -1;
			continue;
		}
		rc = split_to_4k(d, va, false);
		if (rc < 0)
			return -1;
		splits += rc;
	}
	return splits;
}

static bool page_of(const struct dirty_log *d, uint64_t va, uint64_t *page)
{
	if (va < d->base || va - d->base >= region_bytes(d))
		return false;
	*page = (va - d->base) / XPT_PAGE;
	return true;
}

enum dirty_fault dirty_log_fault_fast(struct dirty_log *d, uint64_t va)
{
	struct xpt_leaf l;
	uint64_t page, old;

	if (!page_of(d, va, &page) || !xpt_walk(d->pt, va, &l))
		return DIRTY_FAULT_BAD;
	if (l.level > 1)
		return DIRTY_FAULT_HUGE;
	/* Mark before the page becomes writable: the bit may then be read by
	 * a get that runs before the write, never missed by one after it. */
	dirty_log_mark(d, page);
	old = __atomic_fetch_or(l.pte, XPT_W, __ATOMIC_ACQ_REL);
	return old & XPT_W ? DIRTY_FAULT_SPURIOUS : DIRTY_FAULT_FIXED;
}

enum dirty_fault dirty_log_fault_slow(struct dirty_log *d, uint64_t va,
				      unsigned *splits)
{
	uint64_t page;
	int rc;

	*splits = 0;
	if (!page_of(d, va, &page))
		return DIRTY_FAULT_BAD;
	rc = split_to_4k(d, va, true);
	if (rc == -1)
		return DIRTY_FAULT_NOMEM;
	if (rc < 0)
		return DIRTY_FAULT_BAD;
	*splits = (unsigned)rc;
	return dirty_log_fault_fast(d, va);
}

/* Write-protects the leaf mapping page; true when it was writable. */
static bool protect_page(struct dirty_log *d, uint64_t page)
{
	struct xpt_leaf l;

	if (!xpt_walk(d->pt, d->base + page * XPT_PAGE, &l))
		return false;
	return __atomic_fetch_and(l.pte, ~XPT_W, __ATOMIC_ACQ_REL) & XPT_W;
}

uint64_t dirty_log_clear(struct dirty_log *d, const uint64_t *got)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < DIRTY_LOG_WORDS(d->pages); w++)
		for (uint64_t bits = got[w]; bits; bits &= bits - 1)
			n += protect_page(d, w * 64 +
					  (uint64_t)__builtin_ctzll(bits));
	return n;
}

int64_t dirty_log_disable(struct dirty_log *d)
{
	return xpt_protect(d->pt, d->base, region_bytes(d), 0, XPT_W);
}
