/* Host tests of the memdesc layouts (mm/memdesc.h): init of both layouts
 * on models with holes, reserved ranges, two nodes and RAM above 4 GiB,
 * in one call, in max-order pieces and on section chunks from several
 * threads, with plain stores and fill kernels; full verification
 * (mm/memdesc_verify.h) including drain and refill; both injections
 * caught; a randomized allocate/free run that must end in the state
 * init made; an empty descriptor pool refusing a split cleanly; concurrent allocations and frees (built again under TSan as
 * test_memdesc_tsan). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "mm/memdesc_verify.h"
#include "mm/memmap_verify.h"

#define PFN(bytes)	((uint64_t)(bytes) >> PAGE_SHIFT)
#define MAX_SECTIONS	40	/* table: up to 5 GiB */
#define MAX_RANGES	16
#define NTHREADS	4
#define FUZZ_OPS	20000
#define MEMMAP_SENTINEL	0x5a	/* the unused 64-byte memmap's bytes */
#define FUZZ_LIVE	512

struct sim {
	struct mm_model m;
	struct mem_section table[MAX_SECTIONS];
	struct pfn_range ranges[MAX_RANGES];
	struct page *memmap;
	uint64_t memmap_bytes;		/* the 64-byte memmap, never used */
	void *store;			/* the layout's arrays, back to back */
	void *arrays[MAX_SECTIONS];
	struct memdesc_model md;
	struct memdesc_desc *pool;
	uint64_t pool_cap;
	uint8_t *counts;
	unsigned long *bitmap;
	char err[MEMMAP_VERIFY_ERR_LEN];
};

struct decl {
	const char *name;
	struct { uint64_t first, n; unsigned nid; } sec[3];	/* sections */
	struct pfn_range free[6];				/* pfns */
};

static const struct decl decls[] = {
	{ "one node, low holes, DMA/DMA32 limit",
	  { { 0, 4, 0 } },
	  { { 1, 159 }, { PFN(1 * MiB), PFN(3 * MiB) + 5 },
	    { PFN(4 * MiB) + 3, PFN(300 * MiB) },
	    { PFN(300 * MiB) + 1, PFN(512 * MiB) - 7 } } },
	{ "two nodes, RAM above 4 GiB",
	  { { 0, 2, 0 }, { 32, 3, 1 } },
	  { { PFN(1 * MiB), PFN(256 * MiB) },
	    { PFN(4 * GiB), PFN(4 * GiB + 100 * MiB) + 9 },
	    { PFN(4 * GiB + 200 * MiB), PFN(4 * GiB + 384 * MiB) } } },
};

static struct sim *sim_new(const struct decl *d, unsigned layout)
{
	struct sim *s = calloc(1, sizeof(*s));
	uint64_t nsec = 0;

