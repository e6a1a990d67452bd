/* Host unit tests of the job engine (smp/job.c) on the pthread platform
 * (tests/host/job_pthread.c): every mode over a table and a seeded random
 * sweep of (start, size, align, min_chunk, max_threads), padata's plan
 * numbers, load balancing under skewed unit costs, NUMA placement, bad
 * jobs, and the timeline text. Built under ThreadSanitizer (test_job) and
 * AddressSanitizer + UBSan (test_job_asan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "smp/job.h"
#include "smp/job_platform.h"

#define MAX_UNITS    (1u << 17)	/* per-unit counters a job can check */
#define MAX_LOG      (1u << 16)	/* thread_fn calls a job can log */
#define SWEEP_CASES  300
#define SWEEP_SEED   0x9e3779b97f4a7c15ull
#define SKEW_UNITS   4096
#define SKEW_UNIT_NS 20000	/* the expensive half: 20 us a unit */
#define GATE_TIMEOUT_NS (5ull * 1000000000ull)
#define PAGES_PER_SECTION 32768ull	/* 128 MiB sections of 4 KiB pages */
#define PAGE_SIZE 4096ull

static struct job_stats stats;	/* about 60 KiB: static, as job.h asks */

/* What thread_fn saw. */
struct chunk_log {
	uint64_t a, b;
	unsigned cpu;
};

static uint32_t unit_count[MAX_UNITS];
static struct chunk_log chunk_log[MAX_LOG];
static uint32_t nlog;

/* Optional per-unit cost and NUMA map for the job under test. */
struct recorder {
	uint64_t start, size;
	uint64_t expensive_end;	/* units below it cost SKEW_UNIT_NS */
	unsigned gate;		/* a CPU's first call waits for this many CPUs */
	unsigned node_parts;	/* unit_node: node = part of the range */
	unsigned node_map[8];	/* part -> node */
	uint64_t node_stride;	/* unit_node: node = (unit / stride) % 2 */
};

static struct recorder rec;
static uint32_t cpu_seen[JOB_PTHREAD_MAX_CPUS];
static uint32_t cpus_seen;

static void spin_ns(uint64_t ns)
{
	uint64_t t0 = job_platform_now_ns();

	while (job_platform_now_ns() - t0 < ns)
		;
}

/* Each CPU's first call waits until @gate CPUs have entered thread_fn, so a
 * thread the OS has not scheduled yet cannot make the balance and
 * placement checks meaningless: with the gate, every thread has claimed
 * its first chunk before any thread finishes one. */
static void wait_gate(unsigned gate)
{
	uint64_t t0 = job_platform_now_ns();

	while (__atomic_load_n(&cpus_seen, __ATOMIC_ACQUIRE) < gate &&
	       job_platform_now_ns() - t0 < GATE_TIMEOUT_NS)
		;
}

static void record(uint64_t a, uint64_t b, void *arg)
{
	struct recorder *r = arg;
	unsigned cpu = job_platform_this_cpu();
	uint32_t i = __atomic_fetch_add(&nlog, 1, __ATOMIC_RELAXED);
	uint64_t u;

	if (!__atomic_exchange_n(&cpu_seen[cpu], 1, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&cpus_seen, 1, __ATOMIC_RELEASE);
		wait_gate(r->gate);
	}
	if (i < MAX_LOG)
		chunk_log[i] = (struct chunk_log){ a, b, cpu };
	for (u = a; u < b; u++) {
		if (u - r->start < MAX_UNITS)
			__atomic_fetch_add(&unit_count[u - r->start], 1,
					   __ATOMIC_RELAXED);
		if (u < r->expensive_end)
			spin_ns(SKEW_UNIT_NS);
	}
}

static unsigned rec_unit_node(uint64_t unit, void *arg)
{
	const struct recorder *r = arg;
	uint64_t off = unit - r->start;

	if (r->node_stride)
		return (unsigned)((unit / r->node_stride) % 2);
	if (!r->size || !r->node_parts)
		return 0;
	return r->node_map[off * r->node_parts / r->size];
}

