/* run=memdesc: the memmap below the 64-byte fill bound (issue 15, item 1
 * and 3). Matthew Wilcox's memdesc plan ("State Of The Page", Aug 2022;
 * LSFMM 2024) shrinks struct page to one 8-byte word, a type and a pointer
 * to a per-folio (or per-free-block) descriptor; a 32-byte struct page is
 * the planned midway. This experiment initializes all of RAM's memmap in
 * those layouts (mm/memdesc.h) on run=memmap's model of the machine (same
 * sections, nodes, zones, free ranges, same section-aligned job), so
 * `run=memmap,memdesc` gives time against bytes per page (64, 32, 8) in
 * one boot. docs/memdesc.md has the figures. Variants:
 *
 *   memdesc8   8 bytes a page, free blocks described outside the array;
 *   memdesc32  the 32-byte midway layout (flags, memdesc, counts, spare);
 *   bound      per layout that runs: the same threads fill the layout's
 *              bytes with the fastest fill kernel (mm/copy.h), split the
 *              same way. Its records carry the layout's bytes as their
 *              size and the key layout=, so `x bound` pairs each layout
 *              with its own bound.
 *
 * Verification (verify=on, or any inject=) runs outside the timing: the
 * timed run's entries and free lists, then an untimed rerun with per-pfn
 * init counts, drained by order-0 allocations and freed back
 * (mm/memdesc_verify.h). Without it every run still checks its totals. */
#include "experiments/experiment.h"
#include "experiments/kernel_select.h"
#include "experiments/memmap_setup.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/memblock.h"
#include "mm/memdesc_verify.h"
#include "mm/memmap_verify.h"
#include "smp/job.h"

#define BOUND_PATTERN	(~0ull)
#define PS_PER_NS	1000u
#define NS_PER_US	1000u
/* Pool room beyond what init and one drain take: the halves a split
 * leaves per zone and order, and the double-free injection. */
#define POOL_SLACK	(MAX_NUMNODES * MAX_NR_ZONES * NR_PAGE_ORDERS + 64)
#define POOL_ALIGN	(2 * MiB)

enum variant { V_MD8, V_MD32, V_BOUND, NR_VARIANTS };

static const char *const memdesc_variants[NR_VARIANTS + 1] = {
	"memdesc8", "memdesc32", "bound", NULL
};
static const char *const memdesc_injects[] = {
	"memdesc-skip-section", "memdesc-double-free", NULL
};
static const unsigned inject_bits[] = {
	MEMDESC_INJECT_SKIP_SECTION, MEMDESC_INJECT_DOUBLE_FREE
};
static const unsigned layouts[] = { MEMDESC_LAYOUT_8, MEMDESC_LAYOUT_32 };

struct row {
	enum variant v;
	unsigned layout, threads, rep;
	bool cold, ok;
	uint64_t ns;
	uint64_t descs;		/* pool descriptors in use after the timed run */
};

/* One run=memdesc: what every step shares. */
struct memdesc_exp {
	struct exp_ctx *c;
	struct memmap_setup s;
	struct memdesc_model md;
	struct memdesc_desc *pool;
	uint64_t pool_cap;
	void *const *arrays[ARRAY_SIZE(layouts)];	/* NULL: layout not run */
	bool full;
	unsigned inject;
	enum job_mode mode;
	const struct fill_kernel *fill;
	unsigned store32;	/* enum memmap_store of the 32-byte layout */
	char err[MEMMAP_VERIFY_ERR_LEN];
	struct job_stats stats, check_stats;	/* ~55 KiB each */
};

static struct memdesc_exp memdesc_exp;	/* too big for a stack */

/* ---- set-up ------------------------------------------------------------ */

/* The descriptor pool, from memblock after the model read its free ranges:
 * like the verification storage of memmap_setup.h it then lies in memory
 * the model calls free, which only matters to the model's bookkeeping. */
static bool alloc_pool(struct memdesc_exp *mx)
{
	const struct mm_model *m = mx->s.m;
	uint64_t cap = memdesc_init_descs(m) + POOL_SLACK, pa;

	if (mx->full)
		cap += m->usable_pages;		/* one folio per usable page */
	pa = memblock_phys_alloc(cap * sizeof(struct memdesc_desc), POOL_ALIGN, 0);
	if (!pa)
		return false;
	mx->pool = phys_to_virt(pa);
	mx->pool_cap = cap;
	return true;
}

/* The bound's fill kernel: the fastest of the boot's kernel selection.
 * The 8-byte layout's init uses it too; the 32-byte layout's vector
 * kernel takes the same kind of stores (AVX2 or SSE2, streaming or not). */
