/* run=split: eager versus lazy huge-page splitting under dirty logging,
 * with real write-protect faults on every CPU (issue #13). The question is
 * the KVM eager page splitting thread's ("KVM: Extend Eager Page Splitting
 * to the shadow MMU", David Matlack, Peter Xu, Feb-Mar 2022): when dirty
 * logging write-protects memory mapped by huge pages, do vCPUs that split
 * the mappings in their own write faults pile up on the MMU lock, and how
 * much of their time does splitting everything when logging is enabled
 * give back, at what cost to the enable step?
 *
 * Every CPU of a thread count plays a vCPU that owns split-bytes of a
 * region mapped with 2 MiB or 1 GiB leaves (split-page=) in the experiment
 * address space all CPUs run on (arch/x86_64/xas.h). One run, in the steps
 * and names of KVM's dirty_log_perf_test:
 *
 *   populate  every vCPU writes each 4 KiB page of its region once;
 *   enable    lazy: the huge leaves are write-protected; eager: split into
 *             read-only 4 KiB leaves, on the boot CPU (serial) or through
 *             the job engine on the run's CPUs (parallel: split-eager=);
 *             then one TLB shootdown of the region;
 *   iteration dirty memory: every vCPU writes split-write-pct% of its
 *             pages and reads the rest. A write to a read-only 4 KiB leaf
 *             is fixed lock-free (KVM's fast page fault); a write under a
 *             read-only huge leaf takes the MMU lock (split-lock=spin, or
 *             an rwlock taken for reading, as KVM's TDP MMU) and splits it
 *             to 4 KiB, shooting the huge translation down on every CPU
 *             while holding the lock. Then get dirty log (copy and clear
 *             the bitmap) and clear dirty log (write-protect the pages it
 *             named, one shootdown), split-iterations= times;
 *   disable   every leaf writable again, one shootdown.
 *
 * The algorithm is mm/dirty_log.h; this file drives, times and verifies.
 * Verified outside the timing, after each iteration's steps: the pages
 * writable after dirtying are exactly those written, the bitmap holds
 * exactly those pages, one fault was taken per page written, memory holds
 * the values written, and every page still maps its own frame, read-only
 * after the clear step and writable after disable.
 *
 * Injections: split-lost-dirty (one fault forgets to mark its page) and
 * split-skip-shootdown (enable and clear write-protect without shooting
 * down: vCPUs keep writing through cached writable translations, so pages
 * are written without a fault or a dirty bit). Either fails the boot. */
#include "experiments/experiment.h"
#include "experiments/buffers.h"
#include "experiments/pt_pool.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/xas.h"
#include "lib/error.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/rwlock.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/dirty_log.h"
#include "smp/job.h"
#include "smp/on_cpus.h"
#include "smp/smp.h"
#include "smp/tlb.h"

#define SPLIT_SEED        0x5b117ull
#define SPLIT_MAX_ITERS   16
#define SPLIT_MAX_REPS    16
/* Split losers hold a table page for a moment: one each CPU, and more. */
#define SPLIT_POOL_SLACK  (64 + MAX_CPUS)

static const char *const split_pages[] = { "2M", "1G", NULL };
static const char *const split_locks[] = { "spin", "rw", NULL };
static const char *const split_eagers[] = { "parallel", "serial", NULL };

