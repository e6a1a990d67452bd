/* Host tests of the demand-fault queues (mm/fault_queue.h) and of
 * lib/percentile.h. Faulting CPUs and resolvers are pthreads (built with
 * ThreadSanitizer: test_demand); a "page" is 64 bytes of a source array
 * copied into a frame array, and a waiter spins (bounded) on its fault's
 * done flag where the kernel halts until a wake IPI. Checked: every mode
 * at share 0, 50 and 100 % fills each page exactly once with the source's
 * contents and wakes every posted fault once; a fault still pending when
 * another filled its page is woken by its own resolve (-EEXIST); the
 * injected lost wake-up is found by the bounded wait, the injected double
 * fill by the fill count. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/percentile.h"
#include "lib/report.h"
#include "mm/fault_queue.h"

#define NF_MAX   8            /* faulting threads */
#define NR_MAX   4            /* resolver threads */
#define PER      256          /* pages each faulting thread touches */
#define PAGES    (NF_MAX * PER)
#define PAGE_B   64
#define BOUND_NS (5ull * 1000 * 1000 * 1000)

struct h {
	struct fq fq;
	struct fq_queue queues[NF_MAX];
	uint32_t state[PAGES], fills[PAGES];
	uint8_t src[PAGES][PAGE_B], dst[PAGES][PAGE_B];
	struct fq_fault rec[NF_MAX][PER];   /* never reused: see driver */
	unsigned nf, nr, share_pct;
	uint64_t bound_ns;
	uint32_t done_threads;              /* atomic */
	uint64_t posted, timeouts, wrong;   /* atomic */
};

struct arg {
	struct h *h;
	unsigned idx;
};

