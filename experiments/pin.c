/* run=pin: pinning guest memory for device assignment, per 4 KiB page
 * versus per folio, on one thread versus many. The question comes from
 * "[RFC 00/16] padata, vfio, sched: Multithreaded VFIO page pinning"
 * (Daniel Jordan, Jason Gunthorpe, January 2022): 16 padata threads made
 * VFIO's pinning of a 360 GiB guest 8.5-12x faster; Jason Gunthorpe
 * answered that folio-aware pinning (one operation per huge page instead
 * of one per 4 KiB subpage) could give up to 512x on the pinning itself
 * and asked for threaded versus single-threaded versus folio-aware, and
 * both together. docs/pin.md has the answer measured here.
 *
 * A region of pin-bytes is backed by folios of pin-page (4K, 2M, 1G) from
 * the buddy allocator of run=memmap's model of RAM (real struct pages with
 * compound heads and tails: mm/folio.h), mapped by page tables built for
 * it (mm/xpt.h, tables from experiments/pt_pool.h) with 4 KiB PTEs
 * (pin-map=pte, as a user mapping of small pages) or leaves of the folio
 * size (pin-map=huge). Variants (mm/pin.h):
 *
 *   page    a walk and a pin per 4 KiB page (Linux before folios);
 *   folio   a walk per leaf, one pin per folio for its pages in range;
 *   fast    one descent over the tables, huge leaves taken whole (the
 *           gup-fast analog), pins as folio.
 *
 * Each is timed pinning (records "page-pin"...) and then unpinning from the
 * batches the pin filled ("page-unpin"...), on each thread count through
 * the job engine (padata's split, chunks of whole 2 MiB batches).
 *
 * Verified outside the timing: after a pin every pfn of the region is in
 * the batches exactly once and in VA order, and each folio's counters rose
 * by the pin bias for each of its subpages; after the unpin they are back.
 * inject=pin-skip (one page neither pinned nor recorded) and
 * inject=pin-double (one page pinned and recorded twice) must fail that
 * check. */
#include "experiments/experiment.h"
#include "experiments/buffers.h"
#include "experiments/memmap_setup.h"
#include "experiments/pt_pool.h"
#include "arch/x86_64/mmu.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/pin.h"
#include "smp/job.h"

/* The region's VA in its own tree (never installed: the walks read the
 * tables in software, as GUP does): where a user mapping might sit. */
#define PIN_VA			0x7f0000000000ull
#define PIN_POOL_SLACK		8

static const char *const pin_page_names[] = { "4K", "2M", "1G", NULL };
static const unsigned pin_orders[] = { 0, FOLIO_ORDER_2M, FOLIO_ORDER_1G };
static const char *const pin_map_names[] = { "pte", "huge", NULL };

static const struct cmdline_param pin_bytes = {
	.name = "pin-bytes", .type = CMDLINE_SIZE, .max_items = 1,
	.lo = 2 * MiB, .hi = 1 * TiB, .align = 2 * MiB, .dflt = "512M",
	.help = "bytes of the pinned region (pin), rounded up to a folio",
};
static const struct cmdline_param pin_page = {
	.name = "pin-page", .type = CMDLINE_CHOICE, .max_items = 3,
	.choices = pin_page_names, .dflt = "4K,2M",
	.help = "folio sizes backing the region (pin): 4K, 2M, 1G",
};
static const struct cmdline_param pin_map = {
	.name = "pin-map", .type = CMDLINE_CHOICE, .max_items = 2,
	.choices = pin_map_names, .dflt = "pte,huge",
	.help = "mapping of the region (pin): pte = 4 KiB leaves, huge = "
		"leaves of the folio size",
};
static const struct cmdline_param *const pin_params[] = {
	&pin_bytes, &pin_page, &pin_map, NULL,
};
static const char *const pin_variants[] = { "page", "folio", "fast", NULL };
static const char *const pin_injects[] = { "pin-skip", "pin-double", NULL };
static const char *const pin_records[PIN_NR_ALGOS][2] = {
	{ "page-pin", "page-unpin" }, { "folio-pin", "folio-unpin" },
	{ "fast-pin", "fast-unpin" },
};

