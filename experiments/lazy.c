/* run=lazy: a boot that does not wait for the memmap (issue 15, item 2).
 * Linux's deferred_grow_zone() (Pavel Tatashin, Feb 2018) grows the
 * initialized memmap a section at a time when an early allocation runs
 * short, but only until page_alloc_init_late() waits for all of it. Taken
 * all the way (mm/memmap_lazy.h): boot initializes the first max-order
 * block (4 MiB of RAM) of each zone, an allocation that runs its zone dry
 * initializes the next block, and helper CPUs finish the rest in the
 * background a section at a time, each block claimed exactly once. On
 * run=memmap's model of the machine, in three layouts:
 *
 *   lazy64   the 64-byte struct page (memmap_init_range_fast);
 *   lazy32   the 32-byte midway struct page (memdesc_init_range);
 *   lazy8    the 8-byte memdesc word (memdesc_init_range).
 *
 * One pass: boot (timed: time-to-ready), then the caller makes up to
 * FG_ALLOCS max-order allocations from node 0's largest zone, growing it
 * on demand, while threads - 1 helpers finish the memmap; the caller joins
 * them when its allocations are done. Reported: time-to-ready (the ns
 * field), the latency of the allocations that had to initialize a block
 * (median, p99), when every block was done, and the total work.
 *
 * Verification (verify=on, or any inject=): the timed pass's totals, then
 * an untimed pass with the memmap poisoned and per-pfn init counts on,
 * after which every page must be initialized exactly once, free equal
 * usable and allocate-everything return each usable page once. Without it
 * every pass still checks its totals. docs/memdesc.md, section "lazy". */
#include "experiments/experiment.h"
#include "experiments/kernel_select.h"
#include "experiments/memmap_setup.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tsc.h"
#include "lib/percentile.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/memblock.h"
#include "mm/memdesc_verify.h"
#include "mm/memmap_lazy.h"
#include "mm/memmap_verify.h"
#include "smp/on_cpus.h"

/* Max-order allocations of one pass: 8 GiB. Growth claims one max-order
 * block at a time, so a pass has up to this many growing allocations to
 * take percentiles of. */
#define FG_ALLOCS	2048u
#define FG_ORDER	MAX_PAGE_ORDER
#define POOL_SLACK	(MAX_NUMNODES * MAX_NR_ZONES * NR_PAGE_ORDERS + 64)
#define POOL_ALIGN	(2 * MiB)
#define PS_PER_NS	1000u
#define NS_PER_US	1000u
#define MAX_ZONES	(MAX_NUMNODES * MAX_NR_ZONES)

enum variant { V_LAZY64, V_LAZY32, V_LAZY8, NR_VARIANTS };

static const char *const lazy_variants[NR_VARIANTS + 1] = {
	"lazy64", "lazy32", "lazy8", NULL
};
static const unsigned variant_layout[NR_VARIANTS] = {
	64, MEMDESC_LAYOUT_32, MEMDESC_LAYOUT_8
};
static const char *const lazy_injects[] = {
	"lazy-skip-section", "lazy-double-init", NULL
};
static const unsigned inject_bits[] = { LAZY_INJECT_SKIP, LAZY_INJECT_DOUBLE };

/* What one pass measured. */
struct pass {
	uint64_t ready_ns;		/* reset + boot: before the first alloc */
	uint64_t state_ns, boot_ns;	/* its two parts */
	uint64_t complete_ns;		/* every section done, from the start */
	uint64_t work_ns;		/* boot + growing allocs + background */
	uint64_t fg_allocs, grow_allocs;
	uint32_t grow_p50, grow_p99, grow_max;
	unsigned helpers;
};

struct lazy_exp {
	struct exp_ctx *c;
	struct memmap_setup s;
	struct memdesc_model md;
	struct memdesc_desc *pool;
	uint64_t pool_cap;
	void *const *arrays[NR_VARIANTS];	/* compact layouts that run */
	struct memdesc_stores st;
	unsigned store64;		/* enum memmap_store for lazy64 */
	enum variant v;
	bool full, pool_touched;
	unsigned inject;
	struct memmap_lazy lz;
	uint8_t *state;
	struct lazy_zone zones[MAX_ZONES];
	unsigned nzones, fg;		/* fg: index of the allocating zone */
	void *fg_block[FG_ALLOCS];
	uint32_t lat[FG_ALLOCS];	/* ns of the allocations that grew */
	uint64_t t0;
	uint64_t helper_end[MAX_CPUS], helper_busy[MAX_CPUS];
	char err[MEMMAP_VERIFY_ERR_LEN];
};

