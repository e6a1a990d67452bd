/* run=zero: clearing huge pages, what hugetlb fallocate and the boot-time
 * hugetlb pool do before a page is handed out (docs/copy.md). sizes= gives
 * the bytes to clear (default 1 GiB), taken as 2 MiB huge pages:
 *   serial      one CPU, one fill call per huge page, cached stores;
 *   serial-nt   the same with non-temporal stores;
 *   mt, mt-nt   the pages shared out by the job engine (padata's rules
 *               unless engine= says otherwise), whole pages per chunk as
 *               padata hands hugetlb pages to its threads.
 * Each is compared with the bound: the fastest fill kernel on the same
 * bytes and threads, pieces started together. Every clear is checked
 * (buffer_check_zero after the buffer was poisoned); inject=zero-skip
 * leaves one page uncleared and must make the check fail. */
#include "experiments/experiment.h"
#include "experiments/buffers.h"
#include "experiments/kernel_select.h"
#include "experiments/par_buffer.h"
#include "experiments/params.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "smp/job.h"
#include "smp/on_cpus.h"
#include "smp/smp.h"

#define ZERO_PAGE       HPAGE_SIZE	/* the huge page being cleared */
#define ZERO_POISON     0xccccccccccccccccull
#define ZERO_SKIP_NONE  UINT64_MAX

static const char *const zero_variants[] = {
	"serial", "mt", "serial-nt", "mt-nt", NULL
};
static const char *const zero_injects[] = { "zero-skip", NULL };

static const uint64_t zero_default_sizes[] = { 1 * GiB };

struct zero_size {
	struct exp_ctx *c;
	uint64_t bytes, pa;
	unsigned char *buf;
	uint64_t skip;			/* zero-skip: page left, or SKIP_NONE */
	const struct fill_kernel *k;	/* the current run's kernel */
	char why[128];			/* what the last check found wrong */
	unsigned order[MAX_CPUS];	/* online CPUs, the caller first */
	struct job_stats stats;		/* of the last mt run */
};

static struct zero_size zero_size;	/* ~64 KiB of job stats: not on a stack */

/* Clears the huge pages in [a, b) one fill call each, leaving out the
 * zero-skip page. a is page aligned; the last page may be short. */
static void clear_pages(const struct zero_size *zs, uint64_t a, uint64_t b)
{
	for (uint64_t off = a; off < b; off += ZERO_PAGE)
		if (off != zs->skip)
			zs->k->fn(zs->buf + off, 0, MIN(ZERO_PAGE, b - off));
}

static void zero_chunk(uint64_t a, uint64_t b, void *arg)
{
	clear_pages(arg, a, b);
}

static void zero_piece(void *arg, unsigned idx, unsigned n)
{
	const struct zero_size *zs = arg;
	uint64_t a, b;

	piece_range(zs->bytes, ZERO_PAGE, idx, n, &a, &b);
	clear_pages(zs, a, b);
}

/* units are bytes; align = min_chunk = one huge page, so a thread always
 * clears whole pages. */
static int run_mt(struct zero_size *zs, unsigned t, uint64_t *ns)
{
	struct job job = {
		.thread_fn = zero_chunk, .fn_arg = zs,
		.start = 0, .size = zs->bytes,
		.align = ZERO_PAGE, .min_chunk = ZERO_PAGE,
		.max_threads = t, .name = "zero",
		.mode = exp_engine_mode(zs->c, JOB_PADATA),
	};

	if (job_run(&job, &zs->stats))
		return -1;
	*ns = zs->stats.total_ns;
	return 0;
}

static uint64_t run_serial(struct zero_size *zs)
{
	uint64_t t0 = now_ns();

	clear_pages(zs, 0, zs->bytes);
	return now_ns() - t0;
}

static uint64_t run_bound(struct zero_size *zs, unsigned t)
{
	struct on_cpus w = { .fn = zero_piece, .arg = zs, .cpus = zs->order,
			     .n = t, .barrier = true, .what = "its piece of a clear" };

	return on_cpus_run(&w);
}

/* True when the buffer is all zero; zs->why says where it is not. */
static bool check(struct zero_size *zs)
{
	uint64_t bad = par_check_zero(zs->buf, zs->bytes);

	if (bad == BUFFER_MATCH)
		return true;
	ksnprintf(zs->why, sizeof(zs->why), "byte %lu of %lu is 0x%02x, not "
		  "zero", bad, zs->bytes, zs->buf[bad]);
	return false;
}

enum zero_how { ZERO_SERIAL, ZERO_MT, ZERO_BOUND };

/* One variant at one thread count, once: poison, clear, check, one
 * result. */
