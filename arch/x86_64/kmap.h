/* Temporary kernel mappings of single 4 KiB physical pages, the way Linux's
 * kmap_local_page()/kmap_atomic() map a HIGHMEM page (mm/highmem.c,
 * arch/x86/mm/highmem_32.c): each CPU owns a few fixed virtual slots whose
 * page-table entries are written directly (no table walk per mapping).
 * Mapping writes the PTE; unmapping clears it and flushes the slot's TLB
 * entry with invlpg, as kunmap_local() does on x86. No flush is needed when
 * mapping: the slot's entry was invalidated when it was last unmapped and
 * x86 does not cache not-present translations.
 *
 * parinit maps all RAM in the direct map, so nothing *needs* these slots:
 * the huge-page copy experiment (experiments/copy.c, variant per4k) uses
 * them to charge each 4 KiB copy with the cost a kmap'ing kernel pays. */
#ifndef ARCH_X86_64_KMAP_H
#define ARCH_X86_64_KMAP_H
#include "lib/compiler.h"

#define KMAP_SLOTS 2	/* per CPU: a copy's source and destination */

/* Reserves KMAP_SLOTS 4 KiB slots for each online CPU (vmap_reserve) and
 * builds the page tables under them, so later mappings only write leaf
 * entries. Call on the boot CPU once all CPUs are online; later calls do
 * nothing. Returns 0, or -1 when no virtual range or table page is left. */
int kmap_init(void);

/* Maps the 4 KiB physical page at @pa (page aligned) writable into slot
 * @slot (< KMAP_SLOTS) of the calling CPU and returns its address. The slot
 * must be unmapped; the caller must stay on this CPU until kunmap_slot(). */
void *kmap_slot(uint64_t pa, unsigned slot);

/* Clears slot @slot of the calling CPU and flushes its TLB entry. */
void kunmap_slot(unsigned slot);
#endif
