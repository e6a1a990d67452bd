/* run=demand: demand-fault queues, the userfaultfd scaling experiment.
 *
 * The question comes from the thread "[PATCH v3 00/22] Improve
 * scalability of KVM + userfaultfd live migration via annotated memory
 * faults" (Anish Moorthy, Peter Xu, David Matlack, Axel Rasmussen, James
 * Houghton, May 2023): in post-copy migration every vCPU faults on pages
 * not yet transferred; with userfaultfd all faults of a region go to one
 * context whose wait-queue lock stops the demand paging rate from growing
 * past a few vCPUs, while a vCPU that resolves its own fault (annotated
 * exit) scales. Does the same happen here, and where does it bend?
 *
 * A region is left unmapped in an experiment address space
 * (arch/x86_64/xas.h); N faulting CPUs read one word of each of their
 * pages and take real #PF. A page is made present by copying it from a
 * source buffer of known contents and mapping it (the UFFDIO_COPY analog;
 * a not-present entry is never cached in a TLB, so mapping needs no
 * shootdown). The queues are mm/fault_queue.h's; variants are its modes:
 *
 *   global  one queue, one lock; demand-resolvers CPUs serve it and wake;
 *   percpu  a queue per faulting CPU, resolver r serves queues q % R == r;
 *   self    the faulting CPU fills the page itself (annotated exit).
 *
 * Resolvers are CPUs of their own (the online CPUs after the faulting
 * ones), so global and percpu run at most nr_cpus - resolvers faulting
 * CPUs: threads_run says how many ran. A waiting CPU halts until a wake
 * IPI (demand-wait=halt) or spins (spin), bounded by demand-wait-ms (the
 * APIC timer ends a halt at its deadline: smp/wake.h); a wait that expires
 * names its CPU. Idle resolvers halt (or spin) too, until a fault is
 * posted to them, as a userfaultfd reader sleeps in poll().
 * demand-share-pct of each CPU's pages are the same for every CPU (100:
 * all CPUs race for every page), the rest its own.
 *
 * Verified outside the timing: every page filled exactly once and mapped
 * once, its contents the source's, every word read right, every posted
 * fault woken once, no fault left in a queue, no wait past its bound.
 * inject=demand-lost-wake drops one wake-up (the bounded wait must catch
 * it), inject=demand-double-fill fills one page twice. */
#include "experiments/experiment.h"
#include "experiments/buffers.h"
#include "experiments/pt_pool.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/xas.h"
#include "lib/error.h"
#include "lib/percentile.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/fault_queue.h"
#include "smp/on_cpus.h"
#include "smp/smp.h"
#include "smp/tlb.h"
#include "smp/wake.h"

#define DEMAND_SEED        0xdead5eedull
#define DEMAND_POOL_SLACK  8
#define DEMAND_TABLE_REPS  16   /* reps kept for the console table */
#define DEMAND_MAX_THREADS CMDLINE_MAX_ITEMS
/* An idle resolver re-checks whether the faulting CPUs finished. */
#define DEMAND_RESOLVER_NAP_NS (1000ull * 1000)

