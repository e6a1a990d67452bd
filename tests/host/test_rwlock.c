/* Host tests for lib/rwlock.h on pthreads (built under ThreadSanitizer):
 * readers share the lock (several inside at once), writers exclude
 * readers and each other (plain counters: TSan flags a broken lock), a
 * waiting writer holds new readers back, and the contention counter. */
#include <pthread.h>
#include "lib/report.h"
#include "lib/rwlock.h"

#define THREADS 4
#define ITERS 20000

static struct rwlock lock = RWLOCK_INIT;
static uint64_t writes;                 /* under the write lock */
static uint32_t inside, most_inside;    /* readers at once (atomic) */
static uint64_t torn;                   /* readers that saw a half write */
static uint64_t pair[2];                /* written together by writers */

static void reader_step(void)
{
	uint32_t n;

	read_lock(&lock);
	n = __atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED);
	if (n > __atomic_load_n(&most_inside, __ATOMIC_RELAXED))
		__atomic_store_n(&most_inside, n, __ATOMIC_RELAXED);
	if (pair[0] != pair[1])
		__atomic_fetch_add(&torn, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
	read_unlock(&lock);
}

static void *worker(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;

	for (int i = 0; i < ITERS; i++) {
		if (me == 0 && i % 16 == 0) {
			write_lock(&lock);
			pair[0]++;
			writes++;
			pair[1]++;
			write_unlock(&lock);
		} else {
			reader_step();
		}
	}
	return arg;
}

static void test_waiting_writer(void)
{
	struct rwlock l = RWLOCK_INIT;

	read_lock(&l);
	report(!write_trylock(&l), "a reader keeps a writer out");
	__atomic_fetch_or(&l.word, RWLOCK_WAITING, __ATOMIC_RELAXED);
	report(!read_trylock(&l), "a waiting writer holds new readers back");
	read_unlock(&l);
	report(write_trylock(&l), "the writer gets it once the reader left");
	report(!read_trylock(&l) && !write_trylock(&l), "a writer excludes all");
	write_unlock(&l);
	report(l.word == 0 && read_trylock(&l), "released");
	read_unlock(&l);
}

int main(void)
{
	pthread_t t[THREADS];

	report_prefix_push("rwlock");
	test_waiting_writer();
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	report(writes == ITERS / 16 && pair[0] == pair[1],
	       "writers: %lu increments, none lost", (unsigned long)writes);
	report(!torn, "readers never saw a half-done write");
	report(lock.word == 0, "released at the end");
	report_info("readers inside at once: at most %u; contended %u",
		    most_inside, lock.contended);
	report_prefix_pop();
	return report_summary();
}
