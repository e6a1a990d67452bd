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
#include "experiments/json.h"
#include "experiments/memk_select.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tsc.h"
#include "lib/report.h"
#include "smp/job.h"
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
};

static struct {
	struct zero_size zs;
	unsigned order[MAX_CPUS];	/* online CPUs, the caller first */
	struct memk_table table;
	struct json j;
	struct job_stats stats;		/* ~64 KiB: never on a stack */
} X;

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

	memk_piece(zs->bytes, ZERO_PAGE, idx, n, &a, &b);
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

	if (job_run(&job, &X.stats))
		return -1;
	*ns = X.stats.total_ns;
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
	struct memk_gang g = { .fn = zero_piece, .arg = zs, .cpus = X.order,
			       .n = t, .barrier = true };

	return memk_gang_run(&g);
}

/* True when the buffer is all zero (verify=off: false, not checked). */
static bool check(const struct zero_size *zs, const char *variant,
		  unsigned threads)
{
	uint64_t bad;

	if (!exp_verify(zs->c))
		return false;
	bad = memk_par_check_zero(zs->buf, zs->bytes);
	if (bad == BUFFER_MATCH)
		return report(true, "%s threads=%u: %lu bytes zero", variant,
			      threads, zs->bytes);
	return report(false, "%s threads=%u: byte %lu of %lu is 0x%02x, not "
		      "zero", variant, threads, bad, zs->bytes, zs->buf[bad]);
}

enum zero_how { ZERO_SERIAL, ZERO_MT, ZERO_BOUND };

/* One variant at one thread count, once: poison, clear, check, one JSON
 * line. */
static int measure(struct zero_size *zs, const char *variant,
		   enum zero_how how, const struct fill_kernel *k, unsigned t,
		   unsigned rep)
{
	struct memk_result r = {
		.variant = variant, .threads = t, .bytes = zs->bytes,
		.page_bytes = ZERO_PAGE, .kernel = k->name, .rep = rep,
	};

	zs->k = k;
	memk_par_fill(zs->buf, zs->bytes, ZERO_POISON);
	if (how == ZERO_MT && run_mt(zs, t, &r.ns)) {
		report(false, "%s threads=%u: job rejected", variant, t);
		return -1;
	}
	if (how == ZERO_SERIAL)
		r.ns = run_serial(zs);
	else if (how == ZERO_BOUND)
		r.ns = run_bound(zs, t);
	r.verified = check(zs, variant, t);
	if (how == ZERO_MT) {
		r.verified = r.verified && X.stats.units == zs->bytes;
		r.threads = X.stats.nthreads;
	}
	memk_json_begin(&X.j, zs->c, &r);
	json_bool(&X.j, "nt", memk_fill_is_nt(k));
	if (how == ZERO_MT) {
		json_u64(&X.j, "requested_threads", t);
		json_str(&X.j, "engine",
			 job_mode_name(exp_engine_mode(zs->c, JOB_PADATA)));
		json_u64(&X.j, "chunks", X.stats.chunks);
	}
	json_end(&X.j);
	memk_table_record(&X.table, variant, t, t, zs->bytes, r.ns, r.verified);
	return r.verified || !exp_verify(zs->c) ? 0 : -1;
}

/* Every variant once, the bound first. */
static int zero_one_rep(struct zero_size *zs, const struct fill_kernel *cached,
			const struct fill_kernel *nt, unsigned rep)
{
	const struct exp_ctx *c = zs->c;
	const struct fill_kernel *best = memk_fastest_fill(cached, nt);
	int rc = 0;

	for (unsigned i = 0; i < c->nthreads; i++)
		rc |= measure(zs, "bound", ZERO_BOUND, best, c->threads[i], rep);
	if (exp_variant_on(c, "serial"))
		rc |= measure(zs, "serial", ZERO_SERIAL, cached, 1, rep);
	if (nt && exp_variant_on(c, "serial-nt"))
		rc |= measure(zs, "serial-nt", ZERO_SERIAL, nt, 1, rep);
	for (unsigned i = 0; i < c->nthreads; i++) {
		unsigned t = c->threads[i];

		if (exp_variant_on(c, "mt"))
			rc |= measure(zs, "mt", ZERO_MT, cached, t, rep);
		if (nt && exp_variant_on(c, "mt-nt"))
			rc |= measure(zs, "mt-nt", ZERO_MT, nt, t, rep);
	}
	return rc;
}

static int zero_one_size(struct exp_ctx *c, uint64_t bytes,
			 const struct fill_kernel *cached,
			 const struct fill_kernel *nt)
{
	struct zero_size *zs = &X.zs;
	int rc = 0;

	if (!bytes || bytes % PAGE_SIZE) {
		exp_log(c, "zero: size %lu is not a multiple of 4 KiB, skipped\n",
			bytes);
		return 0;
	}
	*zs = (struct zero_size){ .c = c, .bytes = bytes };
	zs->pa = memk_alloc(bytes, bytes >= GPAGE_SIZE ? GPAGE_SIZE : ZERO_PAGE,
			    -1);
	if (!zs->pa) {
		exp_log(c, "zero: %lu bytes do not fit in free memory, "
			"skipped\n", bytes);
		report_skip("%lu-byte clear: no memory", bytes);
		return 0;
	}
	zs->buf = phys_to_virt(zs->pa);
	zs->skip = exp_inject(c, "zero-skip") ?
		   ALIGN_DOWN(bytes / 2, ZERO_PAGE) : ZERO_SKIP_NONE;
	memk_table_reset(&X.table, bytes);
	/* Reps outermost, as in run=copy: drift shifts every variant alike. */
	for (unsigned rep = 0; rep < exp_reps(c); rep++)
		rc |= zero_one_rep(zs, cached, nt, rep);
	exp_log(c, "zero: %lu KiB in %lu KiB pages, kernels %s / %s, best of "
		"%u:\n", bytes / KiB, (uint64_t)(ZERO_PAGE / KiB), cached->name,
		nt ? nt->name : "-", exp_reps(c));
	memk_table_print(c, &X.table);
	memk_free(zs->pa, bytes);
	return rc;
}

static int zero_run(struct exp_ctx *c)
{
	const uint64_t *sizes = c->opts->nsizes ? c->opts->sizes
						: zero_default_sizes;
	unsigned n = c->opts->nsizes ? c->opts->nsizes
				     : ARRAY_SIZE(zero_default_sizes);
	const struct fill_kernel *cached, *nt;
	int rc = 0;

	if (memk_select_fill(c, &cached, &nt))
		return -1;
	X.order[0] = smp_this_cpu();
	for (unsigned i = 0, m = 1; i < nr_cpus_online; i++)
		if (i != X.order[0])
			X.order[m++] = i;
	for (unsigned i = 0; i < n; i++)
		rc |= zero_one_size(c, sizes[i], cached, nt);
	return rc;
}

const struct experiment exp_zero = {
	.name = "zero",
	.summary = "huge page clearing: serial vs multithreaded, cached vs "
		   "non-temporal stores",
	.variants = zero_variants,
	.injects = zero_injects,
	.in_default = true,
	.run = zero_run,
};
