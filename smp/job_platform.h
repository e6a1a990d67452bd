/* The job engine's window on the machine: the few CPU services smp/job.c
 * needs, implemented twice — by the kernel on real APs (smp/job_kernel.c)
 * and by host tests on a pool of pthreads (tests/host/job_pthread.c).
 * The engine itself is pure algorithm and calls nothing else.
 *
 * CPU ids are dense: 0 .. job_platform_nr_cpus() - 1. Node ids likewise:
 * 0 .. job_platform_nr_nodes() - 1. */
#ifndef SMP_JOB_PLATFORM_H
#define SMP_JOB_PLATFORM_H
#include <stdint.h>

/* CPUs that can run job threads, the calling CPU included (>= 1). */
unsigned job_platform_nr_cpus(void);

/* Id of the CPU running the caller. */
unsigned job_platform_this_cpu(void);

/* NUMA node of @cpu (0 when the machine has one node). */
unsigned job_platform_cpu_node(unsigned cpu);

/* Number of NUMA nodes (>= 1). */
unsigned job_platform_nr_nodes(void);

/* A monotonic clock in nanoseconds, consistent across CPUs (differences
 * between readings on two CPUs are meaningful). */
uint64_t job_platform_now_ns(void);

/* Runs fn(arg, i) for i in 1 .. n-1, each on its own CPU: cpus[i] when @cpus
 * is given (cpus[0] is the caller's CPU and is not used; cpus[1..n-1] are
 * distinct and differ from the caller's), otherwise any n-1 distinct CPUs
 * other than the caller's. Runs fn(arg, 0) on the calling CPU, then returns
 * when all n calls have returned; everything the calls wrote is visible to
 * the caller on return (the completion is a release/acquire pair).
 * 1 <= n <= job_platform_nr_cpus(). One job at a time: fn must not call
 * job_platform_run again. */
void job_platform_run(unsigned n, const unsigned *cpus,
		      void (*fn)(void *arg, unsigned idx), void *arg);

#ifdef HOST
/* Host tests only (tests/host/job_pthread.c): CPUs are persistent pthreads,
 * created at the first job and woken per job; the thread that calls
 * job_run is CPU 0. The CPU count comes from $JOB_NR_CPUS (default 4),
 * nodes from $JOB_NR_NODES (default 1); node of cpu = cpu * nodes / cpus
 * (contiguous blocks). */

/* Sets the topology for the next job (stops the pool if it changes).
 * 1 <= nodes <= ncpus <= JOB_PTHREAD_MAX_CPUS. */
#define JOB_PTHREAD_MAX_CPUS 256
void job_pthread_set_topology(unsigned ncpus, unsigned nnodes);

/* Joins the pool's threads (a later job starts them again). */
void job_pthread_shutdown(void);

/* Threads created since the program started: stays at ncpus - 1 across
 * jobs when the pool is persistent. */
unsigned job_pthread_threads_created(void);
#endif
#endif
