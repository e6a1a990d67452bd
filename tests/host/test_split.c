/* Host tests of dirty logging over experiment page tables (mm/dirty_log.h):
 * the bitmap (mark, get-and-clear moves every bit once), lazy enable (huge
 * leaves read-only) and the slow fault splitting 2 MiB and 1 GiB leaves
 * down to 4 KiB with one flush per split, the fast fault on 4 KiB leaves,
 * eager split of a range (serial, and threads racing on one 1 GiB leaf),
 * clear protecting exactly the pages named, disable; every page keeps its
 * frame throughout. Eight threads fault on the same huge leaves under a
 * reader lock (lib/rwlock.h), as KVM's TDP MMU, built under ThreadSanitizer:
 * each page marked once, one split per leaf. Table pages come from
 * aligned_alloc; mapped "physical" addresses are never touched. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "lib/rwlock.h"
#include "mm/dirty_log.h"
#include "tests/host/xpt_hmem.h"

#define XBASE   0xffffe00000000000ull   /* arch/x86_64/xas.h's window */
#define PA0     0x40000000ull           /* 1 GiB aligned, never touched */
#define M2      (2 * MiB)
#define THREADS 8

/* One region: a tree, its dirty log, and the flushes asked for. */
struct region {
	struct hmem h;
	struct xpt pt;
	struct dirty_log d;
	uint64_t *bitmap, *got;
	long flushes;           /* atomic */
	uint64_t flushed_bytes; /* atomic */
};

static void count_flush(void *ctx, uint64_t va, uint64_t size)
{
	struct region *r = ctx;

	(void)va;
	__atomic_fetch_add(&r->flushes, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->flushed_bytes, size, __ATOMIC_RELAXED);
}

static void region_init(struct region *r, uint64_t bytes, uint64_t page_size)
{
	uint64_t words = DIRTY_LOG_WORDS(bytes / XPT_PAGE);

	memset(r, 0, sizeof(*r));
	hmem_init(&r->h);
	r->bitmap = calloc(words, 8);
	r->got = calloc(words, 8);
	if (xpt_init(&r->pt, &r->h.mem, 3, XBASE) ||
	    xpt_map(&r->pt, XBASE, PA0, bytes, page_size, XPT_W))
		report(false, "set-up: map %lu bytes", (unsigned long)bytes);
	r->d = (struct dirty_log){ .pt = &r->pt, .base = XBASE,
				   .pages = bytes / XPT_PAGE,
				   .bitmap = r->bitmap, .flush = count_flush,
				   .flush_ctx = r };
}

static void region_fini(struct region *r)
{
	xpt_destroy(&r->pt);
	free(r->bitmap);
	free(r->got);
	report(r->h.allocs == r->h.frees, "no table page leaked (%ld)",
	       r->h.allocs);
}

static uint64_t va_of(uint64_t page)
{
	return XBASE + page * XPT_PAGE;
}

/* Every page maps its own frame; `writable` says which must be writable
 * (NULL: none). Returns the pages that break it. */
static uint64_t bad_pages(struct region *r, const uint64_t *writable)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < r->d.pages; p++) {
		struct xpt_leaf l;
		bool ok, w = writable && dirty_log_test(writable, p);

		bad += xpt_translate(&r->pt, va_of(p), &ok) != PA0 + p * XPT_PAGE ||
		       !ok || !xpt_walk(&r->pt, va_of(p), &l) ||
		       !!(*l.pte & XPT_W) != w;
	}
	return bad;
}

static uint64_t leaves(struct region *r, uint64_t size)
{
	return xpt_count(&r->pt, XBASE, r->d.pages * XPT_PAGE, size, 0, 0);
}