static const struct cmdline_param split_bytes = {
	.name = "split-bytes", .type = CMDLINE_SIZE, .max_items = 1,
	.lo = 2 * MiB, .hi = 64 * GiB, .align = 2 * MiB, .dflt = "128M",
	.help = "bytes each vCPU owns and dirties (split; dirty_log_perf_test -b)",
};
static const struct cmdline_param split_page = {
	.name = "split-page", .type = CMDLINE_CHOICE, .max_items = 1,
	.choices = split_pages, .dflt = "2M",
	.help = "leaves mapping the region before dirty logging (split; "
		"1G needs split-bytes in GiB)",
};
static const struct cmdline_param split_lock = {
	.name = "split-lock", .type = CMDLINE_CHOICE, .max_items = 2,
	.choices = split_locks, .dflt = "spin,rw",
	.help = "MMU lock of lazy split faults: spin, or rw taken for reading "
		"(split)",
};
static const struct cmdline_param split_eager = {
	.name = "split-eager", .type = CMDLINE_CHOICE, .max_items = 2,
	.choices = split_eagers, .dflt = "parallel,serial",
	.help = "eager split on enable: job engine on the run's CPUs, or the "
		"boot CPU alone (split)",
};
static const struct cmdline_param split_write_pct = {
	.name = "split-write-pct", .type = CMDLINE_UINT, .max_items = 1,
	.lo = 0, .hi = 100, .dflt = "100",
	.help = "percent of pages each iteration writes, the rest read "
		"(split; dirty_log_perf_test -w)",
};
static const struct cmdline_param split_iterations = {
	.name = "split-iterations", .type = CMDLINE_UINT, .max_items = 1,
	.lo = 1, .hi = SPLIT_MAX_ITERS, .dflt = "2",
	.help = "dirty / get / clear rounds (split; dirty_log_perf_test -i)",
};
static const struct cmdline_param *const split_params[] = {
	&split_bytes, &split_page, &split_lock, &split_eager,
	&split_write_pct, &split_iterations, NULL
};
static const char *const split_variants[] = { "lazy", "eager", NULL };
static const char *const split_injects[] = {
	"split-lost-dirty", "split-skip-shootdown", NULL
};

/* What one CPU's faults did in a run: written only by that CPU. */
struct split_cpu {
	uint64_t faults, slow, splits, spurious, bad;
	uint64_t lock_wait_ns, lock_hold_ns;
} __cacheline_aligned;

/* One configuration: lazy with a lock, or eager serial / parallel. */
struct split_cfg {
	const char *variant;       /* "lazy" or "eager" */
	const char *key, *value;   /* lock=spin|rw or split=serial|parallel */
	bool eager, parallel, rw;
};

/* Times of one run, dirty_log_perf_test's lines. */
struct split_times {
	uint64_t populate, enable, disable;
	uint64_t eager_split;      /* the split alone, without the shootdown */
	uint64_t dirty[SPLIT_MAX_ITERS], get[SPLIT_MAX_ITERS],
		 clear[SPLIT_MAX_ITERS];
};

#define SPLIT_MAX_CFGS 4

/* One run=split: what the steps, the vCPUs and the fault handler share. */
struct split_exp {
	struct exp_ctx *c;
	struct xas x;
	struct pt_pool pool;
	struct dirty_log d;
	uint64_t pa, buf_bytes;        /* the region's memory, all vCPUs */
	uint64_t bytes, page_size;     /* per vCPU; leaves before logging */
	uint64_t bm_pa, bm_bytes;      /* bitmap and its copy */
	uint64_t *got;
	unsigned write_pct, iterations, vcpus;
	unsigned iter;                 /* 0: populate; 1..: iterations */
	const struct split_cfg *cfg;
	struct spinlock spin;          /* the MMU lock, one of the two */
	struct rwlock rw;
	bool inject_lost, inject_skip;
	uint32_t lost_done;            /* the lost dirty bit was dropped */
	uint64_t eager_splits;         /* atomic: the parallel job's */
	bool eager_failed;
	struct split_cpu cpu[MAX_CPUS];
	struct split_times t;
	struct job_stats job;
	uint64_t sink;                 /* reads, kept from the optimizer */
	char why[160];
	/* The console table: iteration 1 dirty and enable, per rep. */
	uint64_t tab_dirty[CMDLINE_MAX_ITEMS][SPLIT_MAX_CFGS][SPLIT_MAX_REPS];
	uint64_t tab_enable[CMDLINE_MAX_ITEMS][SPLIT_MAX_CFGS][SPLIT_MAX_REPS];
	struct split_cfg cfgs[SPLIT_MAX_CFGS];
	unsigned ncfgs;
};

