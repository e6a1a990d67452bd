/* run=memmap: deferred struct page init over all of RAM ("[PATCH v2 0/7]
 * padata: parallelize deferred page init", Daniel Jordan, May 2020;
 * docs/memmap.md), the way Linux's deferred_init_memmap() does it and a
 * faster way, against the bound of the machine's store bandwidth.
 *
 * The model (experiments/memmap_setup.c) is the kernel's own RAM: one
 * section per 128 MiB holding memory, its memmap in its node's memory,
 * free ranges as memblock has them. Each run starts from the same state
 * (memmap_reset_state) and initializes every struct page of the model,
 * freeing the free ones to the buddy allocator. Variants:
 *
 *   serial  the linux algorithm on one thread;
 *   padata  the linux algorithm as Linux runs it: a JOB_PADATA job with
 *           align = min_chunk = PAGES_PER_SECTION, max_threads = threads;
 *   node    the same, NUMA-aware: each node's sections go to the node's
 *           CPUs first (Linux: one pgdatinit kthread per node); a node
 *           without CPUs is done by CPUs of other nodes;
 *   fast    the fast algorithm, with the store kernel and engine mode that
 *           measured best at the start (on a scratch model, so the real
 *           memmap stays untouched until the first run);
 *   bound   no algorithm: the same threads fill the memmap's bytes with the
 *           fastest fill kernel (mm/copy.h), split the same way: what the
 *           stores alone cost, the floor for any init.
 *
 * The first run of a boot writes a memmap nothing has touched since boot
 * ("cold": under QEMU the host faults its pages in); later runs are warm.
 * Verification (verify=on, or any inject=) runs outside the timing: the
 * timed run is checked page by page and buddy block by block, then run
 * again untimed with the per-pfn init counts that prove "exactly once". */
#include "experiments/experiment.h"
#include "experiments/kernel_select.h"
#include "experiments/memmap_setup.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/copy.h"
#include "mm/memmap_verify.h"
#include "smp/job.h"
#include "smp/smp.h"

#define CAL_TRIALS	3		/* timed trials per candidate; min */
#define BOUND_PATTERN	(~0ull)		/* the fill leaves the memmap poisoned */
#define PS_PER_NS	1000u		/* ns/page and GB/s carry 3 decimals */
#define NS_PER_MS	1000000u

enum variant { V_SERIAL, V_PADATA, V_NODE, V_FAST, V_BOUND, NR_VARIANTS };

static const char *const memmap_variants[NR_VARIANTS + 1] = {
	"serial", "padata", "node", "fast", "bound", NULL
};
static const char *const memmap_injects[] = {
	"memmap-skip", "buddy-double", "buddy-leak", NULL
};
static const unsigned inject_bits[] = {
	MEMMAP_INJECT_SKIP, MEMMAP_INJECT_DOUBLE_FREE, MEMMAP_INJECT_LEAK
};

/* Fast's store kernels, in the order they are tried. */
static const struct {
	const char *name;
	unsigned store;
} stores[] = {
	{ "scalar", MEMMAP_STORE_SCALAR },
	{ "sse2", MEMMAP_STORE_SSE2 },
	{ "sse2-nt", MEMMAP_STORE_SSE2 | MEMMAP_STORE_NT },
	{ "avx2", MEMMAP_STORE_AVX2 },
	{ "avx2-nt", MEMMAP_STORE_AVX2 | MEMMAP_STORE_NT },
};

struct row {
	enum variant v;
	unsigned threads, rep;
	bool cold, ok;
	uint64_t ns;
	uint64_t zone_locks;	/* zone lock acquisitions of the run */
	uint64_t zone_spins;	/* ... of them that found the lock held */
};

/* One run=memmap: what every step of it shares. */
struct memmap_exp {
	struct exp_ctx *c;
	struct memmap_setup s;
	bool full;		/* full verification (verify=on or inject=) */
	unsigned inject;	/* MEMMAP_INJECT_* for every init run */
	unsigned store;		/* index in stores[] */
	enum job_mode fast_mode;
	const struct fill_kernel *fill;
	bool touched;		/* real memmap written since boot */
	char err[MEMMAP_VERIFY_ERR_LEN];
	/* ~55 KiB each: stats of the timed run (reported) and of the
	 * verification rerun. */
	struct job_stats stats, check_stats;
};