static void test_bitmap(void)
{
	struct region r;
	uint64_t n;

	region_init(&r, 4 * M2, M2);
	dirty_log_mark(&r.d, 0);
	dirty_log_mark(&r.d, 63);
	dirty_log_mark(&r.d, 64);
	dirty_log_mark(&r.d, 64);
	dirty_log_mark(&r.d, r.d.pages - 1);
	report(dirty_log_test(r.bitmap, 63) && !dirty_log_test(r.bitmap, 62),
	       "bitmap: mark and test");
	dirty_log_unmark(&r.d, 63);
	report(!dirty_log_test(r.bitmap, 63), "bitmap: unmark");
	n = dirty_log_get_clear(&r.d, r.got, 0, DIRTY_LOG_WORDS(r.d.pages));
	report(n == 3 && dirty_log_test(r.got, 0) && dirty_log_test(r.got, 64) &&
	       dirty_log_test(r.got, r.d.pages - 1), "get: 3 bits moved");
	n = dirty_log_get_clear(&r.d, r.got, 0, DIRTY_LOG_WORDS(r.d.pages));
	report(n == 0 && !r.got[0], "get again: the bitmap was cleared");
	region_fini(&r);
}

/* Lazy: 2 MiB or 1 GiB leaves write-protected; a write to page p takes
 * the slow path once per huge leaf and the fast path after. */
static void test_lazy(uint64_t bytes, uint64_t page_size, unsigned depth)
{
	struct region r;
	unsigned splits;
	uint64_t p = 3 * 512 + 7, q = p + 1;   /* in the same 2 MiB */

	region_init(&r, bytes, page_size);
	report(dirty_log_protect(&r.d) == (int64_t)(bytes / page_size) &&
	       bad_pages(&r, NULL) == 0, "lazy %luM: enable write-protects "
	       "every huge leaf", (unsigned long)(page_size / MiB));
	report(dirty_log_fault_fast(&r.d, va_of(p)) == DIRTY_FAULT_HUGE &&
	       !dirty_log_test(r.bitmap, p), "fast path leaves huge leaves alone");
	report(dirty_log_fault_slow(&r.d, va_of(p), &splits) == DIRTY_FAULT_FIXED &&
	       splits == depth && r.flushes == (long)depth,
	       "slow path: %u splits, one flush each", depth);
	report(dirty_log_fault_fast(&r.d, va_of(q) + 8) == DIRTY_FAULT_FIXED,
	       "next page of the split leaf: fast path");
	report(dirty_log_fault_fast(&r.d, va_of(q)) == DIRTY_FAULT_SPURIOUS,
	       "again: spurious");
	dirty_log_get_clear(&r.d, r.got, 0, DIRTY_LOG_WORDS(r.d.pages));
	report(bad_pages(&r, r.got) == 0 && dirty_log_test(r.got, p) &&
	       dirty_log_test(r.got, q), "exactly p and q writable and dirty");
	report(dirty_log_clear(&r.d, r.got) == 2 && bad_pages(&r, NULL) == 0,
	       "clear write-protects them again");
	report(dirty_log_fault_fast(&r.d, XBASE + bytes) == DIRTY_FAULT_BAD &&
	       dirty_log_fault_slow(&r.d, XBASE - 4096, &splits) == DIRTY_FAULT_BAD,
	       "outside the region: bad");
	report(dirty_log_disable(&r.d) > 0 && leaves(&r, 0) ==
	       bytes / page_size - 1 + (depth == 2 ? 511 : 0) + 512,
	       "disable: every leaf writable, the split stays");
	region_fini(&r);
}

static void test_eager(uint64_t bytes, uint64_t page_size)
{
	struct region r;
	uint64_t huge = bytes / page_size;
	int64_t splits;
	unsigned s;

	region_init(&r, bytes, page_size);
	splits = dirty_log_split_range(&r.d, 0, r.d.pages);
	report(splits == (int64_t)(bytes / M2 + (page_size == GiB ? huge : 0)) &&
	       leaves(&r, XPT_PAGE) == r.d.pages && bad_pages(&r, NULL) == 0 &&
	       r.flushes == 0, "eager %luM: %ld splits, every page 4 KiB, "
	       "read-only, same frame", (unsigned long)(page_size / MiB),
	       (long)splits);
	report(dirty_log_fault_fast(&r.d, va_of(5)) == DIRTY_FAULT_FIXED &&
	       dirty_log_fault_slow(&r.d, va_of(6), &s) == DIRTY_FAULT_FIXED &&
	       s == 0, "faults after eager split never split");
	report(dirty_log_split_range(&r.d, 0, r.d.pages) == 0 &&
	       bad_pages(&r, NULL) == 0, "a second enable only write-protects");
	region_fini(&r);
}

