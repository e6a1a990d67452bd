/* Host tests for lib/spinlock.h and lib/barrier.h on pthreads (built under
 * ThreadSanitizer): mutual exclusion of both locks, FIFO hand-over of the
 * ticket lock, contention counters, and barrier rounds in lock step. */
#include <pthread.h>
#include <stdio.h>
#include "lib/barrier.h"
#include "lib/report.h"
#include "lib/spinlock.h"

#define THREADS 4
#define ITERS 20000
#define ROUNDS 200

static struct spinlock spin = SPINLOCK_INIT;
static struct ticket_lock ticket = TICKET_LOCK_INIT;
static uint64_t spin_count, ticket_count;
static struct barrier bar;
static uint32_t round_seen[ROUNDS][THREADS];
static uint32_t phase;
static bool phase_error;

static void *lock_worker(void *arg)
{
	for (int i = 0; i < ITERS; i++) {
		spin_lock(&spin);
		spin_count++;            /* plain: TSan flags a broken lock */
		spin_unlock(&spin);
		ticket_lock(&ticket);
		ticket_count++;
		ticket_unlock(&ticket);
	}
	return arg;
}

static void *barrier_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint32_t sense = 0;

	for (uint32_t r = 0; r < ROUNDS; r++) {
		/* Everyone must still see phase r: nobody ran ahead. */
		if (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) != r)
			phase_error = true;
		round_seen[r][me] = r + 1;
		barrier_wait(&bar, &sense);
		if (me == 0)
			__atomic_store_n(&phase, r + 1, __ATOMIC_RELEASE);
		barrier_wait(&bar, &sense);
	}
	return NULL;
}

static void run(void *(*fn)(void *))
{
	pthread_t t[THREADS];

	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, fn, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

int main(void)
{
	bool rounds_ok = true;

	report_prefix_push("locks");
	run(lock_worker);
	report(spin_count == (uint64_t)THREADS * ITERS, "spinlock: %lu increments",
	       (unsigned long)spin_count);
	report(ticket_count == (uint64_t)THREADS * ITERS, "ticket lock: %lu increments",
	       (unsigned long)ticket_count);
	report(ticket.next == ticket.owner && ticket.next == THREADS * ITERS,
	       "ticket lock: every ticket served (%u)", ticket.next);
	report(!spin.locked, "spinlock released");
	report(spin_trylock(&spin) && !spin_trylock(&spin), "trylock: once only");
	spin_unlock(&spin);
	report_info("contended: spinlock %u, ticket %u", spin.contended,
		    ticket.contended);

	barrier_init(&bar, THREADS);
	run(barrier_worker);
	for (int r = 0; r < ROUNDS; r++)
		for (int t = 0; t < THREADS; t++)
			rounds_ok &= round_seen[r][t] == (uint32_t)r + 1;
	report(rounds_ok && !phase_error && phase == ROUNDS,
	       "barrier: %d rounds in lock step", ROUNDS);
	report_prefix_pop();
	return report_summary();
}
