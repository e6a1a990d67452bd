/* Host tests of the memory model and the struct page init algorithms
 * (mm/memmap.h): setup API, both algorithms on several layouts (holes,
 * RAM above 4 GiB, several nodes, partial sections, reserved ranges),
 * single- and multi-threaded on section-aligned chunks and sequentially on
 * unaligned ones, every store kernel, full verification, the canonical
 * comparison of linux against fast, and fault injection caught by the
 * verification. Threads come from a small local splitter, not smp/job.c. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "mm/memmap_verify.h"

#define PFN(bytes)	((uint64_t)(bytes) >> PAGE_SHIFT)
#define MAX_MEM		8
#define MAX_RESV	8
#define MAX_RANGES	64
#define MAX_THREADS	4

/* Under ThreadSanitizer (test_memmap_tsan) everything runs about ten
 * times slower: it runs only the multithreaded inits, on the smaller
 * layouts, and leaves the single-threaded checks to test_memmap. */
#ifdef __SANITIZE_THREAD__
#define TSAN_BUILD 1
#else
#define TSAN_BUILD 0
#endif
#define TSAN_MAX_SECTIONS 8

struct mem_decl {
	uint64_t start, end;	/* bytes */
	unsigned nid;
};

struct layout {
	const char *name;
	struct mem_decl mem[MAX_MEM];	/* sorted */
	struct { uint64_t start, end; } resv[MAX_RESV];	/* bytes, sorted */
};

/* A simulated machine: the model plus everything the kernel would allocate
 * for it. */
struct sim {
	struct mm_model m;
	struct mem_section *table;
	struct pfn_range ranges[MAX_RANGES];
	void *memmap[MAX_MEM];
	uint8_t *counts;
	unsigned long *bitmap;
	char err[MEMMAP_VERIFY_ERR_LEN];
};

static const struct layout layouts[] = {
	{ "64M, low holes, reserved kernel",
	  { { 0, 64 * MiB, 0 } },
	  { { 0, 4 * KiB }, { 640 * KiB, 1 * MiB }, { 1 * MiB, 4 * MiB + 28 * KiB },
	    { 60 * MiB, 60 * MiB + 12 * KiB } } },
	{ "1G + 512M above 4G",
	  { { 0, 640 * KiB, 0 }, { 1 * MiB, 1 * GiB, 0 },
	    { 4 * GiB, 4 * GiB + 512 * MiB, 0 } },
	  { { 16 * MiB - 8 * KiB, 16 * MiB + 8 * KiB },
	    { 4 * GiB + 100 * MiB + 4 * KiB, 4 * GiB + 101 * MiB } } },
	{ "three uneven nodes, hole in node 2",
	  { { 0, 256 * MiB, 0 }, { 256 * MiB, 384 * MiB, 1 },
	    { 384 * MiB, 600 * MiB + 12 * KiB, 2 }, { 700 * MiB, 1 * GiB, 2 } },
	  { { 1 * MiB, 9 * MiB }, { 256 * MiB, 258 * MiB },
	    { 900 * MiB, 901 * MiB + 4 * KiB } } },
	{ "partial sections, node 1 starts unaligned",
	  { { 0, 200 * MiB, 0 }, { 384 * MiB + 4 * KiB, 400 * MiB, 1 } },
	  { { 0, 4 * KiB }, { 199 * MiB, 199 * MiB + 4 * KiB } } },
};

/* ---- building a simulated machine ------------------------------------- */

static uint64_t layout_nr_sections(const struct layout *l)
{
	uint64_t end = 0;

	for (unsigned i = 0; i < MAX_MEM && l->mem[i].end; i++)
		end = MAX(end, l->mem[i].end);
	return pfn_to_section_nr(PFN(end) - 1) + 1;
}

/* Free ranges = memory minus reserved, both sorted. */
static bool sim_add_free(struct sim *s, const struct layout *l)
{
	for (unsigned i = 0; i < MAX_MEM && l->mem[i].end; i++) {
		uint64_t pos = l->mem[i].start, end = l->mem[i].end;

		for (unsigned r = 0; r < MAX_RESV && l->resv[r].end; r++) {
			uint64_t rs = MAX(l->resv[r].start, pos);
			uint64_t re = MIN(l->resv[r].end, end);

			if (rs >= re)
				continue;
			if (rs > pos && memmap_add_free_range(&s->m, PFN(pos),
							      PFN(rs)))
				return false;
			pos = re;
		}
		if (pos < end && memmap_add_free_range(&s->m, PFN(pos), PFN(end)))
			return false;
	}
	return true;
}