static struct lazy_exp lazy_exp;	/* too big for a stack */

/* ---- the layouts, as mm/memmap_lazy.h's callbacks ---------------------- */

static void init64(uint64_t start, uint64_t end, void *arg)
{
	struct lazy_exp *lx = arg;

	memmap_init_range_fast(lx->s.m, start, end, NUMA_NO_NODE, lx->store64);
}

/* Both memdesc layouts: md.layout says which. */
static void init_md(uint64_t start, uint64_t end, void *arg)
{
	struct lazy_exp *lx = arg;

	memdesc_init_range(&lx->md, start, end, &lx->st);
}

static void *alloc64(void *zone, unsigned order, void *arg)
{
	(void)arg;
	return buddy_alloc(zone, order);
}

static void *alloc_md(void *zone, unsigned order, void *arg)
{
	struct lazy_exp *lx = arg;

	return memdesc_alloc(&lx->md, zone, order);
}

static void free_block(struct lazy_exp *lx, void *b)
{
	if (lx->v == V_LAZY64)
		buddy_free_pages(lx->zones[lx->fg].zone, b, FG_ORDER);
	else
		memdesc_folio_put(&lx->md, b);
}

/* ---- set-up --------------------------------------------------------------- */

static void *memblock_virt(uint64_t bytes, uint64_t align)
{
	uint64_t pa = memblock_phys_alloc(bytes, align, 0);

	return pa ? phys_to_virt(pa) : NULL;
}

static bool alloc_storage(struct lazy_exp *lx)
{
	const struct mm_model *m = lx->s.m;
	uint64_t nsec = pfn_to_section_nr(m->span_end - m->span_start);

	lx->pool_cap = memdesc_init_descs(m) + FG_ALLOCS + POOL_SLACK;
	if (lx->full)
		lx->pool_cap += m->usable_pages;   /* one folio a usable page */
	lx->pool = memblock_virt(lx->pool_cap * sizeof(struct memdesc_desc),
				 POOL_ALIGN);
	lx->state = memblock_virt(MAX(nsec, 1) * LAZY_STATE_BYTES, 64);
	return lx->pool && lx->state;
}

/* The arrays of each compact layout that runs (memmap_setup.h). */
static bool get_arrays(struct lazy_exp *lx, const char **err)
{
	for (enum variant v = V_LAZY32; v < NR_VARIANTS; v++)
		if (exp_variant_on(lx->c, lazy_variants[v]) &&
		    !(lx->arrays[v] = memmap_setup_arrays(variant_layout[v], err)))
			return false;
	return true;
}

/* Cached stores of the boot's fastest kind: a section grown on demand is
 * about to be allocated from, so streaming it past the caches would be
 * wasted. */
static void pick_stores(struct lazy_exp *lx)
{
	const struct fill_kernel *cached, *nt;
	bool avx2;

	if (kernel_select_fill(lx->c, &cached, &nt) || !cached)
		return;
	avx2 = (cached->needs & MEMK_NEEDS_AVX2) == MEMK_NEEDS_AVX2;
	lx->store64 = avx2 ? MEMMAP_STORE_AVX2 : MEMMAP_STORE_SSE2;
	lx->st.store32 = lx->store64;
	lx->st.fill = cached->fn;
}

static bool setup(struct lazy_exp *lx, struct exp_ctx *c)
{
	const char *err = NULL;
	bool ok;

	memset(lx, 0, sizeof(*lx));
	lx->c = c;
	for (unsigned i = 0; i < ARRAY_SIZE(inject_bits); i++)
		if (exp_inject(c, lazy_injects[i]))
			lx->inject |= inject_bits[i];
	lx->full = exp_verify(c) || lx->inject;
	ok = !memmap_setup_get(lx->full, &lx->s, &err);
	if (ok && !alloc_storage(lx)) {
		ok = false;
		err = "no memory for the descriptor pool or section states";
	}
	ok = ok && get_arrays(lx, &err);
	if (!report(ok, "model of RAM, arrays and lazy state%s%s",
		    ok ? "" : ": ",
		    ok ? "" : err))
		return false;
	pick_stores(lx);
	exp_log(c, "lazy: %lu sections, %lu usable pages; one pass makes up "
		"to %u order-%u allocations\n", lx->s.sections,
		lx->s.m->usable_pages, FG_ALLOCS, FG_ORDER);
	return true;
}