static void pick_fill(struct memdesc_exp *mx)
{
	const struct fill_kernel *cached, *nt;
	bool avx2;

	if (kernel_select_fill(mx->c, &cached, &nt))
		return;
	mx->fill = kernel_fastest_fill(cached, nt);
	avx2 = (mx->fill->needs & MEMK_NEEDS_AVX2) == MEMK_NEEDS_AVX2;
	mx->store32 = (avx2 ? MEMMAP_STORE_AVX2 : MEMMAP_STORE_SSE2) |
		      (mx->fill == nt ? MEMMAP_STORE_NT : 0);
}

static const char *store32_name(unsigned store)
{
	static const char *const names[] = { "scalar", "sse2", "avx2", "?",
					     "scalar", "sse2-nt", "avx2-nt", "?" };

	return names[store & 7];
}

/* Whether round run_round() writes layout @li (its init or its bound). */
static bool layout_runs(struct exp_ctx *c, unsigned li)
{
	bool any = exp_variant_on(c, memdesc_variants[V_MD8]) ||
		   exp_variant_on(c, memdesc_variants[V_MD32]);

	return exp_variant_on(c, memdesc_variants[li]) || !any;
}

/* The arrays of each layout that runs (experiments/memmap_setup.h). */
static bool get_arrays(struct memdesc_exp *mx, const char **err)
{
	for (unsigned li = 0; li < ARRAY_SIZE(layouts); li++)
		if (layout_runs(mx->c, li) &&
		    !(mx->arrays[li] = memmap_setup_arrays(layouts[li], err)))
			return false;
	return true;
}

static bool setup(struct memdesc_exp *mx, struct exp_ctx *c)
{
	const char *err = NULL;
	bool ok;

	memset(mx, 0, sizeof(*mx));
	mx->c = c;
	for (unsigned i = 0; i < ARRAY_SIZE(inject_bits); i++)
		if (exp_inject(c, memdesc_injects[i]))
			mx->inject |= inject_bits[i];
	mx->full = exp_verify(c) || mx->inject;
	mx->mode = exp_engine_mode(c, JOB_PADATA);
	ok = !memmap_setup_get(mx->full, &mx->s, &err);
	if (ok && !alloc_pool(mx)) {
		ok = false;
		err = "no memory for the descriptor pool";
	}
	ok = ok && get_arrays(mx, &err);
	if (!report(ok, "model of RAM, arrays and descriptor pool%s%s",
		    ok ? "" : ": ",
		    ok ? "" : err))
		return false;
	pick_fill(mx);
	exp_log(c, "memdesc: %lu struct pages, %lu usable; arrays of %lu MiB "
		"(8 bytes a page) and %lu MiB (32); %lu free blocks at init; "
		"pool of %lu descriptors; fill %s, 32-byte stores %s\n",
		memmap_present_pages(mx->s.m), mx->s.m->usable_pages,
		memdesc_array_bytes(mx->s.m, MEMDESC_LAYOUT_8) / MiB,
		memdesc_array_bytes(mx->s.m, MEMDESC_LAYOUT_32) / MiB,
		memdesc_init_descs(mx->s.m), mx->pool_cap,
		mx->fill ? mx->fill->name : "none", store32_name(mx->store32));
	return true;
}

/* ---- results ------------------------------------------------------------ */

static const char *fill_name(const struct memdesc_exp *mx, const struct row *r)
{
	if (r->v == V_BOUND || r->layout == MEMDESC_LAYOUT_8)
		return mx->fill ? mx->fill->name : "scalar";
	return store32_name(mx->store32);
}

static void emit(struct memdesc_exp *mx, const struct row *r)
{
	const struct mm_model *m = mx->s.m;
	const struct job_stats *st = &mx->stats;
	uint64_t pages = memmap_present_pages(m);
	uint64_t bytes = memdesc_array_bytes(m, r->layout);
	char layout[8];
	struct exp_result res = {
		.variant = memdesc_variants[r->v], .threads = r->threads,
		.threads_run = st->nthreads, .bytes = bytes, .ns = r->ns,
		.rep = r->rep, .cold = r->cold, .checked = true,
		.verified = r->ok, .why = mx->err,
	};
	struct json *j;

	ksnprintf(layout, sizeof(layout), "%u", r->layout);
	if (r->v == V_BOUND)
		exp_result_key(&res, "layout", layout);
	j = exp_result_begin(mx->c, &res);
	json_u64(j, "layout_bytes", r->layout);
	json_u64(j, "struct_pages", pages);
	json_u64(j, "usable_pages", m->usable_pages);
	json_str(j, "checks", mx->full ? "full" : "totals");
	json_str(j, "store", fill_name(mx, r));
	json_str(j, "mode", job_mode_name(mx->mode));
	json_u64(j, "nodes", mx->c->m->nodes);
	json_fixed(j, "ns_per_page", r->ns * PS_PER_NS / pages, 3);
	json_u64(j, "chunks", st->chunks);
	json_u64(j, "lock_contended", st->lock_contended);
	if (r->v != V_BOUND)
		json_u64(j, "descs", r->descs);
	exp_json_job_threads(j, st);
	exp_result_end(mx->c, &res);
}

