/* TLB shootdown by IPI: after a CPU changed page-table entries other CPUs
 * may have cached (write-protected a range, split a huge mapping, unmapped
 * pages), tlb_shootdown() makes every online CPU drop them before it
 * returns. The caller's TLB is flushed with invlpg (or a CR3 reload past
 * TLB_FLUSH_ALL_PAGES pages, as Linux's tlb_single_page_flush_ceiling);
 * the others reload CR3 on an IPI (VEC_IPI_TLB) and acknowledge.
 *
 * Callable from any CPU, from a page-fault handler too, with interrupts on
 * or off: a CPU waiting for acknowledgements answers the requests of
 * others itself, so two CPUs shooting down at once cannot deadlock. Every
 * wait is bounded (a CPU that never answers: a panic naming it). */
#ifndef SMP_TLB_H
#define SMP_TLB_H
#include "lib/compiler.h"

#define TLB_FLUSH_ALL_PAGES 33

struct tlb_stats {
	uint64_t shootdowns;   /* tlb_shootdown calls that reached other CPUs */
	uint64_t ipis;         /* IPIs sent */
	uint64_t wait_ns;      /* time spent waiting for acknowledgements */
};

/* Flushes [va, va + size) on every online CPU; returns when all have. */
void tlb_shootdown(uint64_t va, uint64_t size);
/* Flushes every online CPU's whole TLB (non-global entries). */
void tlb_shootdown_all(void);
/* Totals since boot (or the last reset), summed over the CPUs. */
void tlb_stats_get(struct tlb_stats *out);
void tlb_stats_reset(void);
/* Installs the IPI handler; boot CPU, with the other IPIs. */
void tlb_init(void);
#endif
