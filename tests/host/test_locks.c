/* Host tests for lib/spinlock.h and lib/barrier.h on pthreads (built under
 * ThreadSanitizer): mutual exclusion of both locks, FIFO hand-over of the
 * ticket lock, contention counters, and barrier rounds in lock step. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
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

/* Bounded barrier: THREADS - 1 of THREADS participants come; each must
 * give up at the deadline and see THREADS - 1 arrived. */
#define BOUNDED_WAIT_NS 50000000ull
static struct barrier bounded_bar;
static uint32_t bounded_released, bounded_arrived[THREADS];

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool past(void *ctx)
{
	return mono_ns() > *(uint64_t *)ctx;
}

static void *bounded_worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint32_t sense = 0;
	uint64_t deadline = mono_ns() + BOUNDED_WAIT_NS;

	if (me == THREADS - 1)
		return NULL;            /* the hung participant */
	if (barrier_wait_bounded(&bounded_bar, &sense, past, &deadline,
				 &bounded_arrived[me]))
		__atomic_add_fetch(&bounded_released, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void *bounded_all_worker(void *arg)
{
	uint32_t sense = 0, arrived;
	uint64_t deadline = mono_ns() + 60000000000ull;

	for (int r = 0; r < ROUNDS; r++)
		if (barrier_wait_bounded(&bounded_bar, &sense, past, &deadline,
					 &arrived))
			__atomic_add_fetch(&bounded_released, 1, __ATOMIC_RELAXED);
	return arg;
}

static void run(void *(*fn)(void *));

static void test_bounded(void)
{
	bool all_seen = true;

	barrier_init(&bounded_bar, THREADS);
	run(bounded_worker);
	for (int i = 0; i < THREADS - 1; i++)
		all_seen &= bounded_arrived[i] == THREADS - 1;
	report(bounded_released == 0 && all_seen,
	       "bounded barrier: one missing, the others give up seeing %u arrived",
	       bounded_arrived[0]);
	barrier_init(&bounded_bar, THREADS);
	bounded_released = 0;
	run(bounded_all_worker);
	report(bounded_released == THREADS * ROUNDS,
	       "bounded barrier: all present, %u releases", bounded_released);
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
	test_bounded();
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
