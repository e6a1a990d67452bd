/* Experiment address spaces (xas.h): the window in the kernel's PML4 and
 * the page-fault dispatch. */
#include "arch/x86_64/xas.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/traps.h"
#include "lib/error.h"

#define XAS_SLOT   ((XAS_BASE >> 39) & (PT_ENTRIES - 1))

static struct xas *installed;

void *xas_table_virt(void *ctx, uint64_t phys)
{
	return phys_to_virt(phys);
}

static uint64_t *kernel_slot(void)
{
	uint64_t *pml4 = phys_to_virt(kernel_pml4_phys);

	return &pml4[XAS_SLOT];
}

/* #PF: faults in the window go to the installed experiment's handler;
 * everything else (and a window without a handler) is a real fault. */
static bool xas_page_fault(struct trap_frame *f)
{
	uint64_t va = read_cr2();
	struct xas *x = __atomic_load_n(&installed, __ATOMIC_ACQUIRE);
	bool ok;

	if (!x || !x->fault || va < XAS_BASE || va - XAS_BASE >= XAS_SPAN)
		return false;
	__atomic_fetch_add(&x->faults, 1, __ATOMIC_RELAXED);
	/* An interrupt gate cleared IF: give it back if the faulting code
	 * had it, so this CPU answers shootdown IPIs while it waits for a
	 * lock or for other CPUs' acknowledgements. */
	if (f->rflags & RFLAGS_IF)
		irq_enable();
	ok = x->fault(x->fault_arg, va, f->error);
	irq_disable();
	return ok;
}

int xas_create(struct xas *x, const struct xpt_mem *mem, const char **why)
{
	if (__atomic_load_n(&installed, __ATOMIC_ACQUIRE))
		return fail(why, "another experiment address space is installed");
	if (*kernel_slot())
		return fail(why, "the window's PML4 slot is in use");
	*x = (struct xas){ 0 };
	if (xpt_init(&x->pt, mem, 3, XAS_BASE))
		return fail(why, "no page for the window's root table");
	trap_set_handler(VEC_PAGE_FAULT, xas_page_fault);
	/* A table entry: the leaves decide writability and NX. */
	__atomic_store_n(kernel_slot(), x->pt.root | PTE_P | PTE_W,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&installed, x, __ATOMIC_RELEASE);
	return 0;
}

void xas_set_fault(struct xas *x, xas_fault_fn fn, void *arg)
{
	x->fault_arg = arg;
	__atomic_store_n(&x->fault, fn, __ATOMIC_RELEASE);
}

void xas_destroy(struct xas *x, void (*flush_all_cpus)(void))
{
	__atomic_store_n(kernel_slot(), 0, __ATOMIC_RELEASE);
	write_cr3(read_cr3());
	if (flush_all_cpus)
		flush_all_cpus();
	__atomic_store_n(&installed, NULL, __ATOMIC_RELEASE);
	xpt_destroy(&x->pt);
}