static struct sim *sim_build(const struct layout *l)
{
	struct sim *s = calloc(1, sizeof(*s));
	uint64_t nsec = layout_nr_sections(l);

	s->table = calloc(nsec, sizeof(*s->table));
	memmap_model_init(&s->m, s->table, nsec, s->ranges, MAX_RANGES);
	for (unsigned i = 0; i < MAX_MEM && l->mem[i].end; i++) {
		uint64_t a = PFN(l->mem[i].start), b = PFN(l->mem[i].end);
		uint64_t bytes = memmap_bytes_for_range(&s->m, a, b);

		if (bytes)
			s->memmap[i] = aligned_alloc(PAGE_SIZE, bytes);
		if (section_add(&s->m, a, b, l->mem[i].nid, s->memmap[i]) < 0)
			return NULL;
	}
	if (!sim_add_free(s, l))
		return NULL;
	s->counts = malloc(memmap_verify_counts_len(&s->m));
	s->bitmap = malloc(memmap_verify_bitmap_words(&s->m) * sizeof(long));
	return s;
}

static void sim_free(struct sim *s)
{
	for (unsigned i = 0; i < MAX_MEM; i++)
		free(s->memmap[i]);
	free(s->counts);
	free(s->bitmap);
	free(s->table);
	free(s);
}

/* ---- running an init: a local splitter --------------------------------- */

struct run {
	struct memmap_job job;
	uint64_t start, end, chunk;
	uint64_t next;		/* atomic cursor */
};

static void *run_thread(void *arg)
{
	struct run *r = arg;

	for (;;) {
		uint64_t s = __atomic_fetch_add(&r->next, r->chunk,
						__ATOMIC_RELAXED);

		if (s >= r->end)
			return NULL;
		memmap_init_job(s, MIN(s + r->chunk, r->end), &r->job);
	}
}

/* Resets the model to "garbage memmap, empty lists", then runs @algo with
 * @threads threads over chunks of @chunk pages (from the span start). */
static void sim_init(struct sim *s, enum memmap_algo algo, unsigned store,
		     unsigned threads, uint64_t chunk)
{
	struct run r = {
		.job = { .m = &s->m, .algo = algo, .store = store,
			 .nid = NUMA_NO_NODE },
		.start = s->m.span_start, .end = s->m.span_end,
		.chunk = chunk, .next = s->m.span_start,
	};
	pthread_t tid[MAX_THREADS];

	memmap_reset_state(&s->m);
	memmap_verify_poison(&s->m);
	memmap_verify_enable_counts(&s->m, s->counts,
				    memmap_verify_counts_len(&s->m));
	for (unsigned t = 1; t < threads; t++)
		pthread_create(&tid[t], NULL, run_thread, &r);
	run_thread(&r);		/* the caller participates */
	for (unsigned t = 1; t < threads; t++)
		pthread_join(tid[t], NULL);
}

/* Per-node jobs, as the kernel runs them (one pgdatinit per node). */
static void sim_init_per_node(struct sim *s, enum memmap_algo algo,
			      unsigned store)
{
	memmap_reset_state(&s->m);
	memmap_verify_poison(&s->m);
	memmap_verify_enable_counts(&s->m, s->counts,
				    memmap_verify_counts_len(&s->m));
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		struct memmap_job j = { &s->m, algo, store, (int)nid };
		uint64_t a, b;

		memmap_node_span(&s->m, nid, &a, &b);
		for (uint64_t p = a; p < b; p += PAGES_PER_SECTION)
			memmap_init_job(p, p + PAGES_PER_SECTION, &j);
	}
}

static bool sim_verify(struct sim *s)
{
	return memmap_verify_all(&s->m, s->bitmap, s->err, sizeof(s->err)) == 0;
}

