/* Demand-fault queues (see fault_queue.h). */
#include "mm/fault_queue.h"

#define INJECTED_WAKE 1u
#define INJECTED_FILL 2u

void fq_init(struct fq *fq, enum fq_mode mode, struct fq_queue *queues,
	     unsigned nqueues, uint32_t *state, uint32_t *fills,
	     uint64_t pages, const struct fq_ops *ops)
{
	*fq = (struct fq){ .mode = mode, .queues = queues, .nqueues = nqueues,
			   .state = state, .fills = fills, .pages = pages,
			   .ops = *ops };
	for (unsigned q = 0; q < nqueues; q++) {
		queues[q] = (struct fq_queue){ .lock = SPINLOCK_INIT };
		queues[q].pending_tail = &queues[q].pending;
	}
}

unsigned fq_queue_of(const struct fq *fq, unsigned cpu)
{
	/* CPU numbers are dense, so the identity is a perfect hash. */
	return fq->mode == FQ_GLOBAL || !fq->nqueues ? 0 : cpu % fq->nqueues;
}

/* spin_lock that adds the time it spun to the queue's lock_wait_ns (the
 * contention the thread blames: userfaultfd's wait-queue locks). */
static void queue_lock(struct fq *fq, struct fq_queue *q)
{
	uint64_t t0;

	if (spin_trylock(&q->lock))
		return;
	t0 = fq->ops.clock(fq->ops.ctx);
	spin_lock(&q->lock);
	q->lock_wait_ns += fq->ops.clock(fq->ops.ctx) - t0;
}

void fq_post(struct fq *fq, unsigned q, struct fq_fault *f)
{
	struct fq_queue *fqq = &fq->queues[q];

	f->next = NULL;
	queue_lock(fq, fqq);
	/* Atomic: fq_resolve_one peeks at pending without the lock. */
	__atomic_store_n(fqq->pending_tail, f, __ATOMIC_RELAXED);
	fqq->pending_tail = &f->next;
	spin_unlock(&fqq->lock);
}

/* Whether the one-shot injection bit is still to be spent (and spends it). */
static bool take_injection(struct fq *fq, bool asked, uint32_t bit)
{
	return asked && !(__atomic_fetch_or(&fq->injected, bit,
					    __ATOMIC_RELAXED) & bit);
}

/* Waits for another caller's fill of page to finish, bounded. */
static int wait_filled(struct fq *fq, uint64_t page)
{
	uint64_t t0 = fq->ops.clock(fq->ops.ctx);

	while (!fq_page_done(fq, page)) {
		if (fq->ops.clock(fq->ops.ctx) - t0 > fq->ops.fill_wait_ns)
			return FQ_TIMEDOUT;
		cpu_relax();
	}
	return FQ_EXISTS;
}

int fq_fill_once(struct fq *fq, uint64_t page)
{
	uint32_t empty = FQ_EMPTY;

	if (!__atomic_compare_exchange_n(&fq->state[page], &empty, FQ_FILLING,
					 false, __ATOMIC_ACQUIRE,
					 __ATOMIC_ACQUIRE)) {
		__atomic_fetch_add(&fq->duplicates, 1, __ATOMIC_RELAXED);
		return wait_filled(fq, page);
	}
	fq->ops.fill(fq->ops.ctx, page);
	__atomic_fetch_add(&fq->fills[page], 1, __ATOMIC_RELAXED);
	if (take_injection(fq, fq->inject_double_fill, INJECTED_FILL)) {
		fq->ops.fill(fq->ops.ctx, page);
		__atomic_fetch_add(&fq->fills[page], 1, __ATOMIC_RELAXED);
	}
	/* Pairs with the acquire in fq_page_done: the filled contents and the
	 * mapping are visible before anyone sees FQ_DONE. */
	__atomic_store_n(&fq->state[page], FQ_DONE, __ATOMIC_RELEASE);
	return FQ_FILLED;
}

bool fq_pending(struct fq *fq, unsigned q)
{
	return __atomic_load_n(&fq->queues[q].pending, __ATOMIC_SEQ_CST);
}

bool fq_page_done(const struct fq *fq, uint64_t page)
{
	return __atomic_load_n(&fq->state[page], __ATOMIC_ACQUIRE) == FQ_DONE;
}

/* Moves the oldest pending fault of q to its wait list; NULL if none. */
static struct fq_fault *take_pending(struct fq *fq, struct fq_queue *q)
{
	struct fq_fault *f;

	queue_lock(fq, q);
	f = q->pending;
	if (f) {
		__atomic_store_n(&q->pending, f->next, __ATOMIC_RELAXED);
		if (!q->pending)
			q->pending_tail = &q->pending;
		f->next = q->waiting;
		q->waiting = f;
	}
	spin_unlock(&q->lock);
	return f;
}

/* Unlinks every waiter of page from q's wait list and wakes it. The
 * injected lost wake-up unlinks its waiter without telling it. */
static void wake_page(struct fq *fq, struct fq_queue *q, uint64_t page)
{
	struct fq_fault **pp, *f;

	queue_lock(fq, q);
	for (pp = &q->waiting; (f = *pp);) {
		if (f->page != page) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		if (take_injection(fq, fq->inject_lost_wake, INJECTED_WAKE))
			continue;
		/* After this store the waiter owns f again: read cpu first.
		 * Pairs with the waiter's acquire load of done. */
		unsigned cpu = f->cpu;

		__atomic_store_n(&f->done, 1, __ATOMIC_RELEASE);
		fq->ops.wake(fq->ops.ctx, cpu);
		__atomic_fetch_add(&fq->wakeups, 1, __ATOMIC_RELAXED);
	}
	spin_unlock(&q->lock);
}

bool fq_resolve_one(struct fq *fq, unsigned q)
{
	struct fq_queue *fqq = &fq->queues[q];
	struct fq_fault *f;
	uint64_t page;

	/* A lock-free peek keeps idle resolvers off the lock. */
	if (!__atomic_load_n(&fqq->pending, __ATOMIC_RELAXED))
		return false;
	f = take_pending(fq, fqq);
	if (!f)
		return false;
	page = f->page;   /* f may be woken and reused after wake_page */
	fq_fill_once(fq, page);
	wake_page(fq, fqq, page);
	return true;
}
