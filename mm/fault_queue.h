/* Demand-fault queues: how a page fault on a not-yet-filled page reaches
 * whoever fills it, and how the faulting CPU learns it is done. The
 * userfaultfd analog of the thread "[PATCH v3 00/22] Improve scalability
 * of KVM + userfaultfd live migration via annotated memory faults" (Anish
 * Moorthy, Peter Xu, David Matlack, Axel Rasmussen, James Houghton, May
 * 2023):
 *
 *   FQ_GLOBAL  one queue (one lock, one pending list, one wait list) for
 *              every faulting CPU; resolver CPUs take faults from it;
 *   FQ_PERCPU  a queue per faulting CPU (chosen by a hash of the CPU),
 *              each served by one resolver (Peter Xu's hash(pcpu));
 *   FQ_SELF    no queue: the faulting CPU fills the page itself (the
 *              annotated-exit analog, KVM_EXIT_MEMORY_FAULT).
 *
 * A page is filled exactly once: the first resolve of a page wins a
 * compare-and-exchange on its state and calls ops.fill (copy the page from
 * the source and map it: the UFFDIO_COPY analog); every later resolve of
 * that page returns FQ_EXISTS (the -EEXIST analog) and only wakes. After a
 * fill every waiter of that page on the queue's wait list is woken (as
 * userfaultfd's wake walks its wait queue under the queue's lock); a fault
 * still pending when another resolve filled its page is woken when its own
 * record is resolved, so no waiter is ever left behind.
 *
 * Pure algorithm: it neither prints, nor sleeps, nor reads a clock of its
 * own. The caller supplies fill (the copy and map), wake (an IPI in the
 * kernel, a flag in host tests) and a clock, used only to sum the time
 * spent waiting for queue locks. Waiting for f->done is the caller's. */
#ifndef MM_FAULT_QUEUE_H
#define MM_FAULT_QUEUE_H
#include "lib/compiler.h"
#include "lib/spinlock.h"

enum fq_mode { FQ_GLOBAL, FQ_PERCPU, FQ_SELF };

/* fq_resolve results */
#define FQ_FILLED   0     /* this call filled the page */
#define FQ_EXISTS   1     /* already filled: -EEXIST */
#define FQ_TIMEDOUT (-1)  /* another filler did not finish in time */

/* Page states (fq.state[]) */
#define FQ_EMPTY   0u
#define FQ_FILLING 1u
#define FQ_DONE    2u

/* One fault in flight. The faulting CPU owns it until it is posted, then
 * the queue does until done is set (release): the caller then owns it
 * again. */
struct fq_fault {
	struct fq_fault *next;
	uint64_t page;        /* page index in the region */
	unsigned cpu;         /* whom wake() names */
	uint32_t done;        /* set (release) before wake() */
};

struct fq_queue {
	struct spinlock lock;
	struct fq_fault *pending;       /* posted, not yet taken: FIFO */
	struct fq_fault **pending_tail;
	struct fq_fault *waiting;       /* taken, waiting for their page */
	uint64_t lock_wait_ns;          /* time acquirers spent spinning */
};

struct fq_ops {
	void (*fill)(void *ctx, uint64_t page);   /* copy in and map */
	void (*wake)(void *ctx, unsigned cpu);    /* after f->done is set */
	uint64_t (*clock)(void *ctx);             /* ns, for lock waits */
	void *ctx;
	uint64_t fill_wait_ns;  /* bound on waiting for another's fill */
};

struct fq {
	enum fq_mode mode;
	struct fq_queue *queues;
	unsigned nqueues;
	uint32_t *state;        /* per page: FQ_EMPTY, FQ_FILLING, FQ_DONE */
	uint32_t *fills;        /* per page: times ops.fill ran for it */
	uint64_t pages;
	struct fq_ops ops;
	uint64_t duplicates;    /* resolves that found the page filled */
	uint64_t wakeups;       /* wake() calls */
	/* Fault injections for the verification to catch: the first wake
	 * is dropped (its waiter never sees done); the first fill runs twice. */
	bool inject_lost_wake, inject_double_fill;
	uint32_t injected;      /* one-shot latch of the injections */
};

/* Sets fq up over caller-owned arrays: nqueues queues (1 for FQ_GLOBAL,
 * 0 for FQ_SELF), state[] and fills[] of `pages` entries, all zeroed. */
void fq_init(struct fq *fq, enum fq_mode mode, struct fq_queue *queues,
	     unsigned nqueues, uint32_t *state, uint32_t *fills,
	     uint64_t pages, const struct fq_ops *ops);
/* The queue a fault of CPU cpu goes to (FQ_GLOBAL: 0). */
unsigned fq_queue_of(const struct fq *fq, unsigned cpu);
/* Appends f (page and cpu set, done 0) to queue q's pending list. */
void fq_post(struct fq *fq, unsigned q, struct fq_fault *f);
/* Takes the oldest pending fault of queue q, fills its page at most once
 * and wakes every waiter of that page on q. Returns false when q had
 * nothing pending. */
bool fq_resolve_one(struct fq *fq, unsigned q);
/* Fills page once (FQ_FILLED), or sees it filled (FQ_EXISTS; waits,
 * bounded by ops.fill_wait_ns, for a fill in progress: FQ_TIMEDOUT when
 * it does not finish). What FQ_SELF calls on the faulting CPU. */
int fq_fill_once(struct fq *fq, uint64_t page);
/* Whether queue q has a fault posted and not yet taken. Sequentially
 * consistent, for a resolver that clears its kick flag, then looks, then
 * sleeps (the poster sets the flag after fq_post). */
bool fq_pending(struct fq *fq, unsigned q);
/* Whether page is filled (acquire: its contents are visible). */
bool fq_page_done(const struct fq *fq, uint64_t page);
#endif