/* One run=pin: the model, the region of the current shape, its tables. */
struct pin_exp {
	struct exp_ctx *c;
	struct mm_model *m;
	unsigned page;			/* index in pin_page_names */
	unsigned map;			/* index in pin_map_names */
	unsigned order;
	uint64_t bytes, nfolios;
	uint64_t *folios;		/* head pfns, in VA order */
	uint64_t folios_pa, runs_pa, nr_pa, runs_bytes;
	struct pt_pool pool;
	struct xpt pt;
	struct pin_ctx pc;
	bool checked;
	char why[160];
	struct job_stats stats;		/* ~55 KiB: never on a stack */
};

static struct pin_exp pin_state;

/* ---- the region -------------------------------------------------------------- */

static uint64_t folio_bytes(const struct pin_exp *px)
{
	return PAGE_SIZE << px->order;
}

static uint64_t leaf_bytes(const struct pin_exp *px)
{
	return px->map ? folio_bytes(px) : PAGE_SIZE;
}

/* Storage for the folio list and the batches, from memblock. */
static bool region_storage(struct pin_exp *px, uint64_t npages)
{
	px->runs_bytes = pin_blocks(npages) * PIN_BLOCK_RUNS * sizeof(struct pin_run);
	px->folios_pa = exp_buf_alloc(px->nfolios * sizeof(uint64_t), PAGE_SIZE, -1);
	px->runs_pa = exp_buf_alloc(px->runs_bytes, PAGE_SIZE, -1);
	px->nr_pa = exp_buf_alloc(pin_blocks(npages) * sizeof(uint32_t), PAGE_SIZE, -1);
	if (!px->folios_pa || !px->runs_pa || !px->nr_pa)
		return false;
	px->folios = phys_to_virt(px->folios_pa);
	for (uint64_t f = 0; f < px->nfolios; f++)
		px->folios[f] = FOLIO_NONE;
	return true;
}

/* Folios from the model's buddy, each mapped at its place in the VA
 * range. false (why said) when memory or table pages ran out. */
static bool region_fill(struct pin_exp *px)
{
	uint64_t fb = folio_bytes(px);

	for (uint64_t f = 0; f < px->nfolios; f++) {
		px->folios[f] = folio_alloc(px->m, 0, px->order);
		if (px->folios[f] == FOLIO_NONE) {
			ksnprintf(px->why, sizeof(px->why), "the model's buddy "
				  "has no %s folio left (%lu of %lu)",
				  pin_page_names[px->page], f, px->nfolios);
			return false;
		}
		if (xpt_map(&px->pt, PIN_VA + f * fb, px->folios[f] * PAGE_SIZE,
			    fb, leaf_bytes(px), XPT_W)) {
			ksnprintf(px->why, sizeof(px->why), "xpt_map failed");
			return false;
		}
	}
	return true;
}

static void region_free(struct pin_exp *px)
{
	uint64_t npages = px->bytes / PAGE_SIZE;

	if (px->folios)
		for (uint64_t f = 0; f < px->nfolios; f++)
			if (px->folios[f] != FOLIO_NONE)
				folio_free(px->m, px->folios[f], px->order);
	if (px->pt.root)
		xpt_destroy(&px->pt);
	pt_pool_destroy(&px->pool);
	exp_buf_free(px->folios_pa, px->nfolios * sizeof(uint64_t));
	exp_buf_free(px->runs_pa, px->runs_bytes);
	exp_buf_free(px->nr_pa, pin_blocks(npages) * sizeof(uint32_t));
	px->folios = NULL;
	px->folios_pa = px->runs_pa = px->nr_pa = 0;
	px->pt.root = 0;
}