static const struct cmdline_param demand_bytes = {
	.name = "demand-bytes", .type = CMDLINE_SIZE, .max_items = 1,
	.lo = 4 * KiB, .hi = 1 * GiB, .align = 4 * KiB, .dflt = "1M",
	.help = "bytes each faulting CPU touches (demand), a multiple of 4K",
};
static const struct cmdline_param demand_share = {
	.name = "demand-share-pct", .type = CMDLINE_UINT, .max_items = 1,
	.lo = 0, .hi = 100, .dflt = "0",
	.help = "percent of each CPU's pages that all faulting CPUs share "
		"(demand; 100: every CPU faults on every page)",
};
static const struct cmdline_param demand_resolvers = {
	.name = "demand-resolvers", .type = CMDLINE_UINT, .max_items = 1,
	.lo = 1, .hi = 64, .dflt = "1",
	.help = "resolver CPUs of the global and percpu modes (demand)",
};
static const char *const demand_wait_names[] = { "halt", "spin", NULL };
static const struct cmdline_param demand_wait = {
	.name = "demand-wait", .type = CMDLINE_CHOICE, .max_items = 1,
	.choices = demand_wait_names, .dflt = "halt",
	.help = "how a faulting CPU waits for its resolver: halt until a wake "
		"IPI, or spin (demand)",
};
static const struct cmdline_param demand_wait_ms = {
	.name = "demand-wait-ms", .type = CMDLINE_UINT, .max_items = 1,
	.lo = 1, .hi = 600000, .dflt = "5000",
	.help = "bound on one wait for a fault's resolution, ms (demand)",
};
static const struct cmdline_param *const demand_params[] = {
	&demand_bytes, &demand_share, &demand_resolvers, &demand_wait,
	&demand_wait_ms, NULL
};
static const char *const demand_variants[] = {
	"global", "percpu", "self", NULL
};
static const char *const demand_injects[] = {
	"demand-lost-wake", "demand-double-fill", NULL
};

/* Per faulting CPU (piece), this run. */
struct demand_piece {
	struct fq_fault fault;       /* the one fault it has in flight */
	uint64_t ns;                 /* its loop, first touch to last */
	uint64_t faults;
	uint64_t posted;             /* faults it put on a queue */
	uint64_t wrong_reads;
	bool abandoned;              /* a wait timed out: fills its own */
};

/* One run=demand: what the driver, the pieces and the handler share. */
struct demand {
	struct exp_ctx *c;
	struct xas x;
	struct pt_pool pool;
	uint64_t src_pa, dst_pa, meta_pa, meta_bytes, buf_bytes;
	uint64_t per_cpu, shared;    /* pages a CPU touches; shared ones */
	unsigned share_pct, want_resolvers;
	bool halt;
	uint64_t bound_ns;
	/* this run */
	enum fq_mode mode;
	unsigned faulters, resolvers;
	uint64_t region;             /* pages */
	struct fq fq;
	struct fq_queue queues[MAX_CPUS];
	uint32_t *state, *fills, *lat;
	struct spinlock map_lock;    /* xpt_map: the page-table lock */
	uint64_t map_errors;
	unsigned piece_of[MAX_CPUS]; /* online CPU -> faulting piece */
	unsigned cpus[MAX_CPUS];     /* piece -> online CPU */
	struct demand_piece piece[MAX_CPUS];
	uint32_t kick[MAX_CPUS];     /* by resolver: a fault was posted */
	uint32_t timeouts, faulters_done;
	unsigned timeout_cpu;
	uint64_t timeout_page, bad_faults;
	char why[160];
	/* console table: overall pages/s by thread count, mode and rep */
	uint64_t rate[DEMAND_MAX_THREADS][3][DEMAND_TABLE_REPS];
};

static struct demand demand_state;
static const char *const mode_names[] = { "global", "percpu", "self" };

/* ---- pages and contents ------------------------------------------------- */

static uint64_t src_word(uint64_t page, unsigned w)
{
	return DEMAND_SEED ^ ((page * XPT_PAGE + w * 8) * 0x9e3779b97f4a7c15ull);
}

/* The i-th page faulting piece idx touches: the shared pages first (the
 * same order on every CPU, so they race), then its own. */
static uint64_t page_of(const struct demand *d, unsigned idx, uint64_t i)
{
	if (i < d->shared)
		return i;
	return d->shared + idx * (d->per_cpu - d->shared) + (i - d->shared);
}

static void *direct(uint64_t pa, uint64_t page)
{
	return phys_to_virt(pa + page * XPT_PAGE);
}

/* ---- what the queues call --------------------------------------------- */

/* UFFDIO_COPY: copy the page in, then map it under the table lock. */
static void demand_fill(void *ctx, uint64_t page)
{
	struct demand *d = ctx;
	uint64_t va = XAS_BASE + page * XPT_PAGE;
	int rc;

	memcpy(direct(d->dst_pa, page), direct(d->src_pa, page), XPT_PAGE);
	spin_lock(&d->map_lock);
	rc = xpt_map(&d->x.pt, va, d->dst_pa + page * XPT_PAGE, XPT_PAGE,
		     XPT_PAGE, XPT_W | pte_nx);
	spin_unlock(&d->map_lock);
	if (rc)
		__atomic_fetch_add(&d->map_errors, 1, __ATOMIC_RELAXED);
}

