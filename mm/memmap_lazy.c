/* Lazy memmap init: per-block claims inside sections, boot, growth on
 * allocation and background helpers. The contract is in mm/memmap_lazy.h. */
#include "mm/copy.h"
#include "mm/memmap_lazy.h"

static bool lazy_present(const struct memmap_lazy *lz, uint64_t i)
{
	return lz->sections->sec[lz->first_nr + i].flags & SECTION_PRESENT;
}

static bool lazy_on_node(const struct memmap_lazy *lz, uint64_t i,
			 unsigned nid)
{
	return lazy_present(lz, i) &&
	       lz->sections->sec[lz->first_nr + i].nid == nid;
}

static unsigned lazy_done_of(const struct memmap_lazy *lz, uint64_t i)
{
	/* Pairs with the release add in lazy_claim(): a reader that counts
	 * a block done sees its pages and free blocks. */
	return __atomic_load_n(&lz->done[i], __ATOMIC_ACQUIRE);
}

static unsigned lazy_next_of(const struct memmap_lazy *lz, uint64_t i)
{
	return __atomic_load_n(&lz->next[i], __ATOMIC_RELAXED);
}

/* First pfn of block @k of section index @i. */
static uint64_t lazy_block_pfn(const struct memmap_lazy *lz, uint64_t i,
			       unsigned k)
{
	return section_nr_to_pfn(lz->first_nr + i) + k * MAX_ORDER_NR_PAGES;
}

/* Takes one inject bit, if still set. */
static bool lazy_inject_take(struct memmap_lazy *lz, unsigned bit)
{
	if (!(__atomic_load_n(&lz->inject, __ATOMIC_RELAXED) & bit))
		return false;
	return __atomic_fetch_and(&lz->inject, ~bit, __ATOMIC_ACQ_REL) & bit;
}

/* The one place a block gets initialized: whoever moves next[i] from k to
 * k + 1 does block k, exactly once (a CAS, not a fetch-add, so a byte
 * never overflows however many CPUs race). Returns the block's first pfn
 * in *pfn, or false when the section has no unclaimed block. @boot:
 * boot's claims never take an injection (boot must be able to serve). */