static struct split_exp split_state;

/* ---- what the vCPUs write ---------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ x >> 29;
}

/* Whether iteration iter (>= 1) writes page p; populate (0) writes all. */
static bool written(const struct split_exp *s, uint64_t p, unsigned iter)
{
	if (!iter || s->write_pct == 100)
		return true;
	return mix(p * 64 + iter + SPLIT_SEED) % 100 < s->write_pct;
}

static uint64_t value(uint64_t p, unsigned iter)
{
	return mix(p ^ SPLIT_SEED) ^ ((uint64_t)iter << 56);
}

/* What page p's first word holds after iteration iter. */
static uint64_t expected(const struct split_exp *s, uint64_t p, unsigned iter)
{
	for (unsigned i = iter; i > 0; i--)
		if (written(s, p, i))
			return value(p, i);
	return value(p, 0);
}

static volatile uint64_t *window_page(uint64_t p)
{
	return (volatile uint64_t *)(XAS_BASE + p * XPT_PAGE);
}

/* vCPU idx: one access per 4 KiB page of its region, a write or a read.
 * Odd iterations go down, even ones (populate too) up: the pages a vCPU
 * touched last are the first it touches next, which is where a TLB entry
 * left stale by a missing shootdown is still cached (going up again would
 * evict it from a TLB smaller than the region before its page comes up).
 * dirty_log_perf_test always goes up; the order costs nothing here. */
static void vcpu_piece(void *arg, unsigned idx, unsigned n)
{
	struct split_exp *s = arg;
	uint64_t per = s->bytes / XPT_PAGE, sum = 0;
	bool down = s->iter % 2;

	(void)n;
	for (uint64_t i = 0; i < per; i++) {
		uint64_t p = idx * per + (down ? per - 1 - i : i);

		if (written(s, p, s->iter))
			*window_page(p) = value(p, s->iter);
		else
			sum += *window_page(p);
	}
	__atomic_fetch_add(&s->sink, sum, __ATOMIC_RELAXED);
}

static uint64_t run_vcpus(struct split_exp *s)
{
	unsigned cpus[MAX_CPUS];
	struct on_cpus w = { .fn = vcpu_piece, .arg = s, .cpus = cpus,
			     .what = "its vCPU's region (split)" };

	w.n = cpu_set_first(cpus, s->vcpus);
	return on_cpus_run(&w);
}

/* ---- the MMU lock and the fault handler -------------------------------- */

static void mmu_lock(struct split_exp *s)
{
	if (s->cfg->rw)
		read_lock(&s->rw);
	else
		spin_lock(&s->spin);
}

static void mmu_unlock(struct split_exp *s)
{
	if (s->cfg->rw)
		read_unlock(&s->rw);
	else
		spin_unlock(&s->spin);
}

/* The huge leaf is split under the lock; the shootdown inside it (through
 * d.flush) is what other faulting vCPUs wait behind. */
static enum dirty_fault slow_fault(struct split_exp *s, struct split_cpu *st,
				   uint64_t va)
{
	uint64_t t0 = now_ns(), t1, t2;
	enum dirty_fault f;
	unsigned splits;

	mmu_lock(s);
	t1 = now_ns();
	f = dirty_log_fault_slow(&s->d, va, &splits);
	t2 = now_ns();
	mmu_unlock(s);
	st->slow++;
	st->splits += splits;
	st->lock_wait_ns += t1 - t0;
	st->lock_hold_ns += t2 - t1;
	return f;
}

