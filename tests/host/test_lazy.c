/* Host tests of lazy memmap init (mm/memmap_lazy.h) in the 64-byte struct
 * page and the 32- and 8-byte memdesc layouts, on a two-node model with holes and RAM above
 * 4 GiB: boot serves a first allocation from every zone; foreground
 * allocations (two threads growing the same zone) race background helpers
 * and every section is still initialized exactly once (poison + per-pfn
 * counts, then the layout's full verification); both injections caught.
 * Built again under TSan as test_lazy_tsan. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "mm/memdesc_verify.h"
#include "mm/memmap_lazy.h"
#include "mm/memmap_verify.h"

#define PFN(bytes)	((uint64_t)(bytes) >> PAGE_SHIFT)
#define MAX_SECTIONS	40
#define MAX_RANGES	16
#define NSEC		8
#define HELPERS		3
#define GROWERS		2
#define ROUNDS		12
#define MAX_BLOCKS	(NSEC * PAGES_PER_SECTION / MAX_ORDER_NR_PAGES)
#define MAX_ZONES	(MAX_NUMNODES * MAX_NR_ZONES)

struct sim {
	struct mm_model m;
	struct mem_section table[MAX_SECTIONS];
	struct pfn_range ranges[MAX_RANGES];
	struct page *memmap;
	void *store;			/* the compact layout's arrays */
	void *arrays[MAX_SECTIONS];
	unsigned layout;
	struct memdesc_model md;
	struct memdesc_desc *pool;
	uint64_t pool_cap;
	uint8_t state[MAX_SECTIONS * LAZY_STATE_BYTES];
	struct memmap_lazy lz;
	struct lazy_zone zones[MAX_ZONES];
	unsigned nzones, fg;
	uint8_t *counts;
	unsigned long *bitmap;
	char err[MEMMAP_VERIFY_ERR_LEN];
};

static void init64(uint64_t a, uint64_t b, void *arg)
{
	struct sim *s = arg;

	memmap_init_range_fast(&s->m, a, b, NUMA_NO_NODE, MEMMAP_STORE_SCALAR);
}

static void init_md(uint64_t a, uint64_t b, void *arg)
{
	static const struct memdesc_stores plain = { NULL, MEMMAP_STORE_SCALAR };
	struct sim *s = arg;

	memdesc_init_range(&s->md, a, b, &plain);
}

static void *alloc_fn(void *zone, unsigned order, void *arg)
{
	struct sim *s = arg;

	if (s->layout == 64)
		return buddy_alloc(zone, order);
	return memdesc_alloc(&s->md, zone, order);
}

static void free_fn(struct sim *s, struct zone *z, void *b)
{
	if (s->layout == 64)
		buddy_free_pages(z, b, MAX_PAGE_ORDER);
	else
		memdesc_folio_put(&s->md, b);
}

/* Node 0: sections 0-3 (DMA, DMA32) with holes and reserved ranges;
 * node 1: sections 32-35 (NORMAL). @far: node 0 has NORMAL instead, at
 * sections 36-39, after a hole from 4 GiB, as q35 puts RAM above 4 GiB at
 * 1 TiB on a 1 TiB guest. */
static struct sim *sim_new(unsigned layout, bool far)
{
	struct sim *s = calloc(1, sizeof(*s));
	uint64_t high = 4 * GiB + (far ? 512 * MiB : 0);

	s->layout = layout;
	s->memmap = aligned_alloc(PAGE_SIZE, NSEC * SECTION_MEMMAP_BYTES);
	memmap_model_init(&s->m, s->table, MAX_SECTIONS, s->ranges, MAX_RANGES);
	section_add(&s->m, 0, section_nr_to_pfn(4), 0, s->memmap);
	section_add(&s->m, PFN(high), PFN(high) + 4 * PAGES_PER_SECTION,
		    far ? 0 : 1, s->memmap + 4 * PAGES_PER_SECTION);
	memmap_add_free_range(&s->m, 1, 159);
	memmap_add_free_range(&s->m, PFN(1 * MiB), PFN(300 * MiB) + 3);
	memmap_add_free_range(&s->m, PFN(301 * MiB), PFN(512 * MiB) - 9);
	memmap_add_free_range(&s->m, PFN(high), PFN(high + 200 * MiB) + 1);
	memmap_add_free_range(&s->m, PFN(high + 260 * MiB),
			      PFN(high + 512 * MiB));
	s->pool_cap = ALIGN_UP(memdesc_init_descs(&s->m) + s->m.usable_pages +
			       4096, 64);
	s->pool = aligned_alloc(64, s->pool_cap * sizeof(*s->pool));
	s->counts = malloc(memmap_verify_counts_len(&s->m));
	s->bitmap = malloc(memmap_verify_bitmap_words(&s->m) * sizeof(long));
	if (layout != 64) {
		s->store = aligned_alloc(PAGE_SIZE,
					 memdesc_array_bytes(&s->m, layout));
		memdesc_arrays_place(&s->m, layout, NUMA_NO_NODE, s->store,
				     s->arrays);
	}
	return s;
}