static void demand_wake(void *ctx, unsigned cpu)
{
	struct demand *d = ctx;

	if (d->halt)
		smp_wake(cpu);
}

static uint64_t demand_clock(void *ctx)
{
	(void)ctx;
	return now_ns();
}

/* Whether resolver r serves queue q. */
static bool serves(const struct demand *d, unsigned r, unsigned q)
{
	return d->mode == FQ_GLOBAL || q % d->resolvers == r;
}

/* After a post: the resolver that serves queue q learns of it. Pairs with
 * the clear-then-look in resolver_sleep (both sequentially consistent):
 * either it sees the fault, or this exchange finds its flag clear and the
 * IPI ends its halt. */
static void kick_resolver(struct demand *d, unsigned q, unsigned idx)
{
	unsigned r = d->mode == FQ_GLOBAL ? idx % d->resolvers :
		     q % d->resolvers;

	if (!__atomic_exchange_n(&d->kick[r], 1, __ATOMIC_SEQ_CST) && d->halt)
		smp_wake(d->cpus[d->faulters + r]);
}

/* ---- the fault handler ---------------------------------------------------- */

static void note_timeout(struct demand *d, unsigned cpu, uint64_t page)
{
	if (!__atomic_fetch_add(&d->timeouts, 1, __ATOMIC_RELAXED)) {
		d->timeout_cpu = cpu;
		d->timeout_page = page;
	}
}

/* Queue modes: post the fault, wait (bounded) for its wake. A wait that
 * times out leaves the record to the queue for good: the piece fills its
 * own pages from then on, so the record is never reused. */
static void fault_queued(struct demand *d, struct demand_piece *p,
			 unsigned cpu, uint64_t page)
{
	struct fq_fault *f = &p->fault;
	unsigned q;

	*f = (struct fq_fault){ .page = page, .cpu = cpu };
	p->posted++;
	q = fq_queue_of(&d->fq, d->piece_of[cpu]);
	fq_post(&d->fq, q, f);
	kick_resolver(d, q, d->piece_of[cpu]);
	if (!smp_wait_flag(&f->done, d->bound_ns, d->halt)) {
		note_timeout(d, cpu, page);
		p->abandoned = true;
	}
}

static bool demand_fault(void *arg, uint64_t va, uint64_t error)
{
	struct demand *d = arg;
	unsigned cpu = smp_this_cpu();
	struct demand_piece *p = &d->piece[d->piece_of[cpu]];
	uint64_t page = (va - XAS_BASE) / XPT_PAGE;

	if ((error & XAS_PF_PRESENT) || page >= d->region) {
		__atomic_fetch_add(&d->bad_faults, 1, __ATOMIC_RELAXED);
		return false;
	}
	p->faults++;
	if (d->mode != FQ_SELF && !p->abandoned)
		fault_queued(d, p, cpu, page);
	else if (fq_fill_once(&d->fq, page) == FQ_TIMEDOUT)
		note_timeout(d, cpu, page);
	return true;   /* retry: mapped now, or fault again */
}

/* ---- the pieces ------------------------------------------------------------ */

/* A faulting CPU: one read per page, each timed (the fault's latency). */
static void fault_piece(struct demand *d, unsigned idx)
{
	struct demand_piece *p = &d->piece[idx];
	uint32_t *lat = d->lat + (uint64_t)idx * d->per_cpu;
	unsigned w = idx % (XPT_PAGE / 8);
	uint64_t t0 = now_ns(), t = t0;

	for (uint64_t i = 0; i < d->per_cpu; i++) {
		uint64_t page = page_of(d, idx, i), t1;
		uint64_t v = *(volatile uint64_t *)(XAS_BASE + page * XPT_PAGE +
						    w * 8);

		p->wrong_reads += v != src_word(page, w);
		t1 = now_ns();
		lat[i] = (uint32_t)MIN(t1 - t, UINT32_MAX);
		t = t1;
	}
	p->ns = t - t0;
	__atomic_fetch_add(&d->faulters_done, 1, __ATOMIC_RELEASE);
}