/* Clears the cost and node settings: plain, cheap units on one node. */
static void rec_plain(void)
{
	memset(&rec, 0, sizeof(rec));
}

/* Clears the counters and the log for a job over [start, start + size);
 * keeps the cost and node settings. */
static void rec_reset(uint64_t start, uint64_t size)
{
	rec.start = start;
	rec.size = size;
	memset(unit_count, 0, sizeof(unit_count));
	memset(cpu_seen, 0, sizeof(cpu_seen));
	nlog = 0;
	cpus_seen = 0;
}

static struct job make_job(enum job_mode mode, uint64_t start, uint64_t size,
			   uint64_t align, uint64_t min_chunk, unsigned max)
{
	return (struct job){
		.thread_fn = record, .fn_arg = &rec, .start = start,
		.size = size, .align = align, .min_chunk = min_chunk,
		.max_threads = max, .mode = mode, .name = "test",
	};
}

/* ---- checking one run ------------------------------------------------- */

static char why[256];

static bool fail(const char *msg, uint64_t x)
{
	snprintf(why, sizeof(why), "%s (%llu)", msg, (unsigned long long)x);
	return false;
}

static bool on_grid(uint64_t x, uint64_t edge, uint64_t step)
{
	return x == edge || x % step == 0;
}

/* The contract of smp/job.h for each logged call. */
static bool check_chunks(const struct job *job, const struct job_stats *st)
{
	uint64_t end = job->start + job->size, i;
	uint64_t least = MIN(MAX(job->min_chunk, 1), job->size);
	uint64_t align = MAX(job->align, 1);

	if (nlog > MAX_LOG)
		return fail("chunk log overflow", nlog);
	for (i = 0; i < nlog; i++) {
		const struct chunk_log *c = &chunk_log[i];

		if (c->a >= c->b || c->a < job->start || c->b > end)
			return fail("chunk empty or outside the job", c->a);
		if (!on_grid(c->a, job->start, align) ||
		    !on_grid(c->b, end, align))
			return fail("chunk boundary off align", c->a);
		if (!on_grid(c->a, job->start, st->plan.cell) ||
		    !on_grid(c->b, end, st->plan.cell))
			return fail("chunk boundary off the plan's cell", c->a);
		if (c->b - c->a < least)
			return fail("chunk below min_chunk", c->b - c->a);
	}
	return true;
}

static bool check_units(const struct job *job)
{
	uint64_t u, n = MIN(job->size, MAX_UNITS);

	for (u = 0; u < n; u++)
		if (unit_count[u] != 1)
			return fail("unit not done exactly once", job->start + u);
	return true;
}

/* Per-thread stats add up, and agree with what thread_fn saw. */
static bool check_stats(const struct job *job, const struct job_stats *st)
{
	uint64_t units = 0, chunks = 0, per_cpu[JOB_PTHREAD_MAX_CPUS] = { 0 };
	unsigned t, i;

	for (t = 0; t < st->nthreads; t++) {
		const struct job_thread_stats *ts = &st->thread[t];

		units += ts->units;
		chunks += ts->chunks;
		if (ts->cpu >= JOB_PTHREAD_MAX_CPUS)
			return fail("thread on an unknown cpu", ts->cpu);
		per_cpu[ts->cpu] += ts->chunks;
		if (ts->busy_ns + ts->wait_ns != st->total_ns)
			return fail("busy + wait != total", t);
		if (ts->t_start_ns > ts->t_end_ns || ts->t_end_ns > st->total_ns)
			return fail("thread outside the job's time", t);
		if (ts->claim_ns + ts->busy_ns != ts->t_end_ns - ts->t_start_ns)
			return fail("claim + busy != thread span", t);
	}
	if (units != job->size || st->units != units)
		return fail("units do not add up", units);
	if (chunks != nlog || st->chunks != chunks)
		return fail("chunks do not add up", chunks);
	for (i = 0; i < nlog && i < MAX_LOG; i++)
		per_cpu[chunk_log[i].cpu]--;
	for (i = 0; i < JOB_PTHREAD_MAX_CPUS; i++)
		if (per_cpu[i])
			return fail("chunks attributed to the wrong cpu", i);
	return true;
}

