/* Helpers shared by run=copy and run=zero (see memk_select.h): the
 * boot-time choice of copy and fill kernels by measurement, gangs of CPUs,
 * parallel fill and check of big buffers, buffer placement, result lines.
 *
 * Why measure instead of reading CPUID: under QEMU TCG the translator, not
 * the silicon, decides what is fast (rep stosb is ~8x slower than SSE
 * stores there, the reverse of ERMS hardware); docs/copy.md. */
#include "experiments/memk_select.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/memblock.h"
#include "smp/smp.h"

#define MEMK_SEED        0x5eed0c0b1e5ull
#define MEMK_POISON      0xccccccccccccccccull /* what no copy produces */
#define MEMK_FILL_TEST   0x0123456789abcdefull /* period 8: every byte differs */
/* The unaligned check: odd offsets and an odd length exercise every
 * kernel's head and tail paths. */
#define MEMK_ODD_SRC     3
#define MEMK_ODD_DST     5
#define MEMK_ODD_TRIM    11
#define MEMK_MAX_KERNELS 16	/* of a family; mm/copy.c has 7 and 8 */

unsigned memk_cpu_mask(void)
{
	return cpu_feature_mask();
}

bool memk_fill_is_nt(const struct fill_kernel *k)
{
	return !strncmp(k->name, "nt", 2);
}

/* The kernel named on the command line (kernel=), or NULL to measure and
 * pick. */
static const char *cmdline_kernel(const struct exp_ctx *c)
{
	return c->opts->kernel >= 0 ? cmdline_kernels[c->opts->kernel] : NULL;
}

/* --- result lines ------------------------------------------------------- */

uint64_t memk_gbps_milli(uint64_t bytes, uint64_t ns)
{
	return ns ? bytes * 1000 / ns : 0;
}

void memk_json_begin(struct json *j, const struct exp_ctx *c,
		     const struct memk_result *r)
{
	json_begin(j, c->e->name);
	json_str(j, "variant", r->variant);
	json_u64(j, "threads", r->threads);
	json_u64(j, "bytes", r->bytes);
	json_u64(j, "page_bytes", r->page_bytes);
	json_u64(j, "ns", r->ns);
	json_fixed(j, "gbps", memk_gbps_milli(r->bytes, r->ns), 3);
	json_str(j, "kernel", r->kernel);
	json_u64(j, "rep", r->rep);
	json_bool(j, "verified", r->verified);
}

/* --- the console table --------------------------------------------------- */

#define NS_PER_US 1000ull

void memk_table_reset(struct memk_table *t, uint64_t bound_bytes)
{
	t->nrows = 0;
	t->bound_bytes = bound_bytes;
	for (unsigned i = 0; i < ARRAY_SIZE(t->bound_ns); i++)
		t->bound_ns[i] = 0;
}

void memk_table_record(struct memk_table *t, const char *label,
		       unsigned threads, unsigned bound_threads,
		       uint64_t bytes, uint64_t ns, bool ok)
{
	struct memk_row *r = NULL;

	if (!strcmp(label, "bound") && threads < ARRAY_SIZE(t->bound_ns) &&
	    (!t->bound_ns[threads] || ns < t->bound_ns[threads]))
		t->bound_ns[threads] = ns;
	for (unsigned i = 0; i < t->nrows && !r; i++)
		if (!strcmp(t->rows[i].label, label) &&
		    t->rows[i].threads == threads &&
		    t->rows[i].bound_threads == bound_threads)
			r = &t->rows[i];
	if (!r) {
		if (t->nrows == MEMK_MAX_ROWS)
			return;
		r = &t->rows[t->nrows++];
		*r = (struct memk_row){ label, threads, bound_threads, bytes,
					UINT64_MAX, true };
	}
	r->ns = MIN(r->ns, ns);
	r->ok = r->ok && ok;
}

/* "1.234" from a value in thousandths. */
static const char *fx3(char *buf, size_t len, uint64_t milli)
{
	ksnprintf(buf, len, "%lu.%03lu", milli / 1000, milli % 1000);
	return buf;
}

