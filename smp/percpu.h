/* Per-CPU data, reached through the GS base (percpu_self()). Each CPU owns
 * its GDT and TSS (the TSS holds the IST stacks for #DF, NMI and #MC, so a
 * stack overflow into a guard page reports instead of triple faulting). */
#ifndef SMP_PERCPU_H
#define SMP_PERCPU_H
#include "lib/compiler.h"
#include "arch/x86_64/gdt.h"

#define MAX_CPUS 256
#define KSTACK_SIZE (32 * 1024)
#define IST_STACK_SIZE (8 * 1024)

enum cpu_state { CPU_ABSENT, CPU_STARTING, CPU_ONLINE, CPU_FAILED };

struct percpu {
	struct percpu *self;      /* at offset 0: gs:0 gives the pointer */
	unsigned index;           /* slot in percpu_area, 0 = boot CPU */
	unsigned online_index;    /* dense number among online CPUs */
	uint32_t apic_id;
	unsigned node;
	volatile enum cpu_state state;
	uintptr_t stack_top;
	struct cpu_gdt gdt;
	uintptr_t ist_top[IST_COUNT];
	uint64_t online_tsc;      /* TSC when the CPU reached its idle loop */
	/* "run this function" mailbox (smp/call.c) */
	void (*call_fn)(void *arg, unsigned idx);
	void *call_arg;
	unsigned call_idx;
	uint64_t call_seq, call_done;
} __cacheline_aligned;

extern struct percpu percpu_area[MAX_CPUS];
extern unsigned nr_cpus_online;
/* NUMA nodes (>= 1), set once by the boot CPU before any job runs. */
extern unsigned nr_nodes_online;

static inline struct percpu *percpu_self(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

static inline unsigned this_cpu(void)
{
	return percpu_self()->index;
}

/* Allocates p's IST stacks (boot CPU, before the CPU starts). */
void percpu_prepare(struct percpu *p);
/* Points GS at p and loads its GDT/TSS and the IDT; run on that CPU. */
void percpu_install(struct percpu *p);
#endif