static bool split_fault(void *arg, uint64_t va, uint64_t error)
{
	struct split_exp *s = arg;
	struct split_cpu *st = &s->cpu[smp_this_cpu()];
	enum dirty_fault f = DIRTY_FAULT_BAD;

	st->faults++;
	if ((error & XAS_PF_PRESENT) && (error & XAS_PF_WRITE))
		f = dirty_log_fault_fast(&s->d, va);
	if (f == DIRTY_FAULT_HUGE)
		f = slow_fault(s, st, va);
	if (f == DIRTY_FAULT_FIXED && s->inject_lost &&
	    !__atomic_exchange_n(&s->lost_done, 1, __ATOMIC_RELAXED))
		dirty_log_unmark(&s->d, (va - XAS_BASE) / XPT_PAGE);
	st->spurious += f == DIRTY_FAULT_SPURIOUS;
	if (f != DIRTY_FAULT_FIXED && f != DIRTY_FAULT_SPURIOUS) {
		st->bad++;
		return false;
	}
	invlpg((void *)va);
	return true;
}

static void split_flush(void *ctx, uint64_t va, uint64_t size)
{
	(void)ctx;
	tlb_shootdown(va, size);
}

/* ---- the steps ----------------------------------------------------------- */

static uint64_t region_bytes(const struct split_exp *s)
{
	return s->bytes * s->vcpus;
}

/* A shootdown of the whole region, unless the injection skips it. */
static void flush_region(struct split_exp *s)
{
	if (!s->inject_skip)
		tlb_shootdown(XAS_BASE, region_bytes(s));
}

static void eager_chunk(uint64_t start, uint64_t end, void *arg)
{
	struct split_exp *s = arg;
	uint64_t per = HPAGE_SIZE / XPT_PAGE;
	int64_t n = dirty_log_split_range(&s->d, start * per, end * per);

	if (n < 0)
		__atomic_store_n(&s->eager_failed, true, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&s->eager_splits, (uint64_t)n,
				   __ATOMIC_RELAXED);
}

/* The parallel eager split: 2 MiB units, chunks aligned to the leaves so
 * two CPUs rarely race for one 1 GiB leaf (they may: one wins). The vCPUs
 * are stopped, so no MMU lock is taken (KVM's TDP MMU takes it for
 * reading: it would not serialize the chunks either). */
static int eager_parallel(struct split_exp *s)
{
	struct job job = {
		.thread_fn = eager_chunk, .fn_arg = s, .start = 0,
		.size = region_bytes(s) / HPAGE_SIZE,
		.align = s->page_size / HPAGE_SIZE,
		.min_chunk = s->page_size / HPAGE_SIZE,
		.max_threads = s->vcpus,
		.mode = exp_engine_mode(s->c, JOB_PADATA),
		.name = "split-eager",
	};

	return job_run(&job, &s->job) || s->eager_failed ? -1 : 0;
}

static int enable_logging(struct split_exp *s)
{
	uint64_t t0 = now_ns();
	int64_t rc;

	if (!s->cfg->eager)
		rc = dirty_log_protect(&s->d);
	else if (s->cfg->parallel)
		rc = eager_parallel(s);
	else
		rc = dirty_log_split_range(&s->d, 0, s->d.pages);
	if (s->cfg->eager && !s->cfg->parallel && rc > 0)
		s->eager_splits = (uint64_t)rc;
	if (s->cfg->eager)
		s->t.eager_split = now_ns() - t0;
	flush_region(s);
	return rc < 0 ? -1 : 0;
}

static uint64_t timed_enable(struct split_exp *s, int *rc)
{
	uint64_t t0 = now_ns();

	*rc = enable_logging(s);
	return now_ns() - t0;
}

static uint64_t timed_get(struct split_exp *s)
{
	uint64_t t0 = now_ns();

	dirty_log_get_clear(&s->d, s->got, 0, DIRTY_LOG_WORDS(s->d.pages));
	return now_ns() - t0;
}

static uint64_t timed_clear(struct split_exp *s)
{
	uint64_t t0 = now_ns();

	dirty_log_clear(&s->d, s->got);
	flush_region(s);
	return now_ns() - t0;
}