void memk_table_print(const struct exp_ctx *c, const struct memk_table *t)
{
	const char *e = c->e->name;

	exp_log(c, "%s:   %-22s %7s %10s %8s %9s\n", e, "variant", "threads",
		"ms", "GB/s", "of bound");
	for (unsigned i = 0; i < t->nrows; i++) {
		const struct memk_row *r = &t->rows[i];
		uint64_t g = memk_gbps_milli(r->bytes, r->ns);
		uint64_t b = t->bound_ns[r->bound_threads];
		uint64_t bg = b ? memk_gbps_milli(t->bound_bytes, b) : 0;
		char ms[24], gb[24], ratio[24];

		exp_log(c, "%s:   %-22s %7u %10s %8s %9s%s\n", e, r->label,
			r->threads, fx3(ms, sizeof(ms), r->ns / NS_PER_US),
			fx3(gb, sizeof(gb), g),
			bg ? fx3(ratio, sizeof(ratio), g * 1000 / bg) : "-",
			r->ok ? "" : "  NOT VERIFIED");
	}
}

/* --- buffers ------------------------------------------------------------- */

static uint64_t alloc_on_node(uint64_t bytes, uint64_t align, int nid)
{
	if (nid < 0)
		return memblock_phys_alloc(bytes, align, 0);
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);
		uint64_t base = r->base, end = r->base + r->size, pa;

		if (r->nid != nid)
			continue;
		pa = memblock_phys_alloc_range(bytes, align, base, end);
		if (pa)
			return pa;
	}
	return 0;
}

uint64_t memk_alloc(uint64_t bytes, uint64_t align, int nid)
{
	uint64_t pa;

	while (align & (align - 1))	/* the highest power of two in it */
		align &= align - 1;
	align = MAX(align, PAGE_SIZE);
	pa = alloc_on_node(bytes, align, nid);
	if (!pa && align > HPAGE_SIZE)
		pa = alloc_on_node(bytes, HPAGE_SIZE, nid);
	return pa;
}

void memk_free(uint64_t pa, uint64_t bytes)
{
	if (pa)
		memblock_free(pa, bytes);
}

/* --- gangs --------------------------------------------------------------- */