static void measure(struct zero_size *zs, const char *variant,
		    enum zero_how how, const struct fill_kernel *k, unsigned t,
		    unsigned rep)
{
	struct exp_result r = { .variant = variant, .threads = t,
				.bytes = zs->bytes, .rep = rep,
				.checked = exp_verify(zs->c), .why = zs->why };
	struct json *j;

	zs->k = k;
	par_fill(zs->buf, zs->bytes, ZERO_POISON);
	if (how == ZERO_MT && run_mt(zs, t, &r.ns)) {
		report(false, "%s threads=%u: job rejected", variant, t);
		return;
	}
	if (how == ZERO_SERIAL)
		r.ns = run_serial(zs);
	else if (how == ZERO_BOUND)
		r.ns = run_bound(zs, t);
	r.verified = r.checked && check(zs);
	if (how == ZERO_MT) {
		r.verified = r.verified && zs->stats.units == zs->bytes;
		r.threads_run = zs->stats.nthreads;
	}
	exp_result_key(&r, "kernel", k->name);
	j = exp_result_begin(zs->c, &r);
	json_u64(j, "page_bytes", ZERO_PAGE);
	json_fixed(j, "gbps", r.ns ? r.bytes * 1000 / r.ns : 0, 3);
	json_bool(j, "nt", fill_kernel_is_nt(k));
	if (how == ZERO_MT) {
		json_u64(j, "requested_threads", t);
		json_str(j, "engine",
			 job_mode_name(exp_engine_mode(zs->c, JOB_PADATA)));
		json_u64(j, "chunks", zs->stats.chunks);
	}
	exp_result_end(zs->c, &r);
}

/* Every variant once, the bound first. */
static void zero_one_rep(struct zero_size *zs, const struct fill_kernel *cached,
			 const struct fill_kernel *nt, unsigned rep)
{
	const struct exp_ctx *c = zs->c;
	const struct fill_kernel *best = kernel_fastest_fill(cached, nt);

	for (unsigned i = 0; i < c->nthreads; i++)
		measure(zs, "bound", ZERO_BOUND, best, c->threads[i], rep);
	if (exp_variant_on(c, "serial"))
		measure(zs, "serial", ZERO_SERIAL, cached, 1, rep);
	if (nt && exp_variant_on(c, "serial-nt"))
		measure(zs, "serial-nt", ZERO_SERIAL, nt, 1, rep);
	for (unsigned i = 0; i < c->nthreads; i++) {
		unsigned t = c->threads[i];

		if (exp_variant_on(c, "mt"))
			measure(zs, "mt", ZERO_MT, cached, t, rep);
		if (nt && exp_variant_on(c, "mt-nt"))
			measure(zs, "mt-nt", ZERO_MT, nt, t, rep);
	}
}

static void zero_one_size(struct exp_ctx *c, uint64_t bytes,
			  const struct fill_kernel *cached,
			  const struct fill_kernel *nt)
{
	struct zero_size *zs = &zero_size;

	zs->c = c;
	zs->bytes = bytes;
	zs->pa = exp_buf_alloc(bytes, bytes >= GPAGE_SIZE ? GPAGE_SIZE : ZERO_PAGE,
			       -1);
	if (!zs->pa) {
		exp_log(c, "zero: %lu bytes do not fit in free memory, "
			"skipped\n", bytes);
		report_skip("%lu-byte clear: no memory", bytes);
		return;
	}
	zs->buf = phys_to_virt(zs->pa);
	zs->skip = exp_inject(c, "zero-skip") ?
		   ALIGN_DOWN(bytes / 2, ZERO_PAGE) : ZERO_SKIP_NONE;
	exp_log(c, "zero: %lu KiB in %lu KiB pages, kernels %s / %s\n",
		bytes / KiB, (uint64_t)(ZERO_PAGE / KiB), cached->name,
		nt ? nt->name : "-");
	/* Reps outermost, as in run=copy: drift shifts every variant alike. */
	for (unsigned rep = 0; rep < exp_reps(c); rep++)
		zero_one_rep(zs, cached, nt, rep);
	exp_buf_free(zs->pa, bytes);
}

static void zero_run(struct exp_ctx *c)
{
	const struct cmdline_value *v = exp_param(c, "sizes");
	const uint64_t *sizes = v->set ? v->v : zero_default_sizes;
	unsigned n = v->set ? v->n : ARRAY_SIZE(zero_default_sizes);
	const struct fill_kernel *cached, *nt;

	if (kernel_select_fill(c, &cached, &nt))
		return;
	cpu_set_all(zero_size.order, true);
	for (unsigned i = 0; i < n; i++)
		zero_one_size(c, sizes[i], cached, nt);
}

static const struct cmdline_param *const zero_params[] = {
	&param_sizes, &param_kernel, NULL,
};

const struct experiment exp_zero = {
	.name = "zero",
	.summary = "huge page clearing: serial vs multithreaded, cached vs "
		   "non-temporal stores",
	.variants = zero_variants,
	.injects = zero_injects,
	.params = zero_params,
	.in_default = true,
	.run = zero_run,
};
