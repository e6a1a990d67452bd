/* The job engine's platform (smp/job_platform.h) on real CPUs: helpers are
 * idle APs reached through smp/on_cpus.h. */
#include "smp/job_platform.h"
#include "smp/smp.h"
#include "arch/x86_64/tsc.h"
#include "smp/on_cpus.h"

unsigned job_platform_nr_cpus(void)
{
	return nr_cpus_online;
}

unsigned job_platform_this_cpu(void)
{
	return smp_this_cpu();
}

unsigned job_platform_cpu_node(unsigned cpu)
{
	return smp_cpu(cpu)->node;
}

unsigned job_platform_nr_nodes(void)
{
	return nr_nodes_online;
}

uint64_t job_platform_now_ns(void)
{
	return now_ns();
}

/* The engine's fn(arg, idx) inside an on_cpus piece fn(arg, idx, n). */
struct job_call {
	void (*fn)(void *arg, unsigned idx);
	void *arg;
};

static void job_piece(void *arg, unsigned idx, unsigned n)
{
	const struct job_call *jc = arg;

	jc->fn(jc->arg, idx);
}

void job_platform_run(unsigned n, const unsigned *cpus,
		      void (*fn)(void *arg, unsigned idx), void *arg)
{
	unsigned set[MAX_CPUS];
	struct job_call jc = { fn, arg };
	struct on_cpus w = { .fn = job_piece, .arg = &jc, .cpus = set, .n = n,
			     .what = "its job thread" };

	if (cpus) {
		for (unsigned i = 1; i < n; i++)
			set[i] = cpus[i];
		set[0] = smp_this_cpu();
	} else {
		w.n = cpu_set_first(set, n);
	}
	on_cpus_run(&w);
}