/* The region for pin-page[@page] mapped with pin-map[@map]. */
static bool region_new(struct pin_exp *px, unsigned page, unsigned map)
{
	uint64_t npages;
	const char *err = "";

	px->page = page;
	px->map = map;
	px->order = pin_orders[page];
	px->bytes = ALIGN_UP(exp_param(px->c, "pin-bytes")->v[0], folio_bytes(px));
	px->nfolios = px->bytes / folio_bytes(px);
	npages = px->bytes / PAGE_SIZE;
	px->why[0] = 0;
	if (!region_storage(px, npages) ||
	    pt_pool_create(&px->pool, pin_blocks(npages) + px->bytes / GiB +
			   PIN_POOL_SLACK, &err) ||
	    xpt_init(&px->pt, &px->pool.mem, 4, 0)) {
		ksnprintf(px->why, sizeof(px->why), "no memory for the "
			  "region's bookkeeping %s", err);
		return false;
	}
	if (!region_fill(px))
		return false;
	px->pc = (struct pin_ctx){
		.pt = &px->pt, .sections = &px->m->sections, .va = PIN_VA,
		.npages = npages, .runs = phys_to_virt(px->runs_pa),
		.nr_runs = phys_to_virt(px->nr_pa),
		.skip_page = exp_inject(px->c, "pin-skip") ? npages / 2 + 3 : PIN_NONE,
		.twice_page = exp_inject(px->c, "pin-double") ? npages / 2 + 5 : PIN_NONE,
	};
	return true;
}

/* ---- one measurement ---------------------------------------------------------- */

static int run_job(struct pin_exp *px, enum pin_algo algo, bool unpin,
		   unsigned threads)
{
	struct job job = {
		.thread_fn = pin_job, .fn_arg = &px->pc,
		.start = 0, .size = px->pc.npages,
		/* Chunks of whole batches (2 MiB of VA): a batch is written by
		 * one thread; the thread's padata split of the range. */
		.align = PIN_BLOCK_PAGES, .min_chunk = PIN_BLOCK_PAGES,
		.max_threads = threads, .name = "pin",
		.mode = threads > 1 ? exp_engine_mode(px->c, JOB_PADATA) : JOB_SERIAL,
	};

	px->pc.algo = algo;
	px->pc.unpin = unpin;
	/* A pin starts from empty batches; an unpin reads the pin's, keeping
	 * its dropped count (a property of the batches). */
	if (!unpin)
		pin_reset(&px->pc);
	px->pc.atomics = px->pc.walks = px->pc.pages = px->pc.unmapped = 0;
	return job_run(&job, &px->stats);
}

/* The check: batches and counts after a pin, counts after an unpin. */
static bool check(struct pin_exp *px, bool unpin)
{
	if (px->pc.pages != px->pc.npages + (px->pc.twice_page != PIN_NONE) -
	    (px->pc.skip_page != PIN_NONE) || px->pc.unmapped) {
		ksnprintf(px->why, sizeof(px->why), "%lu pages done, %lu unmapped, "
			  "region %lu", px->pc.pages, px->pc.unmapped, px->pc.npages);
		return false;
	}
	if (!unpin && pin_check_batches(&px->pc, px->folios, px->order,
					px->why, sizeof(px->why)))
		return false;
	return !pin_check_counts(&px->m->sections, px->folios, px->nfolios,
				 px->order, unpin ? 0 : 1, px->why, sizeof(px->why));
}

static uint64_t runs_total(const struct pin_ctx *pc)
{
	uint64_t n = 0;

	for (uint64_t b = 0; b < pin_blocks(pc->npages); b++)
		n += pc->nr_runs[b];
	return n;
}

/* The record's own fields: what the thread's table needs. */
static void record_fields(struct pin_exp *px, struct json *j, uint64_t ns,
			  bool unpin)
{
	uint64_t mib = px->bytes / MiB;

	ns = MAX(ns, 1);
	json_str(j, "op", unpin ? "unpin" : "pin");
	json_u64(j, "folios", px->nfolios);
	json_u64(j, "atomics", px->pc.atomics);
	json_u64(j, "walks", px->pc.walks);
	json_u64(j, "runs", runs_total(&px->pc));
	json_u64(j, "pages_per_s", px->pc.npages * 1000000000ull / ns);
	/* GiB/s with 3 decimals: bytes per ms first keeps it in 64 bits. */
	json_fixed(j, "gib_per_s", px->bytes * 1000000 / ns * 1000000 / GiB, 3);
	/* The thread's projection: this rate over a 1 TiB guest, in s. */
	json_fixed(j, "tib_s", ns * (TiB / MiB) / mib / 1000000, 3);
}

