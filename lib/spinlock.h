/* Locks whose contention can be measured: a test-and-test-and-set spinlock
 * and a FIFO ticket lock. Both count how often an acquirer found the lock
 * held, so experiments can report contention. Built into kernel and host. */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H
#include "lib/compiler.h"

struct spinlock {
	uint32_t locked;
	uint32_t contended; /* acquisitions that had to spin */
};
#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(struct spinlock *l)
{
	if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		return;
	__atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
	do {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	} while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE));
}

static inline bool spin_trylock(struct spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

/* Pairs with the ACQUIRE in spin_lock: the critical section's stores are
 * visible to the next owner. */
static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

struct ticket_lock {
	uint32_t next;
	uint32_t owner;
	uint32_t contended;
};
#define TICKET_LOCK_INIT { 0, 0, 0 }

static inline void ticket_lock(struct ticket_lock *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) == me)
		return;
	__atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

/* Only the owner writes owner, so a plain increment + RELEASE store. */
static inline void ticket_unlock(struct ticket_lock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}
#endif
