/* Host implementation of smp/job_platform.h on pthreads, for the job
 * engine's unit tests. Like the kernel's APs, the "CPUs" are persistent:
 * one thread per CPU other than CPU 0, created at the first job, parked on
 * a condition variable between jobs and woken per job. The thread calling
 * job_platform_run is CPU 0. Everything is plain pthread mutexes and
 * condition variables so ThreadSanitizer sees every hand-over. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "smp/job_platform.h"

#define JOB_PTHREAD_DEFAULT_CPUS 4
#define NSEC_PER_SEC 1000000000ull

struct job_cpu {
	pthread_t tid;
	pthread_cond_t wake;
	bool busy;			/* has a call to run (under pool.lock) */
	void (*fn)(void *arg, unsigned idx);
	void *arg;
	unsigned idx;
};

static struct {
	pthread_mutex_t lock;		/* guards everything below */
	pthread_cond_t done;		/* pending reached 0 */
	bool configured, started, stopping;
	unsigned ncpus, nnodes;
	unsigned pending;		/* calls of the current job still running */
	unsigned created;		/* threads created, ever */
	struct job_cpu cpu[JOB_PTHREAD_MAX_CPUS];
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER,
};

/* One job at a time, as the contract says. */
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;

static __thread unsigned this_cpu;	/* 0 outside the pool */

static unsigned env_unsigned(const char *name, unsigned def, unsigned max)
{
	const char *s = getenv(name);
	unsigned long v = s ? strtoul(s, NULL, 10) : 0;

	return v >= 1 && v <= max ? (unsigned)v : def;
}

static void configure(void)
{
	if (pool.configured)
		return;
	pool.ncpus = env_unsigned("JOB_NR_CPUS", JOB_PTHREAD_DEFAULT_CPUS,
				  JOB_PTHREAD_MAX_CPUS);
	pool.nnodes = env_unsigned("JOB_NR_NODES", 1, pool.ncpus);
	pool.configured = true;
}

static void *cpu_main(void *p)
{
	struct job_cpu *c = p;
	void (*fn)(void *arg, unsigned idx);
	void *arg;
	unsigned idx;

	this_cpu = (unsigned)(c - pool.cpu);
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		while (!c->busy && !pool.stopping)
			pthread_cond_wait(&c->wake, &pool.lock);
		if (!c->busy)
			break;
		fn = c->fn;
		arg = c->arg;
		idx = c->idx;
		pthread_mutex_unlock(&pool.lock);
		fn(arg, idx);
		pthread_mutex_lock(&pool.lock);
		c->busy = false;
		if (--pool.pending == 0)
			pthread_cond_signal(&pool.done);
	}
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

static void pool_start(void)
{
	unsigned i;

	configure();
	if (pool.started)
		return;
	pool.stopping = false;
	for (i = 1; i < pool.ncpus; i++) {
		pthread_cond_init(&pool.cpu[i].wake, NULL);
		pool.cpu[i].busy = false;
		if (pthread_create(&pool.cpu[i].tid, NULL, cpu_main,
				   &pool.cpu[i])) {
			fprintf(stderr, "job_pthread: pthread_create failed\n");
			abort();
		}
		pool.created++;
	}
	pool.started = true;
}

void job_pthread_shutdown(void)
{
	unsigned i;

	pthread_mutex_lock(&run_lock);
	if (pool.started) {
		pthread_mutex_lock(&pool.lock);
		pool.stopping = true;
		for (i = 1; i < pool.ncpus; i++)
			pthread_cond_signal(&pool.cpu[i].wake);
		pthread_mutex_unlock(&pool.lock);
		for (i = 1; i < pool.ncpus; i++) {
			pthread_join(pool.cpu[i].tid, NULL);
			pthread_cond_destroy(&pool.cpu[i].wake);
		}
		pool.started = false;
	}
	pthread_mutex_unlock(&run_lock);
}

void job_pthread_set_topology(unsigned ncpus, unsigned nnodes)
{
	if (ncpus < 1 || ncpus > JOB_PTHREAD_MAX_CPUS || nnodes < 1 ||
	    nnodes > ncpus) {
		fprintf(stderr, "job_pthread: bad topology %u cpus %u nodes\n",
			ncpus, nnodes);
		abort();
	}
	configure();
	if (ncpus != pool.ncpus)
		job_pthread_shutdown();
	pthread_mutex_lock(&run_lock);
	pool.ncpus = ncpus;
	pool.nnodes = nnodes;
	pthread_mutex_unlock(&run_lock);
}

unsigned job_pthread_threads_created(void)
{
	return pool.created;
}

unsigned job_platform_nr_cpus(void)
{
	configure();
	return pool.ncpus;
}

unsigned job_platform_this_cpu(void)
{
	return this_cpu;
}

unsigned job_platform_nr_nodes(void)
{
	configure();
	return pool.nnodes;
}

unsigned job_platform_cpu_node(unsigned cpu)
{
	configure();
	return cpu < pool.ncpus ? cpu * pool.nnodes / pool.ncpus : 0;
}

uint64_t job_platform_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Hands call @idx to CPU @cpu; aborts on a contract violation (a test bug
 * or an engine bug, both worth stopping for). */
static void post(unsigned cpu, unsigned idx, void (*fn)(void *, unsigned),
		 void *arg)
{
	struct job_cpu *c = &pool.cpu[cpu];

	if (cpu == 0 || cpu >= pool.ncpus || c->busy) {
		fprintf(stderr, "job_pthread: bad or repeated cpu %u\n", cpu);
		abort();
	}
	c->fn = fn;
	c->arg = arg;
	c->idx = idx;
	c->busy = true;
	pool.pending++;
	pthread_cond_signal(&c->wake);
}

void job_platform_run(unsigned n, const unsigned *cpus,
		      void (*fn)(void *arg, unsigned idx), void *arg)
{
	unsigned i;

	pthread_mutex_lock(&run_lock);
	pool_start();
	if (n < 1 || n > pool.ncpus || this_cpu != 0) {
		fprintf(stderr, "job_pthread: %u calls from cpu %u\n", n,
			this_cpu);
		abort();
	}
	pthread_mutex_lock(&pool.lock);
	for (i = 1; i < n; i++)
		post(cpus ? cpus[i] : i, i, fn, arg);
	pthread_mutex_unlock(&pool.lock);
	fn(arg, 0);
	pthread_mutex_lock(&pool.lock);
	while (pool.pending)
		pthread_cond_wait(&pool.done, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	pthread_mutex_unlock(&run_lock);
}
