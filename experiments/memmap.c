/* run=memmap: deferred struct page init over all of RAM (seed 002,
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
#include "experiments/json.h"
#include "experiments/memk_select.h"
#include "experiments/memmap_setup.h"
#include "arch/x86_64/tsc.h"
#include "boot/boot.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/copy.h"
#include "mm/memmap_verify.h"
#include "smp/job.h"
#include "smp/smp.h"

#define CAL_TRIALS	3		/* timed trials per candidate; min */
#define BOUND_PATTERN	(~0ull)		/* the fill leaves the memmap poisoned */
#define MAX_ROWS	128		/* runs kept for the closing table */
#define PS_PER_NS	1000u		/* ns/page and GB/s carry 3 decimals */
#define NS_PER_MS	1000000u
#define MAX_FILL_KERNELS 16		/* fill kernels timed for the bound */

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

static struct {
	struct exp_ctx *c;
	struct memmap_setup s;
	bool full;		/* full verification (verify=on or inject=) */
	unsigned inject;	/* MEMMAP_INJECT_* for every init run */
	unsigned store;		/* index in stores[] */
	enum job_mode fast_mode;
	const struct fill_kernel *fill;
	bool touched;		/* real memmap written since boot */
	unsigned failed;	/* runs not verified */
	unsigned nrows;
	struct row rows[MAX_ROWS];
	char err[MEMMAP_VERIFY_ERR_LEN];
} X;

/* ~55 KiB each: not on a stack. stats: the timed run's, reported;
 * check_stats: the verification rerun's. */
static struct job_stats stats, check_stats;
static struct json jline;

/* ---- small helpers ------------------------------------------------------ */

/* v / 10^dec as text, e.g. fx(buf, 12345, 3) = "12.345". */
static const char *fx(char *buf, size_t n, uint64_t v, unsigned dec)
{
	uint64_t scale = 1;

	for (unsigned i = 0; i < dec; i++)
		scale *= 10;
	if (!dec)
		ksnprintf(buf, n, "%lu", v);
	else
		ksnprintf(buf, n, "%lu.%0*lu", v / scale, (int)dec, v % scale);
	return buf;
}