/* The layout's zones, and the allocating one: node 0's widest. */
static void collect_zones(struct lazy_exp *lx)
{
	uint64_t widest = 0;

	lx->nzones = 0;
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = lx->v == V_LAZY64 ?
				&lx->s.m->nodes[nid].zones[zt] :
				&lx->md.zones[nid][zt];
			uint64_t w = z->end_pfn - z->start_pfn;

			if (!z->populated)
				continue;
			if (nid == 0 && w > widest) {
				widest = w;
				lx->fg = lx->nzones;
			}
			lazy_zone_init(&lx->zones[lx->nzones++], &lx->lz, z,
				       z->start_pfn, z->end_pfn, nid);
		}
}

/* Before a pass: the layout's zones empty, every section untouched. */
static void reset_layout(struct lazy_exp *lx)
{
	struct mm_model *m = lx->s.m;

	if (lx->v == V_LAZY64) {
		memmap_reset_state(m);
		lazy_model_init(&lx->lz, &m->sections, m->span_start,
				m->span_end, lx->state, init64, lx);
	} else {
		memdesc_model_init(&lx->md, m, variant_layout[lx->v],
				   lx->arrays[lx->v], lx->pool, lx->pool_cap);
		lazy_model_init(&lx->lz, &m->sections, m->span_start,
				m->span_end, lx->state, init_md, lx);
	}
	if (lx->st.fill)	/* the boot's fastest cached fill */
		lx->lz.clear = lx->st.fill;
	collect_zones(lx);
}

/* ---- one pass ----------------------------------------------------------- */

/* on_cpus piece of a helper: the background share. */
static void helper_piece(void *arg, unsigned idx, unsigned n)
{
	struct lazy_exp *lx = arg;
	uint64_t t = now_ns();

	(void)n;
	lazy_background(&lx->lz);
	lx->helper_busy[idx] = now_ns() - t;
	lx->helper_end[idx] = now_ns() - lx->t0;
}

/* The caller's allocations, growing the zone on demand. */
static void foreground(struct lazy_exp *lx, struct pass *p)
{
	lazy_alloc_fn *alloc = lx->v == V_LAZY64 ? alloc64 : alloc_md;

	for (p->fg_allocs = 0; p->fg_allocs < FG_ALLOCS; p->fg_allocs++) {
		uint64_t t = now_ns();
		bool grew;
		void *b = lazy_alloc(&lx->lz, &lx->zones[lx->fg], FG_ORDER,
				     alloc, lx, &grew);
		uint64_t dt = now_ns() - t;

		if (!b)
			break;
		lx->fg_block[p->fg_allocs] = b;
		if (grew) {
			lx->lat[p->grow_allocs++] = MIN(dt, UINT32_MAX);
			p->work_ns += dt;
		}
	}
}

static void percentiles(struct lazy_exp *lx, struct pass *p)
{
	pct_sort_u32(lx->lat, p->grow_allocs);
	p->grow_p50 = pct_sorted_u32(lx->lat, p->grow_allocs, 50);
	p->grow_p99 = pct_sorted_u32(lx->lat, p->grow_allocs, 99);
	p->grow_max = pct_sorted_u32(lx->lat, p->grow_allocs, 100);
}

/* QEMU's TCG sizes its software TLB from what the last 100 ms touched
 * and, on a flush, resizes it; after a pass that completed the memmap of
 * 1 TiB it is at its largest, and every access of the next pass pays for
 * it (boot's 6 blocks took 1.8x their 4 GiB time at 1 TiB). Two flushes
 * 150 ms apart, the last after an idle window, start every timed pass
 * from the same small TLB whatever RAM the previous one covered. On
 * hardware: two TLB flushes and a pause, outside the timed window. */
#define SETTLE_US	150000u
static void settle_tlb(void)
{
	for (int i = 0; i < 2; i++) {
		udelay(SETTLE_US);
		write_cr3(read_cr3());
	}
}