/* What each mode promises about its threads and chunks. */
static bool check_mode(const struct job *job, const struct job_stats *st)
{
	const struct job_plan *p = &st->plan;
	unsigned t;

	if (st->nthreads != p->nthreads || p->nthreads > job->max_threads ||
	    p->nthreads > job_platform_nr_cpus())
		return fail("thread count", p->nthreads);
	if (job->size && !p->nthreads)
		return fail("no thread for a non-empty job", 0);
	switch (job->mode) {
	case JOB_SERIAL:
		if (job->size && nlog != 1)
			return fail("serial made several calls", nlog);
		break;
	case JOB_STATIC:
		/* one piece per thread, cut again where it crosses nodes */
		for (t = 0; t < st->nthreads; t++)
			if (job->unit_node && job->numa_aware ?
			    !st->thread[t].chunks : st->thread[t].chunks != 1)
				return fail("static: not one piece per thread",
					    t);
		break;
	case JOB_PADATA:
		if (p->nworks == 1 ? nlog != !!job->size : nlog != p->ncells)
			return fail("padata: calls != cells", nlog);
		break;
	default:
		break;
	}
	return true;
}

/* Runs one case and checks everything; false with @why set on failure. */
static bool run_case(struct job *job)
{
	struct job_plan plan;

	rec_reset(job->start, job->size);
	if (job_run(job, &stats))
		return fail("job_run refused a valid job", 0);
	if (job_plan(job, job_platform_nr_cpus(), &plan) ||
	    memcmp(&plan, &stats.plan, sizeof(plan)))
		return fail("job_plan differs from the run's plan", 0);
	return check_units(job) && check_chunks(job, &stats) &&
	       check_stats(job, &stats) && check_mode(job, &stats);
}

static void report_case(struct job *job)
{
	bool ok = run_case(job);

	report(ok, "%s start=%llu size=%llu align=%llu min_chunk=%llu "
	       "max_threads=%u: %u threads, %llu chunks%s%s",
	       job_mode_name(job->mode), (unsigned long long)job->start,
	       (unsigned long long)job->size, (unsigned long long)job->align,
	       (unsigned long long)job->min_chunk, job->max_threads,
	       stats.nthreads, (unsigned long long)stats.chunks,
	       ok ? "" : ": ", ok ? "" : why);
}

/* ---- the tests ---------------------------------------------------------- */

struct shape {
	uint64_t start, size, align, min_chunk;
	unsigned max_threads;
};

static const struct shape shapes[] = {
	{ 0, 0, 1, 1, 4 },		/* empty */
	{ 7, 1, 1, 1, 4 },		/* one unit */
	{ 0, 1000, 1, 1, 4 },
	{ 3, 1001, 1, 0, 4 },		/* min_chunk 0 */
	{ 5, 997, 0, 10, 4 },		/* align 0 */
	{ 5, 997, 0, 0, 4 },		/* both 0 */
	{ 0, 4096, 64, 64, 4 },
	{ 100, 4099, 64, 64, 4 },	/* start and end not aligned */
	{ 100, 4099, 64, 200, 3 },	/* min_chunk not a multiple of align */
	{ 33, 50, 64, 1, 4 },		/* size < align, inside one block */
	{ 60, 10, 64, 1, 4 },		/* size < align, across a boundary */
	{ 60, 10, 64, 8, 4 },		/* ... and a short head folded */
	{ 1, 65537, 512, 512, 64 },	/* max_threads above the CPUs */
	{ 0, 65536, 4096, 4096, 1 },	/* max_threads 1 */
	{ 4095, 40000, 4096, 4096, 2 },
	{ 0, 10000, 1, 20000, 4 },	/* min_chunk above size */
	{ 0, 10000, 7, 3, 4 },
	{ 1ull << 40, 30000, 1000, 2500, 4 },	/* far from 0 */
	{ UINT64_MAX - 5000, 5000, 64, 1, 4 },	/* ends at 2^64 - 1 */
	{ 17, 12345, UINT64_MAX, 1, 4 },	/* huge align */
	{ 17, 12345, 3, UINT64_MAX, 4 },	/* huge min_chunk */
};

