/* run=xas: the experiment address spaces on real CPUs, real page tables
 * and real faults: the self-test of what the pinning, huge-page splitting
 * and demand-fault experiments build on (mm/xpt.h, arch/x86_64/xas.h,
 * smp/tlb.h). A buffer is mapped into the window with 2 MiB leaves and
 * every CPU of a thread count works on its own slice:
 *
 *   map      every CPU reads its slice through the window: the words it
 *            sees are the ones written through the direct map;
 *   wp       the region is write-protected (and shot down); every CPU
 *            writes a word in each 2 MiB page of its slice, takes a
 *            protection fault per page, and its handler makes that huge
 *            leaf writable again;
 *   split    write-protected again; now each fault splits the huge leaf
 *            into 512 read-only 4 KiB leaves (lock-free, as KVM's TDP MMU
 *            does under its read lock), shoots the huge entry down on
 *            every CPU from inside the fault handler, and makes only the
 *            written 4 KiB writable: KVM's lazy split under dirty logging;
 *   demand   a 2 MiB range per CPU is unmapped (and shot down); every CPU
 *            touches its pages, takes not-present faults, and its handler
 *            maps each 4 KiB page under a lock.
 *
 * Each step is one result record: the page tables are then counted
 * (xpt_count), every word checked through the direct map, and the faults
 * counted against the pages touched. */
#include "experiments/experiment.h"
#include "experiments/buffers.h"
#include "experiments/pt_pool.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/xas.h"
#include "lib/error.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "smp/on_cpus.h"
#include "smp/smp.h"
#include "smp/tlb.h"

#define XAS_TEST_SEED    0x7a5eedull
/* Every table the region can need when fully split to 4 KiB: one page
 * table per 2 MiB, one directory per 1 GiB, the root; plus slack for the
 * pages split's losers hold for a moment. */
#define XAS_POOL_SLACK   64

static const struct cmdline_param xas_bytes = {
	.name = "xas-bytes", .type = CMDLINE_SIZE, .max_items = 1,
	.lo = 2 * MiB, .hi = 64 * GiB, .align = 2 * MiB, .dflt = "64M",
	.help = "bytes mapped in the window (xas), a multiple of 2M",
};
static const struct cmdline_param *const xas_params[] = { &xas_bytes, NULL };
static const char *const xas_variants[] = {
	"map", "wp", "split", "demand", NULL
};

enum xas_step { STEP_MAP, STEP_WP, STEP_SPLIT, STEP_DEMAND };

/* One run=xas: what its steps and its fault handler share. */
struct xas_test {
	struct exp_ctx *c;
	struct xas x;
	struct pt_pool pool;
	uint64_t pa, bytes;
	enum xas_step step;
	unsigned cpus;                 /* CPUs of the current step */
	struct spinlock map_lock;      /* xpt_map in demand faults */
	uint64_t faults[MAX_CPUS];     /* by piece, this step */
	uint64_t bad_faults;           /* faults the step did not expect */
	uint64_t wrong_words;
	char why[128];
};

static struct xas_test xas_state;

static uint64_t *window_word(uint64_t off)
{
	return (uint64_t *)(XAS_BASE + off);
}

static uint64_t *direct_word(const struct xas_test *t, uint64_t off)
{
	return phys_to_virt(t->pa + off);
}

/* The word at off after step s has written it (s = 0: before any). */
static uint64_t word_value(uint64_t off, unsigned s)
{
	return XAS_TEST_SEED ^ (off * 0x9e3779b97f4a7c15ull) ^ s;
}

/* Piece idx's slice of the region: whole 2 MiB pages. */
static void slice(const struct xas_test *t, unsigned idx, unsigned n,
		  uint64_t *a, uint64_t *b)
{
	uint64_t pages = t->bytes / HPAGE_SIZE;

	*a = pages * idx / n * HPAGE_SIZE;
	*b = pages * (idx + 1) / n * HPAGE_SIZE;
}

/* ---- the fault handler --------------------------------------------------- */

/* Write fault on a write-protected huge leaf: make the leaf writable. */
static bool fix_wp(struct xas_test *t, uint64_t va)
{
	struct xpt_leaf l;

	if (!xpt_walk(&t->x.pt, va, &l))
		return false;
	if (xpt_protect(&t->x.pt, l.va, l.page_size, 0, XPT_W) < 0)
		return false;
	invlpg((void *)va);
	return true;
}