static void sim_free(struct sim *s)
{
	free(s->memmap);
	free(s->store);
	free(s->pool);
	free(s->counts);
	free(s->bitmap);
	free(s);
}

static void collect_zones(struct sim *s)
{
	s->nzones = 0;
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = s->layout == 64 ?
				&s->m.nodes[nid].zones[zt] : &s->md.zones[nid][zt];

			if (!z->populated)
				continue;
			if (nid == 0 && zt == ZONE_DMA32)
				s->fg = s->nzones;
			lazy_zone_init(&s->zones[s->nzones++], &s->lz, z,
				       z->start_pfn, z->end_pfn, nid);
		}
}

/* Zones empty, memmap poisoned, counts on, every section untouched. */
static void sim_reset(struct sim *s, unsigned inject)
{
	if (s->layout == 64) {
		memmap_reset_state(&s->m);
		memmap_verify_poison(&s->m);
		memmap_verify_enable_counts(&s->m, s->counts,
					    memmap_verify_counts_len(&s->m));
		lazy_model_init(&s->lz, &s->m.sections, s->m.span_start,
				s->m.span_end, s->state, init64, s);
	} else {
		memdesc_model_init(&s->md, &s->m, s->layout, s->arrays,
				   s->pool, s->pool_cap);
		memdesc_verify_poison(&s->md);
		memdesc_verify_enable_counts(&s->md, s->counts,
					     memmap_verify_counts_len(&s->m));
		lazy_model_init(&s->lz, &s->m.sections, s->m.span_start,
				s->m.span_end, s->state, init_md, s);
	}
	s->lz.inject = inject;
	collect_zones(s);
}

static int sim_verify(struct sim *s)
{
	if (s->layout == 64)
		return memmap_verify_all(&s->m, s->bitmap, s->err, sizeof(s->err));
	return memdesc_verify_all(&s->md, s->bitmap, s->err, sizeof(s->err));
}

/* After boot alone, every zone serves an allocation, and boot did only
 * the blocks up to each zone's first. */
static void test_boot(unsigned layout)
{
	struct sim *s = sim_new(layout, false);
	bool served = true;
	unsigned booted;

	sim_reset(s, 0);
	booted = lazy_boot(&s->lz, s->zones, s->nzones);
	for (unsigned k = 0; k < s->nzones; k++) {
		void *b = alloc_fn(s->zones[k].zone, 0, s);

		served &= b != NULL;
		if (b && layout == 64)
			buddy_free_pages(s->zones[k].zone, b, 0);
		else if (b)
			memdesc_folio_put(&s->md, b);
	}
	/* DMA: block 0; DMA32: blocks 1-4 of section 0 (the first in the
	 * zone is block 4, at 16 MiB); NORMAL: block 0 of section 32. */
	report(served && booted == 6 && lazy_pending(&s->lz) == NSEC,
	       "lazy%u: boot inits %u of %lu blocks for %u zones, each serves",
	       layout, booted, NSEC * LAZY_BLOCKS, s->nzones);
	lazy_finish(&s->lz);
	report(!sim_verify(s), "lazy%u: boot then finish verifies%s%s", layout,
	       s->err[0] ? ": " : "", s->err);
	sim_free(s);
}

struct grower {
	struct sim *s;
	void *blocks[MAX_BLOCKS];
	unsigned n, grew;
};

static void *grower_thread(void *arg)
{
	struct grower *g = arg;
	struct sim *s = g->s;
	bool grew;
	void *b;

	while (g->n < MAX_BLOCKS &&
	       (b = lazy_alloc(&s->lz, &s->zones[s->fg], MAX_PAGE_ORDER,
			       alloc_fn, s, &grew))) {
		g->blocks[g->n++] = b;
		g->grew += grew;
	}
	return NULL;
}

static void *helper_thread(void *arg)
{
	lazy_background(arg);
	return NULL;
}

/* One round: boot, GROWERS threads drain the DMA32 zone growing it while
 * @helpers threads finish the rest; then free, finish, verify. */