/* An idle resolver sleeps until a fault is posted to it, as a
 * userfaultfd reader sleeps in poll(); bounded, so that it also sees the
 * faulting CPUs finish. */
static void resolver_sleep(struct demand *d, unsigned r)
{
	__atomic_store_n(&d->kick[r], 0, __ATOMIC_SEQ_CST);
	for (unsigned q = 0; q < d->fq.nqueues; q++)
		if (serves(d, r, q) && fq_pending(&d->fq, q))
			return;
	smp_wait_flag(&d->kick[r], DEMAND_RESOLVER_NAP_NS, d->halt);
}

/* A resolver: serves its queues until every faulting CPU finished. */
static void resolve_piece(struct demand *d, unsigned r)
{
	while (__atomic_load_n(&d->faulters_done, __ATOMIC_ACQUIRE) <
	       d->faulters) {
		bool did = false;

		for (unsigned q = 0; q < d->fq.nqueues; q++)
			if (serves(d, r, q))
				did |= fq_resolve_one(&d->fq, q);
		if (!did)
			resolver_sleep(d, r);
	}
}

static void demand_piece_fn(void *arg, unsigned idx, unsigned n)
{
	struct demand *d = arg;

	(void)n;
	if (idx < d->faulters)
		fault_piece(d, idx);
	else
		resolve_piece(d, idx - d->faulters);
}

/* ---- set-up ------------------------------------------------------------------ */

/* An empty window (nothing mapped), fresh page states, poisoned frames. */
static int build(struct demand *d, const char **why)
{
	uint64_t bytes = d->region * XPT_PAGE;
	uint64_t tables = DIV_ROUND_UP(bytes, HPAGE_SIZE) +
			  DIV_ROUND_UP(bytes, GPAGE_SIZE) + 2 + DEMAND_POOL_SLACK;

	if (pt_pool_create(&d->pool, tables, why))
		return -1;
	if (xas_create(&d->x, &d->pool.mem, why)) {
		pt_pool_destroy(&d->pool);
		return -1;
	}
	memset(phys_to_virt(d->dst_pa), 0x5a, bytes);
	memset(phys_to_virt(d->meta_pa), 0, d->meta_bytes);
	xas_set_fault(&d->x, demand_fault, d);
	return 0;
}

static void teardown(struct demand *d)
{
	xas_set_fault(&d->x, NULL, NULL);
	xas_destroy(&d->x, tlb_shootdown_all);
	pt_pool_destroy(&d->pool);
}

/* The queues for this run's mode over the metadata buffer. */
static void setup_queues(struct demand *d, bool lost_wake, bool double_fill)
{
	struct fq_ops ops = { .fill = demand_fill, .wake = demand_wake,
			      .clock = demand_clock, .ctx = d,
			      .fill_wait_ns = d->bound_ns };
	unsigned nq = d->mode == FQ_GLOBAL ? 1 :
		      d->mode == FQ_PERCPU ? d->faulters : 0;

	d->state = phys_to_virt(d->meta_pa);
	d->fills = d->state + d->region;
	d->lat = d->fills + d->region;
	fq_init(&d->fq, d->mode, d->queues, nq, d->state, d->fills,
		d->region, &ops);
	d->fq.inject_lost_wake = lost_wake;
	d->fq.inject_double_fill = double_fill;
}

/* ---- verification (outside the timing) ----------------------------------- */

static bool fail_why(struct demand *d, const char *fmt, ...) __printf(2, 3);
static bool fail_why(struct demand *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	return false;
}