/* Without the drain-and-refill. */
static bool sim_verify_quick(struct sim *s)
{
	return memmap_verify_pages(&s->m, s->err, sizeof(s->err)) == 0 &&
	       memmap_verify_buddy(&s->m, s->bitmap, s->err, sizeof(s->err)) == 0;
}

/* ---- setup API ------------------------------------------------------------- */

static void test_setup_api(void)
{
	static struct mem_section table[8];
	static struct pfn_range ranges[3];
	static struct mm_model m;
	struct page *mm = aligned_alloc(PAGE_SIZE, 3 * SECTION_MEMMAP_BYTES);

	report_prefix_push("setup");
	memmap_model_init(&m, table, ARRAY_SIZE(table), ranges, ARRAY_SIZE(ranges));
	report(memmap_bytes_for_range(&m, 0, PFN(64 * MiB)) == SECTION_MEMMAP_BYTES,
	       "64 MiB needs one section of memmap");
	report(memmap_bytes_for_range(&m, PFN(100 * MiB), PFN(300 * MiB)) ==
	       3 * SECTION_MEMMAP_BYTES, "100M-300M touches three sections");
	report(section_add(&m, 0, PFN(64 * MiB), 0, mm) == 1, "add section 0");
	report(memmap_bytes_for_range(&m, PFN(100 * MiB), PFN(200 * MiB)) ==
	       SECTION_MEMMAP_BYTES, "section 0 is no longer counted");
	report(section_add(&m, PFN(64 * MiB), PFN(130 * MiB), 1, mm + PAGES_PER_SECTION)
	       == MEMMAP_E_NODE, "section 0 cannot change node");
	report(section_add(&m, PFN(128 * MiB), PFN(130 * MiB), 0,
			   (struct page *)((char *)mm + 8)) == MEMMAP_E_INVAL,
	       "misaligned memmap refused");
	report(section_add(&m, PFN(1 * GiB), PFN(2 * GiB), 0, mm) == MEMMAP_E_RANGE,
	       "beyond the table refused");
	report(section_add(&m, PFN(64 * MiB), PFN(200 * MiB), 0,
			   mm + PAGES_PER_SECTION) == 1,
	       "adding 64M-200M adds only section 1");
	report(m.sections.sec[1].memmap == mm + PAGES_PER_SECTION,
	       "section 1 got the first slice of the new storage");
	report(m.span_start == 0 && m.span_end == 2 * PAGES_PER_SECTION,
	       "span is section aligned");

	report(memmap_add_free_range(&m, 10, 20) == 0, "free range");
	report(memmap_add_free_range(&m, 20, 30) == 0 && m.nr_free == 1 &&
	       m.free[0].end == 30, "adjacent range merged");
	report(memmap_add_free_range(&m, 25, 40) == MEMMAP_E_RANGE,
	       "overlap refused");
	report(memmap_add_free_range(&m, PFN(300 * MiB), PFN(301 * MiB)) ==
	       MEMMAP_E_RANGE, "range outside present sections refused");
	report(memmap_add_free_range(&m, 50, 60) == 0 &&
	       memmap_add_free_range(&m, 70, 80) == 0 &&
	       memmap_add_free_range(&m, 90, 100) == MEMMAP_E_FULL,
	       "full range array refused");
	report(m.usable_pages == 40, "usable pages counted (%llu)",
	       (unsigned long long)m.usable_pages);
	report(m.nodes[0].zones[ZONE_DMA].populated &&
	       m.nodes[0].zones[ZONE_DMA32].populated &&
	       !m.nodes[0].zones[ZONE_NORMAL].populated, "zones populated");
	report(m.nodes[0].zones[ZONE_DMA].end_pfn == ZONE_DMA_END_PFN &&
	       m.nodes[0].zones[ZONE_DMA32].start_pfn == ZONE_DMA_END_PFN,
	       "zone spans cut at 16 MiB");
	report(memmap_present_pages(&m) == 2 * PAGES_PER_SECTION,
	       "present pages");
	free(mm);
	report_prefix_pop();
}