static bool avx2_usable(void)
{
	return (memk_cpu_mask() & MEMK_NEEDS_AVX2) == MEMK_NEEDS_AVX2;
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
static uint64_t time_job(const struct job *job)
{
	uint64_t t0 = now_ns();

	if (job_run(job, &stats))
		return 0;
	return MAX(now_ns() - t0, 1);
}

/* ---- calibration on the scratch model ----------------------------------- */

/* Best of CAL_TRIALS runs of fast with stores[@si] over the scratch
 * model; MEMK_COST_SKIP if one went wrong. */
static uint64_t time_scratch(unsigned si, enum job_mode mode, unsigned threads)
{
	struct mm_model *sm = X.s.scratch;
	struct memmap_job mj = { sm, MEMMAP_ALGO_FAST, stores[si].store,
				 NUMA_NO_NODE };
	struct job job;
	uint64_t best = UINT64_MAX;

	init_job(&job, &mj, sm, mode, threads, "memmap-calibrate");
	for (unsigned t = 0; t < CAL_TRIALS; t++) {
		uint64_t ns;

		memmap_reset_state(sm);
		ns = time_job(&job);
		if (!ns || !totals_ok(sm, X.err, sizeof(X.err))) {
			X.failed++;
			report(false, "calibration %s %s: %s",
			       stores[si].name, job_mode_name(mode),
			       ns ? X.err : "job refused");
			return MEMK_COST_SKIP;
		}
		best = MIN(best, ns);
	}
	return best;
}

static uint64_t scratch_pages(void)
{
	return memmap_present_pages(X.s.scratch);
}

static void log_cost(const char *what, const char *name, uint64_t ns)
{
	char b[24];

	exp_log(X.c, "memmap: calibrate %s %-8s %s ns/page\n", what, name,
		fx(b, sizeof(b), ns * PS_PER_NS / scratch_pages(), 3));
}

/* The fastest store kernel of the fast algorithm, one thread. */
static void pick_store(void)
{
	uint64_t cost[ARRAY_SIZE(stores)];
	int best;

	/* Untimed first pass: faults the scratch memmap in. */
	time_scratch(0, JOB_SERIAL, 1);
	for (unsigned i = 0; i < ARRAY_SIZE(stores); i++) {
		bool avx2 = (stores[i].store & MEMMAP_STORE_KIND_MASK) ==
			    MEMMAP_STORE_AVX2;

		cost[i] = MEMK_COST_SKIP;
		if (avx2 && !avx2_usable())
			continue;
		cost[i] = time_scratch(i, JOB_SERIAL, 1);
		if (cost[i] != MEMK_COST_SKIP)
			log_cost("store", stores[i].name, cost[i]);
	}
	best = mem_kernel_pick(cost, ARRAY_SIZE(stores));
	X.store = best < 0 ? 0 : (unsigned)best;
}

/* padata's locked cursor or lock-free claims, at the most threads asked;
 * engine= on the command line decides instead. */
static void pick_mode(void)
{
	static const enum job_mode modes[] = { JOB_PADATA, JOB_DYNAMIC };
	unsigned threads = 1;
	uint64_t cost[ARRAY_SIZE(modes)];
	int best;

	if (X.c->opts->engine >= 0) {
		X.fast_mode = (enum job_mode)X.c->opts->engine;
		return;
	}
	for (unsigned i = 0; i < X.c->nthreads; i++)
		threads = MAX(threads, X.c->threads[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(modes); i++) {
		cost[i] = time_scratch(X.store, modes[i], threads);
		if (cost[i] != MEMK_COST_SKIP)
			log_cost("mode", job_mode_name(modes[i]), cost[i]);
	}
	best = mem_kernel_pick(cost, ARRAY_SIZE(modes));
	X.fast_mode = modes[best < 0 ? 0 : best];
}

/* The fastest fill kernel on the scratch memmap, one thread. */
static void pick_fill(void)
{
	struct page *buf = X.s.scratch->sections.sec[0].memmap;
	size_t bytes = scratch_pages() * sizeof(struct page);
	size_t n = MIN(fill_kernel_count(), MAX_FILL_KERNELS);
	uint64_t cost[MAX_FILL_KERNELS];
	int best;

	for (size_t i = 0; i < n; i++) {
		const struct fill_kernel *k = fill_kernel_at(i);

		cost[i] = MEMK_COST_SKIP;
		if (!fill_kernel_available(k, memk_cpu_mask()) ||
		    !fill_kernel_native(k, BOUND_PATTERN))
			continue;
		for (unsigned t = 0; t < CAL_TRIALS; t++) {
			uint64_t t0 = now_ns();

			k->fn(buf, BOUND_PATTERN, bytes);
			cost[i] = MIN(cost[i], MAX(now_ns() - t0, 1));
		}
		log_cost("fill", k->name, cost[i]);
	}
	best = mem_kernel_pick(cost, n);
	X.fill = best < 0 ? fill_kernel_find("stosq") : fill_kernel_at(best);
}

static void calibrate(void)
{
	pick_store();
	pick_mode();
	pick_fill();
	exp_log(X.c, "memmap: picked store %s, mode %s, fill %s (scratch model "
		"of %lu pages)\n", stores[X.store].name,
		job_mode_name(X.fast_mode), X.fill ? X.fill->name : "none",
		scratch_pages());
}

/* ---- results -------------------------------------------------------------- */

static void emit(const struct row *r, const char *algo, const char *store,
		 enum job_mode mode)
{
	const struct mm_model *m = X.s.m;
	uint64_t pages = memmap_present_pages(m), bytes = X.s.memmap_bytes;
	struct json *j = &jline;

	json_begin(j, "memmap");
	json_str(j, "variant", memmap_variants[r->v]);
	json_u64(j, "threads", r->threads);
	json_u64(j, "threads_run", stats.nthreads);
	json_u64(j, "pages", pages);
	json_u64(j, "usable_pages", m->usable_pages);
	json_u64(j, "ns", r->ns);
	json_bool(j, "verified", r->ok);
	json_str(j, "checks", X.full ? "full" : "totals");
	json_u64(j, "rep", r->rep);
	json_bool(j, "cold", r->cold);
	json_str(j, "algo", algo);
	json_str(j, "store", store);
	json_str(j, "mode", job_mode_name(mode));
	json_u64(j, "nodes", boot.nodes ? boot.nodes : 1);
	json_u64(j, "memmap_bytes", bytes);
	json_fixed(j, "gbps", bytes * PS_PER_NS / r->ns, 3);
	json_fixed(j, "ns_per_page", r->ns * PS_PER_NS / pages, 3);
	json_u64(j, "chunks", stats.chunks);
	json_u64(j, "lock_contended", stats.lock_contended);
	if (r->v != V_BOUND) {
		json_u64(j, "zone_locks", r->zone_locks);
		json_u64(j, "zone_lock_contended", r->zone_spins);
	}
	exp_json_job_threads(j, &stats);
	json_end(j);
}

static void log_run(const struct row *r)
{
	char ms[24];

	exp_log(X.c, "memmap: %-6s threads=%u rep=%u%s: %s ms%s%s\n",
		memmap_variants[r->v], r->threads, r->rep,
		r->cold ? " (cold)" : "",
		fx(ms, sizeof(ms), r->ns / (NS_PER_MS / 1000), 3),
		r->ok ? "" : ", NOT VERIFIED: ", r->ok ? "" : X.err);
}

static void record(const struct row *r)
{
	X.failed += !r->ok;
	if (X.nrows < MAX_ROWS)
		X.rows[X.nrows++] = *r;
	log_run(r);
	report(r->ok, "%s threads=%u rep=%u%s%s",
	       memmap_variants[r->v], r->threads, r->rep, r->ok ? "" : ": ",
	       r->ok ? "" : X.err);
}

/* ---- the init variants ---------------------------------------------------- */

/* Same start state for every run: empty buddy, memmap as the last run (or
 * the boot) left it; with verification, poisoned, so a page the run skips
 * cannot pass for initialized. The first run of the boot is not poisoned:
 * it writes a memmap nothing has touched (a skipped page then holds what
 * RAM held, which no check accepts either, and the counted rerun below
 * would still see it). */
static void prepare_init(struct mm_model *m)
{
	memmap_reset_state(m);
	if (X.full && X.touched)
		memmap_verify_poison(m);
	__atomic_store_n(&m->inject, X.inject, __ATOMIC_RELEASE);
}

/* Full verification of the timed run, then the same job once more,
 * untimed, with the per-pfn init counts on: "each pfn initialized exactly
 * once" needs them, and their atomic add per page would distort the timed
 * run (5x for fast under TCG). */
static bool verify_init(struct mm_model *m, const struct job *job)
{
	bool ok;

	if (memmap_verify_pages(m, X.err, sizeof(X.err)) ||
	    memmap_verify_buddy(m, X.s.bitmap, X.err, sizeof(X.err)))
		return false;
	memmap_reset_state(m);
	memmap_verify_enable_counts(m, X.s.counts, X.s.counts_len);
	ok = job_run(job, &check_stats) == 0 &&
	     !memmap_verify_all(m, X.s.bitmap, X.err, sizeof(X.err));
	memmap_verify_enable_counts(m, NULL, 0);
	return ok;
}

static bool check_init(struct mm_model *m, const struct job *job, uint64_t ns)
{
	unsigned left = __atomic_exchange_n(&m->inject, 0, __ATOMIC_ACQ_REL);
	bool ok;

	X.err[0] = '\0';
	if (!ns) {
		ksnprintf(X.err, sizeof(X.err), "job_run refused the job");
		return false;
	}
	ok = X.full ? verify_init(m, job) : totals_ok(m, X.err, sizeof(X.err));
	if (ok && left)
		exp_log(X.c, "memmap: inject 0x%x did not fire\n", left);
	return ok;
}

static void run_init(enum variant v, unsigned threads, unsigned rep)
{
	struct mm_model *m = X.s.m;
	bool fast = v == V_FAST;
	enum job_mode mode = v == V_SERIAL ? JOB_SERIAL :
			     fast ? X.fast_mode : JOB_PADATA;
	struct memmap_job mj = {
		m, fast ? MEMMAP_ALGO_FAST : MEMMAP_ALGO_LINUX,
		stores[X.store].store, NUMA_NO_NODE
	};
	struct row r = { v, threads, rep, !X.touched, false, 0, 0, 0 };
	struct zone_sums t;
	struct job job;

	init_job(&job, &mj, m, mode, threads, memmap_variants[v]);
	if (v == V_NODE) {
		job.numa_aware = true;
		job.unit_node = job_pfn_node;
	}
	prepare_init(m);
	r.ns = time_job(&job);
	X.touched = true;
	/* Before the verification, whose allocations take the locks too. */
	t = zone_totals(m);
	r.zone_locks = t.locks;
	r.zone_spins = t.spins;
	r.ok = check_init(m, &job, r.ns);
	r.ns = MAX(r.ns, 1);
	emit(&r, fast ? "fast" : "linux", fast ? stores[X.store].name :
	     "scalar", mode);
	record(&r);
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

static bool check_bound(const struct mm_model *m, uint64_t ns)
{
	X.err[0] = '\0';
	if (!ns || stats.units != m->span_end - m->span_start) {
		ksnprintf(X.err, sizeof(X.err), "fill job did %lu of %lu pfns",
			  ns ? stats.units : 0, m->span_end - m->span_start);
		return false;
	}
	if (!X.full)
		return true;
	for (uint64_t nr = 0; nr < m->sections.nr; nr++) {
		const struct mem_section *ms = &m->sections.sec[nr];
		size_t off;

		if (!(ms->flags & SECTION_PRESENT))
			continue;
		off = buffer_check_fill(ms->memmap, SECTION_MEMMAP_BYTES,
					BOUND_PATTERN);
		if (off != BUFFER_MATCH) {
			ksnprintf(X.err, sizeof(X.err), "section %lu: memmap "
				  "byte %lu not filled", nr, (uint64_t)off);
			return false;
		}
	}
	return true;
}

static void run_bound(unsigned threads, unsigned rep)
{
	const struct mm_model *m = X.s.m;
	struct bound_arg ba = { m, X.fill->fn };
	struct row r = { V_BOUND, threads, rep, !X.touched, false, 0, 0, 0 };
	struct job job = {
		.thread_fn = bound_fill, .fn_arg = &ba,
		.start = m->span_start, .size = m->span_end - m->span_start,
		.align = PAGES_PER_SECTION, .min_chunk = PAGES_PER_SECTION,
		.max_threads = threads, .mode = X.fast_mode, .name = "bound",
	};

	r.ns = time_job(&job);
	X.touched = true;
	r.ok = check_bound(m, r.ns);
	r.ns = MAX(r.ns, 1);
	emit(&r, "fill", X.fill->name, X.fast_mode);
	record(&r);
}

/* ---- the closing table ---------------------------------------------------- */

/* The bound of @threads measured in the same rep, else the best one of
 * that thread count, else 0. */
static uint64_t bound_ns(unsigned threads, unsigned rep)
{
	uint64_t best = 0;

	for (unsigned i = 0; i < X.nrows; i++) {
		const struct row *b = &X.rows[i];

		if (b->v != V_BOUND || b->threads != threads || !b->ok)
			continue;
		if (b->rep == rep)
			return b->ns;
		if (!best || b->ns < best)
			best = b->ns;
	}
	return best;
}

static void print_table(void)
{
	uint64_t pages = memmap_present_pages(X.s.m);

	exp_log(X.c, "memmap: %-7s %7s %3s %4s %10s %9s %7s %7s\n", "variant",
		"threads", "rep", "cold", "ms", "ns/page", "GB/s", "x bound");
	for (unsigned i = 0; i < X.nrows; i++) {
		const struct row *r = &X.rows[i];
		uint64_t b = bound_ns(r->threads, r->rep);
		char ms[24], npp[24], gbs[24], ratio[24];

		exp_log(X.c, "memmap: %-7s %7u %3u %4s %10s %9s %7s %7s%s\n",
			memmap_variants[r->v], r->threads, r->rep,
			r->cold ? "yes" : "no",
			fx(ms, sizeof(ms), r->ns / (NS_PER_MS / 1000), 3),
			fx(npp, sizeof(npp), r->ns * PS_PER_NS / pages, 3),
			fx(gbs, sizeof(gbs),
			   X.s.memmap_bytes * PS_PER_NS / r->ns, 3),
			b ? fx(ratio, sizeof(ratio), r->ns * 100 / b, 2) : "-",
			r->ok ? "" : "  NOT VERIFIED");
	}
}

/* ---- the experiment --------------------------------------------------------- */

static void log_layout(void)
{
	const struct mm_model *m = X.s.m;
	uint64_t pages = memmap_present_pages(m);
	char ms[24];

	exp_log(X.c, "memmap: %lu sections on %u node(s), pfns [0x%lx, 0x%lx), "
		"%lu struct pages (%lu MiB memmap), %lu usable, %lu reserved "
		"or holes, %u free ranges, built in %s ms\n", X.s.sections,
		boot.nodes ? boot.nodes : 1, m->span_start, m->span_end, pages,
		X.s.memmap_bytes / MiB, m->usable_pages,
		pages - m->usable_pages, m->nr_free,
		fx(ms, sizeof(ms), X.s.setup_ns / (NS_PER_MS / 1000), 3));
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		uint64_t s, e;

		memmap_node_span(m, nid, &s, &e);
		if (s < e)
			exp_log(X.c, "memmap: node %u: pfns [0x%lx, 0x%lx)\n",
				nid, s, e);
	}
	if (X.s.off_node_sections || X.s.shared_sections)
		exp_log(X.c, "memmap: %lu section memmaps off their node, %lu "
			"ranges of memory in another node's section\n",
			X.s.off_node_sections, X.s.shared_sections);
}

static bool setup(struct exp_ctx *c)
{
	const char *err;

	memset(&X, 0, sizeof(X));
	X.c = c;
	X.fast_mode = JOB_PADATA;
	for (unsigned i = 0; i < ARRAY_SIZE(inject_bits); i++)
		if (exp_inject(c, memmap_injects[i]))
			X.inject |= inject_bits[i];
	/* An injected fault is only seen by the full verification. */
	X.full = exp_verify(c) || X.inject;
	err = memmap_setup_get(X.full, &X.s);
	if (!report(!err, "model of RAM built%s%s", err ? ": " : "",
		    err ? err : ""))
		return false;
	log_layout();
	return true;
}

/* One round: every chosen variant at threads[@ti] (serial, one thread,
 * only in a rep's first round), then the bound with the same threads, so
 * each ratio compares runs made moments apart. */
static void run_round(struct exp_ctx *c, unsigned ti, unsigned rep)
{
	unsigned threads = c->threads[ti];

	for (enum variant v = V_SERIAL; v < V_BOUND; v++) {
		if (!exp_variant_on(c, memmap_variants[v]) ||
		    (v == V_SERIAL && ti))
			continue;
		run_init(v, v == V_SERIAL ? 1 : threads, rep);
	}
	if (X.fill)
		run_bound(threads, rep);
}

static int memmap_run(struct exp_ctx *c)
{
	bool any = false;

	if (!setup(c))
		return -1;
	for (enum variant v = V_SERIAL; v < NR_VARIANTS; v++)
		any |= exp_variant_on(c, memmap_variants[v]);
	if (!any)
		return 0;
	calibrate();
	/* Reps outermost: on a shared host the slow moments then fall on
	 * every variant alike. The bound is measured whenever anything runs
	 * (it is every ratio's reference), after the variants of its round
	 * so the boot's first run is a variant's, cold. */
	for (unsigned r = 0; r < exp_reps(c); r++)
		for (unsigned ti = 0; ti < c->nthreads; ti++)
			run_round(c, ti, r);
	print_table();
	return X.failed ? -1 : 0;
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
