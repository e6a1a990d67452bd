/* Dirty logging over an experiment page table (mm/xpt.h), the way KVM
 * tracks the pages a guest writes for live migration (KVM eager page
 * splitting thread: "KVM: Extend Eager Page Splitting to the shadow MMU",
 * David Matlack, Peter Xu, Feb-Mar 2022):
 *
 *   enable   write-protect the region: lazily (the huge leaves stay huge,
 *            read-only: dirty_log_protect) or eagerly (every huge leaf is
 *            split into read-only 4 KiB leaves: dirty_log_split_range);
 *   fault    a write to a read-only page: a 4 KiB leaf is made writable
 *            lock-free (KVM's fast_page_fault: one atomic OR on the entry,
 *            dirty_log_fault_fast); a huge leaf needs the MMU lock and is
 *            split down to 4 KiB first (dirty_log_fault_slow); either way
 *            the page is marked in the bitmap;
 *   get      copy-and-clear the bitmap (dirty_log_get_clear);
 *   clear    write-protect the pages the copy names (dirty_log_clear);
 *   disable  make every leaf writable again (dirty_log_disable).
 *
 * Pure algorithm: no printing, no timing, no TLB flushes of its own. The
 * one place a flush cannot wait for the caller is the slow fault: after
 * replacing a huge leaf with a table, every CPU must drop the huge
 * translation it may cache (Intel SDM vol. 3A, 4.10.4: a page-size change
 * needs an invalidation, else a CPU may use either translation), and the
 * fault is resolved before it returns. It calls d->flush, which the kernel
 * points at smp/tlb.h's shootdown and host tests at a counter. Everything
 * else returns what changed and the caller flushes once.
 *
 * Concurrency: the bitmap is updated with atomic OR/exchange, so faults
 * on any CPUs and get_clear may run at once. Faults on many CPUs may run
 * together: splits install with a compare-and-exchange (xpt_split), so the
 * slow path is correct under a reader lock; the caller chooses the lock.
 * protect, split_range, clear and disable may run with faults only where
 * xpt_protect may (the experiment stops its vCPUs for them). */
#ifndef MM_DIRTY_LOG_H
#define MM_DIRTY_LOG_H
#include "mm/xpt.h"

struct dirty_log {
	struct xpt *pt;
	uint64_t base;          /* first VA of the region, 2 MiB aligned */
	uint64_t pages;         /* 4 KiB pages in the region */
	uint64_t *bitmap;       /* DIRTY_LOG_WORDS(pages) words, caller's */
	/* Drops [va, va + size) from every CPU's TLB; may be NULL (host tests
	 * without TLBs). Called from dirty_log_fault_slow only. */
	void (*flush)(void *ctx, uint64_t va, uint64_t size);
	void *flush_ctx;
};

#define DIRTY_LOG_WORDS(pages) (((pages) + 63) / 64)

/* What a fault turned out to be. */
enum dirty_fault {
	DIRTY_FAULT_FIXED,      /* the 4 KiB page made writable and marked */
	DIRTY_FAULT_SPURIOUS,   /* already writable (a stale TLB entry) */
	DIRTY_FAULT_HUGE,       /* fast path only: a huge leaf, take the lock
				 * and call dirty_log_fault_slow */
	DIRTY_FAULT_BAD,        /* outside the region or not mapped */
	DIRTY_FAULT_NOMEM,      /* slow path: no table page for a split */
};

/* Marks page (0..pages-1) dirty; any CPU. */
void dirty_log_mark(struct dirty_log *d, uint64_t page);
/* Unmarks it: only a fault injection ("lost dirty bit") does this. */
void dirty_log_unmark(struct dirty_log *d, uint64_t page);
bool dirty_log_test(const uint64_t *bitmap, uint64_t page);
/* Moves words [w0, w1) of the bitmap into out (each word by one atomic
 * exchange, so a bit set meanwhile is either copied or left for the next
 * call, never lost) and returns the number of bits moved. */
uint64_t dirty_log_get_clear(struct dirty_log *d, uint64_t *out, uint64_t w0,
			     uint64_t w1);

/* Lazy enable: clears XPT_W on every leaf of the region (huge ones stay
 * huge). Returns the leaves changed or -1; the caller flushes. */
int64_t dirty_log_protect(struct dirty_log *d);
/* Eager enable, for pages [p0, p1) of the region (2 MiB aligned, a job's
 * chunk): every huge leaf covering them is split, 1 GiB -> 2 MiB -> 4 KiB,
 * into 4 KiB leaves with XPT_W cleared; 4 KiB leaves found are
 * write-protected too. Several CPUs may split overlapping 1 GiB leaves at
 * once (one wins). Returns the splits this call made, -1 when a table
 * page was missing. The caller flushes once for the whole region. */
int64_t dirty_log_split_range(struct dirty_log *d, uint64_t p0, uint64_t p1);

/* A write fault at va, without a lock: a read-only 4 KiB leaf is made
 * writable with one atomic OR and the page marked; a huge leaf is left
 * for the slow path (DIRTY_FAULT_HUGE). */
enum dirty_fault dirty_log_fault_fast(struct dirty_log *d, uint64_t va);
/* A write fault at va, with the caller's MMU lock held (a reader lock is
 * enough): the huge leaf mapping va is split down to 4 KiB leaves, each
 * split flushed through d->flush before going on, then va's 4 KiB made
 * writable and marked. *splits counts the splits this call made (another
 * CPU may have won a race: 0). */
enum dirty_fault dirty_log_fault_slow(struct dirty_log *d, uint64_t va,
				      unsigned *splits);

/* Clear step: write-protects every page set in `got` (a copy from
 * dirty_log_get_clear) and returns how many were writable. The caller
 * flushes. A page still under a huge leaf (it was never split: a bit set
 * without a write) has its whole leaf protected. */
uint64_t dirty_log_clear(struct dirty_log *d, const uint64_t *got);
/* Disable: every leaf of the region writable again (4 KiB leaves stay
 * 4 KiB: KVM recovers huge pages later, off this path). Returns the leaves
 * changed or -1; the caller flushes. */
int64_t dirty_log_disable(struct dirty_log *d);
#endif
