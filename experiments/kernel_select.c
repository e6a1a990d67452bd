/* Choosing the copy and fill kernels (mm/copy.h) by measuring them on
 * this boot, once, and checking that each copies or fills exactly, aligned
 * and not (kernel_select.h).
 *
 * Why measure instead of reading CPUID: under QEMU TCG the translator, not
 * the silicon, decides what is fast (rep stosb is ~8x slower than SSE
 * stores there, the reverse of ERMS hardware); docs/copy.md. */
#include "experiments/kernel_select.h"
#include "experiments/buffers.h"
#include "experiments/params.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/tsc.h"
#include "lib/report.h"
#include "lib/string.h"

#define KSEL_SEED        0x5eed0c0b1e5ull
#define KSEL_POISON      0xccccccccccccccccull /* what no copy produces */
#define KSEL_FILL_TEST   0x0123456789abcdefull /* period 8: every byte differs */
/* The unaligned check: odd offsets and an odd length exercise every
 * kernel's head and tail paths. */
#define KSEL_ODD_SRC     3
#define KSEL_ODD_DST     5
#define KSEL_ODD_TRIM    11
#define KSEL_MAX_KERNELS 16	/* of a family; mm/copy.c has 7 and 8 */

bool fill_kernel_is_nt(const struct fill_kernel *k)
{
	return !strncmp(k->name, "nt", 2);
}

/* The kernel named by kernel=, when the experiment takes that key; else
 * NULL: measure and pick. */
static const char *cmdline_kernel(const struct exp_ctx *c)
{
	return exp_declares(c, "kernel") ? cmdline_choice(c->opts, "kernel")
					 : NULL;
}

struct select_bufs {
	uint64_t src_pa, dst_pa;
	unsigned char *src, *dst;
};

static bool select_bufs_get(struct select_bufs *s)
{
	s->src_pa = exp_buf_alloc(KSEL_BYTES, HPAGE_SIZE, -1);
	s->dst_pa = exp_buf_alloc(KSEL_BYTES, HPAGE_SIZE, -1);
	if (!s->src_pa || !s->dst_pa) {
		exp_buf_free(s->src_pa, KSEL_BYTES);
		exp_buf_free(s->dst_pa, KSEL_BYTES);
		return false;
	}
	s->src = phys_to_virt(s->src_pa);
	s->dst = phys_to_virt(s->dst_pa);
	return true;
}

static void select_bufs_put(struct select_bufs *s)
{
	exp_buf_free(s->src_pa, KSEL_BYTES);
	exp_buf_free(s->dst_pa, KSEL_BYTES);
}

/* One record per kernel that measured correctly ("variant":"kernel"). */
static void emit_kernel_line(struct exp_ctx *c, const char *name,
			     uint64_t ns, bool ok, bool chosen)
{
	struct exp_result r = { .variant = "kernel", .threads = 1,
				.bytes = KSEL_BYTES, .ns = ns, .checked = true,
				.verified = ok };
	struct json *j;

	exp_result_key(&r, "kernel", name);
	j = exp_result_begin(c, &r);
	json_bool(j, "chosen", chosen);
	exp_result_end(c, &r);
}

/* Copies with k aligned (timed, best of KSEL_REPS) and at odd
 * offsets; returns the best ns, and in *ok whether both copies are exact
 * and the bytes around the odd one untouched. */
static uint64_t try_copy(const struct copy_kernel *k, struct select_bufs *s,
			 bool *ok)
{
	const uint64_t n = KSEL_BYTES, odd = n - KSEL_ODD_TRIM;
	uint64_t best = UINT64_MAX;

	for (unsigned r = 0; r < KSEL_REPS; r++) {
		uint64_t t0;

		fill_stosq(s->dst, KSEL_POISON, n);
		t0 = now_ns();
		k->fn(s->dst, s->src, n);
		best = MIN(best, now_ns() - t0);
	}
	*ok = buffer_check_pattern(s->dst, n, KSEL_SEED) == BUFFER_MATCH;
	fill_stosq(s->dst, KSEL_POISON, n);
	k->fn(s->dst + KSEL_ODD_DST, s->src + KSEL_ODD_SRC, odd);
	*ok = *ok && buffer_checksum(s->dst + KSEL_ODD_DST, odd) ==
		     buffer_checksum(s->src + KSEL_ODD_SRC, odd) &&
	      buffer_check_fill(s->dst, KSEL_ODD_DST, KSEL_POISON) ==
		     BUFFER_MATCH &&
	      buffer_check_fill(s->dst + KSEL_ODD_DST + odd,
				n - KSEL_ODD_DST - odd, KSEL_POISON) ==
		     BUFFER_MATCH;
	return best;
}

