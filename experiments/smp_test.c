/* run=smp: the job engine on real CPUs. For every engine mode and thread
 * count, one job over SMP_TEST_UNITS units checks what the host tests check
 * under ThreadSanitizer: each unit done exactly once, chunk boundaries on
 * align, no chunk below min_chunk but at the job's ends; plus the CPU table
 * (online CPUs with APIC id and node). Variants are the engine modes, plus
 * two opt-in ones: barrier (sense-reversing barrier rounds in lock step)
 * and locks (spinlock and ticket lock under contention, counted). */
#include "experiments/experiment.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "smp/job.h"
#include "smp/on_cpus.h"
#include "smp/smp.h"
#include "lib/barrier.h"
#include "lib/spinlock.h"

#define SMP_TEST_UNITS     (1u << 20)
#define SMP_TEST_START     12345u      /* not aligned: exercises the head */
#define SMP_TEST_ALIGN     4096u
#define SMP_TEST_MIN_CHUNK 8192u

static const char *const smp_variants[] = {
	"serial", "static", "padata", "dynamic", "steal", "barrier", "locks", NULL
};

/* Opt-in variants (named in variants=): with more vCPUs than host cores,
 * spinning waiters are descheduled by the host and a FIFO ticket lock
 * hands over at host-scheduler speed, which makes them slow under TCG. */
#define BARRIER_ROUNDS 200
#define LOCK_ITERS     5000
static const char *const smp_injects[] = { "smp-noap", "smp-ap-lost", "smp-ap-hang",
					    NULL };

#define TIMELINE_WIDTH     60

static uint8_t done[SMP_TEST_UNITS];
static struct job_stats stats;
static char timeline[JOB_MAX_THREADS * 128];
static char why[160];

struct smp_check {
	uint64_t start, end, align, min_chunk;
	uint32_t bad_boundary, short_chunk;
};

static void mark_units(uint64_t a, uint64_t b, void *arg)
{
	struct smp_check *c = arg;

	if ((a != c->start && a % c->align) || (b != c->end && b % c->align))
		__atomic_fetch_add(&c->bad_boundary, 1, __ATOMIC_RELAXED);
	if (b - a < c->min_chunk && a != c->start && b != c->end)
		__atomic_fetch_add(&c->short_chunk, 1, __ATOMIC_RELAXED);
	for (uint64_t u = a; u < b; u++)
		__atomic_fetch_add(&done[u - c->start], 1, __ATOMIC_RELAXED);
}

static uint64_t count_not_once(void)
{
	uint64_t bad = 0;

	for (uint64_t i = 0; i < SMP_TEST_UNITS; i++)
		bad += done[i] != 1;
	return bad;
}

/* One timeline per mode at the largest thread count shows the shape of
 * the split (who worked when). */
static void log_timeline(struct exp_ctx *c)
{
	job_stats_format_timeline(&stats, timeline, sizeof(timeline),
				  TIMELINE_WIDTH);
	exp_log(c, "%s", timeline);
}