/* Every page filled once, mapped once, holding the source's contents. */
static bool pages_ok(struct demand *d)
{
	for (uint64_t pg = 0; pg < d->region; pg++) {
		if (d->fills[pg] != 1)
			return fail_why(d, "page %lu filled %u times", pg,
					d->fills[pg]);
		if (memcmp(direct(d->dst_pa, pg), direct(d->src_pa, pg),
			   XPT_PAGE))
			return fail_why(d, "page %lu holds the wrong contents",
					pg);
	}
	if (xpt_count(&d->x.pt, XAS_BASE, d->region * XPT_PAGE, XPT_PAGE,
		      XPT_W, 0) != d->region)
		return fail_why(d, "not every page mapped once");
	return true;
}

static uint64_t left_in_queues(const struct demand *d)
{
	uint64_t n = 0;

	for (unsigned q = 0; q < d->fq.nqueues; q++) {
		for (struct fq_fault *f = d->queues[q].pending; f; f = f->next)
			n++;
		for (struct fq_fault *f = d->queues[q].waiting; f; f = f->next)
			n++;
	}
	return n;
}

static uint64_t total(const struct demand *d, size_t off)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < d->faulters; i++)
		n += *(const uint64_t *)((const char *)&d->piece[i] + off);
	return n;
}
#define TOTAL(d, field) total(d, offsetof(struct demand_piece, field))

static bool check(struct demand *d)
{
	uint64_t posted = TOTAL(d, posted), left = left_in_queues(d);

	if (d->timeouts)
		return fail_why(d, "cpu %u still waiting for page %lu after "
				"%lu ms (%u waits timed out: a lost wake-up)",
				d->timeout_cpu, d->timeout_page,
				d->bound_ns / 1000000, d->timeouts);
	if (!pages_ok(d))
		return false;
	if (d->bad_faults || d->map_errors)
		return fail_why(d, "%lu unexpected faults, %lu failed maps",
				d->bad_faults, d->map_errors);
	if (TOTAL(d, wrong_reads))
		return fail_why(d, "%lu words read wrong",
				TOTAL(d, wrong_reads));
	if (left)
		return fail_why(d, "%lu faults left in the queues", left);
	if (d->mode != FQ_SELF && d->fq.wakeups != posted)
		return fail_why(d, "%lu faults posted, %lu woken", posted,
				d->fq.wakeups);
	return true;
}

/* ---- the record ---------------------------------------------------------- */

static uint64_t pages_per_s(uint64_t pages, uint64_t ns)
{
	return ns ? pages * 1000000000ull / ns : 0;
}

/* Median and p99 of every touch's latency, in ns (sorts d->lat). */
static void latency(struct demand *d, uint32_t *p50, uint32_t *p99)
{
	uint64_t n = (uint64_t)d->faulters * d->per_cpu;

	pct_sort_u32(d->lat, n);
	*p50 = pct_sorted_u32(d->lat, n, 50);
	*p99 = pct_sorted_u32(d->lat, n, 99);
}

static void json_pieces(struct json *j, const struct demand *d)
{
	json_array_begin(j, "per_cpu");
	for (unsigned i = 0; i < d->faulters; i++) {
		json_object_begin(j);
		json_u64(j, "cpu", d->cpus[i]);
		json_u64(j, "pages_per_s", pages_per_s(d->per_cpu,
						       d->piece[i].ns));
		json_u64(j, "faults", d->piece[i].faults);
		json_object_end(j);
	}
	json_array_end(j);
}

static uint64_t lock_wait_ns(const struct demand *d)
{
	uint64_t ns = 0;

	for (unsigned q = 0; q < d->fq.nqueues; q++)
		ns += d->queues[q].lock_wait_ns;
	return ns;
}