static struct memmap_exp memmap_exp;	/* too big for a stack */

/* ---- small helpers ------------------------------------------------------ */

static bool avx2_usable(void)
{
	return (cpu_feature_mask() & MEMK_NEEDS_AVX2) == MEMK_NEEDS_AVX2;
}

/* unit_node for the job engine, which passes the job's fn_arg. */
static unsigned job_pfn_node(uint64_t pfn, void *arg)
{
	const struct memmap_job *mj = arg;

	return memmap_pfn_node(pfn, mj->m);
}

/* The zone counters summed over all zones. */
struct zone_sums {
	uint64_t free_pages, managed, locks, spins;
};

static struct zone_sums zone_totals(const struct mm_model *m)
{
	struct zone_sums t = { 0, 0, 0, 0 };

	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			const struct zone *z = &m->nodes[nid].zones[zt];

			t.free_pages += z->free_pages;
			t.managed += z->managed_pages;
			t.locks += z->lock_acquisitions;
			t.spins += z->lock.contended;
		}
	}
	return t;
}

/* The check every run gets, even with verify=off: the counters add up. */
static bool totals_ok(const struct mm_model *m, char *err, size_t n)
{
	struct zone_sums t = zone_totals(m);

	if (t.free_pages == m->usable_pages && t.managed == m->usable_pages)
		return true;
	ksnprintf(err, n, "free %lu, managed %lu, usable %lu pages",
		  t.free_pages, t.managed, m->usable_pages);
	return false;
}

/* ---- one init job ------------------------------------------------------- */

static void init_job(struct job *job, struct memmap_job *mj,
		     struct mm_model *m, enum job_mode mode, unsigned threads,
		     const char *name)
{
	*job = (struct job){
		.thread_fn = memmap_init_job, .fn_arg = mj,
		.start = m->span_start, .size = m->span_end - m->span_start,
		/* Linux: chunks of whole sections, so no two threads write
		 * one section's pageblock bits or meet inside a max-order
		 * block (mm/memmap.h). */
		.align = PAGES_PER_SECTION, .min_chunk = PAGES_PER_SECTION,
		.max_threads = threads, .mode = mode, .name = name,
	};
}

/* Times one job; 0 on failure of the engine. */
static uint64_t time_job(struct job_stats *stats, const struct job *job)
{
	uint64_t t0 = now_ns();

	if (job_run(job, stats))
		return 0;
	return MAX(now_ns() - t0, 1);
}

/* ---- calibration on the scratch model ----------------------------------- */

/* Best of CAL_TRIALS runs of fast with stores[@si] over the scratch
 * model; MEMK_COST_SKIP if one went wrong. */
static uint64_t time_scratch(struct memmap_exp *mx, unsigned si,
			     enum job_mode mode, unsigned threads)
{
	struct mm_model *sm = mx->s.scratch;
	struct memmap_job mj = { sm, MEMMAP_ALGO_FAST, stores[si].store,
				 NUMA_NO_NODE };
	struct job job;
	uint64_t best = UINT64_MAX;

	init_job(&job, &mj, sm, mode, threads, "memmap-calibrate");
	for (unsigned t = 0; t < CAL_TRIALS; t++) {
		uint64_t ns;

		memmap_reset_state(sm);
		ns = time_job(&mx->stats, &job);
		if (!ns || !totals_ok(sm, mx->err, sizeof(mx->err))) {
			report(false, "calibration %s %s: %s",
			       stores[si].name, job_mode_name(mode),
			       ns ? mx->err : "job refused");
			return MEMK_COST_SKIP;
		}
		best = MIN(best, ns);
	}
	return best;
}

