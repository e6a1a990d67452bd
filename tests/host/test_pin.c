/* Host tests of page pinning (mm/pin.h, mm/folio.h): on a memmap model of
 * 2 GiB (16 sections, every pfn free), folios of 4 KiB, 2 MiB and 1 GiB
 * from its buddy allocator, mapped by mm/xpt.h tables with 4 KiB PTEs or
 * with leaves of the folio size; each algorithm pins and unpins through
 * the job engine on 1 and 4 pthreads. After a pin the batches hold every
 * pfn once, in order, and each folio counts its pins; after the unpin the
 * counts are back; the atomics issued are what each algorithm promises.
 * A skipped and a doubled page are caught by the checks. Built a second
 * time with ThreadSanitizer (test_pin_tsan): four threads pin subpages of
 * one 1 GiB folio at once. */
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "mm/pin.h"
#include "tests/host/xpt_hmem.h"
#include "smp/job.h"
#include "smp/job_platform.h"

#define SIM_SECTIONS	16
#define SIM_VA		(512 * GiB)	/* the region's VA: 1 GiB aligned */

struct sim {
	struct mm_model m;
	struct mem_section table[SIM_SECTIONS];
	struct pfn_range ranges[2];
	struct page *memmap;
	struct hmem hm;          /* the page tables' memory */
	struct xpt pt;
	uint64_t *folios, nfolios;
	struct pin_ctx pc;
	struct job_stats stats;
	char err[160];
};

static struct sim sim;

static void sim_init(struct sim *s)
{
	uint64_t pages = SIM_SECTIONS * PAGES_PER_SECTION;

	s->memmap = aligned_alloc(PAGE_SIZE, SIM_SECTIONS * SECTION_MEMMAP_BYTES);
	memmap_model_init(&s->m, s->table, SIM_SECTIONS, s->ranges, 2);
	section_add(&s->m, 0, pages, 0, s->memmap);
	memmap_add_free_range(&s->m, 0, pages);
	memmap_init_range_linux(&s->m, 0, pages, NUMA_NO_NODE);
	hmem_init(&s->hm);
}

/* @bytes of folios of @order mapped at SIM_VA by leaves of @leaf bytes;
 * the pin context set up for @algo. false if memory ran out. */
static bool region_new(struct sim *s, uint64_t bytes, unsigned order,
		       uint64_t leaf, enum pin_algo algo)
{
	uint64_t fbytes = PAGE_SIZE << order, npages = bytes / PAGE_SIZE;

	s->nfolios = bytes / fbytes;
	s->folios = calloc(s->nfolios, sizeof(*s->folios));
	if (xpt_init(&s->pt, &s->hm.mem, 4, 0))
		return false;
	for (uint64_t f = 0; f < s->nfolios; f++) {
		s->folios[f] = folio_alloc(&s->m, 0, order);
		if (s->folios[f] == FOLIO_NONE ||
		    xpt_map(&s->pt, SIM_VA + f * fbytes, s->folios[f] * PAGE_SIZE,
			    fbytes, leaf, XPT_W))
			return false;
	}
	s->pc = (struct pin_ctx){
		.pt = &s->pt, .sections = &s->m.sections, .va = SIM_VA,
		.npages = npages, .algo = algo,
		.runs = calloc(pin_blocks(npages) * PIN_BLOCK_RUNS,
			       sizeof(struct pin_run)),
		.nr_runs = calloc(pin_blocks(npages), sizeof(uint32_t)),
		.skip_page = PIN_NONE, .twice_page = PIN_NONE,
	};
	return true;
}

static void region_free(struct sim *s, unsigned order)
{
	for (uint64_t f = 0; f < s->nfolios; f++)
		if (s->folios[f] != FOLIO_NONE)
			folio_free(&s->m, s->folios[f], order);
	xpt_destroy(&s->pt);
	free(s->folios);
	free(s->pc.runs);
	free(s->pc.nr_runs);
}

static void run(struct sim *s, bool unpin, unsigned threads)
{
	struct job job = {
		.thread_fn = pin_job, .fn_arg = &s->pc, .start = 0,
		.size = s->pc.npages, .align = PIN_BLOCK_PAGES,
		.min_chunk = PIN_BLOCK_PAGES, .max_threads = threads,
		.mode = threads > 1 ? JOB_PADATA : JOB_SERIAL, .name = "pin",
	};

	if (!unpin)
		pin_reset(&s->pc);
	s->pc.unpin = unpin;
	s->pc.atomics = s->pc.pages = 0;
	job_run(&job, &s->stats);
}

static bool batches_ok(struct sim *s, unsigned order)
{
	return !pin_check_batches(&s->pc, s->folios, order, s->err, sizeof(s->err));
}

static bool counts_ok(struct sim *s, unsigned order, uint64_t pins)
{
	return !pin_check_counts(&s->m.sections, s->folios, s->nfolios, order,
				 pins, s->err, sizeof(s->err));
}

/* Atomics a 1-thread pin issues: per page, or per folio (two each for a
 * large folio: refcount and pincount). */
static uint64_t atomics_1t(struct sim *s, unsigned order, enum pin_algo algo)
{
	unsigned per = order ? 2 : 1;

	return per * (algo == PIN_PAGE ? s->pc.npages : s->nfolios);
}