/* Lazy split: the huge leaf becomes read-only 4 KiB leaves (whoever wins
 * the race), every CPU drops the huge translation, and the written page
 * becomes writable. */
static bool fix_split(struct xas_test *t, uint64_t va)
{
	struct xpt_leaf l;
	int rc;

	if (!xpt_walk(&t->x.pt, va, &l))
		return false;
	if (l.level > 1) {
		rc = xpt_split(&t->x.pt, &l, XPT_W, 0);
		if (rc < 0)
			return false;
		if (rc > 0)
			tlb_shootdown(l.va, l.page_size);
	}
	if (xpt_protect(&t->x.pt, va & ~(XPT_PAGE - 1), XPT_PAGE, 0, XPT_W) < 0)
		return false;
	invlpg((void *)va);
	return true;
}

/* Not present: map the 4 KiB page where it was (map needs exclusion). */
static bool fix_demand(struct xas_test *t, uint64_t va)
{
	uint64_t off = (va - XAS_BASE) & ~(XPT_PAGE - 1);
	struct xpt_leaf l;
	int rc = 0;

	spin_lock(&t->map_lock);
	if (!xpt_walk(&t->x.pt, va, &l))
		rc = xpt_map(&t->x.pt, XAS_BASE + off, t->pa + off, XPT_PAGE,
			     XPT_PAGE, XPT_W | pte_nx);
	spin_unlock(&t->map_lock);
	return rc == 0;
}

static bool xas_fault(void *arg, uint64_t va, uint64_t error)
{
	struct xas_test *t = arg;
	bool present = error & XAS_PF_PRESENT, write = error & XAS_PF_WRITE;

	__atomic_fetch_add(&t->faults[smp_this_cpu()], 1, __ATOMIC_RELAXED);
	if (t->step == STEP_WP && present && write)
		return fix_wp(t, va);
	if (t->step == STEP_SPLIT && present && write)
		return fix_split(t, va);
	if (t->step == STEP_DEMAND && !present)
		return fix_demand(t, va);
	__atomic_fetch_add(&t->bad_faults, 1, __ATOMIC_RELAXED);
	return false;
}

/* ---- the pieces ----------------------------------------------------------- */

/* map: read every word of the slice's first 4 KiB of each 2 MiB page. */
static void read_piece(struct xas_test *t, uint64_t a, uint64_t b)
{
	uint64_t wrong = 0;

	for (uint64_t p = a; p < b; p += HPAGE_SIZE)
		for (uint64_t off = p; off < p + XPT_PAGE; off += 8)
			wrong += *window_word(off) != word_value(off, 0);
	__atomic_fetch_add(&t->wrong_words, wrong, __ATOMIC_RELAXED);
}

/* wp, split, demand: write one word per page of `stride`. */
static void write_piece(struct xas_test *t, uint64_t a, uint64_t b,
			uint64_t stride)
{
	for (uint64_t off = a; off < b; off += stride)
		*(volatile uint64_t *)window_word(off) = word_value(off, t->step);
}

static void step_piece(void *arg, unsigned idx, unsigned n)
{
	struct xas_test *t = arg;
	uint64_t a, b;

	slice(t, idx, n, &a, &b);
	if (t->step == STEP_MAP)
		read_piece(t, a, b);
	else if (t->step == STEP_WP)
		write_piece(t, a, b, HPAGE_SIZE);
	else if (t->step == STEP_SPLIT)
		write_piece(t, a, b, HPAGE_SIZE + XPT_PAGE);
	else
		write_piece(t, a, MIN(b, a + HPAGE_SIZE), XPT_PAGE);
}

/* ---- the steps -------------------------------------------------------------- */

/* Pages each step writes in piece idx's slice (its expected faults). */
static uint64_t touched(const struct xas_test *t, unsigned idx, unsigned n)
{
	uint64_t a, b;

	slice(t, idx, n, &a, &b);
	if (t->step == STEP_WP)
		return (b - a) / HPAGE_SIZE;
	if (t->step == STEP_SPLIT)
		return DIV_ROUND_UP(b - a, HPAGE_SIZE + XPT_PAGE);
	if (t->step == STEP_DEMAND)
		return MIN(b - a, HPAGE_SIZE) / XPT_PAGE;
	return 0;
}