static void run_one(struct exp_ctx *c, enum job_mode mode, unsigned threads,
		    unsigned rep)
{
	struct smp_check chk = { SMP_TEST_START, SMP_TEST_START + SMP_TEST_UNITS,
				 SMP_TEST_ALIGN, SMP_TEST_MIN_CHUNK, 0, 0 };
	struct job job = {
		.thread_fn = mark_units, .fn_arg = &chk,
		.start = SMP_TEST_START, .size = SMP_TEST_UNITS,
		.align = SMP_TEST_ALIGN, .min_chunk = SMP_TEST_MIN_CHUNK,
		.max_threads = threads, .mode = mode, .name = "smp-test",
	};
	struct exp_result r = { .variant = job_mode_name(mode),
				.threads = threads, .rep = rep, .checked = true };
	struct json *j;
	uint64_t not_once;

	memset(done, 0, sizeof(done));
	if (job_run(&job, &stats)) {
		r.why = "job_run refused the job";
		exp_result(c, &r);
		return;
	}
	not_once = count_not_once();
	r.verified = !not_once && !chk.bad_boundary && !chk.short_chunk &&
		     stats.units == SMP_TEST_UNITS;
	ksnprintf(why, sizeof(why), "%lu units not done exactly once, %u bad "
		  "boundaries, %u short chunks", not_once, chk.bad_boundary,
		  chk.short_chunk);
	r.why = why;
	r.threads_run = stats.nthreads;
	r.ns = stats.total_ns;
	j = exp_result_begin(c, &r);
	json_u64(j, "requested_threads", threads);
	json_u64(j, "units", SMP_TEST_UNITS);
	json_u64(j, "chunks", stats.chunks);
	json_u64(j, "steals", stats.steals);
	json_u64(j, "lock_contended", stats.lock_contended);
	exp_json_job_threads(j, &stats);
	exp_result_end(c, &r);
	if (threads == nr_cpus_online && threads > 1 && !rep)
		log_timeline(c);
}

/* The CPU table: which CPUs came up, on which node (checked by the QEMU
 * cases against what they asked for). */
static void print_cpus(struct exp_ctx *c)
{
	struct exp_result r = { .variant = "cpus", .threads = c->m->cpus,
				.ns = c->m->ap_boot_ns, .checked = true,
				.verified = c->m->cpus == nr_cpus_online };
	struct json *j;

	for (unsigned i = 0; i < nr_cpus_online; i++) {
		struct percpu *p = smp_cpu(i);

		exp_log(c, "smp: cpu %u apic %u node %u online\n", i, p->apic_id,
			p->node);
	}
	j = exp_result_begin(c, &r);
	json_u64(j, "requested", c->m->cpus_requested + 1);
	json_u64(j, "failed", c->m->cpus_failed);
	json_u64(j, "nodes", c->m->nodes);
	json_array_begin(j, "cpu_nodes");
	for (unsigned i = 0; i < nr_cpus_online; i++) {
		json_object_begin(j);
		json_u64(j, "cpu", i);
		json_u64(j, "apic", smp_cpu(i)->apic_id);
		json_u64(j, "node", smp_cpu(i)->node);
		json_object_end(j);
	}
	json_array_end(j);
	exp_result_end(c, &r);
}

/* --- barrier and locks on real CPUs ------------------------------------ */

struct prim_test {
	struct barrier bar;
	uint32_t phase;
	uint32_t phase_errors;
	struct spinlock spin;
	struct ticket_lock ticket;
	uint64_t spin_count, ticket_count;
	uint64_t spin_ns[MAX_CPUS], ticket_ns[MAX_CPUS];
};

static struct prim_test prim;

/* Every CPU checks that nobody ran ahead of the round, then waits twice:
 * once to finish the round, once after CPU 0 advanced the phase. */
static void barrier_fn(void *arg, unsigned idx, unsigned n)
{
	uint32_t sense = 0;

	for (uint32_t r = 0; r < BARRIER_ROUNDS; r++) {
		if (__atomic_load_n(&prim.phase, __ATOMIC_ACQUIRE) != r)
			__atomic_fetch_add(&prim.phase_errors, 1, __ATOMIC_RELAXED);
		barrier_wait(&prim.bar, &sense);
		if (idx == 0)
			__atomic_store_n(&prim.phase, r + 1, __ATOMIC_RELEASE);
		barrier_wait(&prim.bar, &sense);
	}
}

static void locks_fn(void *arg, unsigned idx, unsigned n)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < LOCK_ITERS; i++) {
		spin_lock(&prim.spin);
		prim.spin_count++;
		spin_unlock(&prim.spin);
	}
	prim.spin_ns[idx] = now_ns() - t0;
	t0 = now_ns();
	for (int i = 0; i < LOCK_ITERS; i++) {
		ticket_lock(&prim.ticket);
		prim.ticket_count++;
		ticket_unlock(&prim.ticket);
	}
	prim.ticket_ns[idx] = now_ns() - t0;
}