static void test_flags_layout(void)
{
	struct page p = { .flags = page_flags_make(NR_MEM_SECTIONS - 1,
						   MAX_NUMNODES - 1, ZONE_NORMAL) |
				   PAGE_FLAG(PG_buddy) };

	report_prefix_push("flags");
	report(page_section_nr(&p) == NR_MEM_SECTIONS - 1 &&
	       page_to_nid(&p) == MAX_NUMNODES - 1 &&
	       page_zonenum(&p) == ZONE_NORMAL && page_is_buddy(&p) &&
	       !page_is_reserved(&p), "largest section, node and zone round trip");
	report(SECTIONS_SHIFT == 19 && ZONES_PGSHIFT == 37 &&
	       PAGES_PER_SECTION == 32768 && MAX_ORDER_NR_PAGES == 1024,
	       "widths: 19 section bits, flags below bit 37");
	report_prefix_pop();
}

/* ---- the algorithms on each layout --------------------------------------- */

struct variant {
	const char *name;
	enum memmap_algo algo;
	unsigned store;
	unsigned threads;
	uint64_t chunk;		/* pages */
	bool needs_avx2;
};

static const struct variant variants[] = {
	{ "linux 3 threads", MEMMAP_ALGO_LINUX, 0, 3, PAGES_PER_SECTION, false },
	{ "fast scalar 2 threads x2 sections", MEMMAP_ALGO_FAST,
	  MEMMAP_STORE_SCALAR, 2, 2 * PAGES_PER_SECTION, false },
	{ "fast sse2 3 threads", MEMMAP_ALGO_FAST, MEMMAP_STORE_SSE2, 3,
	  PAGES_PER_SECTION, false },
	{ "fast sse2+nt 2 threads", MEMMAP_ALGO_FAST,
	  MEMMAP_STORE_SSE2 | MEMMAP_STORE_NT, 2, PAGES_PER_SECTION, false },
	{ "fast avx2 3 threads", MEMMAP_ALGO_FAST, MEMMAP_STORE_AVX2, 3,
	  PAGES_PER_SECTION, true },
	{ "fast avx2+nt 2 threads", MEMMAP_ALGO_FAST,
	  MEMMAP_STORE_AVX2 | MEMMAP_STORE_NT, 2, PAGES_PER_SECTION, true },
	/* Sequential, cut at odd places: blocks at chunk edges merge later. */
	{ "linux unaligned chunks", MEMMAP_ALGO_LINUX, 0, 1, 5000, false },
	{ "fast unaligned chunks", MEMMAP_ALGO_FAST, MEMMAP_STORE_SSE2, 1, 777,
	  false },
};

static bool have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}

/* Pageblocks: movable exactly when their first pfn is free. */
static bool check_pageblocks(const struct sim *s)
{
	uint32_t cur = 0;

	for (uint64_t pfn = s->m.span_start; pfn < s->m.span_end;
	     pfn += PAGEBLOCK_NR_PAGES) {
		bool is_free;

		if (!pfn_valid(&s->m.sections, pfn))
			continue;
		memmap_piece_end(&s->m, &cur, pfn, pfn + 1, &is_free);
		if (pageblock_get_migratetype(&s->m.sections, pfn) !=
		    (is_free ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE))
			return false;
	}
	return true;
}

static bool check_pfn_round_trip(const struct sim *s)
{
	for (uint64_t pfn = s->m.span_start; pfn < s->m.span_end; pfn += 4093) {
		if (!pfn_valid(&s->m.sections, pfn))
			continue;
		if (page_to_pfn(&s->m.sections, pfn_to_page(&s->m.sections, pfn))
		    != pfn)
			return false;
	}
	return true;
}

static uint64_t lock_acquisitions(const struct mm_model *m)
{
	uint64_t n = 0;

	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++)
			n += m->nodes[nid].zones[zt].lock_acquisitions;
	return n;
}