/* Sets the tables up for the step, outside the timing. */
static int prepare(struct xas_test *t)
{
	uint64_t span = 0;

	if (t->step == STEP_WP || t->step == STEP_SPLIT) {
		if (xpt_protect(&t->x.pt, XAS_BASE, t->bytes, XPT_W, 0) < 0)
			return -1;
		tlb_shootdown(XAS_BASE, t->bytes);
	}
	for (unsigned i = 0; t->step == STEP_DEMAND && i < t->cpus; i++) {
		uint64_t a, b;

		slice(t, i, t->cpus, &a, &b);
		span = MIN(b - a, HPAGE_SIZE);
		if (span && xpt_unmap(&t->x.pt, XAS_BASE + a, span) < 0)
			return -1;
	}
	if (t->step == STEP_DEMAND)
		tlb_shootdown(XAS_BASE, t->bytes);
	return 0;
}

/* Every word a step wrote holds its value (read through the direct map);
 * the others still hold what the step before left. */
static uint64_t wrong_after_writes(struct xas_test *t)
{
	uint64_t wrong = 0;

	for (unsigned i = 0; i < t->cpus; i++) {
		uint64_t a, b, stride = t->step == STEP_WP ? HPAGE_SIZE :
			t->step == STEP_SPLIT ? HPAGE_SIZE + XPT_PAGE : XPT_PAGE;

		slice(t, i, t->cpus, &a, &b);
		if (t->step == STEP_DEMAND)
			b = MIN(b, a + HPAGE_SIZE);
		for (uint64_t off = a; off < b; off += stride)
			wrong += *direct_word(t, off) != word_value(off, t->step);
	}
	return wrong;
}

/* The faults each CPU took equal the pages it touched, and no fault was
 * one the step did not expect. */
static bool faults_ok(struct xas_test *t)
{
	for (unsigned i = 0; i < t->cpus; i++)
		if (t->faults[i] != touched(t, i, t->cpus)) {
			ksnprintf(t->why, sizeof(t->why), "piece %u took %lu "
				  "faults for %lu pages", i, t->faults[i],
				  touched(t, i, t->cpus));
			return false;
		}
	return !t->bad_faults;
}

static bool check(struct xas_test *t)
{
	uint64_t wrong = t->step == STEP_MAP ? t->wrong_words :
			 wrong_after_writes(t);

	if (wrong) {
		ksnprintf(t->why, sizeof(t->why), "%lu words wrong", wrong);
		return false;
	}
	if (t->step == STEP_MAP &&
	    xpt_count(&t->x.pt, XAS_BASE, t->bytes, HPAGE_SIZE, XPT_W, 0) !=
	    t->bytes / HPAGE_SIZE) {
		ksnprintf(t->why, sizeof(t->why), "not every 2 MiB mapped once");
		return false;
	}
	return t->step == STEP_MAP || faults_ok(t);
}

static const char *const step_names[] = { "map", "wp", "split", "demand" };

/* The pages a step's CPUs read or wrote: its records' size, so the table's
 * rate is pages per second (map reads 4 KiB of each 2 MiB page). */
static uint64_t pages_touched(const struct xas_test *t)
{
	uint64_t n = 0;

	if (t->step == STEP_MAP)
		return t->bytes / HPAGE_SIZE;
	for (unsigned i = 0; i < t->cpus; i++)
		n += touched(t, i, t->cpus);
	return n;
}

static void record(struct xas_test *t, uint64_t ns, unsigned rep)
{
	struct exp_result r = { .variant = step_names[t->step],
				.threads = t->cpus, .pages = pages_touched(t),
				.ns = ns, .rep = rep, .checked = true,
				.why = t->why };
	struct tlb_stats ts;
	uint64_t faults = 0;
	struct json *j;

	t->why[0] = 0;
	r.verified = check(t);
	for (unsigned i = 0; i < t->cpus; i++)
		faults += t->faults[i];
	tlb_stats_get(&ts);
	j = exp_result_begin(t->c, &r);
	json_u64(j, "region_bytes", t->bytes);
	json_u64(j, "faults", faults);
	json_u64(j, "shootdowns", ts.shootdowns);
	json_u64(j, "shootdown_ipis", ts.ipis);
	json_u64(j, "shootdown_wait_ns", ts.wait_ns);
	json_u64(j, "leaves_4k", xpt_count(&t->x.pt, XAS_BASE, t->bytes,
					   XPT_PAGE, 0, 0));
	json_u64(j, "leaves_2m", xpt_count(&t->x.pt, XAS_BASE, t->bytes,
					   HPAGE_SIZE, 0, 0));
	json_u64(j, "tables", t->x.pt.tables);
	exp_result_end(t->c, &r);
}

