/* Folios on the memmap model's struct pages: compound pages of 2^order
 * pages (a head and its tails, Linux include/linux/page-flags.h and
 * mm/internal.h), their allocation from the model's buddy allocator, and
 * the pin reference FOLL_PIN takes on them (Linux mm/gup.c,
 * try_grab_folio() and gup_put_folio()).
 *
 * A compound page: the head has PG_head and compound_order; every tail's
 * compound_head holds the head's address | 1 (so a tail is found by one
 * load, as in Linux). Tails of a folio larger than a section (1 GiB) live in
 * other sections' memmaps: walk them by pfn (pfn_to_page), never by
 * pointer arithmetic from the head (Linux's nth_page without vmemmap).
 *
 * Pinning, as Linux counts it since 5.12 (GUP_PIN_COUNTING_BIAS):
 *   order-0 folio: _refcount += FOLIO_PIN_BIAS per pinned page (one atomic);
 *   large folio:   _refcount += n and _pincount += n for n pinned subpages
 *                  (two atomics, whatever n is: the folio-aware path pays
 *                  them once for all its subpages in range).
 * The bias lets an order-0 page tell "pinned" from "merely referenced"
 * without a second counter; a large folio has room for _pincount.
 * Unpinning subtracts the same amounts. Both may run on many CPUs at once
 * on the same folio (atomic read-modify-writes). */
#ifndef MM_FOLIO_H
#define MM_FOLIO_H
#include "mm/memmap.h"

#define FOLIO_PIN_BIAS		1024u	/* Linux GUP_PIN_COUNTING_BIAS */
#define FOLIO_ORDER_2M		9
#define FOLIO_ORDER_1G		18

/* The head of the folio @p belongs to (@p itself for a head or an order-0
 * page). */
static inline struct page *page_folio(struct page *p)
{
	unsigned long h = READ_ONCE(p->compound_head);

	return (h & 1) ? (struct page *)(h - 1) : p;
}

static inline bool folio_test_large(const struct page *head)
{
	return page_test(head, PG_head);
}

static inline unsigned folio_order(const struct page *head)
{
	return folio_test_large(head) ? head->compound_order : 0;
}

static inline uint64_t folio_nr_pages(const struct page *head)
{
	return 1ull << folio_order(head);
}

/* Takes @n pins on subpages of the folio headed by @head (n >= 1);
 * returns the atomic read-modify-writes it issued (1 or 2). */
static inline unsigned folio_pin_add(struct page *head, uint64_t n)
{
	if (!folio_test_large(head)) {
		__atomic_fetch_add(&head->_refcount, (int)(n * FOLIO_PIN_BIAS),
				   __ATOMIC_RELAXED);
		return 1;
	}
	__atomic_fetch_add(&head->_refcount, (int)n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&head->_pincount, (int)n, __ATOMIC_RELAXED);
	return 2;
}

/* Drops @n pins taken by folio_pin_add; returns the atomics issued. */
static inline unsigned folio_pin_sub(struct page *head, uint64_t n)
{
	if (!folio_test_large(head)) {
		__atomic_fetch_sub(&head->_refcount, (int)(n * FOLIO_PIN_BIAS),
				   __ATOMIC_RELAXED);
		return 1;
	}
	__atomic_fetch_sub(&head->_refcount, (int)n, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&head->_pincount, (int)n, __ATOMIC_RELAXED);
	return 2;
}

/* What a folio's head counters read after @pins pins of each of its
 * subpages, starting from an unpinned folio holding one reference. */
static inline int folio_expected_refcount(const struct page *head,
					  uint64_t pins)
{
	if (!folio_test_large(head))
		return PAGE_REFCOUNT_INIT + (int)(pins * FOLIO_PIN_BIAS);
	return PAGE_REFCOUNT_INIT + (int)(pins * folio_nr_pages(head));
}

static inline int folio_expected_pincount(const struct page *head,
					  uint64_t pins)
{
	return folio_test_large(head) ? (int)(pins * folio_nr_pages(head)) : 0;
}

/* Makes the 2^order pages from @head_pfn one folio: PG_head and the order
 * on the head, compound_head on every tail. The pages must be initialized
 * and owned by the caller (allocated). Order 0 changes nothing. */
void folio_prep_compound(const struct section_table *t, uint64_t head_pfn,
			 unsigned order);
/* Undoes folio_prep_compound (before the pages go back to the buddy). */
void folio_clear_compound(const struct section_table *t, uint64_t head_pfn,
			  unsigned order);

/* A folio of 2^order pages from the model's buddy allocator, preferring
 * node @nid: its head pfn, head refcount 1, compound set up; or
 * FOLIO_NONE when nothing fits. Orders above MAX_PAGE_ORDER (1 GiB) are
 * gigantic: taken as 2^(order - MAX_PAGE_ORDER) free max-order blocks
 * that are contiguous and aligned (as Linux's alloc_contig_range does for
 * gigantic hugetlb pages); lowest address first. Not concurrent with other
 * allocations from the same model when gigantic. */
#define FOLIO_NONE	(~0ull)
uint64_t folio_alloc(struct mm_model *m, unsigned nid, unsigned order);
/* Gives a folio from folio_alloc back (unpinned, refcount 1). */
void folio_free(struct mm_model *m, uint64_t head_pfn, unsigned order);
#endif
