/* The job engine's platform (smp/job_platform.h) on real CPUs: helpers are
 * idle APs reached through smp_call_start(). */
#include "smp/job_platform.h"
#include "smp/smp.h"
#include "arch/x86_64/tsc.h"
#include "boot/boot.h"

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
	return boot.nodes ? boot.nodes : 1;
}

uint64_t job_platform_now_ns(void)
{
	return now_ns();
}

void job_platform_run(unsigned n, const unsigned *cpus,
		      void (*fn)(void *arg, unsigned idx), void *arg)
{
	unsigned me = smp_this_cpu(), used[MAX_CPUS], k = 0;

	for (unsigned i = 1, c = 0; i < n; i++) {
		unsigned cpu;

		if (cpus) {
			cpu = cpus[i];
		} else {
			while (c == me)
				c++;
			cpu = c++;
		}
		smp_call_start(cpu, fn, arg, i);
		used[k++] = cpu;
	}
	fn(arg, 0);
	for (unsigned i = 0; i < k; i++)
		smp_call_wait(used[i]);
}