static const struct copy_kernel *copy_choice;
static bool copy_chosen_once;

/* One family of kernels (copy or fill), seen by index. */
struct kernel_family {
	const char *what;	/* "copy", "fill": for messages */
	size_t n;
	const char *(*name)(size_t i);
	bool (*available)(size_t i, unsigned cpu_mask);
	/* Times kernel i on s; *ok when it was exact. */
	uint64_t (*time)(size_t i, struct select_bufs *s, bool *ok);
};

/* Every kernel mm/copy.c has must be a kernel= choice (params.c). */
static bool named(const char *name)
{
	for (const char *const *c = param_kernel.choices; *c; c++)
		if (!strcmp(*c, name))
			return true;
	return false;
}

/* Times every available kernel of f into cost[] (MEMK_COST_SKIP for the
 * unavailable and the wrong ones); returns how many were wrong, -1 when
 * there was no memory for the test buffers. */
static int time_family(const struct kernel_family *f, uint64_t *cost)
{
	unsigned mask = cpu_feature_mask(), bad = 0;
	struct select_bufs s;

	if (!select_bufs_get(&s)) {
		report(false, "no memory for kernel selection");
		return -1;
	}
	buffer_fill_pattern(s.src, KSEL_BYTES, KSEL_SEED);
	for (size_t i = 0; i < f->n; i++) {
		bool ok;

		cost[i] = MEMK_COST_SKIP;
		if (!named(f->name(i)))
			report(false, "%s kernel %s is missing from kernel='s "
			       "choices (experiments/params.c)", f->what, f->name(i));
		if (!f->available(i, mask))
			continue;
		cost[i] = f->time(i, &s, &ok);
		if (!ok) {
			report(false, "%s kernel %s gave wrong bytes", f->what,
			       f->name(i));
			bad++;
			cost[i] = MEMK_COST_SKIP;
		}
	}
	select_bufs_put(&s);
	return (int)bad;
}

/* One record per kernel that measured correctly. */
static void emit_family(struct exp_ctx *c, const struct kernel_family *f,
			const uint64_t *cost, const bool *chosen)
{
	for (size_t i = 0; i < f->n; i++)
		if (cost[i] != MEMK_COST_SKIP)
			emit_kernel_line(c, f->name(i), cost[i], true, chosen[i]);
}

static const char *copy_name(size_t i)
{
	return copy_kernel_at(i)->name;
}

static bool copy_available(size_t i, unsigned mask)
{
	return copy_kernel_available(copy_kernel_at(i), mask);
}

static uint64_t copy_time(size_t i, struct select_bufs *s, bool *ok)
{
	return try_copy(copy_kernel_at(i), s, ok);
}

static const struct copy_kernel *select_copy(struct exp_ctx *c)
{
	const struct kernel_family f = {
		"copy", MIN(copy_kernel_count(), (size_t)KSEL_MAX_KERNELS),
		copy_name, copy_available, copy_time,
	};
	uint64_t cost[KSEL_MAX_KERNELS];
	bool chosen[KSEL_MAX_KERNELS] = { false };
	int bad = time_family(&f, cost), best;

	if (bad < 0)
		return NULL;
	best = mem_kernel_pick(cost, f.n);
	if (best >= 0)
		chosen[best] = true;
	emit_family(c, &f, cost, chosen);
	report(!bad && best >= 0, "every available copy kernel copied the "
	       "same bytes (%d wrong), fastest %s", bad,
	       best >= 0 ? copy_kernel_at(best)->name : "none");
	return bad || best < 0 ? NULL : copy_kernel_at(best);
}

const struct copy_kernel *kernel_select_copy(struct exp_ctx *c)
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

/* Zeroes with k (timed, best of KSEL_REPS) and fills an odd range
 * with a period-8 pattern; *ok when both are exact and nothing else moved. */