static uint64_t max_ns(const uint64_t *v, unsigned n)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < n; i++)
		m = MAX(m, v[i]);
	return m;
}

/* fn on the caller and the first n - 1 other CPUs; returns the time. */
static uint64_t on_first(unsigned n, void (*fn)(void *, unsigned, unsigned),
			 const char *what)
{
	unsigned cpus[MAX_CPUS];
	struct on_cpus w = { .fn = fn, .cpus = cpus, .what = what };

	w.n = cpu_set_first(cpus, n);
	return on_cpus_run(&w);
}

static void run_barrier(struct exp_ctx *c, unsigned n)
{
	struct exp_result r = { .variant = "barrier", .threads = n,
				.checked = true };
	struct json *j;

	memset(&prim, 0, sizeof(prim));
	barrier_init(&prim.bar, n);
	r.ns = on_first(n, barrier_fn, "its barrier rounds");
	r.verified = !prim.phase_errors && prim.phase == BARRIER_ROUNDS;
	ksnprintf(why, sizeof(why), "%u rounds, %u CPUs ran ahead",
		  prim.phase, prim.phase_errors);
	r.why = why;
	j = exp_result_begin(c, &r);
	json_u64(j, "units", BARRIER_ROUNDS * 2);
	exp_result_end(c, &r);
}

/* All n CPUs hammer one lock: the time and the contended acquisitions show
 * what a shared lock costs (the buddy's zone locks, padata's cursor). */
static void run_locks(struct exp_ctx *c, unsigned n)
{
	struct exp_result r = { .threads = n, .checked = true };

	memset(&prim, 0, sizeof(prim));
	on_first(n, locks_fn, "its lock loop");
	r.verified = prim.spin_count == (uint64_t)n * LOCK_ITERS &&
		     prim.ticket_count == (uint64_t)n * LOCK_ITERS &&
		     prim.ticket.owner == prim.ticket.next;
	ksnprintf(why, sizeof(why), "spinlock %lu, ticket %lu of %lu increments",
		  prim.spin_count, prim.ticket_count, (uint64_t)n * LOCK_ITERS);
	r.why = why;
	for (int k = 0; k < 2; k++) {
		struct json *j;

		r.variant = k ? "ticket-lock" : "spinlock";
		r.ns = max_ns(k ? prim.ticket_ns : prim.spin_ns, n);
		j = exp_result_begin(c, &r);
		json_u64(j, "units", (uint64_t)n * LOCK_ITERS);
		json_u64(j, "contended", k ? prim.ticket.contended :
			 prim.spin.contended);
		exp_result_end(c, &r);
	}
	exp_log(c, "smp: %u CPUs x %u lock/unlock: spinlock %lu ns (%u contended), "
		"ticket %lu ns (%u contended)\n", n, LOCK_ITERS,
		max_ns(prim.spin_ns, n), prim.spin.contended,
		max_ns(prim.ticket_ns, n), prim.ticket.contended);
}

static void smp_run(struct exp_ctx *c)
{
	print_cpus(c);
	for (unsigned t = 0; t < c->nthreads; t++) {
		if (exp_variant_named(c, "barrier"))
			run_barrier(c, c->threads[t]);
		if (exp_variant_named(c, "locks"))
			run_locks(c, c->threads[t]);
	}
	for (enum job_mode m = 0; m < JOB_NR_MODES; m++) {
		if (!exp_variant_on(c, job_mode_name(m)))
			continue;
		for (unsigned t = 0; t < c->nthreads; t++)
			for (unsigned r = 0; r < exp_reps(c); r++)
				run_one(c, m, c->threads[t], r);
	}
}

const struct experiment exp_smp = {
	.name = "smp",
	.summary = "job engine self-test on real CPUs (every mode, exactly-once)",
	.variants = smp_variants,
	.boot_injects = smp_injects,
	.in_default = true,
	.run = smp_run,
};
