/* run=copy: copying one huge page (2 MiB, 1 GiB: sizes=) the ways Linux
 * migration did and could ("[PATCH 0/6] Enable parallel page migration",
 * March 2017; docs/copy.md), against the fastest
 * in-guest memcpy of the same bytes on the same threads ("bound"):
 *   per4k          512 (or 262144) 4 KiB copies, each through two
 *                  temporary mappings (arch/x86_64/kmap.h: PTE writes,
 *                  invlpg) with interrupts off: copy_highpage's loop;
 *   bulk           one copy over the direct map with the chosen kernel;
 *   mt             the bulk copy cut into chunks by the job engine
 *                  (padata's rules unless engine= says otherwise);
 *   mt-concurrent  k initiators at once, each splitting its own copy over
 *                  its own group of CPUs (Mel Gorman's point 4);
 *   mt-busy        the copy's helpers only on idle CPUs while the other
 *                  CPUs run a streaming-write load that measures what it
 *                  loses (his point 3).
 * Every copy is checked (the destination against the source's pattern);
 * inject=copy-flip and inject=copy-short must make the checks fail. */
#include "experiments/experiment.h"
#include "experiments/buffers.h"
#include "experiments/kernel_select.h"
#include "experiments/par_buffer.h"
#include "experiments/params.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/kmap.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "mm/memblock.h"
#include "smp/job.h"
#include "smp/on_cpus.h"
#include "smp/smp.h"

/* mt's job: units are bytes. align 64 KiB keeps every chunk page aligned
 * (the kernels' fast path, no head or tail) and a whole number of cache
 * lines, so two threads never write one line; min_chunk 64 KiB keeps the
 * engine's per-chunk cost (a claim under padata's spinlock, ~250 ns) near
 * 1% of a chunk's copy even at 20 GB/s. padata then makes 4 chunks per
 * thread: a 2 MiB page on 2 threads is 8 chunks of 256 KiB. */
#define COPY_MT_ALIGN      (64 * KiB)
#define COPY_MT_MIN_CHUNK  (64 * KiB)

#define COPY_MAX_INITIATORS 8	/* mt-concurrent: k <= this */
#define COPY_SEED          0xc0b1e5eedull
#define COPY_SEED_STEP     (1ull << 32)	/* sources differ in every block */
#define COPY_POISON        0xccccccccccccccccull
#define COPY_FLIP_XOR      0x01	/* inject=copy-flip: one bit after a copy */
#define COPY_SKIP_NONE     UINT64_MAX

/* mt-busy: the load on the other CPUs. 16 MiB each is more than a
 * last-level cache share, so the load writes to memory; it counts its
 * bytes per 64 KiB chunk. Each phase (load alone, load with copies) lasts
 * at least COPY_BUSY_MIN_NS and at least one copy. */
#define COPY_LOAD_BYTES    (16 * MiB)
#define COPY_LOAD_CHUNK    (64 * KiB)
#define COPY_LOAD_PATTERN  0x5a5a5a5a5a5a5a5aull
#define COPY_BUSY_MIN_NS   (20 * 1000 * 1000ull)

enum { KMAP_SRC, KMAP_DST };	/* kmap slots, in copy_highpage's order */

static const char *const copy_variants[] = {
	"per4k", "bulk", "mt", "mt-concurrent", "mt-busy", NULL
};
static const char *const copy_injects[] = { "copy-flip", "copy-short", NULL };

static const uint64_t copy_default_sizes[] = { 2 * MiB, 1 * GiB };



/* One huge page size being measured. */
struct copy_size {
	struct exp_ctx *c;
	struct copy_exp *x;
	const struct copy_kernel *k;
	uint64_t bytes;
	uint64_t src_pa[COPY_MAX_INITIATORS], dst_pa[COPY_MAX_INITIATORS];
	unsigned nsrc, ndst;	/* buffers allocated (>= 1 each) */
	bool cross_node, aligned;
	unsigned bound_reps[MAX_CPUS + 1];	/* reps of the bound done, by t */
	uint64_t bound_best[MAX_CPUS + 1];	/* fastest bound, by t (0: none) */
	char kb[16];		/* the kernel's name, a result key */
	char why[160];		/* what the last check found wrong */
	uint64_t skip;		/* copy-short: page not copied, or SKIP_NONE */
	bool flip;
};

