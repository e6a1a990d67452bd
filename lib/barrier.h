/* A sense-reversing spin barrier for a fixed number of participants (CPUs
 * in the kernel, threads in host tests). barrier_wait() returns once all
 * n have arrived; the last to arrive flips the sense, which releases the
 * others. Reusable immediately: each participant keeps its own sense. */
#ifndef LIB_BARRIER_H
#define LIB_BARRIER_H
#include "lib/compiler.h"

struct barrier {
	uint32_t n;          /* participants */
	uint32_t arrived;
	uint32_t sense;      /* flips once per round */
} __cacheline_aligned;

static inline void barrier_init(struct barrier *b, uint32_t n)
{
	b->n = n;
	b->arrived = 0;
	b->sense = 0;
}

/* *local_sense starts at 0 for every participant and is theirs alone. */
static inline void barrier_wait(struct barrier *b, uint32_t *local_sense)
{
	uint32_t s = *local_sense ^ 1;

	*local_sense = s;
	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == b->n) {
		__atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
		/* Release: everything before the barrier in every participant
		 * (ordered by the acq_rel add) is visible after it. */
		__atomic_store_n(&b->sense, s, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&b->sense, __ATOMIC_ACQUIRE) != s)
		cpu_relax();
}

/* barrier_wait() for waits where a participant may never come (a hung or
 * lost CPU): gives up once expired(ctx) returns true, which is asked on
 * every spin. Returns true when released. On false *arrived holds how
 * many had arrived (the caller's watchdog names who is missing), and the
 * barrier is broken for everyone: abandon the operation, barrier_init()
 * before any reuse. */
static inline bool barrier_wait_bounded(struct barrier *b, uint32_t *local_sense,
					bool (*expired)(void *ctx), void *ctx,
					uint32_t *arrived)
{
	uint32_t s = *local_sense ^ 1;

	*local_sense = s;
	if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_ACQ_REL) == b->n) {
		__atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->sense, s, __ATOMIC_RELEASE);
		return true;
	}
	while (__atomic_load_n(&b->sense, __ATOMIC_ACQUIRE) != s) {
		if (expired(ctx)) {
			*arrived = __atomic_load_n(&b->arrived, __ATOMIC_ACQUIRE);
			return false;
		}
		cpu_relax();
	}
	return true;
}
#endif
