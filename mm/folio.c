/* Folios on the memmap model: compound set-up and allocation from the
 * model's buddy allocator. See mm/folio.h. */
#include "mm/folio.h"

void folio_prep_compound(const struct section_table *t, uint64_t head_pfn,
			 unsigned order)
{
	struct page *head = pfn_to_page(t, head_pfn);

	if (!order)
		return;
	head->flags |= PAGE_FLAG(PG_head);
	head->compound_order = order;
	for (uint64_t i = 1; i < (1ull << order); i++)
		pfn_to_page(t, head_pfn + i)->compound_head =
			(unsigned long)head | 1;
}

void folio_clear_compound(const struct section_table *t, uint64_t head_pfn,
			  unsigned order)
{
	struct page *head = pfn_to_page(t, head_pfn);

	if (!order)
		return;
	head->flags &= ~PAGE_FLAG(PG_head);
	head->compound_order = 0;
	for (uint64_t i = 1; i < (1ull << order); i++)
		pfn_to_page(t, head_pfn + i)->compound_head = 0;
}

/* Whether [pfn, pfn + 2^order) is all free max-order blocks of one zone. */
static bool gigantic_free(struct mm_model *m, uint64_t pfn, unsigned order)
{
	const struct zone *z = NULL;

	for (uint64_t p = pfn; p < pfn + (1ull << order); p += MAX_ORDER_NR_PAGES) {
		struct page *b;

		if (!pfn_valid(&m->sections, p))
			return false;
		b = pfn_to_page(&m->sections, p);
		if (!page_is_buddy(b) || b->private != MAX_PAGE_ORDER)
			return false;
		if (z && page_zone(m->nodes, b) != z)
			return false;
		z = page_zone(m->nodes, b);
	}
	return true;
}

/* alloc_contig_range's job for a gigantic folio: the first aligned run of
 * free max-order blocks, taken off the free lists. */
static uint64_t gigantic_alloc(struct mm_model *m, unsigned order)
{
	uint64_t n = 1ull << order;

	for (uint64_t pfn = ALIGN_UP(m->span_start, n); pfn + n <= m->span_end;
	     pfn += n) {
		if (!gigantic_free(m, pfn, order))
			continue;
		for (uint64_t p = pfn; p < pfn + n; p += MAX_ORDER_NR_PAGES) {
			struct page *b = pfn_to_page(&m->sections, p);

			buddy_take_block(page_zone(m->nodes, b), b,
					 MAX_PAGE_ORDER);
		}
		pfn_to_page(&m->sections, pfn)->_refcount = PAGE_REFCOUNT_INIT;
		return pfn;
	}
	return FOLIO_NONE;
}

uint64_t folio_alloc(struct mm_model *m, unsigned nid, unsigned order)
{
	struct page *head;
	uint64_t pfn;

	if (order > MAX_PAGE_ORDER) {
		pfn = gigantic_alloc(m, order);
	} else {
		head = buddy_alloc_any(m->nodes, nid, order);
		pfn = head ? page_to_pfn(&m->sections, head) : FOLIO_NONE;
	}
	if (pfn != FOLIO_NONE)
		folio_prep_compound(&m->sections, pfn, order);
	return pfn;
}

void folio_free(struct mm_model *m, uint64_t head_pfn, unsigned order)
{
	struct page *head = pfn_to_page(&m->sections, head_pfn);

	folio_clear_compound(&m->sections, head_pfn, order);
	if (order <= MAX_PAGE_ORDER) {
		buddy_free_pages(page_zone(m->nodes, head), head, order);
		return;
	}
	head->_refcount = 0;
	for (uint64_t p = head_pfn; p < head_pfn + (1ull << order);
	     p += MAX_ORDER_NR_PAGES) {
		struct page *b = pfn_to_page(&m->sections, p);

		buddy_free_block(page_zone(m->nodes, b), b, MAX_PAGE_ORDER);
	}
}