static uint64_t h_clock(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void h_fill(void *ctx, uint64_t page)
{
	struct h *h = ctx;

	memcpy(h->dst[page], h->src[page], PAGE_B);
}

static void h_wake(void *ctx, unsigned cpu)
{
	(void)ctx;
	(void)cpu;   /* the waiter spins on done: nothing to send */
}

static uint64_t shared_pages(const struct h *h)
{
	return PER * h->share_pct / 100;
}

/* Same layout as experiments/demand.c: shared pages first, then own. */
static uint64_t page_of(const struct h *h, unsigned idx, uint64_t i)
{
	uint64_t s = shared_pages(h);

	return i < s ? i : s + idx * (PER - s) + (i - s);
}

static uint64_t region(const struct h *h)
{
	return shared_pages(h) + h->nf * (PER - shared_pages(h));
}

static bool wait_done(const struct h *h, const struct fq_fault *f)
{
	uint64_t t0 = h_clock(NULL);

	while (!__atomic_load_n(&f->done, __ATOMIC_ACQUIRE))
		if (h_clock(NULL) - t0 > h->bound_ns)
			return false;
	return true;
}

/* One fault on page: the kernel's #PF handler, minus the hardware. */
static void fault(struct h *h, unsigned idx, uint64_t i, uint64_t page)
{
	struct fq_fault *f = &h->rec[idx][i];

	if (h->fq.mode == FQ_SELF) {
		fq_fill_once(&h->fq, page);
		return;
	}
	*f = (struct fq_fault){ .page = page, .cpu = idx };
	__atomic_fetch_add(&h->posted, 1, __ATOMIC_RELAXED);
	fq_post(&h->fq, fq_queue_of(&h->fq, idx), f);
	if (!wait_done(h, f)) {
		__atomic_fetch_add(&h->timeouts, 1, __ATOMIC_RELAXED);
		fq_fill_once(&h->fq, page);   /* what the driver does next */
	}
}

static void *faulter(void *p)
{
	struct arg *a = p;
	struct h *h = a->h;

	for (uint64_t i = 0; i < PER; i++) {
		uint64_t page = page_of(h, a->idx, i);

		/* "Not present": the kernel would not fault on a mapped page. */
		if (!fq_page_done(&h->fq, page))
			fault(h, a->idx, i, page);
		if (!fq_page_done(&h->fq, page) ||
		    memcmp(h->dst[page], h->src[page], PAGE_B))
			__atomic_fetch_add(&h->wrong, 1, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&h->done_threads, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *resolver(void *p)
{
	struct arg *a = p;
	struct h *h = a->h;

	while (__atomic_load_n(&h->done_threads, __ATOMIC_ACQUIRE) < h->nf)
		for (unsigned q = 0; q < h->fq.nqueues; q++)
			if (h->fq.mode == FQ_GLOBAL || q % h->nr == a->idx)
				fq_resolve_one(&h->fq, q);
	return NULL;
}

static struct h *h_new(enum fq_mode mode, unsigned nf, unsigned nr,
		       unsigned share, uint64_t bound_ns)
{
	struct h *h = calloc(1, sizeof(*h));
	struct fq_ops ops = { .fill = h_fill, .wake = h_wake,
			      .clock = h_clock, .ctx = h,
			      .fill_wait_ns = BOUND_NS };
	unsigned nq = mode == FQ_GLOBAL ? 1 : mode == FQ_PERCPU ? nf : 0;

	h->nf = nf;
	h->nr = mode == FQ_SELF ? 0 : nr;
	h->share_pct = share;
	h->bound_ns = bound_ns;
	for (unsigned pg = 0; pg < PAGES; pg++)
		for (unsigned b = 0; b < PAGE_B; b++)
			h->src[pg][b] = (uint8_t)(pg * 31 + b * 7 + 1);
	fq_init(&h->fq, mode, h->queues, nq, h->state, h->fills, region(h),
		&ops);
	return h;
}

static void h_run(struct h *h)
{
	pthread_t t[NF_MAX + NR_MAX];
	struct arg a[NF_MAX + NR_MAX];
	unsigned n = h->nf + h->nr;

	for (unsigned i = 0; i < n; i++) {
		a[i] = (struct arg){ h, i < h->nf ? i : i - h->nf };
		pthread_create(&t[i], NULL, i < h->nf ? faulter : resolver,
			       &a[i]);
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* Pages filled exactly `want` times, the others once. */
static uint64_t fills_not(const struct h *h, uint32_t want)
{
	uint64_t n = 0;

	for (uint64_t pg = 0; pg < region(h); pg++)
		n += h->fills[pg] != want;
	return n;
}

static uint64_t left_in_queues(const struct h *h)
{
	uint64_t n = 0;

	for (unsigned q = 0; q < h->fq.nqueues; q++) {
		for (struct fq_fault *f = h->queues[q].pending; f; f = f->next)
			n++;
		for (struct fq_fault *f = h->queues[q].waiting; f; f = f->next)
			n++;
	}
	return n;
}

static const char *const mode_name[] = { "global", "percpu", "self" };

static void test_mode(enum fq_mode m, unsigned share)
{
	struct h *h = h_new(m, 4, 2, share, BOUND_NS);

	h_run(h);
	report(!fills_not(h, 1), "%s share=%u: every page filled once",
	       mode_name[m], share);
	report(!h->wrong, "%s share=%u: every page read back right after "
	       "its fault", mode_name[m], share);
	report(!h->timeouts && !left_in_queues(h),
	       "%s share=%u: no wait timed out, no fault left queued",
	       mode_name[m], share);
	if (m != FQ_SELF)
		report(h->fq.wakeups == h->posted, "%s share=%u: %lu posted, "
		       "%lu woken", mode_name[m], share, h->posted,
		       h->fq.wakeups);
	if (!share)
		report(!h->fq.duplicates, "%s share=0: no duplicate resolve",
		       mode_name[m]);
	free(h);
}

/* Peter Xu's answer in the thread: a fault still pending when another
 * resolve filled its page is woken by its own resolve, which sees
 * -EEXIST (FQ_EXISTS). Single-threaded, step by step. */
static void test_pending_woken_by_exists(void)
{
	struct h *h = h_new(FQ_GLOBAL, 2, 1, 100, BOUND_NS);
	struct fq_fault *a = &h->rec[0][0], *b = &h->rec[1][0];

	*a = (struct fq_fault){ .page = 5, .cpu = 0 };
	*b = (struct fq_fault){ .page = 5, .cpu = 1 };
	report(!fq_pending(&h->fq, 0), "an empty queue has nothing pending");
	fq_post(&h->fq, 0, a);
	fq_post(&h->fq, 0, b);
	report(fq_pending(&h->fq, 0), "a posted fault is pending");
	report(fq_resolve_one(&h->fq, 0) && a->done && !b->done &&
	       h->fills[5] == 1, "the first resolve fills and wakes the "
	       "waiter it took; the pending one still waits");
	report(fq_resolve_one(&h->fq, 0) && b->done && h->fills[5] == 1 &&
	       h->fq.duplicates == 1, "the second resolve sees EEXIST, "
	       "fills nothing and wakes its waiter");
	report(!fq_resolve_one(&h->fq, 0) && !left_in_queues(h) &&
	       !fq_pending(&h->fq, 0),
	       "then the queue is empty");
	report(fq_fill_once(&h->fq, 5) == FQ_EXISTS &&
	       fq_fill_once(&h->fq, 6) == FQ_FILLED,
	       "fq_fill_once: EEXIST on a filled page, FILLED on a new one");
	free(h);
}

static void test_lost_wake(void)
{
	struct h *h = h_new(FQ_GLOBAL, 2, 1, 0, 100ull * 1000 * 1000);

	h->fq.inject_lost_wake = true;
	h_run(h);
	report(h->timeouts == 1 && h->fq.wakeups == h->posted - 1,
	       "inject lost wake: the bounded wait finds it (%lu timeouts, "
	       "%lu posted, %lu woken)", h->timeouts, h->posted,
	       h->fq.wakeups);
	report(!fills_not(h, 1) && !h->wrong,
	       "inject lost wake: the pages are still filled once");
	free(h);
}

static void test_double_fill(void)
{
	for (enum fq_mode m = FQ_GLOBAL; m <= FQ_SELF; m++) {
		struct h *h = h_new(m, 3, 2, 50, BOUND_NS);

		h->fq.inject_double_fill = true;
		h_run(h);
		report(fills_not(h, 1) == 1 && fills_not(h, 2) ==
		       region(h) - 1, "%s inject double fill: one page "
		       "filled twice, the fill count shows it", mode_name[m]);
		free(h);
	}
}

static void test_queue_of(void)
{
	struct h *h = h_new(FQ_PERCPU, 8, 2, 0, BOUND_NS);
	bool distinct = true;

	for (unsigned c = 0; c < 8; c++)
		distinct &= fq_queue_of(&h->fq, c) == c;
	report(distinct, "percpu: each faulting CPU has its own queue");
	free(h);
	h = h_new(FQ_GLOBAL, 8, 2, 0, BOUND_NS);
	report(fq_queue_of(&h->fq, 7) == 0, "global: every CPU posts to queue 0");
	free(h);
}

static void test_percentile(void)
{
	uint32_t v[100], one = 7;

	for (unsigned i = 0; i < 100; i++)
		v[i] = (i * 37) % 100 + 1;    /* 1..100 shuffled */
	pct_sort_u32(v, 100);
	report(v[0] == 1 && v[99] == 100, "percentile: sorted");
	report(pct_sorted_u32(v, 100, 50) == 50 &&
	       pct_sorted_u32(v, 100, 99) == 99 &&
	       pct_sorted_u32(v, 100, 100) == 100,
	       "percentile: nearest rank p50 = 50, p99 = 99, p100 = 100");
	pct_sort_u32(&one, 1);
	report(pct_sorted_u32(&one, 1, 50) == 7 && pct_sorted_u32(v, 0, 50) == 0,
	       "percentile: one sample, and none");
}

int main(void)
{
	test_percentile();
	test_queue_of();
	test_pending_woken_by_exists();
	for (enum fq_mode m = FQ_GLOBAL; m <= FQ_SELF; m++)
		for (unsigned share = 0; share <= 100; share += 50)
			test_mode(m, share);
	test_lost_wake();
	test_double_fill();
	return report_summary();
}