	for (unsigned i = 0; i < 3 && d->sec[i].n; i++)
		nsec += d->sec[i].n;
	s->memmap = aligned_alloc(PAGE_SIZE, nsec * SECTION_MEMMAP_BYTES);
	s->memmap_bytes = nsec * SECTION_MEMMAP_BYTES;
	memset(s->memmap, MEMMAP_SENTINEL, s->memmap_bytes);
	memmap_model_init(&s->m, s->table, MAX_SECTIONS, s->ranges, MAX_RANGES);
	nsec = 0;
	for (unsigned i = 0; i < 3 && d->sec[i].n; i++) {
		uint64_t a = section_nr_to_pfn(d->sec[i].first);

		section_add(&s->m, a, a + d->sec[i].n * PAGES_PER_SECTION,
			    d->sec[i].nid, s->memmap + nsec * PAGES_PER_SECTION);
		nsec += d->sec[i].n;
	}
	for (unsigned i = 0; i < 6 && d->free[i].end; i++)
		memmap_add_free_range(&s->m, d->free[i].start, d->free[i].end);
	s->pool_cap = ALIGN_UP(memdesc_init_descs(&s->m) + s->m.usable_pages + 4096, 64);
	s->pool = aligned_alloc(64, s->pool_cap * sizeof(*s->pool));
	s->counts = malloc(memmap_verify_counts_len(&s->m));
	s->bitmap = malloc(memmap_verify_bitmap_words(&s->m) * sizeof(long));
	/* One block per node, node 1's first, as a driver allocates them. */
	s->store = aligned_alloc(PAGE_SIZE, memdesc_array_bytes(&s->m, layout));
	memdesc_arrays_place(&s->m, layout, 1, s->store, s->arrays);
	memdesc_arrays_place(&s->m, layout, 0, (char *)s->store +
			     memdesc_node_sections(&s->m, 1) *
			     memdesc_section_bytes(layout), s->arrays);
	memdesc_model_init(&s->md, &s->m, layout, s->arrays, s->pool,
			   s->pool_cap);
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

/* Section chunks claimed by several threads, as the job engine hands them. */
struct run {
	struct memdesc_job job;
	uint64_t next, end, chunk;
};

static void *run_thread(void *arg)
{
	struct run *r = arg;

	for (;;) {
		uint64_t a = __atomic_fetch_add(&r->next, r->chunk, __ATOMIC_RELAXED);

		if (a >= r->end)
			return NULL;
		memdesc_init_job(a, MIN(a + r->chunk, r->end), &r->job);
	}
}

/* From poison, counts on: @threads threads over @chunk-page chunks. */
static void sim_init(struct sim *s, unsigned threads, uint64_t chunk,
		     const struct memdesc_stores *st, unsigned inject)
{
	static const struct memdesc_stores plain = { NULL, MEMMAP_STORE_SCALAR };
	struct run r = { { &s->md, st ? *st : plain }, s->m.span_start,
			 s->m.span_end, chunk };
	pthread_t tid[NTHREADS];

	memdesc_reset_state(&s->md);
	memdesc_verify_poison(&s->md);
	memdesc_verify_enable_counts(&s->md, s->counts,
				     memmap_verify_counts_len(&s->m));
	s->md.inject = inject;
	for (unsigned t = 1; t < threads; t++)
		pthread_create(&tid[t], NULL, run_thread, &r);
	run_thread(&r);
	for (unsigned t = 1; t < threads; t++)
		pthread_join(tid[t], NULL);
}

static bool sim_verify(struct sim *s)
{
	return !memdesc_verify_all(&s->md, s->bitmap, s->err, sizeof(s->err));
}

static bool untouched(const void *p, uint64_t len, uint8_t byte)
{
	const uint8_t *b = p;

	for (uint64_t i = 0; i < len; i++)
		if (b[i] != byte)
			return false;
	return true;
}

static bool host_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}

static void test_inits(const struct decl *d, unsigned layout)
{
	static const struct {
		const char *name;
		struct memdesc_stores st;
		bool avx2;
	} stores[] = {
		{ "plain stores", { NULL, MEMMAP_STORE_SCALAR }, false },
		{ "stosq, sse2", { fill_stosq, MEMMAP_STORE_SSE2 }, false },
		{ "sse2, sse2-nt", { fill_sse2, MEMMAP_STORE_SSE2 | MEMMAP_STORE_NT }, false },
		{ "nt, avx2", { fill_nt, MEMMAP_STORE_AVX2 }, true },
		{ "avx2, avx2-nt", { fill_avx2, MEMMAP_STORE_AVX2 | MEMMAP_STORE_NT }, true },
	};
	static const struct memdesc_stores threaded = { fill_stosq, MEMMAP_STORE_SSE2 };
	struct sim *s = sim_new(d, layout);

	report_prefix_push(d->name);
	for (unsigned i = 0; i < ARRAY_SIZE(stores); i++) {
		if (stores[i].avx2 && !host_avx2()) {
			report_skip("layout %u, %s: no AVX2 here", layout,
				    stores[i].name);
			continue;
		}
		sim_init(s, 1, s->m.span_end - s->m.span_start, &stores[i].st, 0);
		report(sim_verify(s), "layout %u, one call, %s%s%s", layout,
		       stores[i].name, s->err[0] ? ": " : "", s->err);
		s->err[0] = '\0';
	}
	sim_init(s, 1, MAX_ORDER_NR_PAGES, NULL, 0);
	report(sim_verify(s), "layout %u, max-order pieces %s", layout, s->err);
	sim_init(s, NTHREADS, PAGES_PER_SECTION, &threaded, 0);
	report(sim_verify(s), "layout %u, %u threads on sections %s", layout,
	       NTHREADS, s->err);
	report(s->md.pool.failed == 0, "layout %u: pool never empty", layout);
	report(untouched(s->memmap, s->memmap_bytes, MEMMAP_SENTINEL),
	       "layout %u: only its own arrays written (64-byte memmap intact)",
	       layout);
	report_prefix_pop();
	sim_free(s);
}