static void gang_piece(void *arg, unsigned idx)
{
	struct memk_gang *g = arg;

	if (g->barrier) {
		__atomic_fetch_add(&g->arrived, 1, __ATOMIC_RELEASE);
		/* Pairs with the release store of go in memk_gang_run(). */
		while (!__atomic_load_n(&g->go, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	g->fn(g->arg, idx, g->n);
}

uint64_t memk_gang_run(struct memk_gang *g)
{
	uint64_t t0 = now_ns();

	g->arrived = 0;
	g->go = 0;
	for (unsigned i = 1; i < g->n; i++)
		smp_call_start(g->cpus[i], gang_piece, g, i);
	if (g->barrier) {
		/* Pairs with the helpers' release increments. */
		while (__atomic_load_n(&g->arrived, __ATOMIC_ACQUIRE) + 1 < g->n)
			cpu_relax();
		t0 = now_ns();
		__atomic_store_n(&g->go, 1, __ATOMIC_RELEASE);
	}
	g->fn(g->arg, 0, g->n);
	for (unsigned i = 1; i < g->n; i++)
		smp_call_wait(g->cpus[i]);
	return now_ns() - t0;
}

void memk_piece(uint64_t bytes, uint64_t align, unsigned idx, unsigned n,
		uint64_t *a, uint64_t *b)
{
	uint64_t units = DIV_ROUND_UP(bytes, align);

	*a = MIN(units * idx / n * align, bytes);
	*b = idx + 1 == n ? bytes : MIN(units * (idx + 1) / n * align, bytes);
}

/* --- whole-buffer helpers ------------------------------------------------ */

struct par_buf {
	unsigned char *buf;
	uint64_t bytes;
	uint64_t value;		/* seed or fill pattern */
	uint64_t bad;		/* lowest wrong offset found, BUFFER_MATCH if none */
	void (*block_fn)(struct par_buf *p, uint64_t off, uint64_t len,
			 uint64_t block);
};

static unsigned all_cpus[MAX_CPUS];

static void par_piece(void *arg, unsigned idx, unsigned n)
{
	struct par_buf *p = arg;
	uint64_t a, b;

	memk_piece(p->bytes, MEMK_PATTERN_BLOCK, idx, n, &a, &b);
	for (uint64_t off = a; off < b; off += MEMK_PATTERN_BLOCK)
		p->block_fn(p, off, MIN(MEMK_PATTERN_BLOCK, b - off),
			    off / MEMK_PATTERN_BLOCK);
}

/* Runs p->block_fn over every block of the buffer, on all online CPUs. */
static void par_run(struct par_buf *p)
{
	unsigned me = smp_this_cpu(), n = 0;
	struct memk_gang g = { .fn = par_piece, .arg = p, .cpus = all_cpus };

	all_cpus[n++] = me;
	for (unsigned i = 0; i < nr_cpus_online; i++)
		if (i != me)
			all_cpus[n++] = i;
	g.n = n;
	p->bad = BUFFER_MATCH;
	memk_gang_run(&g);
}

static void record_bad(struct par_buf *p, uint64_t off)
{
	uint64_t cur = __atomic_load_n(&p->bad, __ATOMIC_RELAXED);

	while (off < cur && !__atomic_compare_exchange_n(&p->bad, &cur, off,
			false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void blk_pattern(struct par_buf *p, uint64_t off, uint64_t len,
			uint64_t block)
{
	buffer_fill_pattern(p->buf + off, len, p->value + block);
}

static void blk_check_pattern(struct par_buf *p, uint64_t off, uint64_t len,
			      uint64_t block)
{
	size_t bad = buffer_check_pattern(p->buf + off, len, p->value + block);

	if (bad != BUFFER_MATCH)
		record_bad(p, off + bad);
}

/* Fills use the general-register stosq kernel: vector-free, correct for any
 * pattern, and never the kernel being measured. */
static void blk_fill(struct par_buf *p, uint64_t off, uint64_t len,
		     uint64_t block)
{
	fill_stosq(p->buf + off, p->value, len);
}

static void blk_check_zero(struct par_buf *p, uint64_t off, uint64_t len,
			   uint64_t block)
{
	size_t bad = buffer_check_zero(p->buf + off, len);

	if (bad != BUFFER_MATCH)
		record_bad(p, off + bad);
}

void memk_par_fill_pattern(void *buf, uint64_t bytes, uint64_t seed)
{
	struct par_buf p = { buf, bytes, seed, 0, blk_pattern };

	par_run(&p);
}

uint64_t memk_par_check_pattern(const void *buf, uint64_t bytes, uint64_t seed)
{
	struct par_buf p = { (void *)buf, bytes, seed, 0, blk_check_pattern };

	par_run(&p);
	return p.bad;
}

void memk_par_fill(void *buf, uint64_t bytes, uint64_t pattern64)
{
	struct par_buf p = { buf, bytes, pattern64, 0, blk_fill };

	par_run(&p);
}

uint64_t memk_par_check_zero(const void *buf, uint64_t bytes)
{
	struct par_buf p = { (void *)buf, bytes, 0, 0, blk_check_zero };

	par_run(&p);
	return p.bad;
}

/* --- kernel selection ---------------------------------------------------- */

struct select_bufs {
	uint64_t src_pa, dst_pa;
	unsigned char *src, *dst;
};

static bool select_bufs_get(struct select_bufs *s)
{
	s->src_pa = memk_alloc(MEMK_SELECT_BYTES, HPAGE_SIZE, -1);
	s->dst_pa = memk_alloc(MEMK_SELECT_BYTES, HPAGE_SIZE, -1);
	if (!s->src_pa || !s->dst_pa) {
		memk_free(s->src_pa, MEMK_SELECT_BYTES);
		memk_free(s->dst_pa, MEMK_SELECT_BYTES);
		return false;
	}
	s->src = phys_to_virt(s->src_pa);
	s->dst = phys_to_virt(s->dst_pa);
	return true;
}

static void select_bufs_put(struct select_bufs *s)
{
	memk_free(s->src_pa, MEMK_SELECT_BYTES);
	memk_free(s->dst_pa, MEMK_SELECT_BYTES);
}

static void emit_kernel_line(struct exp_ctx *c, const char *name,
			     uint64_t ns, bool ok, bool chosen)
{
	struct memk_result r = {
		.variant = "kernel", .threads = 1, .bytes = MEMK_SELECT_BYTES,
		.page_bytes = 0, .ns = ns, .verified = ok, .kernel = name,
	};
	struct json j;

	memk_json_begin(&j, c, &r);
	json_bool(&j, "chosen", chosen);
	json_end(&j);
}

/* Copies with k aligned (timed, best of MEMK_SELECT_REPS) and at odd
 * offsets; returns the best ns, and in *ok whether both copies are exact
 * and the bytes around the odd one untouched. */
static uint64_t try_copy(const struct copy_kernel *k, struct select_bufs *s,
			 bool *ok)
{
	const uint64_t n = MEMK_SELECT_BYTES, odd = n - MEMK_ODD_TRIM;
	uint64_t best = UINT64_MAX;

	for (unsigned r = 0; r < MEMK_SELECT_REPS; r++) {
		uint64_t t0;

		fill_stosq(s->dst, MEMK_POISON, n);
		t0 = now_ns();
		k->fn(s->dst, s->src, n);
		best = MIN(best, now_ns() - t0);
	}
	*ok = buffer_check_pattern(s->dst, n, MEMK_SEED) == BUFFER_MATCH;
	fill_stosq(s->dst, MEMK_POISON, n);
	k->fn(s->dst + MEMK_ODD_DST, s->src + MEMK_ODD_SRC, odd);
	*ok = *ok && buffer_checksum(s->dst + MEMK_ODD_DST, odd) ==
		     buffer_checksum(s->src + MEMK_ODD_SRC, odd) &&
	      buffer_check_fill(s->dst, MEMK_ODD_DST, MEMK_POISON) ==
		     BUFFER_MATCH &&
	      buffer_check_fill(s->dst + MEMK_ODD_DST + odd,
				n - MEMK_ODD_DST - odd, MEMK_POISON) ==
		     BUFFER_MATCH;
	return best;
}

static const struct copy_kernel *copy_choice;
static bool copy_chosen_once;

static const struct copy_kernel *select_copy(struct exp_ctx *c)
{
	uint64_t cost[MEMK_MAX_KERNELS];
	size_t n = MIN(copy_kernel_count(), ARRAY_SIZE(cost));
	unsigned mask = cpu_feature_mask(), bad = 0;
	struct select_bufs s;
	int best;

	if (!select_bufs_get(&s)) {
		report(false, "no memory for kernel selection");
		return NULL;
	}
	buffer_fill_pattern(s.src, MEMK_SELECT_BYTES, MEMK_SEED);
	for (size_t i = 0; i < n; i++) {
		const struct copy_kernel *k = copy_kernel_at(i);
		bool ok;

		cost[i] = MEMK_COST_SKIP;
		if (!copy_kernel_available(k, mask))
			continue;
		cost[i] = try_copy(k, &s, &ok);
		if (!ok) {
			report(false, "copy kernel %s copied wrongly", k->name);
			bad++;
			cost[i] = MEMK_COST_SKIP;
		}
	}
	select_bufs_put(&s);
	best = mem_kernel_pick(cost, n);
	for (size_t i = 0; i < n; i++)
		if (cost[i] != MEMK_COST_SKIP)
			emit_kernel_line(c, copy_kernel_at(i)->name, cost[i],
					 true, (int)i == best);
	report(!bad && best >= 0, "every available copy kernel copied the "
	       "same bytes (%u wrong), fastest %s", bad,
	       best >= 0 ? copy_kernel_at(best)->name : "none");
	return bad || best < 0 ? NULL : copy_kernel_at(best);
}

const struct copy_kernel *memk_select_copy(struct exp_ctx *c)
{
	const char *want = cmdline_kernel(c);
	const struct copy_kernel *k;

	if (!copy_chosen_once) {
		copy_choice = select_copy(c);
		copy_chosen_once = true;
	}
	if (!copy_choice || !want)
		return copy_choice;
	k = copy_kernel_find(want);
	if (!k || !copy_kernel_available(k, cpu_feature_mask())) {
		report(false, "kernel=%s is no copy kernel this CPU runs", want);
		return NULL;
	}
	return k;
}

/* Zeroes with k (timed, best of MEMK_SELECT_REPS) and fills an odd range
 * with a period-8 pattern; *ok when both are exact and nothing else moved. */
static uint64_t try_fill(const struct fill_kernel *k, struct select_bufs *s,
			 bool *ok)
{
	const uint64_t n = MEMK_SELECT_BYTES, odd = n - MEMK_ODD_TRIM;
	uint64_t best = UINT64_MAX;

	for (unsigned r = 0; r < MEMK_SELECT_REPS; r++) {
		uint64_t t0;

		fill_stosq(s->dst, MEMK_POISON, n);
		t0 = now_ns();
		k->fn(s->dst, 0, n);
		best = MIN(best, now_ns() - t0);
	}
	*ok = buffer_check_zero(s->dst, n) == BUFFER_MATCH;
	fill_stosq(s->dst, MEMK_POISON, n);
	k->fn(s->dst + MEMK_ODD_DST, MEMK_FILL_TEST, odd);
	*ok = *ok &&
	      buffer_check_fill(s->dst + MEMK_ODD_DST, odd, MEMK_FILL_TEST) ==
		     BUFFER_MATCH &&
	      buffer_check_fill(s->dst, MEMK_ODD_DST, MEMK_POISON) ==
		     BUFFER_MATCH &&
	      buffer_check_fill(s->dst + MEMK_ODD_DST + odd,
				n - MEMK_ODD_DST - odd, MEMK_POISON) ==
		     BUFFER_MATCH;
	return best;
}

static const struct fill_kernel *fill_choice[2];	/* [is_nt] */
static uint64_t fill_cost[MEMK_MAX_KERNELS];	/* selection's ns, by index */
static bool fill_chosen_once, fill_select_ok;

static int select_fill(struct exp_ctx *c)
{
	uint64_t cost[MEMK_MAX_KERNELS], kind_cost[MEMK_MAX_KERNELS];
	size_t n = MIN(fill_kernel_count(), ARRAY_SIZE(cost));
	unsigned mask = cpu_feature_mask(), bad = 0;
	struct select_bufs s;

	if (!select_bufs_get(&s)) {
		report(false, "no memory for kernel selection");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct fill_kernel *k = fill_kernel_at(i);
		bool ok;

		cost[i] = MEMK_COST_SKIP;
		if (!fill_kernel_available(k, mask))
			continue;
		cost[i] = try_fill(k, &s, &ok);
		if (!ok) {
			report(false, "fill kernel %s filled wrongly", k->name);
			bad++;
			cost[i] = MEMK_COST_SKIP;
		}
	}
	select_bufs_put(&s);
	for (size_t i = 0; i < n; i++)
		fill_cost[i] = cost[i];
	for (int nt = 0; nt < 2; nt++) {
		int best;

		for (size_t i = 0; i < n; i++)
			kind_cost[i] = memk_fill_is_nt(fill_kernel_at(i)) == nt ?
				       cost[i] : MEMK_COST_SKIP;
		best = mem_kernel_pick(kind_cost, n);
		fill_choice[nt] = best < 0 ? NULL : fill_kernel_at(best);
	}
	for (size_t i = 0; i < n; i++)
		if (cost[i] != MEMK_COST_SKIP)
			emit_kernel_line(c, fill_kernel_at(i)->name, cost[i], true,
					 fill_kernel_at(i) == fill_choice[0] ||
					 fill_kernel_at(i) == fill_choice[1]);
	report(!bad && fill_choice[0], "every available fill kernel zeroed "
	       "and filled exactly (%u wrong), fastest %s, non-temporal %s", bad, fill_choice[0] ? fill_choice[0]->name : "none",
	       fill_choice[1] ? fill_choice[1]->name : "none");
	return bad || !fill_choice[0] ? -1 : 0;
}

const struct fill_kernel *memk_fastest_fill(const struct fill_kernel *cached,
					    const struct fill_kernel *nt)
{
	uint64_t cc = MEMK_COST_SKIP, cn = MEMK_COST_SKIP;

	for (size_t i = 0; i < MIN(fill_kernel_count(), MEMK_MAX_KERNELS); i++) {
		if (fill_kernel_at(i) == cached)
			cc = fill_cost[i];
		if (fill_kernel_at(i) == nt)
			cn = fill_cost[i];
	}
	return nt && cn < cc ? nt : cached;
}

int memk_select_fill(struct exp_ctx *c, const struct fill_kernel **cached,
		     const struct fill_kernel **nt)
{
	const char *want = cmdline_kernel(c);
	const struct fill_kernel *k;

	if (!fill_chosen_once) {
		fill_select_ok = !select_fill(c);
		fill_chosen_once = true;
	}
	if (!fill_select_ok)
		return -1;
	*cached = fill_choice[0];
	*nt = fill_choice[1];
	if (!want)
		return 0;
	k = fill_kernel_find(want);
	if (!k || !fill_kernel_available(k, cpu_feature_mask())) {
		report(false, "kernel=%s is no fill kernel this CPU runs", want);
		return -1;
	}
	*(memk_fill_is_nt(k) ? nt : cached) = k;
	return 0;
}
