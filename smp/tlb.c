/* TLB shootdown by IPI (tlb.h). One global generation number: a request
 * takes the next generation, each CPU records the highest generation it
 * has flushed for, and the requester waits until every other online CPU
 * has reached its own. A full flush on a target covers any number of
 * requests at once, so no per-request state is kept. */
#include "smp/tlb.h"
#include "smp/smp.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"

/* Far longer than any IPI takes, even with 255 vCPUs on 2 host cores. */
#define TLB_WATCHDOG_NS (30ul * 1000 * 1000 * 1000)

static uint64_t tlb_gen;                 /* last generation requested */
static uint64_t tlb_done[MAX_CPUS];      /* by online CPU: flushed up to */
static struct tlb_stats stats;

/* Flushes this CPU's TLB for everything requested so far. */
static void flush_pending(unsigned me)
{
	uint64_t gen = __atomic_load_n(&tlb_gen, __ATOMIC_ACQUIRE);

	if (__atomic_load_n(&tlb_done[me], __ATOMIC_RELAXED) >= gen)
		return;
	write_cr3(read_cr3());
	/* Pairs with the requester's acquire load in wait_for(). */
	__atomic_store_n(&tlb_done[me], gen, __ATOMIC_RELEASE);
}

static bool ipi_tlb(struct trap_frame *f)
{
	flush_pending(smp_this_cpu());
	lapic_eoi();
	return true;
}

static void flush_local(uint64_t va, uint64_t size)
{
	if (size / PAGE_SIZE > TLB_FLUSH_ALL_PAGES) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t a = va & PAGE_MASK; a < va + size; a += PAGE_SIZE)
		invlpg((const void *)a);
}

/* Waits until cpu flushed for gen, doing others' requests meanwhile. */
static void wait_for(unsigned me, unsigned cpu, uint64_t gen)
{
	uint64_t deadline = now_ns() + TLB_WATCHDOG_NS;

	while (__atomic_load_n(&tlb_done[cpu], __ATOMIC_ACQUIRE) < gen) {
		flush_pending(me);
		if (now_ns() > deadline)
			panic("tlb: cpu %u (apic %u) did not flush its TLB "
			      "within %lu s", cpu, smp_cpu(cpu)->apic_id,
			      TLB_WATCHDOG_NS / 1000000000ul);
		cpu_relax();
	}
}

static void shootdown(uint64_t va, uint64_t size)
{
	unsigned me = smp_this_cpu();
	uint64_t gen, t0;

	flush_local(va, size);
	if (nr_cpus_online < 2)
		return;
	gen = __atomic_add_fetch(&tlb_gen, 1, __ATOMIC_ACQ_REL);
	for (unsigned c = 0; c < nr_cpus_online; c++)
		if (c != me)
			lapic_send_ipi(smp_cpu(c)->apic_id, VEC_IPI_TLB);
	t0 = now_ns();
	for (unsigned c = 0; c < nr_cpus_online; c++)
		if (c != me)
			wait_for(me, c, gen);
	__atomic_fetch_add(&stats.shootdowns, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stats.ipis, nr_cpus_online - 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&stats.wait_ns, now_ns() - t0, __ATOMIC_RELAXED);
}

void tlb_shootdown(uint64_t va, uint64_t size)
{
	shootdown(va, size);
}

void tlb_shootdown_all(void)
{
	shootdown(0, UINT64_MAX);
}

void tlb_stats_get(struct tlb_stats *out)
{
	out->shootdowns = __atomic_load_n(&stats.shootdowns, __ATOMIC_RELAXED);
	out->ipis = __atomic_load_n(&stats.ipis, __ATOMIC_RELAXED);
	out->wait_ns = __atomic_load_n(&stats.wait_ns, __ATOMIC_RELAXED);
}

void tlb_stats_reset(void)
{
	stats = (struct tlb_stats){ 0 };
}

void tlb_init(void)
{
	trap_set_handler(VEC_IPI_TLB, ipi_tlb);
}