static void test_table(void)
{
	struct job job;
	unsigned m, i;

	report_prefix_push("table");
	for (m = 0; m < JOB_NR_MODES; m++)
		for (i = 0; i < ARRAY_SIZE(shapes); i++) {
			job = make_job(m, shapes[i].start, shapes[i].size,
				       shapes[i].align, shapes[i].min_chunk,
				       shapes[i].max_threads);
			report_case(&job);
		}
	report_prefix_pop();
}

static uint64_t rnd_state = SWEEP_SEED;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static uint64_t pick(const uint64_t *v, unsigned n)
{
	return v[rnd() % n];
}

static struct job random_job(void)
{
	static const uint64_t aligns[] = { 0, 1, 2, 3, 7, 64, 100, 4096 };
	static const uint64_t mins[] = { 0, 1, 5, 64, 333, 10000 };
	static const uint64_t maxes[] = { 1, 2, 3, 4, 8, 300 };
	static const uint64_t starts[] = { 0, 1, 4095, 1ull << 40 };
	uint64_t size = rnd() % 4 ? rnd() % 2000 : rnd() % 40000;

	return make_job(rnd() % JOB_NR_MODES, pick(starts, 4) + rnd() % 100,
			size, pick(aligns, ARRAY_SIZE(aligns)),
			pick(mins, ARRAY_SIZE(mins)),
			(unsigned)pick(maxes, ARRAY_SIZE(maxes)));
}

/* Seeded random cases under three topologies; one report per topology,
 * the first failing case in detail. */
static void test_sweep(unsigned ncpus, unsigned nnodes, bool numa)
{
	unsigned i, failed = 0;
	struct job job;

	job_pthread_set_topology(ncpus, nnodes);
	for (i = 0; i < SWEEP_CASES; i++) {
		job = random_job();
		if (numa) {
			job.numa_aware = true;
			job.unit_node = i % 2 ? rec_unit_node : NULL;
		}
		rec_plain();
		rec.node_parts = 3;
		rec.node_map[0] = 1;
		rec.node_map[2] = nnodes - 1;
		if (!run_case(&job) && !failed++)
			report_info("sweep case %u: %s start=%llu size=%llu "
				    "align=%llu min_chunk=%llu max=%u: %s", i,
				    job_mode_name(job.mode),
				    (unsigned long long)job.start,
				    (unsigned long long)job.size,
				    (unsigned long long)job.align,
				    (unsigned long long)job.min_chunk,
				    job.max_threads, why);
	}
	report(!failed, "sweep: %u random jobs on %u cpus %u nodes%s, %u failed",
	       SWEEP_CASES, ncpus, nnodes, numa ? " numa_aware" : "", failed);
}

/* padata's numbers: job_plan against the formula in smp/job.h, computed
 * here by hand for each row. */
struct padata_row {
	const char *what;
	uint64_t size, align, min_chunk;
	unsigned max_threads;
	unsigned nworks;
	uint64_t chunk;
};