static uint64_t timed_disable(struct split_exp *s, int *rc)
{
	uint64_t t0 = now_ns();

	*rc = dirty_log_disable(&s->d) < 0 ? -1 : 0;
	tlb_shootdown(XAS_BASE, region_bytes(s));
	return now_ns() - t0;
}

/* ---- verification (outside the timing) ----------------------------------- */

static bool fail_why(struct split_exp *s, const char *step, uint64_t p,
		     const char *what)
{
	if (!s->why[0])
		ksnprintf(s->why, sizeof(s->why), "iteration %u %s: page %lu %s",
			  s->iter, step, p, what);
	return false;
}

/* Every page maps its own frame; writable exactly when want(p) says. */
static bool tables_ok(struct split_exp *s, const char *step, int want)
{
	for (uint64_t p = 0; p < s->d.pages; p++) {
		struct xpt_leaf l;
		bool ok, w;

		if (xpt_translate(&s->x.pt, XAS_BASE + p * XPT_PAGE, &ok) !=
		    s->pa + p * XPT_PAGE || !ok ||
		    !xpt_walk(&s->x.pt, XAS_BASE + p * XPT_PAGE, &l))
			return fail_why(s, step, p, "maps another frame");
		w = *l.pte & XPT_W;
		if (w != (want < 0 ? written(s, p, s->iter) : want))
			return fail_why(s, step, p, w ? "is writable" :
					"is read-only");
	}
	return true;
}

static bool bitmap_ok(struct split_exp *s)
{
	for (uint64_t p = 0; p < s->d.pages; p++)
		if (dirty_log_test(s->got, p) != written(s, p, s->iter))
			return fail_why(s, "get dirty log", p, written(s, p,
					s->iter) ? "written, not in the dirty "
					"bitmap" : "in the bitmap, not written");
	return true;
}

static bool memory_ok(struct split_exp *s)
{
	for (uint64_t p = 0; p < s->d.pages; p++)
		if (*(uint64_t *)phys_to_virt(s->pa + p * XPT_PAGE) !=
		    expected(s, p, s->iter))
			return fail_why(s, "dirty memory", p,
					"does not hold the value written");
	return true;
}

static uint64_t sum_faults(const struct split_exp *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < s->vcpus; i++)
		n += s->cpu[i].faults;
	return n;
}

static uint64_t pages_written(const struct split_exp *s)
{
	uint64_t n = 0;

	for (uint64_t p = 0; p < s->d.pages; p++)
		n += written(s, p, s->iter);
	return n;
}

/* One fault per page written this iteration, none bad. */
static bool faults_ok(struct split_exp *s, uint64_t before)
{
	uint64_t got = sum_faults(s) - before, want = pages_written(s);

	for (unsigned i = 0; i < s->vcpus; i++)
		if (s->cpu[i].bad)
			return fail_why(s, "dirty memory", 0, "- a fault the "
					"handler could not resolve");
	if (got != want && !s->why[0])
		ksnprintf(s->why, sizeof(s->why), "iteration %u: %lu faults "
			  "for %lu pages written", s->iter, got, want);
	return got == want;
}

/* ---- one run ----------------------------------------------------------- */

/* Populate, enable, the iterations, disable; checks after each step. */
static bool run_steps(struct split_exp *s, bool check)
{
	bool ok = true;
	int rc;

	s->iter = 0;
	s->t.populate = run_vcpus(s);
	tlb_stats_reset();
	s->t.enable = timed_enable(s, &rc);
	if (rc)
		return fail_why(s, "enable", 0, "- no table page for a split");
	for (s->iter = 1; s->iter <= s->iterations; s->iter++) {
		uint64_t before = sum_faults(s);

		s->t.dirty[s->iter - 1] = run_vcpus(s);
		ok = ok && (!check || (faults_ok(s, before) &&
				       tables_ok(s, "dirty memory", -1)));
		s->t.get[s->iter - 1] = timed_get(s);
		ok = ok && (!check || bitmap_ok(s));
		s->t.clear[s->iter - 1] = timed_clear(s);
		ok = ok && (!check || (tables_ok(s, "clear dirty log", 0) &&
				       memory_ok(s)));
	}
	s->iter = s->iterations;
	s->t.disable = timed_disable(s, &rc);
	return ok && !rc && (!check || tables_ok(s, "disable", 1));
}

