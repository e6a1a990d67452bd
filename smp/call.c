/* Running functions on other CPUs (see smp.h). Each CPU has a mailbox in
 * its percpu area: the caller writes fn/arg/idx, then bumps call_seq
 * (release); the target runs the function and stores call_done = call_seq
 * (release), which the caller waits for (acquire). Idle CPUs halt and are
 * woken by a fixed IPI: under TCG a spinning vCPU would steal the host CPU
 * from the ones doing work. */
#include "smp/smp.h"
#include "smp/tlb.h"
#include "smp/wake.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"

static struct percpu *online_cpus[MAX_CPUS];

struct percpu *smp_cpu(unsigned n)
{
	return online_cpus[n];
}

void smp_set_online(unsigned n, struct percpu *p)
{
	online_cpus[n] = p;
	p->online_index = n;
}

unsigned smp_this_cpu(void)
{
	return percpu_self()->online_index;
}

void smp_call_start(unsigned cpu, void (*fn)(void *arg, unsigned idx),
		    void *arg, unsigned idx)
{
	struct percpu *p = online_cpus[cpu];

	p->call_fn = fn;
	p->call_arg = arg;
	p->call_idx = idx;
	/* Pairs with the acquire load in smp_idle_loop(). */
	__atomic_store_n(&p->call_seq, p->call_seq + 1, __ATOMIC_RELEASE);
	lapic_send_ipi(p->apic_id, VEC_IPI_CALL);
}

bool smp_call_wait_bounded(unsigned cpu, uint64_t max_ns)
{
	struct percpu *p = online_cpus[cpu];
	uint64_t deadline = now_ns() + max_ns;

	/* Pairs with the release store after the function ran. */
	while (__atomic_load_n(&p->call_done, __ATOMIC_ACQUIRE) != p->call_seq) {
		if (now_ns() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

static void ping_fn(void *arg, unsigned idx)
{
	(void)arg;
	(void)idx;
}

bool smp_ping(unsigned cpu, uint64_t max_ns)
{
	smp_call_start(cpu, ping_fn, NULL, 0);
	return smp_call_wait_bounded(cpu, max_ns);
}

void smp_idle_loop(void)
{
	struct percpu *p = percpu_self();

	for (;;) {
		uint64_t seq;

		irq_disable();
		seq = __atomic_load_n(&p->call_seq, __ATOMIC_ACQUIRE);
		if (seq == p->call_done) {
			/* sti's one-instruction shadow covers hlt: an IPI
			 * arriving after the check still wakes us. */
			asm volatile("sti; hlt" ::: "memory");
			continue;
		}
		irq_enable();
		p->call_fn(p->call_arg, p->call_idx);
		__atomic_store_n(&p->call_done, seq, __ATOMIC_RELEASE);
	}
}

static bool ipi_call(struct trap_frame *f)
{
	lapic_eoi();
	return true;
}

static volatile bool stopping;

static bool nmi_stop(struct trap_frame *f)
{
	if (!stopping)
		return false;   /* a real NMI: report it */
	halt_forever();
}

static void stop_others(void)
{
	unsigned me = smp_this_cpu();

	stopping = true;
	for (unsigned c = 0; c < nr_cpus_online; c++)
		if (c != me)
			lapic_send_nmi(online_cpus[c]->apic_id);
}

void smp_init_ipis(void)
{
	trap_set_handler(VEC_IPI_CALL, ipi_call);
	tlb_init();
	smp_wake_init();
	trap_set_handler(VEC_NMI, nmi_stop);
	online_cpus[0] = &percpu_area[0];
	panic_stop_others = stop_others;
}