/* What every size of one run=copy shares. */
struct copy_exp {
	unsigned order[MAX_CPUS];	/* online CPUs, the caller first */
	uint64_t load_pa[MAX_CPUS];	/* mt-busy load buffers */
	struct job_stats stats;		/* ~64 KiB: never on a stack */
};

static struct copy_exp copy_exp;

static unsigned char *va(uint64_t pa)
{
	return phys_to_virt(pa);
}

static uint64_t src_seed(unsigned i)
{
	return COPY_SEED + i * COPY_SEED_STEP;
}

/* ---- copying ------------------------------------------------------------- */

/* Copies [a, b) of src to dst, leaving out the copy-short page. */
static void copy_span(const struct copy_size *cs, unsigned char *dst,
		      const unsigned char *src, uint64_t a, uint64_t b)
{
	uint64_t s = cs->skip;

	if (s >= a && s < b) {
		cs->k->fn(dst + a, src + a, s - a);
		a = MIN(s + PAGE_SIZE, b);
	}
	cs->k->fn(dst + a, src + a, b - a);
}

/* One copy split evenly over a gang: Zi Yan's copy_page_multithread()
 * shape (one piece per thread), pieces on COPY_MT_ALIGN boundaries. */
struct copy_job {
	const struct copy_size *cs;
	unsigned char *dst;
	const unsigned char *src;
};

static void copy_piece(void *arg, unsigned idx, unsigned n)
{
	struct copy_job *cj = arg;
	uint64_t a, b;

	piece_range(cj->cs->bytes, COPY_MT_ALIGN, idx, n, &a, &b);
	copy_span(cj->cs, cj->dst, cj->src, a, b);
}

/* Copies the first source to the first destination over cpus[0..n-1]. */
static uint64_t run_gang(const struct copy_size *cs, const unsigned *cpus,
			 unsigned n, bool barrier)
{
	struct copy_job cj = { cs, va(cs->dst_pa[0]), va(cs->src_pa[0]) };
	struct on_cpus w = { .fn = copy_piece, .arg = &cj, .cpus = cpus,
			     .n = n, .barrier = barrier, .what = "its piece of a copy" };

	return on_cpus_run(&w);
}

/* copy_highpage() per 4 KiB subpage, as folio_copy() loops: map source,
 * map destination, copy, unmap in reverse order, interrupts off around it
 * (kmap_atomic's section). */
static uint64_t run_per4k(const struct copy_size *cs)
{
	uint64_t t0 = now_ns();

	for (uint64_t off = 0; off < cs->bytes; off += PAGE_SIZE) {
		uint64_t flags = irq_save();
		void *s = kmap_slot(cs->src_pa[0] + off, KMAP_SRC);
		void *d = kmap_slot(cs->dst_pa[0] + off, KMAP_DST);

		if (off != cs->skip)
			cs->k->fn(d, s, PAGE_SIZE);
		kunmap_slot(KMAP_DST);
		kunmap_slot(KMAP_SRC);
		irq_restore(flags);
	}
	return now_ns() - t0;
}

static uint64_t run_bulk(const struct copy_size *cs)
{
	uint64_t t0 = now_ns();

	copy_span(cs, va(cs->dst_pa[0]), va(cs->src_pa[0]), 0, cs->bytes);
	return now_ns() - t0;
}

/* mt: the job engine's chunks; copy-short drops the chunk holding the
 * middle page (an engine losing one chunk). */
static void mt_chunk(uint64_t a, uint64_t b, void *arg)
{
	const struct copy_size *cs = arg;

	if (cs->skip >= a && cs->skip < b)
		return;
	cs->k->fn(va(cs->dst_pa[0]) + a, va(cs->src_pa[0]) + a, b - a);
}