/* A fresh window over the vCPUs' memory, huge leaves, writable. */
static int build(struct split_exp *s, const char **why)
{
	uint64_t bytes = region_bytes(s);
	uint64_t tables = bytes / HPAGE_SIZE + bytes / GPAGE_SIZE + 2 +
			  SPLIT_POOL_SLACK;

	if (pt_pool_create(&s->pool, tables, why))
		return -1;
	if (xas_create(&s->x, &s->pool.mem, why)) {
		pt_pool_destroy(&s->pool);
		return -1;
	}
	if (xpt_map(&s->x.pt, XAS_BASE, s->pa, bytes, s->page_size,
		    XPT_W | pte_nx)) {
		xas_destroy(&s->x, tlb_shootdown_all);
		pt_pool_destroy(&s->pool);
		return fail(why, "the region could not be mapped");
	}
	s->d = (struct dirty_log){ .pt = &s->x.pt, .base = XAS_BASE,
				   .pages = bytes / XPT_PAGE,
				   .bitmap = phys_to_virt(s->bm_pa),
				   .flush = split_flush, .flush_ctx = s };
	memset(s->d.bitmap, 0, DIRTY_LOG_WORDS(s->d.pages) * 8);
	xas_set_fault(&s->x, split_fault, s);
	return 0;
}

static void teardown(struct split_exp *s)
{
	xas_set_fault(&s->x, NULL, NULL);
	xas_destroy(&s->x, tlb_shootdown_all);
	pt_pool_destroy(&s->pool);
}

static void json_times(struct json *j, const char *key, const uint64_t *ns,
		       unsigned n)
{
	json_array_begin(j, key);
	for (unsigned i = 0; i < n; i++)
		json_u64(j, NULL, ns[i]);
	json_array_end(j);
}

static void json_locks(struct split_exp *s, struct json *j)
{
	uint64_t slow = 0, splits = 0, spurious = 0, wait = 0, hold = 0;

	for (unsigned i = 0; i < s->vcpus; i++) {
		slow += s->cpu[i].slow;
		splits += s->cpu[i].splits;
		spurious += s->cpu[i].spurious;
		wait += s->cpu[i].lock_wait_ns;
		hold += s->cpu[i].lock_hold_ns;
	}
	json_u64(j, "faults", sum_faults(s));
	json_u64(j, "faults_locked", slow);
	json_u64(j, "faults_spurious", spurious);
	json_u64(j, "splits_in_faults", splits);
	json_u64(j, "splits_on_enable", s->eager_splits);
	json_u64(j, "eager_split_ns", s->t.eager_split);
	json_u64(j, "eager_split_threads", !s->cfg->eager ? 0 :
		 s->cfg->parallel ? s->job.nthreads : 1);
	json_u64(j, "lock_wait_ns", wait);
	json_u64(j, "lock_hold_ns", hold);
	json_u64(j, "lock_contended", s->cfg->rw ? s->rw.contended :
		 s->spin.contended);
}