static uint64_t scratch_pages(const struct memmap_exp *mx)
{
	return memmap_present_pages(mx->s.scratch);
}

static void log_cost(struct memmap_exp *mx, const char *what, const char *name,
		     uint64_t ns)
{
	char b[24];

	exp_log(mx->c, "memmap: calibrate %s %-8s %s ns/page\n", what, name,
		kfmt_fixed(b, sizeof(b), ns * PS_PER_NS / scratch_pages(mx), 3));
}

/* The fastest store kernel of the fast algorithm, one thread. */
static void pick_store(struct memmap_exp *mx)
{
	uint64_t cost[ARRAY_SIZE(stores)];
	int best;

	/* Untimed first pass: faults the scratch memmap in. */
	time_scratch(mx, 0, JOB_SERIAL, 1);
	for (unsigned i = 0; i < ARRAY_SIZE(stores); i++) {
		bool avx2 = (stores[i].store & MEMMAP_STORE_KIND_MASK) ==
			    MEMMAP_STORE_AVX2;

		cost[i] = MEMK_COST_SKIP;
		if (avx2 && !avx2_usable())
			continue;
		cost[i] = time_scratch(mx, i, JOB_SERIAL, 1);
		if (cost[i] != MEMK_COST_SKIP)
			log_cost(mx, "store", stores[i].name, cost[i]);
	}
	best = mem_kernel_pick(cost, ARRAY_SIZE(stores));
	mx->store = best < 0 ? 0 : (unsigned)best;
}

/* padata's locked cursor or lock-free claims, at the most threads asked;
 * engine= on the command line decides instead. */
