/* run=fillsum: the teaching experiment, and the template that
 * `tools/new-experiment NAME` copies (docs/writing-an-experiment.md walks
 * through it). It fills a buffer with a known pattern and checksums it,
 * block by block, on one CPU and on many through the job engine, against
 * the bound of merely storing the same bytes:
 *
 *   serial  mm/blocksum.h's fill on the calling CPU;
 *   mt      the same blocks handed out by the job engine (padata's rules
 *           unless engine= says otherwise), partial sums added up;
 *   bound   no algorithm: the same threads fill the same bytes with the
 *           fastest fill kernel, the floor for any fill.
 *
 * Every run is checked (verify=on): each block must hold its pattern and
 * the run's sum must equal the sum of what is in memory.
 * inject=fillsum-skip makes the algorithm leave one block unfilled, which
 * the check must catch (tools/qemu-tests generates the case that shows it
 * does: exp-fillsum-inject-fillsum-skip).
 *
 * An experiment only drives: the algorithm lives in mm/blocksum.c, with
 * host tests in tests/host/test_blocksum.c. */
#include "experiments/experiment.h"
#include "experiments/buffers.h"
#include "experiments/kernel_select.h"
#include "experiments/par_buffer.h"
#include "arch/x86_64/mmu.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/blocksum.h"
#include "smp/job.h"

#define FILLSUM_SEED 0xf1115eedull

/* Its own keys: the buffer size. Keys are global names on the command
 * line, so they carry the experiment's name. */
static const struct cmdline_param fillsum_bytes = {
	.name = "fillsum-bytes", .type = CMDLINE_SIZE, .max_items = 1,
	.lo = BLOCKSUM_BLOCK, .hi = 64 * GiB, .align = BLOCKSUM_BLOCK,
	.dflt = "64M", .help = "bytes to fill and checksum (fillsum)",
};
static const struct cmdline_param *const fillsum_params[] = {
	&fillsum_bytes, NULL,
};
static const char *const fillsum_variants[] = { "serial", "mt", "bound", NULL };
static const char *const fillsum_injects[] = { "fillsum-skip", NULL };

/* One run=fillsum: what its steps share, passed by pointer. */
struct fillsum {
	struct exp_ctx *c;
	unsigned char *buf;
	uint64_t pa, bytes;
	uint64_t skip;			/* inject: block left unfilled */
	const struct fill_kernel *fill;	/* the bound's kernel */
	uint64_t sum;			/* the job's sum, added by its threads */
	bool touched;			/* the buffer was written since boot */
	char why[96];			/* what the check found wrong */
	struct job_stats stats;		/* ~55 KiB: never on a stack */
};

static struct fillsum fillsum_state;

/* The job's thread_fn: blocks [a, b), its partial sum added to the total. */
static void fill_blocks(uint64_t a, uint64_t b, void *arg)
{
	struct fillsum *fs = arg;
	uint64_t part = blocksum_fill(fs->buf, fs->bytes, a, b, FILLSUM_SEED,
				      fs->skip);

	__atomic_fetch_add(&fs->sum, part, __ATOMIC_RELAXED);
}

/* The bound's thread_fn: the same blocks, stores only. */
static void store_blocks(uint64_t a, uint64_t b, void *arg)
{
	struct fillsum *fs = arg;
	uint64_t off = a * BLOCKSUM_BLOCK;
	uint64_t end = MIN(b * BLOCKSUM_BLOCK, fs->bytes);

	fs->fill->fn(fs->buf + off, FILLSUM_SEED, end - off);
}

/* Runs one job over every block; units are blocks. serial is the same job
 * with one thread in JOB_SERIAL mode. Returns 0, or -1 if the engine
 * refused the job. */
static int run_job(struct fillsum *fs, const char *variant, unsigned threads)
{
	bool bound = !strcmp(variant, "bound");
	struct job job = {
		.thread_fn = bound ? store_blocks : fill_blocks, .fn_arg = fs,
		.start = 0, .size = blocksum_blocks(fs->bytes),
		/* Chunks of 16 blocks (1 MiB): enough to balance, few enough
		 * that a claim costs nothing next to filling them. */
		.align = 1, .min_chunk = 16,
		.max_threads = threads, .name = "fillsum",
		.mode = !strcmp(variant, "serial") ? JOB_SERIAL :
			exp_engine_mode(fs->c, JOB_PADATA),
	};

	fs->sum = 0;
	return job_run(&job, &fs->stats);
}