static const struct padata_row padata_rows[] = {
	/* 16 GiB = 4194304 pages = 128 sections: nworks = min(128, 2) = 2;
	 * chunk = 4194304 / (2 * 4) = 524288 pages (16 sections, 2 GiB). */
	{ "deferred init 16 GiB, 2 threads", 16 * GiB / PAGE_SIZE,
	  PAGES_PER_SECTION, PAGES_PER_SECTION, 2, 2, 524288 },
	/* 128 GiB = 33554432 pages: chunk = 33554432 / 8 = 4194304 (16 GiB) */
	{ "deferred init 128 GiB, 2 threads", 128 * GiB / PAGE_SIZE,
	  PAGES_PER_SECTION, PAGES_PER_SECTION, 2, 2, 4194304 },
	/* 104 CPUs: 4194304 / 416 = 10082 < min_chunk -> one section */
	{ "deferred init 16 GiB, 104 threads", 16 * GiB / PAGE_SIZE,
	  PAGES_PER_SECTION, PAGES_PER_SECTION, 104, 104, 32768 },
	/* 768 GiB node of 52 CPUs: 201326592 / 208 = 967916.3 -> 967916,
	 * rounded up to sections: 30 * 32768 = 983040 */
	{ "deferred init 768 GiB, 52 threads", 768 * GiB / PAGE_SIZE,
	  PAGES_PER_SECTION, PAGES_PER_SECTION, 52, 52, 983040 },
	/* less than one section: one work, thread_fn called directly */
	{ "100 MiB, 2 threads", 100 * MiB / PAGE_SIZE,
	  PAGES_PER_SECTION, PAGES_PER_SECTION, 2, 1, 32768 },
	/* min_chunk 0 and align 0 taken as 1: 100 / 16 = 6 */
	{ "min_chunk 0, align 0", 100, 0, 0, 4, 4, 6 },
	/* 10 / 4 = 2, max(2, 100) = 100: padata's chunk can exceed size */
	{ "min_chunk above size", 10, 1, 100, 8, 1, 100 },
	/* 1000 / max(10, 64) = 15 works, capped to 8; 1000 / 32 = 31 -> 64 */
	{ "align above min_chunk", 1000, 64, 10, 8, 8, 64 },
};

static void test_padata_plan(void)
{
	const struct padata_row *r;
	struct job_plan p;
	struct job job;
	unsigned i;
	int ret;

	report_prefix_push("padata plan");
	for (i = 0; i < ARRAY_SIZE(padata_rows); i++) {
		r = &padata_rows[i];
		job = make_job(JOB_PADATA, 0, r->size, r->align, r->min_chunk,
			       r->max_threads);
		ret = job_plan(&job, UINT32_MAX, &p);
		report(!ret && p.nworks == r->nworks && p.chunk == r->chunk &&
		       p.cell == r->chunk,
		       "%s: size %llu -> nworks %u chunk %llu (want %u, %llu)",
		       r->what, (unsigned long long)r->size, p.nworks,
		       (unsigned long long)p.chunk, r->nworks,
		       (unsigned long long)r->chunk);
	}
	/* The deferred-init job really runs that way: 8 chunks, 2 threads. */
	job_pthread_set_topology(4, 1);
	job = make_job(JOB_PADATA, 0, 16 * GiB / PAGE_SIZE, PAGES_PER_SECTION,
		       PAGES_PER_SECTION, 2);
	rec_plain();
	rec_reset(0, job.size);
	ret = job_run(&job, &stats);
	report(!ret && stats.nthreads == 2 && stats.chunks == 8 &&
	       check_chunks(&job, &stats),
	       "16 GiB run: %u threads, %llu chunks of 524288 pages",
	       stats.nthreads, (unsigned long long)stats.chunks);
	report_prefix_pop();
}

/* The other modes' plans, from the rules in docs/smp.md. (job_plan is
 * called before report so the message shows this plan, not the last.) */