/* Unpin works from the batches, cut every PIN_BLOCK_PAGES: a folio
 * larger than a block is unpinned a block's share at a time. */
static uint64_t unpin_atomics(struct sim *s, unsigned order, enum pin_algo algo)
{
	uint64_t shares = MAX(1ul << order, PIN_BLOCK_PAGES) / PIN_BLOCK_PAGES;

	if (algo == PIN_PAGE)
		return atomics_1t(s, order, algo);
	return atomics_1t(s, order, algo) * shares;
}

static const char *const algo_names[] = { "page", "folio", "fast" };

static void test_one(unsigned order, uint64_t leaf, uint64_t bytes,
		     enum pin_algo algo, unsigned threads)
{
	struct sim *s = &sim;

	report_prefix_push(algo_names[algo]);
	if (!report(region_new(s, bytes, order, leaf, algo), "order %u leaf %lu "
		    "threads %u: region mapped", order, leaf, threads))
		goto out;
	run(s, false, threads);
	report(batches_ok(s, order), "pin: batches in order (%s)",
	       batches_ok(s, order) ? "ok" : s->err);
	report(counts_ok(s, order, 1), "pin: each folio pinned once per "
	       "subpage (%s)", counts_ok(s, order, 1) ? "ok" : s->err);
	report(s->pc.pages == s->pc.npages, "pin: %lu pages", s->pc.pages);
	if (threads == 1)
		report(s->pc.atomics == atomics_1t(s, order, algo),
		       "pin: %lu atomics, expected %lu", s->pc.atomics,
		       atomics_1t(s, order, algo));
	run(s, true, threads);
	report(counts_ok(s, order, 0), "unpin: counts back (%s)",
	       counts_ok(s, order, 0) ? "ok" : s->err);
	if (threads == 1)
		report(s->pc.atomics == unpin_atomics(s, order, algo),
		       "unpin: %lu atomics, expected %lu", s->pc.atomics,
		       unpin_atomics(s, order, algo));
out:
	region_free(s, order);
	report_prefix_pop();
}

/* An injected skip or double pin: both checks see it. */
static void test_inject(enum pin_algo algo, bool twice)
{
	struct sim *s = &sim;

	report_prefix_push(algo_names[algo]);
	region_new(s, 8 * MiB, FOLIO_ORDER_2M, 2 * MiB, algo);
	if (twice)
		s->pc.twice_page = 700;
	else
		s->pc.skip_page = 700;
	run(s, false, 2);
	report(!batches_ok(s, FOLIO_ORDER_2M), "%s page caught in the batches: %s",
	       twice ? "doubled" : "skipped", s->err);
	report(!counts_ok(s, FOLIO_ORDER_2M, 1), "... and in the counts: %s",
	       s->err);
	run(s, true, 2);
	report(counts_ok(s, FOLIO_ORDER_2M, 0), "unpin of what was pinned "
	       "restores the counts");
	region_free(s, FOLIO_ORDER_2M);
	report_prefix_pop();
}

/* Folios freed back merge: the model ends as free as it began. */
static void test_gigantic_alloc(void)
{
	struct sim *s = &sim;
	uint64_t free0 = s->m.nodes[0].zones[ZONE_DMA32].free_pages;
	uint64_t a = folio_alloc(&s->m, 0, FOLIO_ORDER_1G);
	uint64_t b = folio_alloc(&s->m, 0, FOLIO_ORDER_1G);

	report(a == GiB / PAGE_SIZE, "1 GiB folio at 1 GiB (the first range "
	       "of one zone): %#lx", a);
	report(b == FOLIO_NONE, "no second one in 2 GiB");
	report(page_folio(pfn_to_page(&s->m.sections, a + 100000)) ==
	       pfn_to_page(&s->m.sections, a), "a tail in another section "
	       "finds its head");
	folio_free(&s->m, a, FOLIO_ORDER_1G);
	report(s->m.nodes[0].zones[ZONE_DMA32].free_pages == free0,
	       "freed: the zone's free pages are back");
}

int main(void)
{
	static const struct { unsigned order; uint64_t leaf, bytes; } shapes[] = {
		{ 0, 4 * KiB, 8 * MiB },
		{ FOLIO_ORDER_2M, 4 * KiB, 16 * MiB },
		{ FOLIO_ORDER_2M, 2 * MiB, 64 * MiB },
		{ FOLIO_ORDER_1G, 4 * KiB, GiB },
		{ FOLIO_ORDER_1G, 2 * MiB, GiB },
		{ FOLIO_ORDER_1G, GiB, GiB },
	};

	job_pthread_set_topology(4, 1);
	sim_init(&sim);
	test_gigantic_alloc();
	for (unsigned i = 0; i < ARRAY_SIZE(shapes); i++)
		for (enum pin_algo a = 0; a < PIN_NR_ALGOS; a++)
			for (unsigned t = 1; t <= 4; t += 3)
				test_one(shapes[i].order, shapes[i].leaf,
					 shapes[i].bytes, a, t);
	for (enum pin_algo a = 0; a < PIN_NR_ALGOS; a++) {
		test_inject(a, false);
		test_inject(a, true);
	}
	job_pthread_shutdown();
	free(sim.memmap);
	return report_summary();
}