/* The check, outside the timing: every block holds its pattern and the
 * job's sum is the sum of what is in memory. The bound stores a constant,
 * so for it only the stats are checked. */
static bool check(struct fillsum *fs, const char *variant)
{
	uint64_t sum, bad;

	if (fs->stats.units != blocksum_blocks(fs->bytes)) {
		ksnprintf(fs->why, sizeof(fs->why), "the job did %lu of %lu "
			  "blocks", fs->stats.units, blocksum_blocks(fs->bytes));
		return false;
	}
	if (!strcmp(variant, "bound"))
		return true;
	bad = blocksum_check(fs->buf, fs->bytes, FILLSUM_SEED, &sum);
	if (bad != BLOCKSUM_NONE)
		ksnprintf(fs->why, sizeof(fs->why), "block %lu does not hold "
			  "its pattern", bad);
	else if (sum != fs->sum)
		ksnprintf(fs->why, sizeof(fs->why), "job sum %#lx, memory sum "
			  "%#lx", fs->sum, sum);
	return bad == BLOCKSUM_NONE && sum == fs->sum;
}

/* One measurement: clear, run, check, one result record. */
static void measure(struct fillsum *fs, const char *variant, unsigned threads,
		    unsigned rep)
{
	struct exp_result r = { .variant = variant, .threads = threads,
				.bytes = fs->bytes, .rep = rep, .cold = !fs->touched,
				.checked = exp_verify(fs->c), .why = fs->why };
	struct json *j;

	/* Zeroed on all CPUs first, so no run finds the last one's bytes. */
	if (fs->touched)
		par_fill(fs->buf, fs->bytes, 0);
	fs->touched = true;
	if (run_job(fs, variant, threads)) {
		report(false, "%s threads=%u: the engine refused the job",
		       variant, threads);
		return;
	}
	r.ns = fs->stats.total_ns;
	r.threads_run = fs->stats.nthreads;
	r.verified = r.checked && check(fs, variant);
	j = exp_result_begin(fs->c, &r);
	json_u64(j, "blocks", blocksum_blocks(fs->bytes));
	json_u64(j, "chunks", fs->stats.chunks);
	json_u64(j, "sum", fs->sum);
	exp_result_end(fs->c, &r);
}

static bool setup(struct fillsum *fs, struct exp_ctx *c)
{
	const struct fill_kernel *cached, *nt;

	memset(fs, 0, sizeof(*fs));
	fs->c = c;
	fs->bytes = exp_param(c, "fillsum-bytes")->v[0];
	fs->skip = exp_inject(c, "fillsum-skip") ?
		   blocksum_blocks(fs->bytes) / 2 : BLOCKSUM_NONE;
	if (kernel_select_fill(c, &cached, &nt))
		return false;
	fs->fill = kernel_fastest_fill(cached, nt);
	fs->pa = exp_buf_alloc(fs->bytes, HPAGE_SIZE, -1);
	if (!fs->pa) {
		report_skip("%lu bytes do not fit in free memory", fs->bytes);
		return false;
	}
	fs->buf = phys_to_virt(fs->pa);
	return true;
}

static void fillsum_run(struct exp_ctx *c)
{
	struct fillsum *fs = &fillsum_state;

	if (!setup(fs, c))
		return;
	/* Reps outermost: a slow moment of a shared host then falls on every
	 * variant alike. The boot's first run writes memory nothing touched
	 * since boot: its record says cold. */
	for (unsigned rep = 0; rep < exp_reps(c); rep++) {
		if (exp_variant_on(c, "serial"))
			measure(fs, "serial", 1, rep);
		for (unsigned i = 0; i < c->nthreads; i++) {
			if (exp_variant_on(c, "mt"))
				measure(fs, "mt", c->threads[i], rep);
			if (exp_variant_on(c, "bound"))
				measure(fs, "bound", c->threads[i], rep);
		}
	}
	exp_buf_free(fs->pa, fs->bytes);
}

const struct experiment exp_fillsum = {
	.name = "fillsum",
	.summary = "teaching experiment: parallel fill-and-checksum of a buffer",
	.variants = fillsum_variants,
	.injects = fillsum_injects,
	.params = fillsum_params,
	.run = fillsum_run,
};
