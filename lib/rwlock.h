/* A reader-writer spinlock, writer-preferring, in one 32-bit word: the
 * shape of the lock KVM's TDP MMU takes for reading on its fault path
 * (mmu_lock as an rwlock_t), so readers that change entries with
 * compare-and-exchange run side by side and a writer excludes them all.
 *
 * word: bit 31 a writer holds it, bit 30 a writer waits (new readers hold
 * back so a stream of readers cannot starve it), bits 0-29 readers.
 * `contended` counts acquisitions that had to spin, as lib/spinlock.h's.
 * Built into kernel and host (tests/host/test_rwlock.c, TSan). */
#ifndef LIB_RWLOCK_H
#define LIB_RWLOCK_H
#include "lib/compiler.h"

#define RWLOCK_WRITER  (1u << 31)
#define RWLOCK_WAITING (1u << 30)
#define RWLOCK_READERS (RWLOCK_WAITING - 1)

struct rwlock {
	uint32_t word;
	uint32_t contended;
};
#define RWLOCK_INIT { 0, 0 }

static inline bool read_trylock(struct rwlock *l)
{
	uint32_t v = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

	return !(v & (RWLOCK_WRITER | RWLOCK_WAITING)) &&
	       __atomic_compare_exchange_n(&l->word, &v, v + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void read_lock(struct rwlock *l)
{
	if (read_trylock(l))
		return;
	__atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
	while (!read_trylock(l))
		cpu_relax();
}

/* Pairs with the ACQUIRE of write_lock: the reader's accesses happen
 * before the next writer's. */
static inline void read_unlock(struct rwlock *l)
{
	__atomic_fetch_sub(&l->word, 1, __ATOMIC_RELEASE);
}

static inline bool write_trylock(struct rwlock *l)
{
	uint32_t v = __atomic_load_n(&l->word, __ATOMIC_RELAXED);

	/* Free (perhaps with the waiting bit, ours or another writer's). */
	return !(v & ~RWLOCK_WAITING) &&
	       __atomic_compare_exchange_n(&l->word, &v, RWLOCK_WRITER, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void write_lock(struct rwlock *l)
{
	if (write_trylock(l))
		return;
	__atomic_fetch_add(&l->contended, 1, __ATOMIC_RELAXED);
	do {
		/* Re-set after each failure: a writer that won cleared it. */
		__atomic_fetch_or(&l->word, RWLOCK_WAITING, __ATOMIC_RELAXED);
		cpu_relax();
	} while (!write_trylock(l));
}

/* Clears the writer bit and any waiting bit: waiting writers set it again
 * while they spin. Pairs with the ACQUIRE of the next read/write lock. */
static inline void write_unlock(struct rwlock *l)
{
	__atomic_store_n(&l->word, 0, __ATOMIC_RELEASE);
}
#endif