static int run_mt(struct copy_size *cs, unsigned t, uint64_t *ns)
{
	struct job job = {
		.thread_fn = mt_chunk, .fn_arg = cs,
		.start = 0, .size = cs->bytes,
		.align = COPY_MT_ALIGN, .min_chunk = COPY_MT_MIN_CHUNK,
		.max_threads = t, .name = "copy",
		.mode = exp_engine_mode(cs->c, JOB_PADATA),
	};

	if (job_run(&job, &cs->x->stats))
		return -1;
	*ns = cs->x->stats.total_ns;
	return 0;
}

/* ---- checking and results --------------------------------------------- */

static void poison(const struct copy_size *cs, unsigned ndst)
{
	for (unsigned i = 0; i < ndst; i++)
		par_fill(va(cs->dst_pa[i]), cs->bytes, COPY_POISON);
}

/* After a run: the copy-flip fault, then each destination against the
 * source it copied (verify=on). True when all match; cs->why says what
 * did not. */
static bool check(struct copy_size *cs, unsigned ndst)
{
	for (unsigned i = 0; i < ndst; i++) {
		unsigned char *d = va(cs->dst_pa[i]);
		unsigned s = i < cs->nsrc ? i : 0;
		uint64_t bad;

		if (cs->flip)
			d[cs->bytes / 2] ^= COPY_FLIP_XOR;
		if (!exp_verify(cs->c))
			continue;
		bad = par_check_pattern(d, cs->bytes, src_seed(s));
		if (bad != BUFFER_MATCH) {
			ksnprintf(cs->why, sizeof(cs->why), "%lu-byte copy %u "
				  "differs from its source at offset %lu (0x%02x)",
				  cs->bytes, i, bad, d[bad]);
			return false;
		}
	}
	return true;
}

/* A record with the fields every copy result has; the caller adds its
 * own and ends it with exp_result_end(). */
static struct json *begin_result(struct copy_size *cs, struct exp_result *r,
				 bool ok)
{
	struct json *j;

	r->checked = exp_verify(cs->c);
	r->verified = ok;
	r->why = cs->why;
	r->bytes = r->bytes ? r->bytes : cs->bytes;
	exp_result_key(r, "kernel", cs->k->name);
	j = exp_result_begin(cs->c, r);
	json_u64(j, "page_bytes", cs->bytes);
	json_fixed(j, "gbps", r->ns ? r->bytes * 1000 / r->ns : 0, 3);
	json_bool(j, "cross_node", cs->cross_node);
	json_bool(j, "page_aligned", cs->aligned);
	return j;
}

/* ---- variants ------------------------------------------------------------ */

/* The bound for t threads: the chosen kernel over the direct map, pieces
 * started together (no start-up cost). Once per thread count and rep. */
static void do_bound(struct copy_size *cs, unsigned t, unsigned rep)
{
	struct exp_result r = { .variant = "bound", .threads = t, .rep = rep };
	bool ok;

	if (cs->bound_reps[t] > rep)
		return;
	cs->bound_reps[t] = rep + 1;
	poison(cs, 1);
	r.ns = run_gang(cs, cs->x->order, t, true);
	ok = check(cs, 1);
	if (!cs->bound_best[t] || r.ns < cs->bound_best[t])
		cs->bound_best[t] = r.ns;
	begin_result(cs, &r, ok);
	exp_result_end(cs->c, &r);
}

static void do_serial(struct copy_size *cs, bool per4k, unsigned rep)
{
	struct exp_result r = { .variant = per4k ? "per4k" : "bulk",
				.threads = 1, .rep = rep };
	bool ok;

	if (per4k && kmap_init()) {
		report(false, "per4k: no virtual range for kmap slots");
		return;
	}
	poison(cs, 1);
	r.ns = per4k ? run_per4k(cs) : run_bulk(cs);
	ok = check(cs, 1);
	begin_result(cs, &r, ok);
	exp_result_end(cs->c, &r);
}