static void test_injections(unsigned layout)
{
	static const unsigned bits[] = { MEMDESC_INJECT_SKIP_SECTION,
					 MEMDESC_INJECT_DOUBLE_FREE };
	struct sim *s = sim_new(&decls[1], layout);

	for (unsigned i = 0; i < ARRAY_SIZE(bits); i++) {
		sim_init(s, NTHREADS, PAGES_PER_SECTION, NULL, bits[i]);
		report(!sim_verify(s) && s->md.inject == 0,
		       "layout %u: inject 0x%x caught (%s)", layout, bits[i],
		       s->err);
	}
	sim_free(s);
}

/* The free block counts of every zone, per order. */
static void snapshot(const struct sim *s, uint64_t out[][NR_PAGE_ORDERS])
{
	for (unsigned i = 0; i < 2 * MAX_NR_ZONES; i++)
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			out[i][o] = s->md.zones[i / MAX_NR_ZONES]
					       [i % MAX_NR_ZONES].free_area[o].nr_free;
}

static uint64_t zone_free_total(const struct sim *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < 2 * MAX_NR_ZONES; i++)
		n += s->md.zones[i / MAX_NR_ZONES][i % MAX_NR_ZONES].free_pages;
	return n;
}

static struct zone *random_zone(struct sim *s)
{
	return &s->md.zones[rand() % 2][rand() % MAX_NR_ZONES];
}

/* Random allocations of random orders and frees in random order, then
 * everything freed: the free blocks must be init's again. */
static void test_fuzz(unsigned layout)
{
	static struct memdesc_desc *live[FUZZ_LIVE];
	static uint64_t before[2 * MAX_NR_ZONES][NR_PAGE_ORDERS],
			after[2 * MAX_NR_ZONES][NR_PAGE_ORDERS];
	struct sim *s = sim_new(&decls[1], layout);
	unsigned n = 0, bad = 0;
	uint64_t live_pages = 0;

	srand(15 + layout);
	sim_init(s, 1, PAGES_PER_SECTION, NULL, 0);
	snapshot(s, before);
	for (unsigned op = 0; op < FUZZ_OPS; op++) {
		if (n < FUZZ_LIVE && (n == 0 || rand() % 2)) {
			struct memdesc_desc *f = memdesc_alloc(&s->md, random_zone(s),
							       rand() % 5 ? 0 : rand() % NR_PAGE_ORDERS);

			if (f) {
				live[n++] = f;
				live_pages += 1ul << f->order;
			}
		} else {
			unsigned i = rand() % n;

			bad += memdesc_type(*memdesc_word(&s->md, live[i]->pfn)) !=
			       MEMDESC_FOLIO;
			live_pages -= 1ul << live[i]->order;
			memdesc_folio_put(&s->md, live[i]);
			live[i] = live[--n];
		}
		/* Every usable page is either free or in a live folio. */
		bad += zone_free_total(s) + live_pages != s->m.usable_pages;
	}
	while (n)
		memdesc_folio_put(&s->md, live[--n]);
	snapshot(s, after);
	report(!bad && !memdesc_verify_buddy(&s->md, s->bitmap, s->err, sizeof(s->err)) &&
	       !memcmp(before, after, sizeof(before)),
	       "layout %u: %u random allocs and frees end in init's free blocks %s",
	       layout, FUZZ_OPS, s->err);
	sim_free(s);
}

/* Threads allocating and freeing in the same zones at once. */
struct churn {
	struct sim *s;
	unsigned seed;
};