static int race_round(struct sim *s, unsigned helpers, unsigned inject,
		      unsigned *grew)
{
	pthread_t tg[GROWERS], th[HELPERS];
	static struct grower g[GROWERS];

	sim_reset(s, inject);
	lazy_boot(&s->lz, s->zones, s->nzones);
	for (unsigned i = 0; i < GROWERS; i++) {
		g[i] = (struct grower){ .s = s };
		pthread_create(&tg[i], NULL, grower_thread, &g[i]);
	}
	for (unsigned i = 0; i < helpers; i++)
		pthread_create(&th[i], NULL, helper_thread, &s->lz);
	*grew = 0;
	for (unsigned i = 0; i < GROWERS; i++) {
		pthread_join(tg[i], NULL);
		*grew += g[i].grew;
	}
	for (unsigned i = 0; i < helpers; i++)
		pthread_join(th[i], NULL);
	for (unsigned i = 0; i < GROWERS; i++)
		for (unsigned k = 0; k < g[i].n; k++)
			free_fn(s, s->zones[s->fg].zone, g[i].blocks[k]);
	lazy_finish(&s->lz);
	return sim_verify(s);
}

static void test_race(unsigned layout)
{
	struct sim *s = sim_new(layout, false);
	unsigned bad = 0, grew_total = 0, grew;

	for (unsigned r = 0; r < ROUNDS && !bad; r++) {
		bad += race_round(s, r % (HELPERS + 1), 0, &grew) != 0;
		grew_total += grew;
	}
	report(!bad && grew_total > 0 && lazy_pending(&s->lz) == 0,
	       "lazy%u: %u rounds of %u growers racing 0-%u helpers: every "
	       "page once, free = usable, drain ok (%u growths)%s%s", layout,
	       ROUNDS, GROWERS, HELPERS, grew_total, bad ? ": " : "",
	       bad ? s->err : "");
	sim_free(s);
}

/* The zone of type @zt on node 0. */
static unsigned zone_index(const struct sim *s, unsigned zt)
{
	for (unsigned k = 0; k < s->nzones; k++)
		if (s->zones[k].nid == 0 && s->zones[k].zone ==
		    (s->layout == 64 ? (void *)&s->m.nodes[0].zones[zt] :
				       (void *)&s->md.zones[0][zt]))
			return k;
	return s->nzones;
}

/* ZONE_NORMAL's RAM starts 4 sections after the zone does: growth starts
 * at the first present section, walks the zone once (its cursor ends at
 * the zone's last section) and serves every block of it. */
static void test_far_normal(unsigned layout)
{
	struct sim *s = sim_new(layout, true);
	struct grower g = { .s = s };
	unsigned booted, k;
	struct lazy_zone *z;

	sim_reset(s, 0);
	k = zone_index(s, ZONE_NORMAL);
	z = &s->zones[k < s->nzones ? k : 0];
	s->fg = k < s->nzones ? k : 0;
	booted = lazy_boot(&s->lz, s->zones, s->nzones);
	report(k < s->nzones && pfn_to_section_nr(z->start_pfn) == 32 &&
		       z->first == 36 && z->end == 40 && booted == 6,
	       "lazy%u: NORMAL spans from section %lu, grows from %lu to %lu; "
	       "boot inits %u blocks", layout,
	       (unsigned long)pfn_to_section_nr(z->start_pfn),
	       (unsigned long)z->first, (unsigned long)z->end, booted);
	grower_thread(&g);
	report(g.n == 4 * LAZY_BLOCKS - 15 && z->cursor == z->end,
	       "lazy%u: one grower drains NORMAL (%u of %u blocks), its cursor "
	       "at %lu", layout, g.n, (unsigned)(4 * LAZY_BLOCKS),
	       (unsigned long)z->cursor);
	for (unsigned i = 0; i < g.n; i++)
		free_fn(s, z->zone, g.blocks[i]);
	lazy_finish(&s->lz);
	report(!sim_verify(s), "lazy%u: far NORMAL then finish verifies%s%s",
	       layout, s->err[0] ? ": " : "", s->err);
	sim_free(s);
}

static void test_injections(unsigned layout)
{
	static const unsigned bits[] = { LAZY_INJECT_SKIP, LAZY_INJECT_DOUBLE };
	static const char *const names[] = { "skip", "double" };

	for (unsigned i = 0; i < ARRAY_SIZE(bits); i++) {
		struct sim *s = sim_new(layout, false);
		unsigned grew;
		int r = race_round(s, 0, bits[i], &grew);

		report(r != 0 && s->lz.inject == 0,
		       "lazy%u: inject %s caught: %s", layout, names[i], s->err);
		sim_free(s);
	}
}

int main(void)
{
	static const unsigned layouts[] = { 64, MEMDESC_LAYOUT_32,
					    MEMDESC_LAYOUT_8 };

	for (unsigned l = 0; l < ARRAY_SIZE(layouts); l++) {
		test_boot(layouts[l]);
		test_race(layouts[l]);
		test_far_normal(layouts[l]);
		test_injections(layouts[l]);
	}
	return report_summary();
}