static void do_mt(struct copy_size *cs, unsigned t, unsigned rep)
{
	struct exp_result r = { .variant = "mt", .threads = t, .rep = rep };
	struct json *j;
	bool ok;

	poison(cs, 1);
	if (run_mt(cs, t, &r.ns)) {
		report(false, "mt threads=%u: job rejected", t);
		return;
	}
	ok = check(cs, 1);
	if (ok && cs->x->stats.units != cs->bytes) {
		ksnprintf(cs->why, sizeof(cs->why), "the job did %lu of %lu "
			  "bytes", cs->x->stats.units, cs->bytes);
		ok = false;
	}
	r.threads_run = cs->x->stats.nthreads;
	j = begin_result(cs, &r, ok);
	json_u64(j, "requested_threads", t);
	json_str(j, "engine",
		 job_mode_name(exp_engine_mode(cs->c, JOB_PADATA)));
	json_u64(j, "chunks", cs->x->stats.chunks);
	json_u64(j, "chunk_bytes", cs->x->stats.plan.chunk);
	exp_result_end(cs->c, &r);
}

/* ---- mt-concurrent ------------------------------------------------------- */

struct copy_initiator {
	const struct copy_size *cs;
	unsigned idx;		/* which destination (and source) */
	const unsigned *cpus;	/* its group, itself first */
	unsigned n;
	uint64_t t0, t1;	/* absolute ns */
} __cacheline_aligned;

static struct {
	unsigned k, arrived;
	struct copy_initiator in[COPY_MAX_INITIATORS];
} conc;

/* Runs on each initiator: all start together, then each copies its own
 * page over its own group, paying its helpers' start-up like a real
 * migration would. */
static void initiator_fn(void *arg, unsigned g, unsigned n)
{
	struct copy_initiator *in = &conc.in[g];
	struct copy_job cj = { in->cs, va(in->cs->dst_pa[in->idx]),
			       va(in->cs->src_pa[in->idx < in->cs->nsrc ?
						 in->idx : 0]) };
	struct on_cpus gang = { .fn = copy_piece, .arg = &cj, .cpus = in->cpus,
				.n = in->n, .what = "its piece of a copy" };

	__atomic_fetch_add(&conc.arrived, 1, __ATOMIC_RELEASE);
	/* Pairs with the other initiators' increments. */
	while (__atomic_load_n(&conc.arrived, __ATOMIC_ACQUIRE) < conc.k)
		cpu_relax();
	in->t0 = now_ns();
	on_cpus_run(&gang);
	in->t1 = now_ns();
}

static uint64_t run_concurrent(const struct copy_size *cs, unsigned k,
			       unsigned t)
{
	uint64_t first = UINT64_MAX, last = 0;
	unsigned leads[COPY_MAX_INITIATORS];
	struct on_cpus w = { .fn = initiator_fn, .cpus = leads, .n = k,
			     .what = "its concurrent copy" };

	conc.k = k;
	conc.arrived = 0;
	for (unsigned g = 0; g < k; g++)
		conc.in[g] = (struct copy_initiator){ cs, g, &cs->x->order[g * t], t,
						      0, 0 };
	for (unsigned g = 0; g < k; g++)
		leads[g] = cs->x->order[g * t];
	on_cpus_run(&w);
	for (unsigned g = 0; g < k; g++) {
		first = MIN(first, conc.in[g].t0);
		last = MAX(last, conc.in[g].t1);
	}
	return last - first;
}

/* k copies need k destinations; k sources too when they fit, else the
 * initiators share one source (reads only). */
static bool conc_buffers(struct copy_size *cs, unsigned k)
{
	int nid = cs->cross_node ? 1 : -1;

	while (cs->ndst < k) {
		cs->dst_pa[cs->ndst] = exp_buf_alloc(cs->bytes, cs->bytes, nid);
		if (!cs->dst_pa[cs->ndst])
			return false;
		cs->ndst++;
	}
	while (cs->nsrc < k) {
		uint64_t pa = exp_buf_alloc(cs->bytes, cs->bytes,
					 cs->cross_node ? 0 : -1);

		if (!pa)
			break;
		cs->src_pa[cs->nsrc] = pa;
		par_fill_pattern(va(pa), cs->bytes, src_seed(cs->nsrc));
		cs->nsrc++;
	}
	return true;
}