/* ---- threads ------------------------------------------------------------- */

struct race {
	struct region *r;
	struct rwlock lock;
	unsigned idx;
	long splits;            /* atomic */
	bool bad;
};

static struct race race;

/* Thread i writes every THREADS-th page from i: all threads meet on every
 * huge leaf; the slow path runs under the lock taken for reading. */
static void *fault_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	struct dirty_log *d = &race.r->d;

	for (uint64_t p = me; p < d->pages; p += THREADS) {
		enum dirty_fault f = dirty_log_fault_fast(d, va_of(p));
		unsigned s = 0;

		if (f == DIRTY_FAULT_HUGE) {
			read_lock(&race.lock);
			f = dirty_log_fault_slow(d, va_of(p), &s);
			read_unlock(&race.lock);
		}
		__atomic_fetch_add(&race.splits, s, __ATOMIC_RELAXED);
		if (f != DIRTY_FAULT_FIXED)
			__atomic_store_n(&race.bad, true, __ATOMIC_RELAXED);
	}
	return arg;
}

/* Thread i splits its eighth of the region: chunks of one 1 GiB leaf. */
static void *split_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	struct dirty_log *d = &race.r->d;
	int64_t s = dirty_log_split_range(d, d->pages * me / THREADS,
					  d->pages * (me + 1) / THREADS);

	if (s < 0)
		__atomic_store_n(&race.bad, true, __ATOMIC_RELAXED);
	__atomic_fetch_add(&race.splits, s, __ATOMIC_RELAXED);
	return arg;
}

static void run_threads(void *(*fn)(void *))
{
	pthread_t t[THREADS];

	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, fn, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static void test_race_faults(uint64_t page_size)
{
	struct region r;
	uint64_t n, bytes = page_size == GiB ? GiB : 16 * M2;

	region_init(&r, bytes, page_size);
	race = (struct race){ .r = &r, .lock = RWLOCK_INIT };
	dirty_log_protect(&r.d);
	run_threads(fault_worker);
	n = dirty_log_get_clear(&r.d, r.got, 0, DIRTY_LOG_WORDS(r.d.pages));
	report(!race.bad && n == r.d.pages && bad_pages(&r, r.got) == 0,
	       "%d threads fault under a reader lock (%luM): every page "
	       "dirty and writable once", THREADS, (unsigned long)(page_size / MiB));
	report(race.splits == (long)(bytes / M2 + bytes / GiB * (page_size == GiB)) &&
	       r.flushes == race.splits,
	       "one split and one flush per huge leaf (%ld)", race.splits);
	region_fini(&r);
}

static void test_race_eager(void)
{
	struct region r;

	region_init(&r, GiB, GiB);
	race = (struct race){ .r = &r, .lock = RWLOCK_INIT };
	run_threads(split_worker);
	report(!race.bad && race.splits == 513 && leaves(&r, XPT_PAGE) ==
	       r.d.pages && bad_pages(&r, NULL) == 0,
	       "%d threads split one 1 GiB leaf in chunks: 513 splits, all "
	       "4 KiB read-only", THREADS);
	region_fini(&r);
}

int main(void)
{
	report_prefix_push("split");
	test_bitmap();
	test_lazy(8 * M2, M2, 1);
	test_lazy(GiB, GiB, 2);
	test_eager(8 * M2, M2);
	test_eager(GiB, GiB);
	test_race_faults(M2);
	test_race_faults(GiB);
	test_race_eager();
	report_prefix_pop();
	return report_summary();
}