static void log_run(struct memdesc_exp *mx, const struct row *r)
{
	char us[24];

	exp_log(mx->c, "memdesc: %-9s layout=%-2u threads=%u rep=%u%s: %s ms%s%s\n",
		memdesc_variants[r->v], r->layout, r->threads, r->rep,
		r->cold ? " (cold)" : "",
		kfmt_fixed(us, sizeof(us), r->ns / NS_PER_US, 3),
		r->ok ? "" : ", NOT VERIFIED: ", r->ok ? "" : mx->err);
}

static uint64_t time_job(struct job_stats *stats, const struct job *job)
{
	uint64_t t0 = now_ns();

	if (job_run(job, stats))
		return 0;
	return MAX(now_ns() - t0, 1);
}

static void span_job(struct job *job, const struct mm_model *m,
		     void (*fn)(uint64_t, uint64_t, void *), void *arg,
		     enum job_mode mode, unsigned threads, const char *name)
{
	*job = (struct job){
		.thread_fn = fn, .fn_arg = arg,
		.start = m->span_start, .size = m->span_end - m->span_start,
		/* As run=memmap (Linux's padata job): whole sections, so no
		 * two threads share a section's pageblock bits or a max-order
		 * block's buddies. */
		.align = PAGES_PER_SECTION, .min_chunk = PAGES_PER_SECTION,
		.max_threads = threads, .mode = mode, .name = name,
	};
}

/* ---- init runs ------------------------------------------------------------ */

static bool totals_ok(struct memdesc_exp *mx)
{
	const struct memdesc_model *md = &mx->md;
	uint64_t free_pages = 0, managed = 0;

	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			free_pages += md->zones[nid][zt].free_pages;
			managed += md->zones[nid][zt].managed_pages;
		}
	if (free_pages == md->mm->usable_pages && managed == free_pages &&
	    !md->pool.failed)
		return true;
	ksnprintf(mx->err, sizeof(mx->err), "free %lu, managed %lu, usable %lu "
		  "pages, %lu descriptor requests refused", free_pages, managed,
		  md->mm->usable_pages, md->pool.failed);
	return false;
}

/* The timed run's state, then an untimed rerun with the init counts
 * (their atomic add per page would distort the timing), drained and
 * refilled. */
static bool verify_init(struct memdesc_exp *mx, const struct job *job)
{
	struct memdesc_model *md = &mx->md;
	bool ok;

	if (memdesc_verify_pages(md, mx->err, sizeof(mx->err)) ||
	    memdesc_verify_buddy(md, mx->s.bitmap, mx->err, sizeof(mx->err)))
		return false;
	memdesc_reset_state(md);
	memdesc_verify_poison(md);
	memdesc_verify_enable_counts(md, mx->s.counts, mx->s.counts_len);
	ok = job_run(job, &mx->check_stats) == 0 &&
	     !memdesc_verify_all(md, mx->s.bitmap, mx->err, sizeof(mx->err));
	memdesc_verify_enable_counts(md, NULL, 0);
	return ok;
}

static bool check_init(struct memdesc_exp *mx, const struct job *job,
		       uint64_t ns)
{
	unsigned left = __atomic_exchange_n(&mx->md.inject, 0, __ATOMIC_ACQ_REL);
	bool ok;

	mx->err[0] = '\0';
	if (!ns) {
		ksnprintf(mx->err, sizeof(mx->err), "job_run refused the job");
		return false;
	}
	ok = totals_ok(mx) && (!mx->full || verify_init(mx, job));
	if (ok && left)
		exp_log(mx->c, "memdesc: inject 0x%x did not fire\n", left);
	return ok;
}

static void run_init(struct memdesc_exp *mx, unsigned li, unsigned threads,
		     unsigned rep)
{
	struct memdesc_model *md = &mx->md;
	unsigned layout = layouts[li];
	struct memdesc_job mj = { md, { mx->fill ? mx->fill->fn : NULL,
					mx->store32 } };
	struct row r = { li ? V_MD32 : V_MD8, layout, threads, rep,
			 !memmap_setup_touched(layout), false, 0, 0 };
	struct job job;

	memdesc_model_init(md, mx->s.m, layout, mx->arrays[li], mx->pool,
			   mx->pool_cap);
	/* Poisoned when checked, so a skipped entry cannot pass for written;
	 * never the boot's first write, which stays cold. */
	if (mx->full && !r.cold)
		memdesc_verify_poison(md);
	__atomic_store_n(&md->inject, mx->inject, __ATOMIC_RELEASE);
	span_job(&job, mx->s.m, memdesc_init_job, &mj,
		 mx->mode, threads, memdesc_variants[r.v]);
	r.ns = time_job(&mx->stats, &job);
	memmap_setup_touch(layout);
	r.descs = memdesc_pool_in_use(&md->pool);
	r.ok = check_init(mx, &job, r.ns);
	r.ns = MAX(r.ns, 1);
	log_run(mx, &r);
	emit(mx, &r);
}