static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	struct memdesc_desc *mine[64];
	unsigned n = 0;

	for (unsigned op = 0; op < 4000; op++) {
		struct zone *z = &c->s->md.zones[0][ZONE_DMA32];

		if (n < 64 && (n == 0 || rand_r(&c->seed) % 2)) {
			struct memdesc_desc *f = memdesc_alloc(&c->s->md, z,
							       rand_r(&c->seed) % 4);
			if (f)
				mine[n++] = f;
		} else {
			memdesc_folio_put(&c->s->md, mine[--n]);
		}
	}
	while (n)
		memdesc_folio_put(&c->s->md, mine[--n]);
	return NULL;
}

static void test_concurrent(unsigned layout)
{
	static uint64_t before[2 * MAX_NR_ZONES][NR_PAGE_ORDERS],
			after[2 * MAX_NR_ZONES][NR_PAGE_ORDERS];
	struct sim *s = sim_new(&decls[1], layout);
	struct churn c[NTHREADS];
	pthread_t tid[NTHREADS];

	sim_init(s, NTHREADS, PAGES_PER_SECTION, NULL, 0);
	snapshot(s, before);
	for (unsigned t = 0; t < NTHREADS; t++) {
		c[t] = (struct churn){ s, 100 + t };
		pthread_create(&tid[t], NULL, churn_thread, &c[t]);
	}
	for (unsigned t = 0; t < NTHREADS; t++)
		pthread_join(tid[t], NULL);
	snapshot(s, after);
	report(!memdesc_verify_buddy(&s->md, s->bitmap, s->err, sizeof(s->err)) &&
	       !memcmp(before, after, sizeof(before)),
	       "layout %u: %u threads allocating and freeing in one zone %s",
	       layout, NTHREADS, s->err);
	sim_free(s);
}

/* A pool with room for init only: a split that needs a descriptor fails
 * cleanly (NULL, counted, nothing changed); allocations that need no split
 * still work, and freeing everything gives init's state back. */
static void test_pool_empty(unsigned layout)
{
	static struct memdesc_desc *held[64];
	struct sim *s = sim_new(&decls[0], layout);
	struct zone *z = &s->md.zones[0][ZONE_DMA32];
	struct memdesc_desc *f;
	unsigned n = 0, k = 0;
	bool ok;

	memdesc_model_init(&s->md, &s->m, layout, s->arrays, s->pool,
			   memdesc_init_descs(&s->m));
	sim_init(s, 1, PAGES_PER_SECTION, NULL, 0);
	ok = s->md.pool.failed == 0;
	/* Take the smallest blocks whole until the smallest order k > 0. */
	while (n < ARRAY_SIZE(held) && !list_empty(&z->free_area[0].free_list))
		held[n++] = memdesc_alloc(&s->md, z, 0);
	while (k <= MAX_PAGE_ORDER && list_empty(&z->free_area[k].free_list))
		k++;
	ok = ok && n < ARRAY_SIZE(held) && k > 0 && k <= MAX_PAGE_ORDER;
	f = ok ? memdesc_alloc(&s->md, z, k - 1) : NULL;	/* needs a split */
	ok = ok && f == NULL && s->md.pool.failed == 1;
	f = ok ? memdesc_alloc(&s->md, z, k) : NULL;		/* needs none */
	ok = ok && f && f->order == k;
	if (f)
		memdesc_folio_put(&s->md, f);
	while (n)
		memdesc_folio_put(&s->md, held[--n]);
	ok = ok && !memdesc_verify_buddy(&s->md, s->bitmap, s->err, sizeof(s->err));
	report(ok, "layout %u: empty pool: a split refused, the rest intact %s",
	       layout, s->err);
	sim_free(s);
}

int main(void)
{
	static const unsigned layouts[] = { MEMDESC_LAYOUT_8, MEMDESC_LAYOUT_32 };

	for (unsigned l = 0; l < ARRAY_SIZE(layouts); l++) {
		for (unsigned d = 0; d < ARRAY_SIZE(decls); d++)
			test_inits(&decls[d], layouts[l]);
		test_injections(layouts[l]);
		test_fuzz(layouts[l]);
		test_concurrent(layouts[l]);
		test_pool_empty(layouts[l]);
	}
	return report_summary();
}
