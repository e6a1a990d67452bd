/* Experiment address spaces: one window of kernel virtual memory (one
 * PML4 slot, 512 GiB at XAS_BASE) whose page tables an experiment builds
 * with mm/xpt.h, seen by every CPU (they share the kernel's PML4), and
 * whose page faults go to the experiment's handler on whichever CPU took
 * them. TLB shootdowns across CPUs are smp/tlb.h's.
 *
 *   struct xas x;
 *   xas_create(&x, &mem);                       an empty tree, installed
 *   xpt_map(&x.pt, XAS_BASE, pa, 1 * GiB, GPAGE_SIZE, PTE_W | PTE_NX);
 *   xas_set_fault(&x, my_fault, arg);           #PF in the window -> here
 *   ... CPUs touch XAS_BASE...; faults call my_fault(arg, va, error)
 *   xas_destroy(&x);                            uninstalled, TLBs flushed
 *
 * One address space at a time (the window is one slot). */
#ifndef ARCH_X86_64_XAS_H
#define ARCH_X86_64_XAS_H
#include "mm/xpt.h"

/* PML4 slot 448: between the VMAP area (0xffffc9...) and the kernel. */
#define XAS_BASE 0xffffe00000000000ull
#define XAS_SPAN (512ull * GiB)

/* Page-fault error code bits (Intel SDM vol. 3A, 4.7). */
#define XAS_PF_PRESENT (1ull << 0)   /* protection, not a missing page */
#define XAS_PF_WRITE   (1ull << 1)
#define XAS_PF_FETCH   (1ull << 4)

/* Resolves a fault at va (error: the code above) on the calling CPU, with
 * interrupts enabled when the faulting code had them (so TLB shootdowns
 * from other CPUs are served while it waits). True: retry the access;
 * false: a real fault, which panics with the usual report. */
typedef bool (*xas_fault_fn)(void *arg, uint64_t va, uint64_t error);

struct xas {
	struct xpt pt;
	xas_fault_fn fault;
	void *fault_arg;
	uint64_t faults;     /* dispatched to fault (atomic) */
};

/* An empty tree rooted at a PDPT for [XAS_BASE, XAS_BASE + XAS_SPAN),
 * installed in the kernel's PML4 and the #PF hook set. Returns 0, or -1
 * (with *why) when another address space is installed or no table page
 * was left. Boot CPU, between experiments. */
int xas_create(struct xas *x, const struct xpt_mem *mem, const char **why);
/* Removes the window from the kernel's PML4, flushes every online CPU's
 * TLB (the caller's own, and the others' by smp/tlb.h, which the caller
 * passes as flush_all_cpus: arch/ does not know the CPUs) and frees the
 * tables. */
void xas_destroy(struct xas *x, void (*flush_all_cpus)(void));
/* Sets the handler of faults in the window (NULL: none, faults panic). */
void xas_set_fault(struct xas *x, xas_fault_fn fn, void *arg);

/* Table pages from the direct map: xpt_mem.virt for kernel trees. */
void *xas_table_virt(void *ctx, uint64_t phys);
#endif