static void record(struct demand *d, uint64_t ns, unsigned rep, unsigned ti)
{
	static char share[8];
	/* Pages paged in (distinct: with sharing, CPUs touch more), as the
	 * thread's overall demand paging rate counts them. */
	uint64_t pages = d->region;
	struct exp_result r = { .variant = mode_names[d->mode],
				.threads = d->c->threads[ti],
				.threads_run = d->faulters, .pages = pages,
				.ns = ns, .rep = rep, .checked = true,
				.why = d->why };
	uint32_t p50, p99;
	struct json *j;

	d->why[0] = 0;
	r.verified = check(d);
	latency(d, &p50, &p99);
	ksnprintf(share, sizeof(share), "%u", d->share_pct);
	exp_result_key(&r, "demand-share-pct", share);
	exp_result_key(&r, "demand-wait", demand_wait_names[!d->halt]);
	j = exp_result_begin(d->c, &r);
	json_u64(j, "resolvers", d->mode == FQ_SELF ? 0 : d->resolvers);
	json_u64(j, "region_pages", d->region);
	json_u64(j, "pages_per_s", pages_per_s(pages, ns));
	json_u64(j, "faults", TOTAL(d, faults));
	json_u64(j, "latency_p50_ns", p50);
	json_u64(j, "latency_p99_ns", p99);
	json_u64(j, "lock_wait_ns", lock_wait_ns(d));
	json_u64(j, "duplicates", d->fq.duplicates);
	json_u64(j, "wakeups", d->fq.wakeups);
	json_u64(j, "timeouts", d->timeouts);
	json_pieces(j, d);
	exp_result_end(d->c, &r);
	if (rep < DEMAND_TABLE_REPS && ti < DEMAND_MAX_THREADS)
		d->rate[ti][d->mode][rep] = pages_per_s(pages, ns);
}

/* ---- runs ---------------------------------------------------------------- */

/* Faulting and resolving CPUs of one run; false (a skip said) when the
 * machine has too few CPUs. */
static bool pick_cpus(struct demand *d, unsigned threads)
{
	unsigned n = MAX(1u, nr_cpus_online);

	d->resolvers = d->mode == FQ_SELF ? 0 :
		       MIN(d->want_resolvers, n - 1);
	if (d->mode != FQ_SELF && !d->resolvers) {
		report_skip("%s: one CPU leaves none to resolve",
			    mode_names[d->mode]);
		return false;
	}
	d->faulters = MIN(threads, n - d->resolvers);
	d->region = d->shared + (uint64_t)d->faulters *
		    (d->per_cpu - d->shared);
	return true;
}

static void run_mode(struct demand *d, enum fq_mode m, unsigned ti,
		     unsigned rep)
{
	struct on_cpus w = { .fn = demand_piece_fn, .arg = d, .cpus = d->cpus,
			     .barrier = true, .what = "demand faults" };
	const char *why = NULL;
	uint64_t ns;

	d->mode = m;
	if (!pick_cpus(d, d->c->threads[ti]))
		return;
	w.n = cpu_set_first(d->cpus, d->faulters + d->resolvers);
	memset(d->piece, 0, sizeof(d->piece));
	memset(d->kick, 0, sizeof(d->kick));
	for (unsigned i = 0; i < w.n; i++)
		d->piece_of[d->cpus[i]] = i;
	d->timeouts = d->faulters_done = 0;
	d->bad_faults = d->map_errors = 0;
	if (build(d, &why)) {
		report(false, "demand %s threads=%u: %s", mode_names[m],
		       d->faulters, why);
		return;
	}
	setup_queues(d, exp_inject(d->c, "demand-lost-wake"),
		     exp_inject(d->c, "demand-double-fill"));
	ns = on_cpus_run(&w);
	record(d, ns, rep, ti);
	teardown(d);
}

/* The console table of the thread's shape: faulting CPUs x mode, the
 * median overall pages/s of the reps. */
static void print_table(struct demand *d)
{
	unsigned reps = MIN(exp_reps(d->c), DEMAND_TABLE_REPS);

	exp_log(d->c, "demand: overall pages/s (median of %u reps), share %u%%, "
		"wait %s, %u resolver(s)\n", reps, d->share_pct,
		demand_wait_names[!d->halt], d->want_resolvers);
	exp_log(d->c, "demand: %8s %10s %10s %10s\n", "threads", "global",
		"percpu", "self");
	for (unsigned ti = 0; ti < MIN(d->c->nthreads, DEMAND_MAX_THREADS); ti++) {
		uint32_t v[3][DEMAND_TABLE_REPS];

		for (unsigned m = 0; m < 3; m++) {
			for (unsigned r = 0; r < reps; r++)
				v[m][r] = (uint32_t)MIN(d->rate[ti][m][r],
							UINT32_MAX);
			pct_sort_u32(v[m], reps);
		}
		exp_log(d->c, "demand: %8u %10u %10u %10u\n", d->c->threads[ti],
			pct_sorted_u32(v[0], reps, 50),
			pct_sorted_u32(v[1], reps, 50),
			pct_sorted_u32(v[2], reps, 50));
	}
}