static void pick_mode(struct memmap_exp *mx)
{
	static const enum job_mode modes[] = { JOB_PADATA, JOB_DYNAMIC };
	unsigned threads = 1;
	uint64_t cost[ARRAY_SIZE(modes)];
	int best;

	if (cmdline_get(mx->c->opts, "engine")->set) {
		mx->fast_mode = exp_engine_mode(mx->c, JOB_PADATA);
		return;
	}
	for (unsigned i = 0; i < mx->c->nthreads; i++)
		threads = MAX(threads, mx->c->threads[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++) {
		cost[i] = time_scratch(mx, mx->store, modes[i], threads);
		if (cost[i] != MEMK_COST_SKIP)
			log_cost(mx, "mode", job_mode_name(modes[i]), cost[i]);
	}
	best = mem_kernel_pick(cost, ARRAY_SIZE(modes));
	mx->fast_mode = modes[best < 0 ? 0 : best];
}

/* The bound's fill kernel: the fastest of the boot's kernel selection
 * (experiments/kernel_select.h, shared with copy and zero); every kernel
 * stores the all-ones pattern natively (period 1). */
static void pick_fill(struct memmap_exp *mx)
{
	const struct fill_kernel *cached, *nt;

	if (kernel_select_fill(mx->c, &cached, &nt))
		return;
	mx->fill = kernel_fastest_fill(cached, nt);
}

static void calibrate(struct memmap_exp *mx)
{
	pick_store(mx);
	pick_mode(mx);
	pick_fill(mx);
	exp_log(mx->c, "memmap: picked store %s, mode %s, fill %s (scratch model "
		"of %lu pages)\n", stores[mx->store].name,
		job_mode_name(mx->fast_mode), mx->fill ? mx->fill->name : "none",
		scratch_pages(mx));
}

/* ---- results -------------------------------------------------------------- */

/* The run's result: one record (JSON line, PASS/FAIL, closing table). */
static void emit(struct memmap_exp *mx, const struct row *r, const char *algo,
		 const char *store, enum job_mode mode)
{
	const struct mm_model *m = mx->s.m;
	const struct job_stats *st = &mx->stats;
	uint64_t pages = memmap_present_pages(m), bytes = mx->s.memmap_bytes;
	struct exp_result res = {
		.variant = memmap_variants[r->v], .threads = r->threads,
		.threads_run = st->nthreads, .pages = pages, .ns = r->ns,
		.rep = r->rep, .cold = r->cold, .checked = true,
		.verified = r->ok, .why = mx->err,
	};
	struct json *j = exp_result_begin(mx->c, &res);

	json_u64(j, "usable_pages", m->usable_pages);
	json_str(j, "checks", mx->full ? "full" : "totals");
	json_str(j, "algo", algo);
	json_str(j, "store", store);
	json_str(j, "mode", job_mode_name(mode));
	json_u64(j, "nodes", mx->c->m->nodes);
	json_u64(j, "memmap_bytes", bytes);
	json_fixed(j, "gbps", bytes * PS_PER_NS / r->ns, 3);
	json_fixed(j, "ns_per_page", r->ns * PS_PER_NS / pages, 3);
	json_u64(j, "chunks", st->chunks);
	json_u64(j, "lock_contended", st->lock_contended);
	if (r->v != V_BOUND) {
		json_u64(j, "zone_locks", r->zone_locks);
		json_u64(j, "zone_lock_contended", r->zone_spins);
	}
	exp_json_job_threads(j, st);
	exp_result_end(mx->c, &res);
}

static void log_run(struct memmap_exp *mx, const struct row *r)
{
	char ms[24];

	exp_log(mx->c, "memmap: %-6s threads=%u rep=%u%s: %s ms%s%s\n",
		memmap_variants[r->v], r->threads, r->rep,
		r->cold ? " (cold)" : "",
		kfmt_fixed(ms, sizeof(ms), r->ns / (NS_PER_MS / 1000), 3),
		r->ok ? "" : ", NOT VERIFIED: ", r->ok ? "" : mx->err);
}

/* ---- the init variants ---------------------------------------------------- */

/* Same start state for every run: empty buddy, memmap as the last run (or
 * the boot) left it; with verification, poisoned, so a page the run skips
 * cannot pass for initialized. The first run of the boot is not poisoned:
 * it writes a memmap nothing has touched (a skipped page then holds what
 * RAM held, which no check accepts either, and the counted rerun below
 * would still see it). */
static void prepare_init(struct memmap_exp *mx, struct mm_model *m)
{
	memmap_reset_state(m);
	if (mx->full && mx->touched)
		memmap_verify_poison(m);
	__atomic_store_n(&m->inject, mx->inject, __ATOMIC_RELEASE);
}

/* Full verification of the timed run, then the same job once more,
 * untimed, with the per-pfn init counts on: "each pfn initialized exactly
 * once" needs them, and their atomic add per page would distort the timed
 * run (5x for fast under TCG). */
static bool verify_init(struct memmap_exp *mx, struct mm_model *m,
			const struct job *job)
{
	bool ok;

	if (memmap_verify_pages(m, mx->err, sizeof(mx->err)) ||
	    memmap_verify_buddy(m, mx->s.bitmap, mx->err, sizeof(mx->err)))
		return false;
	memmap_reset_state(m);
	memmap_verify_enable_counts(m, mx->s.counts, mx->s.counts_len);
	ok = job_run(job, &mx->check_stats) == 0 &&
	     !memmap_verify_all(m, mx->s.bitmap, mx->err, sizeof(mx->err));
	memmap_verify_enable_counts(m, NULL, 0);
	return ok;
}

static bool check_init(struct memmap_exp *mx, struct mm_model *m,
		       const struct job *job, uint64_t ns)
{
	unsigned left = __atomic_exchange_n(&m->inject, 0, __ATOMIC_ACQ_REL);
	bool ok;

	mx->err[0] = '\0';
	if (!ns) {
		ksnprintf(mx->err, sizeof(mx->err), "job_run refused the job");
		return false;
	}
	ok = mx->full ? verify_init(mx, m, job) : totals_ok(m, mx->err, sizeof(mx->err));
	if (ok && left)
		exp_log(mx->c, "memmap: inject 0x%x did not fire\n", left);
	return ok;
}

static void run_init(struct memmap_exp *mx, enum variant v, unsigned threads,
		     unsigned rep)
{
	struct mm_model *m = mx->s.m;
	bool fast = v == V_FAST;
	enum job_mode mode = v == V_SERIAL ? JOB_SERIAL :
			     fast ? mx->fast_mode : JOB_PADATA;
	struct memmap_job mj = {
		m, fast ? MEMMAP_ALGO_FAST : MEMMAP_ALGO_LINUX,
		stores[mx->store].store, NUMA_NO_NODE
	};
	struct row r = { v, threads, rep, !mx->touched, false, 0, 0, 0 };
	struct zone_sums t;
	struct job job;

	init_job(&job, &mj, m, mode, threads, memmap_variants[v]);
	if (v == V_NODE) {
		job.numa_aware = true;
		job.unit_node = job_pfn_node;
	}
	prepare_init(mx, m);
	r.ns = time_job(&mx->stats, &job);
	mx->touched = true;
	memmap_setup_touch(sizeof(struct page));
	/* Before the verification, whose allocations take the locks too. */
	t = zone_totals(m);
	r.zone_locks = t.locks;
	r.zone_spins = t.spins;
	r.ok = check_init(mx, m, &job, r.ns);
	r.ns = MAX(r.ns, 1);
	log_run(mx, &r);
	emit(mx, &r, fast ? "fast" : "linux", fast ? stores[mx->store].name :
	     "scalar", mode);
}

/* ---- the bound ------------------------------------------------------------ */

struct bound_arg {
	const struct mm_model *m;
	fill_fn *fill;
};

/* thread_fn: the memmap bytes of the present sections of pfns [a, b). */
static void bound_fill(uint64_t a, uint64_t b, void *arg)
{
	const struct bound_arg *ba = arg;

	for (uint64_t s = a, e; s < b; s = e) {
		const struct mem_section *ms = pfn_section(&ba->m->sections, s);

		e = MIN(b, ALIGN_DOWN(s, PAGES_PER_SECTION) + PAGES_PER_SECTION);
		if (ms)
			ba->fill(ms->memmap + (s & (PAGES_PER_SECTION - 1)),
				 BOUND_PATTERN, (e - s) * sizeof(struct page));
	}
}

static bool check_bound(struct memmap_exp *mx, const struct mm_model *m,
			uint64_t ns)
{
	mx->err[0] = '\0';
	if (!ns || mx->stats.units != m->span_end - m->span_start) {
		ksnprintf(mx->err, sizeof(mx->err), "fill job did %lu of %lu pfns",
			  ns ? mx->stats.units : 0, m->span_end - m->span_start);
		return false;
	}
	if (!mx->full)
		return true;
	for (uint64_t nr = 0; nr < m->sections.nr; nr++) {
		const struct mem_section *ms = &m->sections.sec[nr];
		size_t off;

		if (!(ms->flags & SECTION_PRESENT))
			continue;
		off = buffer_check_fill(ms->memmap, SECTION_MEMMAP_BYTES,
					BOUND_PATTERN);
		if (off != BUFFER_MATCH) {
			ksnprintf(mx->err, sizeof(mx->err), "section %lu: memmap "
				  "byte %lu not filled", nr, (uint64_t)off);
			return false;
		}
	}
	return true;
}

static void run_bound(struct memmap_exp *mx, unsigned threads, unsigned rep)
{
	const struct mm_model *m = mx->s.m;
	struct bound_arg ba = { m, mx->fill->fn };
	struct row r = { V_BOUND, threads, rep, !mx->touched, false, 0, 0, 0 };
	struct job job = {
		.thread_fn = bound_fill, .fn_arg = &ba,
		.start = m->span_start, .size = m->span_end - m->span_start,
		.align = PAGES_PER_SECTION, .min_chunk = PAGES_PER_SECTION,
		.max_threads = threads, .mode = mx->fast_mode, .name = "bound",
	};

	r.ns = time_job(&mx->stats, &job);
	mx->touched = true;
	memmap_setup_touch(sizeof(struct page));
	r.ok = check_bound(mx, m, r.ns);
	r.ns = MAX(r.ns, 1);
	log_run(mx, &r);
	emit(mx, &r, "fill", mx->fill->name, mx->fast_mode);
}

/* ---- the experiment --------------------------------------------------------- */

static void log_layout(struct memmap_exp *mx)
{
	const struct mm_model *m = mx->s.m;
	uint64_t pages = memmap_present_pages(m);
	char ms[24];

	exp_log(mx->c, "memmap: %lu sections on %u node(s), pfns [0x%lx, 0x%lx), "
		"%lu struct pages (%lu MiB memmap), %lu usable, %lu reserved "
		"or holes, %u free ranges, built in %s ms\n", mx->s.sections,
		mx->c->m->nodes, m->span_start, m->span_end, pages,
		mx->s.memmap_bytes / MiB, m->usable_pages,
		pages - m->usable_pages, m->nr_free,
		kfmt_fixed(ms, sizeof(ms), mx->s.setup_ns / (NS_PER_MS / 1000), 3));
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		uint64_t s, e;

		memmap_node_span(m, nid, &s, &e);
		if (s < e)
			exp_log(mx->c, "memmap: node %u: pfns [0x%lx, 0x%lx)\n",
				nid, s, e);
	}
	if (mx->s.off_node_sections || mx->s.shared_sections)
		exp_log(mx->c, "memmap: %lu section memmaps off their node, %lu "
			"ranges of memory in another node's section\n",
			mx->s.off_node_sections, mx->s.shared_sections);
}