/* Boot, the allocations racing the helpers, the caller joining them. */
static void run_pass(struct lazy_exp *lx, unsigned threads, struct pass *p)
{
	unsigned cpus[MAX_CPUS];
	unsigned n = cpu_set_first(cpus, threads);
	struct on_cpus w = { .fn = helper_piece, .arg = lx, .cpus = cpus + 1,
			     .n = n - 1, .what = "lazy background" };
	uint64_t t, end = 0;

	memset(p, 0, sizeof(*p));
	reset_layout(lx);
	__atomic_store_n(&lx->lz.inject, lx->inject, __ATOMIC_RELEASE);
	settle_tlb();
	lx->t0 = now_ns();
	lazy_reset(&lx->lz);
	t = now_ns();
	p->state_ns = t - lx->t0;
	lazy_boot(&lx->lz, lx->zones, lx->nzones);
	p->ready_ns = MAX(now_ns() - lx->t0, 1);
	p->boot_ns = lx->t0 + p->ready_ns - t;
	p->work_ns = p->ready_ns;
	p->helpers = n - 1;
	if (w.n)
		on_cpus_start(&w);
	foreground(lx, p);
	t = now_ns();
	lazy_background(&lx->lz);
	p->work_ns += now_ns() - t;
	end = now_ns() - lx->t0;
	if (w.n)
		on_cpus_wait(&w);
	for (unsigned i = 0; i < w.n; i++) {
		end = MAX(end, lx->helper_end[i]);
		p->work_ns += lx->helper_busy[i];
	}
	p->complete_ns = end;
	for (uint64_t i = 0; i < p->fg_allocs; i++)
		free_block(lx, lx->fg_block[i]);
	lazy_finish(&lx->lz);
	percentiles(lx, p);
}

/* ---- checks ------------------------------------------------------------- */

static const struct zone *zone_at(const struct lazy_exp *lx, unsigned nid,
				  unsigned zt)
{
	return lx->v == V_LAZY64 ? &lx->s.m->nodes[nid].zones[zt] :
				   &lx->md.zones[nid][zt];
}

static bool totals_ok(struct lazy_exp *lx)
{
	uint64_t free_pages = 0, managed = 0, usable = lx->s.m->usable_pages;
	uint64_t pending = lazy_pending(&lx->lz);

	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			free_pages += zone_at(lx, nid, zt)->free_pages;
			managed += zone_at(lx, nid, zt)->managed_pages;
		}
	if (free_pages == usable && managed == usable && !pending &&
	    !lx->md.pool.failed)
		return true;
	ksnprintf(lx->err, sizeof(lx->err), "free %lu, managed %lu, usable %lu "
		  "pages, %lu sections pending, %lu descriptor requests "
		  "refused", free_pages, managed, usable, pending,
		  lx->md.pool.failed);
	return false;
}

/* An untimed pass with poison and per-pfn counts (their atomic add per
 * page would distort the timing), then the layout's full verification. */
static bool verify_pass(struct lazy_exp *lx, unsigned threads)
{
	struct memmap_setup *s = &lx->s;
	struct pass p;
	int r;

	if (lx->v == V_LAZY64) {
		memmap_verify_poison(s->m);
		memmap_verify_enable_counts(s->m, s->counts, s->counts_len);
		run_pass(lx, threads, &p);
		r = totals_ok(lx) ? memmap_verify_all(s->m, s->bitmap, lx->err,
						      sizeof(lx->err)) : -1;
		memmap_verify_enable_counts(s->m, NULL, 0);
		return !r;
	}
	memdesc_model_init(&lx->md, s->m, variant_layout[lx->v],
			   lx->arrays[lx->v], lx->pool, lx->pool_cap);
	memdesc_verify_poison(&lx->md);
	memdesc_verify_enable_counts(&lx->md, s->counts, s->counts_len);
	run_pass(lx, threads, &p);
	r = totals_ok(lx) ? memdesc_verify_all(&lx->md, s->bitmap, lx->err,
					       sizeof(lx->err)) : -1;
	memdesc_verify_enable_counts(&lx->md, NULL, 0);
	return !r;
}

/* ---- results -------------------------------------------------------------- */

