/* Running one function on a set of CPUs: the one way work reaches other
 * CPUs (the job engine, the copy/zero gangs, the self-tests). Learnt from
 * kvm-unit-tests' lib/on-cpus.c: helpers are started first, the caller
 * runs its own share last, then waits.
 *
 *   unsigned cpus[MAX_CPUS];
 *   struct on_cpus w = { .fn = piece, .arg = &job, .cpus = cpus,
 *                        .n = cpu_set_all(cpus, true) };
 *   uint64_t ns = on_cpus_run(&w);
 *
 * fn(arg, i, n) runs once for each i in 0..n-1, on online CPU cpus[i].
 * The CPUs must be distinct and, except the caller's, idle (in
 * smp_idle_loop). The calling CPU runs its piece when it is in the set
 * ("caller included") and only waits otherwise. Every wait is bounded by
 * ON_CPUS_WATCHDOG_NS: a CPU that does not finish stops the machine with a
 * panic that names it (never a silent hang). */
#ifndef SMP_ON_CPUS_H
#define SMP_ON_CPUS_H
#include "smp/percpu.h"

/* Longer than any single measurement this kernel makes (a 1 TiB memmap on
 * one TCG vCPU takes ~30 s): only a lost CPU trips it. */
#define ON_CPUS_WATCHDOG_NS (600ul * 1000 * 1000 * 1000)

struct on_cpus {
	void (*fn)(void *arg, unsigned idx, unsigned n);
	void *arg;
	const unsigned *cpus;   /* online CPU numbers, n of them */
	unsigned n;
	/* Start barrier: every piece waits until all n have started, and the
	 * time counts from that common start (a bandwidth bound, without
	 * start-up latency); without it, from before the first IPI (what a
	 * caller waits). */
	bool barrier;
	const char *what;       /* named by the watchdog; may be NULL */
	/* private */
	unsigned arrived, go;
	uint64_t t0;
};

/* Fills cpus[] with every online CPU, the caller first when caller_first
 * (else the caller is left out); returns how many. */
unsigned cpu_set_all(unsigned *cpus, bool caller_first);
/* The caller and the n - 1 lowest-numbered other online CPUs (n is
 * clamped to 1..nr_cpus_online); returns how many. */
unsigned cpu_set_first(unsigned *cpus, unsigned n);

/* Starts the pieces of every CPU in the set other than the caller's. */
void on_cpus_start(struct on_cpus *w);
/* Runs the caller's piece (if the caller is in the set), waits for all,
 * and returns the nanoseconds since the start (or the barrier). Every
 * write of the pieces is visible to the caller on return. */
uint64_t on_cpus_wait(struct on_cpus *w);
/* on_cpus_start, then on_cpus_wait. */
uint64_t on_cpus_run(struct on_cpus *w);
#endif