static void measure(struct pin_exp *px, enum pin_algo algo, bool unpin,
		    unsigned threads, unsigned rep)
{
	struct exp_result r = { .variant = pin_records[algo][unpin],
				.threads = threads, .bytes = px->bytes,
				.pages = px->pc.npages, .rep = rep,
				.checked = px->checked, .why = px->why };
	struct json *j;

	exp_result_key(&r, "pin-page", pin_page_names[px->page]);
	exp_result_key(&r, "pin-map", pin_map_names[px->map]);
	if (run_job(px, algo, unpin, threads)) {
		report(false, "%s threads=%u: the engine refused the job",
		       r.variant, threads);
		return;
	}
	r.ns = px->stats.total_ns;
	r.threads_run = px->stats.nthreads;
	r.verified = r.checked && check(px, unpin);
	j = exp_result_begin(px->c, &r);
	record_fields(px, j, r.ns, unpin);
	exp_result_end(px->c, &r);
}

/* Every variant and thread count on the current region; reps outermost
 * so a slow moment of a shared host falls on every variant alike. Each pin
 * is followed by its unpin, which leaves the folios as they were. */
static void run_shape(struct pin_exp *px)
{
	struct exp_ctx *c = px->c;

	for (unsigned rep = 0; rep < exp_reps(c); rep++)
		for (unsigned i = 0; i < c->nthreads; i++)
			for (enum pin_algo a = 0; a < PIN_NR_ALGOS; a++) {
				if (!exp_variant_on(c, pin_variants[a]))
					continue;
				measure(px, a, false, c->threads[i], rep);
				measure(px, a, true, c->threads[i], rep);
			}
}

/* ---- set-up ------------------------------------------------------------------- */

/* run=memmap's model of RAM with every struct page initialized and every
 * free pfn in its buddy allocator: where the folios come from. */
static bool model_ready(struct pin_exp *px)
{
	struct memmap_setup s;
	const char *err = NULL;
	bool ok = !memmap_setup_get(false, &s, &err);

	if (!report(ok, "model of RAM built%s%s", ok ? "" : ": ",
		    ok ? "" : err))
		return false;
	px->m = s.m;
	memmap_reset_state(px->m);
	memmap_init_range_fast(px->m, px->m->span_start, px->m->span_end,
			       NUMA_NO_NODE, MEMMAP_STORE_SCALAR);
	return true;
}

static void pin_run(struct exp_ctx *c)
{
	struct pin_exp *px = &pin_state;
	const struct cmdline_value *pages = exp_param(c, "pin-page");
	const struct cmdline_value *maps = exp_param(c, "pin-map");

	memset(px, 0, sizeof(*px));
	px->c = c;
	px->checked = exp_verify(c) || exp_inject(c, "pin-skip") ||
		      exp_inject(c, "pin-double");
	if (!model_ready(px))
		return;
	for (unsigned p = 0; p < pages->n; p++)
		for (unsigned mp = 0; mp < maps->n; mp++) {
			/* 4 KiB folios have no huge mapping: pte only. */
			if (!pin_orders[pages->v[p]] && maps->v[mp])
				continue;
			if (region_new(px, pages->v[p], maps->v[mp])) {
				exp_log(c, "pin: %lu MiB of %s folios (%lu), %s "
					"mapping, %lu table pages\n",
					px->bytes / MiB, pin_page_names[px->page],
					px->nfolios, pin_map_names[px->map],
					px->pt.tables);
				run_shape(px);
			} else {
				report_skip("pin-page=%s pin-map=%s: %s",
					    pin_page_names[pages->v[p]],
					    pin_map_names[maps->v[mp]], px->why);
			}
			region_free(px);
		}
}

const struct experiment exp_pin = {
	.name = "pin",
	.summary = "page pinning for VFIO: per page vs per folio, 1 vs N threads",
	.variants = pin_variants,
	.injects = pin_injects,
	.params = pin_params,
	.in_default = true,
	.run = pin_run,
};