static bool setup(struct memmap_exp *mx, struct exp_ctx *c)
{
	const char *err = NULL;
	bool ok;

	memset(mx, 0, sizeof(*mx));
	mx->c = c;
	mx->fast_mode = JOB_PADATA;
	for (unsigned i = 0; i < ARRAY_SIZE(inject_bits); i++)
		if (exp_inject(c, memmap_injects[i]))
			mx->inject |= inject_bits[i];
	/* An injected fault is only seen by the full verification. */
	mx->full = exp_verify(c) || mx->inject;
	ok = !memmap_setup_get(mx->full, &mx->s, &err);
	if (!report(ok, "model of RAM built%s%s", ok ? "" : ": ", ok ? "" : err))
		return false;
	log_layout(mx);
	return true;
}

/* One round: every chosen variant at threads[@ti] (serial, one thread,
 * only in a rep's first round), then the bound with the same threads, so
 * each ratio compares runs made moments apart. */
static void run_round(struct memmap_exp *mx, unsigned ti, unsigned rep)
{
	struct exp_ctx *c = mx->c;
	unsigned threads = c->threads[ti];

	for (enum variant v = V_SERIAL; v < V_BOUND; v++) {
		if (!exp_variant_on(c, memmap_variants[v]) ||
		    (v == V_SERIAL && ti))
			continue;
		run_init(mx, v, v == V_SERIAL ? 1 : threads, rep);
	}
	if (mx->fill)
		run_bound(mx, threads, rep);
}

static void memmap_run(struct exp_ctx *c)
{
	struct memmap_exp *mx = &memmap_exp;
	bool any = false;

	if (!setup(mx, c))
		return;
	for (enum variant v = V_SERIAL; v < NR_VARIANTS; v++)
		any |= exp_variant_on(c, memmap_variants[v]);
	if (!any)
		return;
	calibrate(mx);
	/* Reps outermost: on a shared host the slow moments then fall on
	 * every variant alike. The bound is measured whenever anything runs
	 * (it is every ratio's reference), after the variants of its round
	 * so the boot's first run is a variant's, cold. */
	for (unsigned r = 0; r < exp_reps(c); r++)
		for (unsigned ti = 0; ti < c->nthreads; ti++)
			run_round(mx, ti, r);
}

const struct experiment exp_memmap = {
	.name = "memmap",
	.summary = "deferred struct page init of all RAM: linux (serial, "
		   "padata, per node) and fast, against the store bound",
	.variants = memmap_variants,
	.injects = memmap_injects,
	.in_default = true,
	.run = memmap_run,
};