static void record(struct split_exp *s, bool checked, bool ok, unsigned rep)
{
	/* pages: what each vCPU owns (dirty_log_perf_test -b), so the rows
	 * of one size line up by vCPU count, as the thread's tables do. */
	struct exp_result r = { .variant = s->cfg->variant,
				.threads = s->vcpus,
				.pages = s->bytes / XPT_PAGE,
				.ns = s->t.dirty[0], .rep = rep,
				.checked = checked, .verified = checked && ok,
				.why = s->why };
	struct tlb_stats ts;
	struct json *j;

	tlb_stats_get(&ts);
	exp_result_key(&r, s->cfg->key, s->cfg->value);
	j = exp_result_begin(s->c, &r);
	json_str(j, "page", s->page_size == GPAGE_SIZE ? "1G" : "2M");
	json_u64(j, "bytes_per_vcpu", s->bytes);
	json_u64(j, "write_pct", s->write_pct);
	json_u64(j, "populate_ns", s->t.populate);
	json_u64(j, "enable_dirty_logging_ns", s->t.enable);
	json_times(j, "dirty_memory_ns", s->t.dirty, s->iterations);
	json_times(j, "get_dirty_log_ns", s->t.get, s->iterations);
	json_times(j, "clear_dirty_log_ns", s->t.clear, s->iterations);
	json_u64(j, "disable_dirty_logging_ns", s->t.disable);
	json_locks(s, j);
	json_u64(j, "shootdowns", ts.shootdowns);
	json_u64(j, "shootdown_ipis", ts.ipis);
	json_u64(j, "shootdown_wait_ns", ts.wait_ns);
	json_u64(j, "tables", s->x.pt.tables);
	if (s->cfg->eager && s->cfg->parallel)
		exp_json_job_threads(j, &s->job);
	exp_result_end(s->c, &r);
}

static void reset_run(struct split_exp *s, const struct split_cfg *cfg)
{
	s->cfg = cfg;
	s->spin = (struct spinlock)SPINLOCK_INIT;
	s->rw = (struct rwlock)RWLOCK_INIT;
	memset(s->cpu, 0, sizeof(s->cpu));
	memset(&s->t, 0, sizeof(s->t));
	s->eager_splits = 0;
	s->eager_failed = false;
	s->lost_done = 0;
	s->why[0] = 0;
}

static void run_one(struct split_exp *s, unsigned ti, unsigned ci,
		    unsigned rep)
{
	const char *why = NULL;
	bool checked = exp_verify(s->c), ok;

	reset_run(s, &s->cfgs[ci]);
	if (build(s, &why)) {
		report(false, "split vcpus=%u: %s", s->vcpus, why);
		return;
	}
	ok = run_steps(s, checked);
	record(s, checked, ok, rep);
	teardown(s);
	if (rep < SPLIT_MAX_REPS) {
		s->tab_dirty[ti][ci][rep] = s->t.dirty[0];
		s->tab_enable[ti][ci][rep] = s->t.enable;
	}
}

/* ---- the console table -------------------------------------------------- */

static uint64_t median(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && v[k - 1] > v[k]; k--) {
			uint64_t t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return n ? v[(n - 1) / 2] : 0;
}

static void print_table(struct split_exp *s, const char *line,
			uint64_t (*tab)[SPLIT_MAX_CFGS][SPLIT_MAX_REPS])
{
	unsigned reps = MIN(exp_reps(s->c), SPLIT_MAX_REPS);

	exp_log(s->c, "split: \"%s\" (median of %u)\n", line, reps);
	exp_log(s->c, "split: vCPUs");
	for (unsigned ci = 0; ci < s->ncfgs; ci++) {
		char name[32];

		ksnprintf(name, sizeof(name), "%s %s", s->cfgs[ci].variant,
			  s->cfgs[ci].value);
		exp_log(s->c, " | %-14s", name);
	}
	exp_log(s->c, "\n");
	for (unsigned ti = 0; ti < s->c->nthreads; ti++) {
		exp_log(s->c, "split: %5u", MIN(s->c->threads[ti],
						nr_cpus_online));
		for (unsigned ci = 0; ci < s->ncfgs; ci++) {
			uint64_t ns = median(tab[ti][ci], reps);

			exp_log(s->c, " | %3lu.%09lus", ns / 1000000000,
				ns % 1000000000);
		}
		exp_log(s->c, "\n");
	}
}

/* ---- set-up ------------------------------------------------------------ */