static void emit_initiators(struct json *j, const struct copy_size *cs,
			    unsigned k)
{
	json_array_begin(j, "initiators");
	for (unsigned g = 0; g < k; g++) {
		const struct copy_initiator *in = &conc.in[g];
		uint64_t ns = in->t1 - in->t0;

		json_object_begin(j);
		json_u64(j, "cpu", in->cpus[0]);
		json_u64(j, "ns", ns);
		json_fixed(j, "gbps", ns ? cs->bytes * 1000 / ns : 0, 3);
		json_object_end(j);
	}
	json_array_end(j);
}

static void do_concurrent(struct copy_size *cs, unsigned t, unsigned rep)
{
	unsigned k = MIN(nr_cpus_online / t, COPY_MAX_INITIATORS);
	struct exp_result r = { .variant = "mt-concurrent", .threads = t,
				.threads_run = k * t, .rep = rep };
	uint64_t worst = 0;
	struct json *j;
	bool ok;

	if (k < 2) {
		if (!rep)
			exp_log(cs->c, "copy: mt-concurrent threads=%u: %u CPUs "
				"hold fewer than 2 groups, skipped\n", t,
				nr_cpus_online);
		if (!rep)
			report_skip("mt-concurrent threads=%u: fewer than 2 "
				    "groups of CPUs", t);
		return;
	}
	if (!conc_buffers(cs, k)) {
		if (!rep)
			exp_log(cs->c, "copy: mt-concurrent: %u destinations of "
				"%lu bytes do not fit, skipped\n", k, cs->bytes);
		report_skip("mt-concurrent threads=%u: no memory", t);
		return;
	}
	poison(cs, k);
	r.ns = run_concurrent(cs, k, t);
	r.bytes = k * cs->bytes;
	ok = check(cs, k);
	for (unsigned g = 0; g < k; g++)
		worst = MAX(worst, conc.in[g].t1 - conc.in[g].t0);
	ksnprintf(cs->kb, sizeof(cs->kb), "%u", k);
	exp_result_key(&r, "initiators", cs->kb);
	j = begin_result(cs, &r, ok);
	json_u64(j, "nr_initiators", k);
	json_u64(j, "worst_initiator_ns", worst);
	json_bool(j, "shared_source", cs->nsrc < k);
	emit_initiators(j, cs, k);
	exp_result_end(cs->c, &r);
}

/* ---- mt-busy ------------------------------------------------------------- */

enum load_phase { LOAD_WARM, LOAD_ALONE, LOAD_WITH_COPY, LOAD_STOP,
		  LOAD_NR_PHASES };

struct load_cpu {
	unsigned char *buf;
	uint64_t bytes[LOAD_NR_PHASES];
} __cacheline_aligned;

/* The run's shared state. The boot CPU is load CPU 0 and keeps the alone
 * phase's clock; the copier (an AP) halts until the copy phase begins,
 * then ends it. Nobody spins in the alone phase: under TCG a spinning vCPU
 * takes host CPU time from the load (a pause loop leaves the translated
 * code each time; a plain loop competes for the core's execution units),
 * so "alone" would not be alone. */
static struct {
	unsigned phase, started, nload;
	uint64_t d;			/* least length of each phase */
	uint64_t t_alone, t_with, t_stop; /* phase starts, by whoever switched */
	uint32_t copier_apic;
	const struct copy_size *cs;
	const unsigned *copy_cpus;	/* the copier first */
	unsigned t;
	uint64_t copy_ns, copies;
	struct load_cpu cpu[MAX_CPUS];
} busy;

static void set_phase(unsigned ph)
{
	/* Pairs with the acquire loads of busy.phase. */
	__atomic_store_n(&busy.phase, ph, __ATOMIC_RELEASE);
}