static void test_other_plans(void)
{
	struct job job = make_job(JOB_DYNAMIC, 0, 1000000, 1, 1, 4);
	struct job_plan p;
	int ret;

	report_prefix_push("plan");
	job.unit_ps = 1000;	/* 1 ns a unit: 250 ns * 100 / 1 ns */
	ret = job_plan(&job, 4, &p);
	report(!ret && p.chunk == 25000 && p.nthreads == 4,
	       "dynamic, 1 ns units: first claim %llu units (want 25000)",
	       (unsigned long long)p.chunk);
	job.unit_ps = 1000000;	/* 1 us a unit: 25 units, 2 cells of 16 */
	job.align = 16;
	ret = job_plan(&job, 4, &p);
	report(!ret && p.chunk == 32 && p.cell == 16,
	       "dynamic, 1 us units, align 16: first claim %llu (want 32)",
	       (unsigned long long)p.chunk);
	job.unit_ps = 0;
	ret = job_plan(&job, 4, &p);
	report(!ret && p.chunk == 16,
	       "dynamic, cost unknown: first claim one cell (%llu)",
	       (unsigned long long)p.chunk);
	job = make_job(JOB_DYNAMIC, 0, 30000, 1, 1, 8);
	job.unit_ps = 1000;
	ret = job_plan(&job, 8, &p);
	report(!ret && p.nthreads == 2,
	       "dynamic: no more threads than first claims (%u, want 2)",
	       p.nthreads);
	job = make_job(JOB_STATIC, 0, 1000, 64, 64, 8);
	ret = job_plan(&job, 4, &p);
	report(!ret && p.nthreads == 4 && p.ncells == 15 && p.chunk == 256,
	       "static: 1000 units on 64-unit cells -> %llu cells (tail "
	       "folded), %u threads, pieces up to %llu",
	       (unsigned long long)p.ncells, p.nthreads,
	       (unsigned long long)p.chunk);
	job = make_job(JOB_STATIC, 0, 100, 64, 64, 8);
	ret = job_plan(&job, 4, &p);
	report(!ret && p.nthreads == 1 && p.ncells == 1,
	       "static: a job below two cells runs on one thread (%u)",
	       p.nthreads);
	job = make_job(JOB_SERIAL, 5, 100, 64, 64, 8);
	ret = job_plan(&job, 4, &p);
	report(!ret && p.nthreads == 1 && p.chunk == 100,
	       "serial: one thread, one chunk of %llu",
	       (unsigned long long)p.chunk);
	job.size = 0;
	ret = job_plan(&job, 4, &p);
	report(!ret && p.nthreads == 0 && p.ncells == 0,
	       "empty job: no threads (%u)", p.nthreads);
	report_prefix_pop();
}

/* Skewed costs: the first half of the units is expensive. DYNAMIC and
 * STEAL must spread it: every thread does chunks, STEAL steals. */
static void test_skew(enum job_mode mode)
{
	struct job job = make_job(mode, 0, SKEW_UNITS, 1, 1, 4);
	char text[2048];
	unsigned t, idle = 0;
	bool ok;

	job_pthread_set_topology(4, 1);
	rec_plain();
	rec.expensive_end = SKEW_UNITS / 2;
	rec.gate = 4;
	ok = run_case(&job);
	report(ok, "%s skewed: each unit once, stats add up%s%s",
	       job_mode_name(mode), ok ? "" : ": ", ok ? "" : why);
	for (t = 0; t < stats.nthreads; t++)
		idle += !stats.thread[t].chunks;
	report(stats.nthreads == 4 && !idle,
	       "%s skewed: all %u threads did chunks (%u idle)",
	       job_mode_name(mode), stats.nthreads, idle);
	if (mode == JOB_STEAL)
		report(stats.steals > 0, "steal skewed: %llu steals",
		       (unsigned long long)stats.steals);
	job_stats_format_timeline(&stats, text, sizeof(text), 40);
	report_info("%s", text);
}

/* Node placement on a 2-node pool: threads are spread by node and, with
 * unit_node, chunks never cross nodes; STATIC is placed exactly. */
