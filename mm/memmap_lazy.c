/* Lazy memmap init: per-section claims, boot, growth on allocation and
 * background helpers. The contract is in mm/memmap_lazy.h. */
#include "mm/memmap_lazy.h"

static bool lazy_present(const struct memmap_lazy *lz, uint64_t i)
{
	return lz->sections->sec[lz->first_nr + i].flags & SECTION_PRESENT;
}

static unsigned lazy_state_of(const struct memmap_lazy *lz, uint64_t i)
{
	/* Pairs with the release store of DONE in lazy_claim(): a reader
	 * that sees DONE sees the section's pages and free blocks. */
	return __atomic_load_n(&lz->state[i], __ATOMIC_ACQUIRE);
}

/* Takes one inject bit, if still set. */
static bool lazy_inject_take(struct memmap_lazy *lz, unsigned bit)
{
	if (!(__atomic_load_n(&lz->inject, __ATOMIC_RELAXED) & bit))
		return false;
	return __atomic_fetch_and(&lz->inject, ~bit, __ATOMIC_ACQ_REL) & bit;
}

/* The one place a section gets initialized: whoever moves it from
 * UNTOUCHED to INITIALIZING does the work, exactly once. @boot: boot's
 * claims never take an injection (boot must be able to serve). */
static bool lazy_claim(struct memmap_lazy *lz, uint64_t i, bool boot)
{
	uint8_t expect = LAZY_UNTOUCHED;
	uint64_t pfn = section_nr_to_pfn(lz->first_nr + i);

	/* One winner per section. Acquire: its init sees the section as
	 * lazy_reset left it; the loser learns nothing from the byte but
	 * that it must not touch the section. */
	if (!__atomic_compare_exchange_n(&lz->state[i], &expect,
					 LAZY_INITIALIZING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return false;
	if (boot || !lazy_inject_take(lz, LAZY_INJECT_SKIP))
		lz->init(pfn, pfn + PAGES_PER_SECTION, lz->init_arg);
	/* Pairs with the acquire load in lazy_state_of(): whoever sees DONE
	 * sees the pages and (with zone->lock) the free blocks. */
	__atomic_store_n(&lz->state[i], LAZY_DONE, __ATOMIC_RELEASE);
	return true;
}

void lazy_model_init(struct memmap_lazy *lz, const struct section_table *t,
		     uint64_t span_start, uint64_t span_end, uint8_t *state,
		     lazy_init_fn *init, void *init_arg)
{
	*lz = (struct memmap_lazy){
		.sections = t, .state = state, .init = init,
		.init_arg = init_arg,
		.first_nr = pfn_to_section_nr(span_start),
		.nr = pfn_to_section_nr(span_end) - pfn_to_section_nr(span_start),
	};
	lazy_reset(lz);
}

void lazy_reset(struct memmap_lazy *lz)
{
	for (uint64_t i = 0; i < lz->nr; i++)
		lz->state[i] = LAZY_UNTOUCHED;
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

static bool lazy_on_node(const struct memmap_lazy *lz, uint64_t i,
			 unsigned nid)
{
	return lazy_present(lz, i) &&
	       lz->sections->sec[lz->first_nr + i].nid == nid;
}

/* The grow step, with @boot passed on to the claim. */
static int lazy_grow_one(struct memmap_lazy *lz, const struct lazy_zone *z,
			 bool boot)
{
	uint64_t lo, hi;
	bool busy = false;

	lazy_zone_sections(lz, z, &lo, &hi);
	for (uint64_t i = lo; i < hi; i++) {
		unsigned st;

		if (!lazy_on_node(lz, i, z->nid))
			continue;
		st = lazy_state_of(lz, i);
		if (st == LAZY_UNTOUCHED && lazy_claim(lz, i, boot))
			return 1;
		/* Lost the race or someone else is at it: not done yet. */
		busy |= lazy_state_of(lz, i) != LAZY_DONE;
	}
	return busy ? 0 : -1;
}

/* Has @z a section done already (one shared with the zone below it, as
 * section 0 holds both ZONE_DMA and the start of ZONE_DMA32)? */
static bool lazy_zone_started(const struct memmap_lazy *lz,
			      const struct lazy_zone *z)
{
	uint64_t lo, hi;

	lazy_zone_sections(lz, z, &lo, &hi);
	for (uint64_t i = lo; i < hi; i++)
		if (lazy_on_node(lz, i, z->nid))
			return lazy_state_of(lz, i) == LAZY_DONE;
	return false;
}

unsigned lazy_boot(struct memmap_lazy *lz, const struct lazy_zone *zones,
		   unsigned n)
{
	unsigned done = 0;

	for (unsigned k = 0; k < n; k++)
		if (!lazy_zone_started(lz, &zones[k]))
			done += lazy_grow_one(lz, &zones[k], true) == 1;
	__atomic_fetch_add(&lz->by_boot, done, __ATOMIC_RELAXED);
	return done;
}

int lazy_grow(struct memmap_lazy *lz, const struct lazy_zone *z)
{
	int r = lazy_grow_one(lz, z, false);

	if (r == 1)
		__atomic_fetch_add(&lz->by_grow, 1, __ATOMIC_RELAXED);
	return r;
}

void *lazy_alloc(struct memmap_lazy *lz, const struct lazy_zone *z,
		 unsigned order, lazy_alloc_fn *alloc, void *arg, bool *grew)
{
	*grew = false;
	for (unsigned tries = 0; tries < LAZY_BUSY_RETRIES; tries++) {
		void *p = alloc(z->zone, order, arg);
		int r;

		if (p)
			return p;
		r = lazy_grow(lz, z);
		if (r < 0)	/* a section done since our try may have fed z */
			return alloc(z->zone, order, arg);
		if (r > 0) {
			*grew = true;
			continue;
		}
		/* Another CPU holds the section we would grow into. */
		for (unsigned s = 0; s < LAZY_BUSY_SPINS; s++)
			cpu_relax();
	}
	return NULL;
}

uint64_t lazy_background(struct memmap_lazy *lz)
{
	uint64_t done = 0;

	for (;;) {
		uint64_t i = __atomic_fetch_add(&lz->bg_next, 1,
						__ATOMIC_RELAXED);

		if (i >= lz->nr)
			break;
		if (lazy_present(lz, i) &&
		    lazy_state_of(lz, i) == LAZY_UNTOUCHED &&
		    lazy_claim(lz, i, false))
			done++;
	}
	__atomic_fetch_add(&lz->by_background, done, __ATOMIC_RELAXED);
	return done;
}

/* LAZY_INJECT_DOUBLE: the first present section once more, as a bug
 * that let two CPUs both win a claim would. */
static void lazy_inject_double(struct memmap_lazy *lz)
{
	for (uint64_t i = 0; i < lz->nr; i++) {
		uint64_t pfn = section_nr_to_pfn(lz->first_nr + i);

		if (!lazy_present(lz, i))
			continue;
		lz->init(pfn, pfn + PAGES_PER_SECTION, lz->init_arg);
		return;
	}
}

uint64_t lazy_finish(struct memmap_lazy *lz)
{
	uint64_t done = 0;

	for (uint64_t i = 0; i < lz->nr; i++)
		if (lazy_present(lz, i) && lazy_claim(lz, i, false))
			done++;
	__atomic_fetch_add(&lz->by_background, done, __ATOMIC_RELAXED);
	if (lazy_inject_take(lz, LAZY_INJECT_DOUBLE))
		lazy_inject_double(lz);
	return done;
}

uint64_t lazy_pending(const struct memmap_lazy *lz)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < lz->nr; i++)
		n += lazy_present(lz, i) && lazy_state_of(lz, i) != LAZY_DONE;
	return n;
}