/* One step on t->cpus CPUs: set up, run the pieces (timed), record. */
static void run_step(struct xas_test *t, enum xas_step s, unsigned rep)
{
	unsigned cpus[MAX_CPUS];
	struct on_cpus w = { .fn = step_piece, .arg = t, .cpus = cpus,
			     .what = "its slice of the window" };
	uint64_t ns;

	t->step = s;
	memset(t->faults, 0, sizeof(t->faults));
	t->bad_faults = t->wrong_words = 0;
	w.n = cpu_set_first(cpus, t->cpus);
	if (prepare(t)) {
		report(false, "%s threads=%u: the page tables refused the set-up",
		       step_names[s], t->cpus);
		return;
	}
	tlb_stats_reset();
	ns = on_cpus_run(&w);
	record(t, ns, rep);
}

/* Words the map step reads hold their first values. */
static void fill_region(struct xas_test *t)
{
	for (uint64_t p = 0; p < t->bytes; p += HPAGE_SIZE)
		for (uint64_t off = p; off < p + XPT_PAGE; off += 8)
			*direct_word(t, off) = word_value(off, 0);
}

/* A fresh window over the buffer, 2 MiB leaves, writable. */
static int build(struct xas_test *t, const char **why)
{
	uint64_t tables = t->bytes / HPAGE_SIZE + t->bytes / GPAGE_SIZE + 2 +
			  XAS_POOL_SLACK;

	if (pt_pool_create(&t->pool, tables, why))
		return -1;
	if (xas_create(&t->x, &t->pool.mem, why)) {
		pt_pool_destroy(&t->pool);
		return -1;
	}
	if (xpt_map(&t->x.pt, XAS_BASE, t->pa, t->bytes, HPAGE_SIZE,
		    XPT_W | pte_nx)) {
		xas_destroy(&t->x, tlb_shootdown_all);
		pt_pool_destroy(&t->pool);
		return fail(why, "the region could not be mapped");
	}
	fill_region(t);
	xas_set_fault(&t->x, xas_fault, t);
	return 0;
}

static void teardown(struct xas_test *t)
{
	xas_set_fault(&t->x, NULL, NULL);
	xas_destroy(&t->x, tlb_shootdown_all);
	pt_pool_destroy(&t->pool);
}

static void run_threads(struct xas_test *t, unsigned cpus, unsigned rep)
{
	const char *why = NULL;

	t->cpus = cpus;
	if (build(t, &why)) {
		report(false, "threads=%u: %s", cpus, why);
		return;
	}
	for (enum xas_step s = STEP_MAP; s <= STEP_DEMAND; s++)
		if (exp_variant_on(t->c, step_names[s]))
			run_step(t, s, rep);
	teardown(t);
}

static void xas_run(struct exp_ctx *c)
{
	struct xas_test *t = &xas_state;

	memset(t, 0, sizeof(*t));
	t->c = c;
	t->map_lock = (struct spinlock)SPINLOCK_INIT;
	t->bytes = exp_param(c, "xas-bytes")->v[0];
	t->pa = exp_buf_alloc(t->bytes, HPAGE_SIZE, -1);
	if (!t->pa) {
		report_skip("%lu bytes do not fit in free memory", t->bytes);
		return;
	}
	for (unsigned rep = 0; rep < exp_reps(c); rep++)
		for (unsigned i = 0; i < c->nthreads; i++)
			run_threads(t, c->threads[i], rep);
	exp_buf_free(t->pa, t->bytes);
}

const struct experiment exp_xas = {
	.name = "xas",
	.summary = "experiment address spaces self-test: real page tables, "
		   "faults and TLB shootdowns on every CPU",
	.variants = xas_variants,
	.params = xas_params,
	.run = xas_run,
};