/* Buffers for the largest run: source, frames, page states, latencies. */
static int alloc_buffers(struct demand *d)
{
	uint64_t max_pages = (uint64_t)MAX(1u, nr_cpus_online) * d->per_cpu;

	d->buf_bytes = max_pages * XPT_PAGE;
	d->meta_bytes = ALIGN_UP(max_pages * 3 * sizeof(uint32_t), XPT_PAGE);
	d->src_pa = exp_buf_alloc(d->buf_bytes, HPAGE_SIZE, -1);
	d->dst_pa = exp_buf_alloc(d->buf_bytes, HPAGE_SIZE, -1);
	d->meta_pa = exp_buf_alloc(d->meta_bytes, XPT_PAGE, -1);
	if (d->src_pa && d->dst_pa && d->meta_pa)
		return 0;
	exp_buf_free(d->src_pa, d->buf_bytes);
	exp_buf_free(d->dst_pa, d->buf_bytes);
	exp_buf_free(d->meta_pa, d->meta_bytes);
	return -1;
}

static void fill_source(struct demand *d)
{
	for (uint64_t pg = 0; pg < d->buf_bytes / XPT_PAGE; pg++) {
		uint64_t *w = direct(d->src_pa, pg);

		for (unsigned i = 0; i < XPT_PAGE / 8; i++)
			w[i] = src_word(pg, i);
	}
}

static void demand_run(struct exp_ctx *c)
{
	struct demand *d = &demand_state;

	memset(d, 0, sizeof(*d));
	d->c = c;
	d->map_lock = (struct spinlock)SPINLOCK_INIT;
	d->per_cpu = exp_param(c, "demand-bytes")->v[0] / XPT_PAGE;
	d->share_pct = exp_param(c, "demand-share-pct")->v[0];
	d->shared = d->per_cpu * d->share_pct / 100;
	d->want_resolvers = exp_param(c, "demand-resolvers")->v[0];
	d->halt = exp_param(c, "demand-wait")->v[0] == 0;
	d->bound_ns = exp_param(c, "demand-wait-ms")->v[0] * 1000000ull;
	if (alloc_buffers(d)) {
		report_skip("demand: %lu pages twice do not fit in free memory",
			    (uint64_t)(d->buf_bytes / XPT_PAGE));
		return;
	}
	fill_source(d);
	exp_log(c, "demand: %lu pages per faulting CPU, %u%% shared, wait %s "
		"(APIC timer %u ticks/ms bounds a halt), %u resolver(s)\n",
		d->per_cpu, d->share_pct, demand_wait_names[!d->halt],
		smp_wake_timer_ticks_per_ms(), d->want_resolvers);
	for (unsigned rep = 0; rep < exp_reps(c); rep++)
		for (unsigned ti = 0; ti < c->nthreads; ti++)
			for (enum fq_mode m = FQ_GLOBAL; m <= FQ_SELF; m++)
				if (exp_variant_on(c, mode_names[m]))
					run_mode(d, m, ti, rep);
	print_table(d);
	exp_buf_free(d->src_pa, d->buf_bytes);
	exp_buf_free(d->dst_pa, d->buf_bytes);
	exp_buf_free(d->meta_pa, d->meta_bytes);
}

const struct experiment exp_demand = {
	.name = "demand",
	.summary = "demand-fault queues: one shared queue, per-CPU queues, or "
		   "the faulting CPU resolves its own (userfaultfd scaling)",
	.variants = demand_variants,
	.injects = demand_injects,
	.params = demand_params,
	.in_default = true,
	.run = demand_run,
};
