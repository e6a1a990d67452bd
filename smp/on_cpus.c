/* Running a function on a set of CPUs (see on_cpus.h), on top of the
 * per-CPU mailboxes of smp/call.c. */
#include "smp/on_cpus.h"
#include "smp/smp.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"

unsigned cpu_set_all(unsigned *cpus, bool caller_first)
{
	unsigned me = smp_this_cpu(), n = 0;

	if (caller_first)
		cpus[n++] = me;
	for (unsigned c = 0; c < nr_cpus_online; c++)
		if (c != me)
			cpus[n++] = c;
	return n;
}

unsigned cpu_set_first(unsigned *cpus, unsigned n)
{
	unsigned all = cpu_set_all(cpus, true);

	return MAX(1u, MIN(n, all));
}

/* Every piece goes through here: the optional start barrier, then fn. */
static void on_cpus_piece(void *arg, unsigned idx)
{
	struct on_cpus *w = arg;

	if (w->barrier) {
		__atomic_fetch_add(&w->arrived, 1, __ATOMIC_RELEASE);
		/* Pairs with the release store of go in release_barrier(). */
		while (!__atomic_load_n(&w->go, __ATOMIC_ACQUIRE))
			cpu_relax();
	}
	w->fn(w->arg, idx, w->n);
}

static bool caller_in(const struct on_cpus *w, unsigned *idx)
{
	unsigned me = smp_this_cpu();

	for (unsigned i = 0; i < w->n; i++)
		if (w->cpus[i] == me) {
			*idx = i;
			return true;
		}
	return false;
}

void on_cpus_start(struct on_cpus *w)
{
	unsigned me = smp_this_cpu();

	w->arrived = 0;
	w->go = 0;
	w->t0 = now_ns();
	for (unsigned i = 0; i < w->n; i++)
		if (w->cpus[i] != me)
			smp_call_start(w->cpus[i], on_cpus_piece, w, i);
}

static void __noreturn watchdog(const struct on_cpus *w, unsigned cpu,
				const char *waiting)
{
	panic("on_cpus: cpu %u (apic %u) did not %s %s within %lu s", cpu,
	      smp_cpu(cpu)->apic_id, waiting, w->what ? w->what : "its piece",
	      ON_CPUS_WATCHDOG_NS / 1000000000ul);
}

/* Waits until the helpers (all but the caller's piece) have arrived, then
 * lets everyone go at once; the clock restarts there. */
static void release_barrier(struct on_cpus *w, bool caller)
{
	unsigned helpers = w->n - caller;
	uint64_t deadline = now_ns() + ON_CPUS_WATCHDOG_NS;

	/* Pairs with the helpers' release increments. */
	while (__atomic_load_n(&w->arrived, __ATOMIC_ACQUIRE) < helpers) {
		if (now_ns() > deadline)   /* a count: which CPU is unknown */
			panic("on_cpus: %u of %u helpers did not reach the start of %s within %lu s",
			      helpers - __atomic_load_n(&w->arrived, __ATOMIC_ACQUIRE),
			      helpers, w->what ? w->what : "their piece",
			      ON_CPUS_WATCHDOG_NS / 1000000000ul);
		cpu_relax();
	}
	if (caller)
		__atomic_fetch_add(&w->arrived, 1, __ATOMIC_RELAXED);
	w->t0 = now_ns();
	__atomic_store_n(&w->go, 1, __ATOMIC_RELEASE);
}

uint64_t on_cpus_wait(struct on_cpus *w)
{
	unsigned me = smp_this_cpu(), idx = 0;
	bool caller = caller_in(w, &idx);

	if (w->barrier)
		release_barrier(w, caller);
	if (caller)
		w->fn(w->arg, idx, w->n);
	for (unsigned i = 0; i < w->n; i++)
		if (w->cpus[i] != me &&
		    !smp_call_wait_bounded(w->cpus[i], ON_CPUS_WATCHDOG_NS))
			watchdog(w, w->cpus[i], "finish");
	return now_ns() - w->t0;
}

uint64_t on_cpus_run(struct on_cpus *w)
{
	on_cpus_start(w);
	return on_cpus_wait(w);
}