static void emit(struct lazy_exp *lx, const struct pass *p, unsigned threads,
		 unsigned rep, bool cold, bool ok)
{
	const struct mm_model *m = lx->s.m;
	const struct memmap_lazy *lz = &lx->lz;
	uint64_t pages = memmap_present_pages(m);
	unsigned layout = variant_layout[lx->v];
	struct exp_result res = {
		.variant = lazy_variants[lx->v], .threads = threads,
		/* No bytes or pages: a rate over the whole memmap would
		 * misread a time-to-ready that is not proportional to it. */
		.threads_run = p->helpers + 1, .ns = p->ready_ns, .rep = rep, .cold = cold,
		.checked = true, .verified = ok, .why = lx->err,
	};
	struct json *j = exp_result_begin(lx->c, &res);

	json_u64(j, "layout_bytes", layout);
	json_u64(j, "struct_pages", pages);
	json_u64(j, "usable_pages", m->usable_pages);
	json_str(j, "checks", lx->full ? "full" : "totals");
	json_u64(j, "nodes", lx->c->m->nodes);
	json_u64(j, "sections", lx->s.sections);
	json_u64(j, "ready_ns", p->ready_ns);
	json_u64(j, "state_ns", p->state_ns);
	json_u64(j, "boot_ns", p->boot_ns);
	json_u64(j, "boot_blocks", lz->by_boot);
	json_u64(j, "grown_blocks", lz->by_grow);
	json_u64(j, "background_blocks", lz->by_background);
	json_u64(j, "allocs", p->fg_allocs);
	json_u64(j, "grow_allocs", p->grow_allocs);
	json_u64(j, "grow_p50_ns", p->grow_p50);
	json_u64(j, "grow_p99_ns", p->grow_p99);
	json_u64(j, "grow_max_ns", p->grow_max);
	json_u64(j, "complete_ns", p->complete_ns);
	json_u64(j, "work_ns", p->work_ns);
	json_u64(j, "helpers", p->helpers);
	json_fixed(j, "work_ns_per_page", p->work_ns * PS_PER_NS / pages, 3);
	exp_result_end(lx->c, &res);
}

static void log_pass(struct lazy_exp *lx, const struct pass *p,
		     unsigned threads, bool ok)
{
	char ready[24], done[24];

	exp_log(lx->c, "lazy: %-6s threads=%u: ready in %s us, %lu growing "
		"allocations (p50 %u ns, p99 %u ns), all done at %s ms%s%s\n",
		lazy_variants[lx->v], threads,
		kfmt_fixed(ready, sizeof(ready), p->ready_ns, 3),
		p->grow_allocs, p->grow_p50, p->grow_p99,
		kfmt_fixed(done, sizeof(done), p->complete_ns / NS_PER_US, 3),
		ok ? "" : ", NOT VERIFIED: ", ok ? "" : lx->err);
}

/* ---- the experiment ------------------------------------------------------- */

static void run_one(struct lazy_exp *lx, enum variant v, unsigned threads,
		    unsigned rep)
{
	unsigned layout = variant_layout[v];
	/* The first memdesc pass also takes the descriptor pool's first
	 * touch. */
	bool cold = !memmap_setup_touched(layout) ||
		    (v != V_LAZY64 && !lx->pool_touched);
	struct pass p;
	bool ok;

	lx->v = v;
	lx->err[0] = '\0';
	run_pass(lx, threads, &p);
	memmap_setup_touch(layout);
	lx->pool_touched |= v != V_LAZY64;
	ok = totals_ok(lx) && (!lx->full || verify_pass(lx, threads));
	log_pass(lx, &p, threads, ok);
	emit(lx, &p, threads, rep, cold, ok);
}

static void lazy_run(struct exp_ctx *c)
{
	struct lazy_exp *lx = &lazy_exp;
	bool any = false;

	for (enum variant v = 0; v < NR_VARIANTS; v++)
		any |= exp_variant_on(c, lazy_variants[v]);
	if (!any || !setup(lx, c))
		return;
	/* Reps outermost: slow moments of a shared host fall on all alike. */
	for (unsigned r = 0; r < exp_reps(c); r++)
		for (unsigned ti = 0; ti < c->nthreads; ti++)
			for (enum variant v = 0; v < NR_VARIANTS; v++)
				if (exp_variant_on(c, lazy_variants[v]))
					run_one(lx, v, c->threads[ti], r);
}

const struct experiment exp_lazy = {
	.name = "lazy",
	.summary = "lazy memmap init: boot inits one block per zone, "
		   "allocations grow zones on demand, helpers finish the rest",
	.variants = lazy_variants,
	.injects = lazy_injects,
	.in_default = true,           /* issue #15: make run includes lazy */
	.run = lazy_run,
};