static bool lazy_claim(struct memmap_lazy *lz, uint64_t i, bool boot,
		       uint64_t *pfn)
{
	uint8_t k = lazy_next_of(lz, i);

	do {
		if (k >= LAZY_BLOCKS)
			return false;
	} while (!__atomic_compare_exchange_n(&lz->next[i], &k, k + 1, false,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	*pfn = lazy_block_pfn(lz, i, k);
	if (boot || !lazy_inject_take(lz, LAZY_INJECT_SKIP))
		lz->init(*pfn, *pfn + MAX_ORDER_NR_PAGES, lz->init_arg);
	/* Pairs with the acquire load in lazy_done_of(). */
	__atomic_fetch_add(&lz->done[i], 1, __ATOMIC_RELEASE);
	return true;
}

void lazy_model_init(struct memmap_lazy *lz, const struct section_table *t,
		     uint64_t span_start, uint64_t span_end, uint8_t *state,
		     lazy_init_fn *init, void *init_arg)
{
	*lz = (struct memmap_lazy){
		.sections = t, .init = init, .init_arg = init_arg,
		.clear = fill_gpr,
		.first_nr = pfn_to_section_nr(span_start),
		.nr = pfn_to_section_nr(span_end) - pfn_to_section_nr(span_start),
	};
	lz->next = state;
	lz->done = state + lz->nr;
	lazy_reset(lz);
}

void lazy_reset(struct memmap_lazy *lz)
{
	/* The only part of boot that grows with RAM (2 bytes a section
	 * of the span, 16 KiB per TiB), so a fill kernel, not memset's rep
	 * stosb, which runs at 0.65 GB/s under TCG (docs/memdesc.md). */
	lz->clear(lz->next, 0, lz->nr * LAZY_STATE_BYTES);
	lz->bg_next = 0;
	lz->by_boot = lz->by_grow = lz->by_background = 0;
}

/* Section indexes [*lo, *hi) of @z's span, clamped to the model's. */
static void lazy_zone_sections(const struct memmap_lazy *lz,
			       const struct lazy_zone *z, uint64_t *lo,
			       uint64_t *hi)
{
	uint64_t a = pfn_to_section_nr(z->start_pfn);
	uint64_t b = pfn_to_section_nr(z->end_pfn + PAGES_PER_SECTION - 1);

	*lo = MIN(MAX(a, lz->first_nr), lz->first_nr + lz->nr) - lz->first_nr;
	*hi = MIN(MAX(b, lz->first_nr), lz->first_nr + lz->nr) - lz->first_nr;
}

static bool lazy_in_zone(const struct lazy_zone *z, uint64_t pfn)
{
	return pfn + MAX_ORDER_NR_PAGES > z->start_pfn && pfn < z->end_pfn;
}

/* Claims blocks of section @i until one lies in @z; returns the blocks
 * claimed (some may lie in the zone below, as section 0's ZONE_DMA blocks
 * do for ZONE_DMA32) and sets *hit when one was in the zone. */
static unsigned lazy_grow_section(struct memmap_lazy *lz, uint64_t i,
				  const struct lazy_zone *z, bool boot,
				  bool *hit)
{
	unsigned n = 0;
	uint64_t pfn;

	*hit = false;
	while (!*hit && lazy_claim(lz, i, boot, &pfn)) {
		n++;
		*hit = lazy_in_zone(z, pfn);
	}
	return n;
}

void lazy_zone_init(struct lazy_zone *z, const struct memmap_lazy *lz,
		    void *zone, uint64_t start_pfn, uint64_t end_pfn,
		    unsigned nid)
{
	uint64_t lo, hi;

	*z = (struct lazy_zone){ .zone = zone, .start_pfn = start_pfn,
				 .end_pfn = end_pfn, .nid = nid };
	lazy_zone_sections(lz, z, &lo, &hi);
	while (lo < hi && !lazy_on_node(lz, lo, nid))
		lo++;
	while (hi > lo && !lazy_on_node(lz, hi - 1, nid))
		hi--;
	z->first = z->cursor = lo;
	z->end = hi;
}

/* Sections [cursor, to) were seen DONE: raise the cursor to @to unless
 * another CPU raised it further. */
static void lazy_cursor_raise(struct lazy_zone *z, uint64_t to)
{
	uint64_t cur = __atomic_load_n(&z->cursor, __ATOMIC_RELAXED);

	while (cur < to && !__atomic_compare_exchange_n(&z->cursor, &cur, to,
							true, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
		;
}

/* The grow step: 1 and *n blocks claimed, 0 busy, -1 all done. Starts
 * at the zone's cursor and moves it past the DONE sections it finds
 * there, so a zone's growth walks each section about once. */
static int lazy_grow_one(struct memmap_lazy *lz, struct lazy_zone *z,
			 bool boot, unsigned *n)
{
	uint64_t i = __atomic_load_n(&z->cursor, __ATOMIC_RELAXED);
	uint64_t done_to = i;	/* [cursor, done_to): DONE or not ours */
	bool busy = false, hit = false;

	*n = 0;
	for (; i < z->end && !hit; i++) {
		if (!lazy_on_node(lz, i, z->nid)) {
			done_to += done_to == i;
			continue;
		}
		if (lazy_next_of(lz, i) < LAZY_BLOCKS)
			*n += lazy_grow_section(lz, i, z, boot, &hit);
		/* Someone else's claims may still be running. */
		if (lazy_done_of(lz, i) < LAZY_BLOCKS)
			busy = true;
		else
			done_to += done_to == i;
	}
	lazy_cursor_raise(z, done_to);
	if (*n)
		return 1;
	return busy ? 0 : -1;
}

/* Has a block of @z's first section (of its node) in the zone been
 * claimed already? Claims go in block order, so blocks [0, next) are the
 * claimed ones: does that range meet the zone's span? (None claimed is
 * an empty range: a zone whose RAM starts after its span does, as
 * ZONE_NORMAL's at 1 TiB on a 1 TiB q35 guest, is not started.) */
static bool lazy_zone_started(const struct memmap_lazy *lz,
			      const struct lazy_zone *z)
{
	uint64_t i = z->first;
	unsigned next;

	if (i >= z->end)
		return false;
	next = lazy_next_of(lz, i);
	return next > 0 &&
	       MAX(z->start_pfn, lazy_block_pfn(lz, i, 0)) <
		       MIN(z->end_pfn, lazy_block_pfn(lz, i, next));
}

unsigned lazy_boot(struct memmap_lazy *lz, struct lazy_zone *zones,
		   unsigned n)
{
	unsigned done = 0, blocks;

	for (unsigned k = 0; k < n; k++)
		__atomic_store_n(&zones[k].cursor, zones[k].first,
				 __ATOMIC_RELAXED);
	for (unsigned k = 0; k < n; k++) {
		if (lazy_zone_started(lz, &zones[k]))
			continue;
		lazy_grow_one(lz, &zones[k], true, &blocks);
		done += blocks;
	}
	__atomic_fetch_add(&lz->by_boot, done, __ATOMIC_RELAXED);
	return done;
}

int lazy_grow(struct memmap_lazy *lz, struct lazy_zone *z)
{
	unsigned blocks;
	int r = lazy_grow_one(lz, z, false, &blocks);

	__atomic_fetch_add(&lz->by_grow, blocks, __ATOMIC_RELAXED);
	return r;
}

void *lazy_alloc(struct memmap_lazy *lz, struct lazy_zone *z,
		 unsigned order, lazy_alloc_fn *alloc, void *arg, bool *grew)
{
	*grew = false;
	for (unsigned tries = 0; tries < LAZY_BUSY_RETRIES; tries++) {
		void *p = alloc(z->zone, order, arg);
		int r;

		if (p)
			return p;
		r = lazy_grow(lz, z);
		if (r < 0)	/* a block done since our try may have fed z */
			return alloc(z->zone, order, arg);
		if (r > 0) {
			*grew = true;
			continue;
		}
		/* Another CPU holds the blocks we would grow into. */
		for (unsigned s = 0; s < LAZY_BUSY_SPINS; s++)
			cpu_relax();
	}
	return NULL;
}

/* Every unclaimed block of section @i. */
static uint64_t lazy_fill_section(struct memmap_lazy *lz, uint64_t i)
{
	uint64_t n = 0, pfn;

	if (!lazy_present(lz, i))
		return 0;
	while (lazy_claim(lz, i, false, &pfn))
		n++;
	return n;
}

uint64_t lazy_background(struct memmap_lazy *lz)
{
	uint64_t done = 0;

	for (;;) {
		uint64_t i = __atomic_fetch_add(&lz->bg_next, 1,
						__ATOMIC_RELAXED);

		if (i >= lz->nr)
			break;
		done += lazy_fill_section(lz, i);
	}
	__atomic_fetch_add(&lz->by_background, done, __ATOMIC_RELAXED);
	return done;
}

/* LAZY_INJECT_DOUBLE: the first block of the first present section once
 * more, as a bug that let two CPUs both win a claim would. */
static void lazy_inject_double(struct memmap_lazy *lz)
{
	for (uint64_t i = 0; i < lz->nr; i++) {
		uint64_t pfn = lazy_block_pfn(lz, i, 0);

		if (!lazy_present(lz, i))
			continue;
		lz->init(pfn, pfn + MAX_ORDER_NR_PAGES, lz->init_arg);
		return;
	}
}

uint64_t lazy_finish(struct memmap_lazy *lz)
{
	uint64_t done = 0;

	for (uint64_t i = 0; i < lz->nr; i++)
		done += lazy_fill_section(lz, i);
	__atomic_fetch_add(&lz->by_background, done, __ATOMIC_RELAXED);
	if (lazy_inject_take(lz, LAZY_INJECT_DOUBLE))
		lazy_inject_double(lz);
	return done;
}

uint64_t lazy_pending(const struct memmap_lazy *lz)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < lz->nr; i++)
		n += lazy_present(lz, i) && lazy_done_of(lz, i) < LAZY_BLOCKS;
	return n;
}