static void test_numa_mode(enum job_mode mode, unsigned ncpus,
			   unsigned nnodes, const unsigned *map,
			   unsigned parts, unsigned max)
{
	/* node boundaries on the 64-unit grid, so chunks can avoid them */
	struct job job = make_job(mode, 1024, 1 << 14, 64, 64, max);
	unsigned i, t, remote = 0, crossing = 0, first_remote = 0;
	unsigned on[8] = { 0 }, first[JOB_PTHREAD_MAX_CPUS] = { 0 };
	bool ok;

	job_pthread_set_topology(ncpus, nnodes);
	rec_plain();
	rec.gate = max;
	rec.node_parts = parts;
	memcpy(rec.node_map, map, parts * sizeof(*map));
	job.numa_aware = true;
	job.unit_node = rec_unit_node;
	ok = run_case(&job);
	for (i = 0; i < nlog; i++) {
		const struct chunk_log *c = &chunk_log[i];
		unsigned node = rec_unit_node(c->a, &rec);

		crossing += rec_unit_node(c->b - 1, &rec) != node;
		remote += job_platform_cpu_node(c->cpu) != node;
		if (!first[c->cpu]++)
			first_remote += job_platform_cpu_node(c->cpu) != node;
	}
	for (t = 0; t < stats.nthreads; t++)
		on[job_platform_cpu_node(stats.thread[t].cpu)]++;
	report(ok && !crossing, "%s %u nodes: each unit once, no chunk "
	       "crosses a node (%u do)%s%s", job_mode_name(mode), nnodes,
	       crossing, ok ? "" : ": ", ok ? "" : why);
	if (mode == JOB_STATIC)
		report(!remote, "static %u nodes: every chunk on its node's "
		       "cpus (%u of %u remote)", nnodes, remote, nlog);
	else
		report_info("%s %u nodes: %u of %u chunks remote",
			    job_mode_name(mode), nnodes, remote, nlog);
	report(!first_remote, "%s %u nodes: each thread's first chunk on "
	       "its node (%u remote)", job_mode_name(mode), nnodes,
	       first_remote);
	if (nnodes == 2 && max == 4)
		report(on[0] == 2 && on[1] == 2,
		       "%s: 2 threads per node (%u, %u)", job_mode_name(mode),
		       on[0], on[1]);
	if (nnodes == 3)
		report(on[0] == 2 && on[1] == 1 && on[2] == 1,
		       "%s: threads follow the work 2:1:1 (%u, %u, %u)",
		       job_mode_name(mode), on[0], on[1], on[2]);
}

static void test_numa(void)
{
	static const unsigned halves[] = { 0, 1 };
	static const unsigned reversed[] = { 1, 0 };
	static const unsigned three[] = { 0, 0, 1, 2 };	/* 1/2, 1/4, 1/4 */
	struct job job;
	unsigned m, on[2] = { 0 }, t;

	report_prefix_push("numa");
	for (m = JOB_STATIC; m < JOB_NR_MODES; m++) {
		test_numa_mode(m, 4, 2, halves, 2, 4);
		test_numa_mode(m, 4, 2, reversed, 2, 4);
		test_numa_mode(m, 6, 3, three, 4, 4);
	}
	/* Without unit_node: helpers round-robin over the nodes. */
	job_pthread_set_topology(4, 2);
	rec_plain();
	job = make_job(JOB_DYNAMIC, 0, 1 << 12, 1, 1, 2);
	job.numa_aware = true;
	report(run_case(&job), "no unit_node: each unit once");
	for (t = 0; t < stats.nthreads; t++)
		on[job_platform_cpu_node(stats.thread[t].cpu)]++;
	report(on[0] == 1 && on[1] == 1,
	       "no unit_node: 2 threads on 2 nodes (%u, %u)", on[0], on[1]);
	/* More same-node runs than JOB_MAX_SEGMENTS: still exactly once. */
	for (m = JOB_STATIC; m < JOB_NR_MODES; m++) {
		job = make_job(m, 0, 1 << 14, 16, 16, 4);
		job.numa_aware = true;
		job.unit_node = rec_unit_node;
		rec_plain();
		rec.node_stride = 32;	/* 512 runs */
		report(run_case(&job), "%s, 512 node runs: each unit once",
		       job_mode_name(m));
	}
	report_prefix_pop();
}