static unsigned get_phase(void)
{
	return __atomic_load_n(&busy.phase, __ATOMIC_ACQUIRE);
}

/* Load CPU 0's clock: alone once every load CPU runs, copying after d. */
static void busy_lead(unsigned ph)
{
	uint64_t now = now_ns();

	if (ph == LOAD_WARM &&
	    __atomic_load_n(&busy.started, __ATOMIC_ACQUIRE) == busy.nload) {
		busy.t_alone = now;
		set_phase(LOAD_ALONE);
	} else if (ph == LOAD_ALONE && now - busy.t_alone >= busy.d) {
		busy.t_with = now;
		set_phase(LOAD_WITH_COPY);
		lapic_send_ipi(busy.copier_apic, VEC_IPI_CALL);
	}
}

/* The memory-bound load: rep stosq (Linux's clear_page) through its own
 * buffer, 64 KiB at a time, counting bytes in the phase it saw. */
static void load_fn(void *arg, unsigned idx)
{
	struct load_cpu *lc = &busy.cpu[idx];
	uint64_t off = 0;

	__atomic_fetch_add(&busy.started, 1, __ATOMIC_RELEASE);
	for (;;) {
		unsigned ph = get_phase();

		if (ph == LOAD_STOP)
			break;
		if (!idx)
			busy_lead(ph);
		fill_stosq(lc->buf + off, COPY_LOAD_PATTERN, COPY_LOAD_CHUNK);
		lc->bytes[ph] += COPY_LOAD_CHUNK;
		off = (off + COPY_LOAD_CHUNK) % COPY_LOAD_BYTES;
	}
}

/* Halts (an AP: only IPIs arrive) until the copy phase. */
static void halt_until_copy(void)
{
	uint64_t flags = irq_save();

	for (;;) {
		irq_disable();
		if (get_phase() >= LOAD_WITH_COPY)
			break;
		/* sti's one-instruction shadow covers hlt: an IPI sent after
		 * the check still wakes us. */
		asm volatile("sti; hlt" ::: "memory");
	}
	irq_restore(flags);
}

/* The copier: copies back to back over its gang for at least d. */
static void copier_fn(void *arg, unsigned idx)
{
	halt_until_copy();
	do {
		busy.copy_ns += run_gang(busy.cs, busy.copy_cpus, busy.t, false);
		busy.copies++;
	} while (now_ns() - busy.t_with < busy.d);
	busy.t_stop = now_ns();
	set_phase(LOAD_STOP);
}

static bool load_buffers(struct copy_exp *x, unsigned nload)
{
	for (unsigned i = 0; i < nload; i++) {
		if (!x->load_pa[i]) {
			x->load_pa[i] = exp_buf_alloc(COPY_LOAD_BYTES, HPAGE_SIZE, -1);
			if (!x->load_pa[i])
				return false;
			/* Touch it once: under TCG the host backs guest
			 * memory at first write, which the load must not
			 * time. */
			par_fill(va(x->load_pa[i]), COPY_LOAD_BYTES, 0);
		}
		busy.cpu[i].buf = va(x->load_pa[i]);
	}
	return true;
}

/* The load on the first nload CPUs of the run's order (the boot CPU first), the
 * copy on the next t. */
/* Pieces 0..nload-1 are the load, piece nload the copier (which then runs
 * its own copies' gang). */
static void busy_piece(void *arg, unsigned idx, unsigned n)
{
	if (idx + 1 < n)
		load_fn(arg, idx);
	else
		copier_fn(arg, 0);
}