/* ---- the bound ------------------------------------------------------------ */

struct bound_arg {
	const struct mm_model *m;
	void *const *arrays;
	fill_fn *fill;
	unsigned layout;
};

/* thread_fn: the layout's bytes of the present sections of pfns [a, b). */
static void bound_fill(uint64_t a, uint64_t b, void *arg)
{
	const struct bound_arg *ba = arg;

	for (uint64_t s = a, e; s < b; s = e) {
		const struct mem_section *ms = pfn_section(&ba->m->sections, s);

		e = MIN(b, ALIGN_DOWN(s, PAGES_PER_SECTION) + PAGES_PER_SECTION);
		if (ms)
			ba->fill((char *)ba->arrays[pfn_to_section_nr(s)] +
				 (s & (PAGES_PER_SECTION - 1)) * ba->layout,
				 BOUND_PATTERN, (e - s) * ba->layout);
	}
}

static bool check_bound(struct memdesc_exp *mx, unsigned li, uint64_t ns)
{
	unsigned layout = layouts[li];
	const struct mm_model *m = mx->s.m;

	mx->err[0] = '\0';
	if (!ns || mx->stats.units != m->span_end - m->span_start) {
		ksnprintf(mx->err, sizeof(mx->err), "fill job did %lu of %lu pfns",
			  ns ? mx->stats.units : 0, m->span_end - m->span_start);
		return false;
	}
	for (uint64_t nr = 0; mx->full && nr < m->sections.nr; nr++) {
		const struct mem_section *ms = &m->sections.sec[nr];
		size_t off;

		if (!(ms->flags & SECTION_PRESENT))
			continue;
		off = buffer_check_fill(mx->arrays[li][nr],
					memdesc_section_bytes(layout),
					BOUND_PATTERN);
		if (off != BUFFER_MATCH) {
			ksnprintf(mx->err, sizeof(mx->err), "section %lu: byte "
				  "%lu not filled", nr, (uint64_t)off);
			return false;
		}
	}
	return true;
}

static void run_bound(struct memdesc_exp *mx, unsigned li, unsigned threads,
		      unsigned rep)
{
	struct bound_arg ba = { mx->s.m, mx->arrays[li], mx->fill->fn,
				layouts[li] };
	struct row r = { V_BOUND, layouts[li], threads, rep,
			 !memmap_setup_touched(layouts[li]), false, 0, 0 };
	struct job job;

	span_job(&job, mx->s.m, bound_fill, &ba,
		 mx->mode, threads, "bound");
	r.ns = time_job(&mx->stats, &job);
	memmap_setup_touch(layouts[li]);
	r.ok = check_bound(mx, li, r.ns);
	r.ns = MAX(r.ns, 1);
	log_run(mx, &r);
	emit(mx, &r);
}

/* ---- the experiment --------------------------------------------------------- */

/* One round at threads[@ti]: each chosen layout, then its bound, so each
 * ratio compares runs made moments apart. As in run=memmap the bound runs
 * whenever its layout does (it is the ratio's reference); "bound" alone
 * runs both layouts' bounds. */
static void run_round(struct memdesc_exp *mx, unsigned ti, unsigned rep)
{
	struct exp_ctx *c = mx->c;

	for (unsigned li = 0; li < ARRAY_SIZE(layouts); li++) {
		if (exp_variant_on(c, memdesc_variants[li]))
			run_init(mx, li, c->threads[ti], rep);
		if (mx->fill && layout_runs(c, li))
			run_bound(mx, li, c->threads[ti], rep);
	}
}

static void memdesc_run(struct exp_ctx *c)
{
	struct memdesc_exp *mx = &memdesc_exp;
	bool any = false;

	for (enum variant v = V_MD8; v < NR_VARIANTS; v++)
		any |= exp_variant_on(c, memdesc_variants[v]);
	if (!any || !setup(mx, c))
		return;
	/* Reps outermost: slow moments of a shared host fall on all alike. */
	for (unsigned r = 0; r < exp_reps(c); r++)
		for (unsigned ti = 0; ti < c->nthreads; ti++)
			run_round(mx, ti, r);
}

const struct experiment exp_memdesc = {
	.name = "memdesc",
	.summary = "memmap init and buddy in Wilcox's memdesc layouts (8 and "
		   "32 bytes a page), against their fill bounds",
	.variants = memdesc_variants,
	.injects = memdesc_injects,
	.in_default = true,           /* issue #15: make run includes memdesc */
	.run = memdesc_run,
};