static void add_cfg(struct split_exp *s, const char *variant, const char *key,
		    const char *value, bool eager, bool parallel, bool rw)
{
	s->cfgs[s->ncfgs++] = (struct split_cfg){
		.variant = variant, .key = key, .value = value,
		.eager = eager, .parallel = parallel, .rw = rw };
}

static void choose_cfgs(struct split_exp *s)
{
	const struct cmdline_value *lock = exp_param(s->c, "split-lock");
	const struct cmdline_value *eager = exp_param(s->c, "split-eager");

	for (unsigned i = 0; exp_variant_on(s->c, "lazy") && i < lock->n; i++)
		add_cfg(s, "lazy", "lock", split_locks[lock->v[i]], false,
			false, lock->v[i] == 1);
	for (unsigned i = 0; exp_variant_on(s->c, "eager") && i < eager->n; i++)
		add_cfg(s, "eager", "split", split_eagers[eager->v[i]], true,
			eager->v[i] == 0, false);
}

static unsigned max_vcpus(const struct exp_ctx *c)
{
	unsigned n = 1;

	for (unsigned i = 0; i < c->nthreads; i++)
		n = MAX(n, MIN(c->threads[i], nr_cpus_online));
	return n;
}

static bool setup(struct split_exp *s, struct exp_ctx *c)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->bytes = exp_param(c, "split-bytes")->v[0];
	s->page_size = exp_param(c, "split-page")->v[0] ? GPAGE_SIZE : HPAGE_SIZE;
	s->write_pct = (unsigned)exp_param(c, "split-write-pct")->v[0];
	s->iterations = (unsigned)exp_param(c, "split-iterations")->v[0];
	s->inject_lost = exp_inject(c, "split-lost-dirty");
	s->inject_skip = exp_inject(c, "split-skip-shootdown");
	choose_cfgs(s);
	if (s->bytes % s->page_size) {
		report_skip("split-page=1G needs split-bytes in whole GiB");
		return false;
	}
	s->buf_bytes = s->bytes * max_vcpus(c);
	s->bm_bytes = ALIGN_UP(DIRTY_LOG_WORDS(s->buf_bytes / XPT_PAGE) * 16,
			       XPT_PAGE);
	s->pa = exp_buf_alloc(s->buf_bytes, s->page_size, -1);
	s->bm_pa = s->pa ? exp_buf_alloc(s->bm_bytes, XPT_PAGE, -1) : 0;
	if (!s->bm_pa) {
		if (s->pa)
			exp_buf_free(s->pa, s->buf_bytes);
		report_skip("%lu bytes for %u vCPUs do not fit in free "
			    "memory", s->buf_bytes, max_vcpus(c));
		return false;
	}
	s->got = (uint64_t *)phys_to_virt(s->bm_pa) +
		 DIRTY_LOG_WORDS(s->buf_bytes / XPT_PAGE);
	return true;
}

static void split_run(struct exp_ctx *c)
{
	struct split_exp *s = &split_state;

	if (!setup(s, c))
		return;
	/* Reps outermost: a slow moment of the shared host falls on every
	 * configuration alike. */
	for (unsigned rep = 0; rep < exp_reps(c); rep++)
		for (unsigned ti = 0; ti < c->nthreads; ti++)
			for (unsigned ci = 0; ci < s->ncfgs; ci++) {
				s->vcpus = MIN(c->threads[ti], nr_cpus_online);
				run_one(s, ti, ci, rep);
			}
	print_table(s, "Iteration 1 dirty memory time", s->tab_dirty);
	print_table(s, "Enabling dirty logging time", s->tab_enable);
	exp_buf_free(s->bm_pa, s->bm_bytes);
	exp_buf_free(s->pa, s->buf_bytes);
}

const struct experiment exp_split = {
	.name = "split",
	.summary = "eager vs lazy huge-page splitting under dirty logging: "
		   "real write-protect faults, MMU lock, shootdowns",
	.variants = split_variants,
	.injects = split_injects,
	.params = split_params,
	.in_default = true,           /* issue #13: make run includes split */
	.run = split_run,
};