static void run_busy(const struct copy_size *cs, unsigned t, unsigned nload,
		     uint64_t d)
{
	const unsigned *load_cpus = cs->x->order, *copy_cpus = &cs->x->order[nload];
	unsigned cpus[MAX_CPUS];
	struct on_cpus w = { .fn = busy_piece, .cpus = cpus, .n = nload + 1,
			     .what = "its mt-busy load or copies" };

	busy.started = 0;
	busy.nload = nload;
	busy.d = d;
	busy.cs = cs;
	busy.copy_cpus = copy_cpus;
	busy.t = t;
	busy.copy_ns = busy.copies = 0;
	busy.copier_apic = smp_cpu(copy_cpus[0])->apic_id;
	for (unsigned i = 0; i < nload; i++)
		for (unsigned p = 0; p < LOAD_NR_PHASES; p++)
			busy.cpu[i].bytes[p] = 0;
	set_phase(LOAD_WARM);
	for (unsigned i = 0; i < nload; i++)
		cpus[i] = load_cpus[i];
	cpus[nload] = copy_cpus[0];
	on_cpus_run(&w);
}

static uint64_t load_gbps_milli(unsigned nload, enum load_phase ph,
				uint64_t ns)
{
	uint64_t bytes = 0;

	for (unsigned i = 0; i < nload; i++)
		bytes += busy.cpu[i].bytes[ph];
	return ns ? bytes * 1000 / ns : 0;
}

static void do_busy(struct copy_size *cs, unsigned t, unsigned rep)
{
	unsigned nload = nr_cpus_online / 2;
	uint64_t d = MAX(COPY_BUSY_MIN_NS, cs->bound_best[t]);
	struct exp_result r = { .variant = "mt-busy", .threads = t, .rep = rep };
	uint64_t alone, with;
	struct json *j;
	bool ok;

	if (!nload || t > nr_cpus_online - nload) {
		if (!rep)
			exp_log(cs->c, "copy: mt-busy threads=%u: %u CPUs leave "
				"fewer than %u idle beside the load, skipped\n",
				t, nr_cpus_online, t);
		if (!rep)
			report_skip("mt-busy threads=%u: too few CPUs beside "
				    "the load", t);
		return;
	}
	if (!load_buffers(cs->x, nload)) {
		if (!rep)
			report_skip("mt-busy: no memory for the load");
		return;
	}
	poison(cs, 1);
	run_busy(cs, t, nload, d);
	r.ns = busy.copy_ns / busy.copies;
	alone = load_gbps_milli(nload, LOAD_ALONE, busy.t_with - busy.t_alone);
	with = load_gbps_milli(nload, LOAD_WITH_COPY,
			       busy.t_stop - busy.t_with);
	ok = check(cs, 1);
	j = begin_result(cs, &r, ok);
	json_u64(j, "copies", busy.copies);
	json_u64(j, "load_cpus", nload);
	json_fixed(j, "load_gbps_alone", alone, 3);
	json_fixed(j, "load_gbps_with_copy", with, 3);
	exp_result_end(cs->c, &r);
	exp_log(cs->c, "copy: mt-busy threads=%u: load on %u CPUs %lu -> %lu "
		"MB/s while copying\n", t, nload, alone, with);
}

/* ---- one size ------------------------------------------------------------ */

static int node_of(uint64_t pa)
{
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);

		if (pa >= r->base && pa - r->base < r->size)
			return r->nid;
	}
	return MEMBLOCK_NID_NONE;
}

/* Source on node 0 and destination on node 1 when there are nodes; huge
 * page aligned when memblock has such room, else 2 MiB aligned. */
static bool size_buffers(struct copy_size *cs)
{
	bool numa = cs->c->m->nodes >= 2;

	cs->src_pa[0] = exp_buf_alloc(cs->bytes, cs->bytes, numa ? 0 : -1);
	cs->dst_pa[0] = exp_buf_alloc(cs->bytes, cs->bytes, numa ? 1 : -1);
	if (numa && cs->src_pa[0] && !cs->dst_pa[0])
		cs->dst_pa[0] = exp_buf_alloc(cs->bytes, cs->bytes, -1);
	if (!cs->src_pa[0] || !cs->dst_pa[0]) {
		exp_buf_free(cs->src_pa[0], cs->bytes);
		exp_buf_free(cs->dst_pa[0], cs->bytes);
		return false;
	}
	cs->nsrc = cs->ndst = 1;
	cs->cross_node = node_of(cs->src_pa[0]) != node_of(cs->dst_pa[0]);
	cs->aligned = !((cs->src_pa[0] | cs->dst_pa[0]) & (cs->bytes - 1));
	par_fill_pattern(va(cs->src_pa[0]), cs->bytes, src_seed(0));
	return true;
}