static void test_layout_variant(const struct mm_model *ref, struct sim *s,
				const struct variant *v)
{
	if (TSAN_BUILD && v->threads == 1)
		return;
	report_prefix_push(v->name);
	if (v->needs_avx2 && !have_avx2()) {
		report_skip("no AVX2 on this host");
		report_prefix_pop();
		return;
	}
	sim_init(s, v->algo, v->store, v->threads, v->chunk);
	if (v->algo == MEMMAP_ALGO_FAST && v->chunk % MAX_ORDER_NR_PAGES == 0)
		report(lock_acquisitions(&s->m) <= MAX_NR_ZONES *
		       DIV_ROUND_UP(s->m.span_end - s->m.span_start, v->chunk),
		       "at most one lock per zone per chunk (%llu)",
		       (unsigned long long)lock_acquisitions(&s->m));
	report(sim_verify_quick(s), "pages and buddy verify %s", s->err);
	report(memmap_compare(ref, &s->m, s->err, sizeof(s->err)) == 0,
	       "same final state as linux 1 thread %s", s->err);
	if (TSAN_BUILD) {
		report_prefix_pop();
		return;
	}
	report(sim_verify(s), "alloc-all and refill verify %s", s->err);
	report(memmap_compare(ref, &s->m, s->err, sizeof(s->err)) == 0,
	       "same state after both drained and refilled %s", s->err);
	report_prefix_pop();
}

static void test_layout(const struct layout *l)
{
	struct sim *ref = sim_build(l), *s = sim_build(l);

	report_prefix_push(l->name);
	if (!report(ref && s, "layout builds")) {
		report_prefix_pop();
		return;
	}
	sim_init(ref, MEMMAP_ALGO_LINUX, 0, 1, PAGES_PER_SECTION);
	report(lock_acquisitions(&ref->m) >= ref->m.usable_pages / MAX_ORDER_NR_PAGES,
	       "linux locks once per block (%llu)",
	       (unsigned long long)lock_acquisitions(&ref->m));
	report(TSAN_BUILD ? sim_verify_quick(ref) : sim_verify(ref),
	       "linux 1 thread verifies %s", ref->err);
	report(check_pageblocks(ref), "free pageblocks movable, others not");
	report(check_pfn_round_trip(ref), "pfn_to_page / page_to_pfn");
	for (unsigned i = 0; i < ARRAY_SIZE(variants); i++)
		test_layout_variant(&ref->m, s, &variants[i]);

	sim_init_per_node(s, MEMMAP_ALGO_FAST, MEMMAP_STORE_SSE2);
	report(sim_verify_quick(s) && memmap_compare(&ref->m, &s->m, s->err,
					       sizeof(s->err)) == 0,
	       "fast per-node jobs verify and match %s", s->err);
	sim_free(ref);
	sim_free(s);
	report_prefix_pop();
}

/* Node and zone bits of a page deep in node 2, above 4 GiB, etc. */
static void test_page_identity(void)
{
	struct sim *s = sim_build(&layouts[2]);
	struct page *p;
	uint64_t a, b;

	report_prefix_push("identity");
	sim_init(s, MEMMAP_ALGO_FAST, MEMMAP_STORE_SSE2, 2, PAGES_PER_SECTION);
	p = pfn_to_page(&s->m.sections, PFN(800 * MiB));
	report(page_to_nid(p) == 2 && page_zonenum(p) == ZONE_DMA32 &&
	       page_section_nr(p) == 6, "pfn at 800M: node 2, DMA32, section 6");
	p = pfn_to_page(&s->m.sections, PFN(650 * MiB));
	report(page_is_reserved(p) && p->_refcount == 1,
	       "hole inside a present section is reserved");
	p = pfn_to_page(&s->m.sections, PFN(2 * MiB));
	report(page_is_reserved(p) && page_zonenum(p) == ZONE_DMA,
	       "kernel image page reserved, zone DMA");
	memmap_node_span(&s->m, 1, &a, &b);
	report(a == PFN(256 * MiB) && b == PFN(384 * MiB), "node 1 span");
	report(memmap_pfn_node(PFN(500 * MiB), &s->m) == 2, "pfn node");
	report(s->m.nodes[1].zones[ZONE_DMA32].managed_pages ==
	       PFN(126 * MiB), "node 1 manages its 126 MiB");
	sim_free(s);
	report_prefix_pop();
}

/* ---- fault injection: verification must catch each ---------------------- */

