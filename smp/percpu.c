/* Per-CPU areas (see percpu.h). */
#include "smp/percpu.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/vmap.h"

struct percpu percpu_area[MAX_CPUS];
unsigned nr_cpus_online;
unsigned nr_nodes_online = 1;

void percpu_prepare(struct percpu *p)
{
	for (int i = 0; i < IST_COUNT; i++) {
		p->ist_top[i] = vmap_alloc(IST_STACK_SIZE);
		if (!p->ist_top[i])
			panic("CPU %u: no memory for IST stacks", p->index);
		p->ist_top[i] += IST_STACK_SIZE;
	}
	p->self = p;
}

void percpu_install(struct percpu *p)
{
	wrmsr(MSR_GS_BASE, (uint64_t)p);
	gdt_load(&p->gdt, p->ist_top);
	idt_load();
}