static void size_free(struct copy_size *cs)
{
	for (unsigned i = 0; i < cs->nsrc; i++)
		exp_buf_free(cs->src_pa[i], cs->bytes);
	for (unsigned i = 0; i < cs->ndst; i++)
		exp_buf_free(cs->dst_pa[i], cs->bytes);
}

static void log_size(const struct copy_size *cs)
{
	exp_log(cs->c, "copy: %lu KiB page, kernel %s, %s\n", cs->bytes / KiB,
		cs->k->name, cs->cross_node ? "cross-node" : "one node");
}

/* Every variant once; the bound first, since mt-busy sizes its phases by
 * it. */
static void copy_one_rep(struct exp_ctx *c, struct copy_size *cs,
			 unsigned rep)
{
	for (unsigned i = 0; i < c->nthreads; i++)
		do_bound(cs, c->threads[i], rep);
	if (exp_variant_on(c, "per4k"))
		do_serial(cs, true, rep);
	if (exp_variant_on(c, "bulk"))
		do_serial(cs, false, rep);
	for (unsigned i = 0; i < c->nthreads; i++) {
		unsigned t = c->threads[i];

		if (exp_variant_on(c, "mt"))
			do_mt(cs, t, rep);
		if (exp_variant_on(c, "mt-concurrent"))
			do_concurrent(cs, t, rep);
		if (exp_variant_on(c, "mt-busy"))
			do_busy(cs, t, rep);
	}
}

static void copy_one_size(struct exp_ctx *c, struct copy_exp *x,
			  const struct copy_kernel *k, uint64_t bytes)
{
	static struct copy_size cs;

	cs = (struct copy_size){ .c = c, .x = x, .k = k, .bytes = bytes };
	cs.skip = exp_inject(c, "copy-short") ?
		  ALIGN_DOWN(bytes / 2, PAGE_SIZE) : COPY_SKIP_NONE;
	cs.flip = exp_inject(c, "copy-flip");
	if (!size_buffers(&cs)) {
		exp_log(c, "copy: %lu bytes twice do not fit in free memory, "
			"skipped\n", bytes);
		report_skip("%lu-byte copy: no memory", bytes);
		return;
	}
	log_size(&cs);
	/* Reps outermost: a slow drift (the host settling its memory after
	 * the first touch) then shifts every variant alike. */
	for (unsigned rep = 0; rep < exp_reps(c); rep++)
		copy_one_rep(c, &cs, rep);
	size_free(&cs);
}

static void copy_run(struct exp_ctx *c)
{
	const struct cmdline_value *v = exp_param(c, "sizes");
	const uint64_t *sizes = v->set ? v->v : copy_default_sizes;
	unsigned n = v->set ? v->n : ARRAY_SIZE(copy_default_sizes);
	const struct copy_kernel *k = kernel_select_copy(c);
	struct copy_exp *x = &copy_exp;

	if (!k)
		return;
	cpu_set_all(x->order, true);
	for (unsigned i = 0; i < n; i++)
		copy_one_size(c, x, k, sizes[i]);
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		exp_buf_free(x->load_pa[i], COPY_LOAD_BYTES);
		x->load_pa[i] = 0;
	}
}

static const struct cmdline_param *const copy_params[] = {
	&param_sizes, &param_kernel, NULL,
};

const struct experiment exp_copy = {
	.name = "copy",
	.summary = "huge page copy: per-4K kmap vs bulk vs multithreaded "
		   "(parallel page migration, 2017)",
	.variants = copy_variants,
	.injects = copy_injects,
	.params = copy_params,
	.in_default = true,
	.run = copy_run,
};