static uint64_t try_fill(const struct fill_kernel *k, struct select_bufs *s,
			 bool *ok)
{
	const uint64_t n = KSEL_BYTES, odd = n - KSEL_ODD_TRIM;
	uint64_t best = UINT64_MAX;

	for (unsigned r = 0; r < KSEL_REPS; r++) {
		uint64_t t0;

		fill_stosq(s->dst, KSEL_POISON, n);
		t0 = now_ns();
		k->fn(s->dst, 0, n);
		best = MIN(best, now_ns() - t0);
	}
	*ok = buffer_check_zero(s->dst, n) == BUFFER_MATCH;
	fill_stosq(s->dst, KSEL_POISON, n);
	k->fn(s->dst + KSEL_ODD_DST, KSEL_FILL_TEST, odd);
	*ok = *ok &&
	      buffer_check_fill(s->dst + KSEL_ODD_DST, odd, KSEL_FILL_TEST) ==
		     BUFFER_MATCH &&
	      buffer_check_fill(s->dst, KSEL_ODD_DST, KSEL_POISON) ==
		     BUFFER_MATCH &&
	      buffer_check_fill(s->dst + KSEL_ODD_DST + odd,
				n - KSEL_ODD_DST - odd, KSEL_POISON) ==
		     BUFFER_MATCH;
	return best;
}

static const struct fill_kernel *fill_choice[2];	/* [is_nt] */
static uint64_t fill_cost[KSEL_MAX_KERNELS];	/* selection's ns, by index */
static bool fill_chosen_once, fill_select_ok;

static const char *fill_name(size_t i)
{
	return fill_kernel_at(i)->name;
}

static bool fill_available(size_t i, unsigned mask)
{
	return fill_kernel_available(fill_kernel_at(i), mask);
}

static uint64_t fill_time(size_t i, struct select_bufs *s, bool *ok)
{
	return try_fill(fill_kernel_at(i), s, ok);
}

/* The fastest of one kind (cached or non-temporal stores), or NULL. */
static const struct fill_kernel *fastest_of_kind(const uint64_t *cost,
						 size_t n, bool nt)
{
	uint64_t kind_cost[KSEL_MAX_KERNELS];
	int best;

	for (size_t i = 0; i < n; i++)
		kind_cost[i] = fill_kernel_is_nt(fill_kernel_at(i)) == nt ?
			       cost[i] : MEMK_COST_SKIP;
	best = mem_kernel_pick(kind_cost, n);
	return best < 0 ? NULL : fill_kernel_at(best);
}

static int select_fill(struct exp_ctx *c)
{
	const struct kernel_family f = {
		"fill", MIN(fill_kernel_count(), (size_t)KSEL_MAX_KERNELS),
		fill_name, fill_available, fill_time,
	};
	bool chosen[KSEL_MAX_KERNELS];
	int bad = time_family(&f, fill_cost);

	if (bad < 0)
		return -1;
	for (int nt = 0; nt < 2; nt++)
		fill_choice[nt] = fastest_of_kind(fill_cost, f.n, nt);
	for (size_t i = 0; i < f.n; i++)
		chosen[i] = fill_kernel_at(i) == fill_choice[0] ||
			    fill_kernel_at(i) == fill_choice[1];
	emit_family(c, &f, fill_cost, chosen);
	report(!bad && fill_choice[0], "every available fill kernel zeroed "
	       "and filled exactly (%d wrong), fastest %s, non-temporal %s",
	       bad, fill_choice[0] ? fill_choice[0]->name : "none",
	       fill_choice[1] ? fill_choice[1]->name : "none");
	return bad || !fill_choice[0] ? -1 : 0;
}

const struct fill_kernel *kernel_fastest_fill(const struct fill_kernel *cached,
					    const struct fill_kernel *nt)
{
	uint64_t cc = MEMK_COST_SKIP, cn = MEMK_COST_SKIP;

	for (size_t i = 0; i < MIN(fill_kernel_count(), KSEL_MAX_KERNELS); i++) {
		if (fill_kernel_at(i) == cached)
			cc = fill_cost[i];
		if (fill_kernel_at(i) == nt)
			cn = fill_cost[i];
	}
	return nt && cn < cc ? nt : cached;
}

int kernel_select_fill(struct exp_ctx *c, const struct fill_kernel **cached,
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
	*(fill_kernel_is_nt(k) ? nt : cached) = k;
	return 0;
}