static void test_inject_one(struct sim *s, enum memmap_algo algo,
			    unsigned bit, const char *what, bool caught_by_pages)
{
	int pages, buddy;

	s->m.inject = bit;
	sim_init(s, algo, MEMMAP_STORE_SSE2, 2, PAGES_PER_SECTION);
	report(s->m.inject == 0, "%s: injection fired once", what);
	pages = memmap_verify_pages(&s->m, s->err, sizeof(s->err));
	if (pages)
		report_info("%s: pages: %s", what, s->err);
	buddy = memmap_verify_buddy(&s->m, s->bitmap, s->err, sizeof(s->err));
	if (buddy)
		report_info("%s: buddy: %s", what, s->err);
	report(caught_by_pages ? pages != 0 : (pages == 0 && buddy != 0),
	       "%s caught by the %s check", what,
	       caught_by_pages ? "page" : "buddy");
}

static void test_inject(void)
{
	struct sim *s = sim_build(&layouts[1]);
	static const char *const algo_name[] = { "linux", "fast" };

	report_prefix_push("inject");
	for (unsigned algo = 0; algo < MEMMAP_NR_ALGOS; algo++) {
		report_prefix_push(algo_name[algo]);
		test_inject_one(s, algo, MEMMAP_INJECT_SKIP, "memmap-skip", true);
		test_inject_one(s, algo, MEMMAP_INJECT_DOUBLE_FREE, "buddy-double",
				false);
		test_inject_one(s, algo, MEMMAP_INJECT_LEAK, "buddy-leak", false);
		report_prefix_pop();
	}

	/* A chunk the job engine never ran: its pages still hold a valid
	 * state from the previous init, so only the counts tell. */
	sim_init(s, MEMMAP_ALGO_FAST, MEMMAP_STORE_SSE2, 1, PAGES_PER_SECTION);
	memmap_reset_state(&s->m);
	memmap_verify_enable_counts(&s->m, s->counts,
				    memmap_verify_counts_len(&s->m));
	memmap_init_range_fast(&s->m, s->m.span_start + PAGES_PER_SECTION,
			       s->m.span_end, NUMA_NO_NODE, MEMMAP_STORE_SSE2);
	report(memmap_verify_pages(&s->m, s->err, sizeof(s->err)) != 0 &&
	       strstr(s->err, "0 times"), "missed chunk caught by counts: %s",
	       s->err);
	memmap_verify_enable_counts(&s->m, NULL, 0);
	report(memmap_verify_pages(&s->m, s->err, sizeof(s->err)) == 0,
	       "stale pages look valid without counts");
	report(memmap_verify_buddy(&s->m, s->bitmap, s->err, sizeof(s->err))
	       != 0, "but the buddy coverage sees the missing pages: %s", s->err);

	/* A chunk done twice (overlapping job chunks) is counted twice. */
	sim_init(s, MEMMAP_ALGO_LINUX, 0, 1, PAGES_PER_SECTION);
	memmap_init_range_linux(&s->m, PAGES_PER_SECTION, 2 * PAGES_PER_SECTION,
				NUMA_NO_NODE);
	report(memmap_verify_pages(&s->m, s->err, sizeof(s->err)) != 0 &&
	       strstr(s->err, "2 times"), "double init caught: %s", s->err);

	/* A reserved page handed to the buddy. */
	sim_init(s, MEMMAP_ALGO_FAST, MEMMAP_STORE_SSE2, 1, PAGES_PER_SECTION);
	{
		struct page *p = pfn_to_page(&s->m.sections, PFN(640 * KiB));

		p->_refcount = 0;
		p->flags &= ~PAGE_FLAG(PG_reserved);
		buddy_free_block(page_zone(s->m.nodes, p), p, 0);
	}
	report(memmap_verify_pages(&s->m, s->err, sizeof(s->err)) != 0,
	       "freed hole page caught: %s", s->err);
	report(memmap_verify_buddy(&s->m, s->bitmap, s->err, sizeof(s->err))
	       != 0, "and by the buddy coverage: %s", s->err);
	sim_free(s);
	report_prefix_pop();
}

int main(void)
{
	test_flags_layout();
	test_setup_api();
	for (unsigned i = 0; i < ARRAY_SIZE(layouts); i++) {
		if (TSAN_BUILD && layout_nr_sections(&layouts[i]) > TSAN_MAX_SECTIONS)
			continue;
		test_layout(&layouts[i]);
	}
	test_page_identity();
	if (!TSAN_BUILD)
		test_inject();
	return report_summary();
}