static void test_invalid(void)
{
	struct job job = make_job(JOB_PADATA, 0, 100, 1, 1, 4);
	struct job bad;

	report_prefix_push("invalid");
	report(job_check(&job) == NULL, "a valid job passes job_check");
	report(job_run(NULL, &stats) < 0 && job_check(NULL), "NULL job");
	report(job_run(&job, NULL) < 0, "NULL stats");
	bad = job;
	bad.thread_fn = NULL;
	report(job_run(&bad, &stats) < 0 && job_check(&bad), "no thread_fn");
	bad = job;
	bad.max_threads = 0;
	report(job_run(&bad, &stats) < 0 && job_check(&bad), "max_threads 0");
	bad = job;
	bad.mode = JOB_NR_MODES;
	report(job_run(&bad, &stats) < 0 && job_check(&bad), "unknown mode");
	bad = job;
	bad.start = UINT64_MAX - 10;
	bad.size = 11;
	report(job_run(&bad, &stats) < 0 && job_check(&bad),
	       "start + size overflows");
	bad = job;
	bad.size = JOB_MAX_SIZE + 1;
	report(job_run(&bad, &stats) < 0 && job_check(&bad),
	       "size above JOB_MAX_SIZE");
	report(!strcmp(job_mode_name(JOB_STEAL), "steal") &&
	       !strcmp(job_mode_name(JOB_NR_MODES), "?"), "mode names");
	report_prefix_pop();
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_timeline(void)
{
	struct job job = make_job(JOB_STEAL, 0, 20000, 1, 1, 4);
	char text[4096], small[16];
	int len, len2;

	report_prefix_push("timeline");
	job_pthread_set_topology(4, 1);
	rec_plain();
	rec_reset(0, job.size);
	report(!job_run(&job, &stats), "run");
	len = job_stats_format_timeline(&stats, text, sizeof(text), 32);
	report(len == (int)strlen(text) && count_lines(text) ==
	       stats.nthreads + 1, "%d chars, header + %u thread lines", len,
	       stats.nthreads);
	report(strstr(text, "steal") && strchr(text, '#'),
	       "names the mode and draws bars");
	len2 = job_stats_format_timeline(&stats, small, sizeof(small), 32);
	report(len2 == len && strlen(small) == sizeof(small) - 1,
	       "cut short: still returns the full length");
	report(job_stats_format_timeline(&stats, NULL, 0, 32) == len,
	       "size 0: only measures");
	report_prefix_pop();
}

/* The pool is persistent: many jobs, no new threads. */
static void test_persistent(void)
{
	struct job job = make_job(JOB_DYNAMIC, 0, 256, 1, 1, 4);
	unsigned before, i, bad = 0;

	job_pthread_set_topology(4, 1);
	rec_plain();
	rec_reset(0, 256);
	job_run(&job, &stats);
	before = job_pthread_threads_created();
	for (i = 0; i < 200; i++)
		bad += !run_case(&job);
	report(!bad && job_pthread_threads_created() == before,
	       "200 jobs, %u failed, %u threads created during them", bad,
	       job_pthread_threads_created() - before);
}

int main(void)
{
	report_prefix_push("job");
	report_info("struct job_stats is %zu bytes", sizeof(struct job_stats));
	job_pthread_set_topology(4, 1);
	rec_plain();
	test_invalid();
	test_padata_plan();
	test_other_plans();
	test_table();
	test_sweep(4, 1, false);
	test_sweep(3, 1, false);
	test_sweep(4, 2, true);
	test_skew(JOB_DYNAMIC);
	test_skew(JOB_STEAL);
	test_numa();
	test_timeline();
	test_persistent();
	job_pthread_shutdown();
	return report_summary();
}
