/* Page pinning per page, per folio and by one descent over the tables.
 * See mm/pin.h. */
#include "mm/pin.h"
#include "lib/printf.h"
#include "lib/string.h"

#define ERR(...) (ksnprintf(err, errlen, __VA_ARGS__), -1)

/* One chunk's work in progress: totals kept local so the shared ones are
 * written once per chunk, and the run being gathered (folio, fast). */
struct pin_cursor {
	struct pin_ctx *c;
	uint64_t atomics, walks, pages, unmapped, dropped;
	struct page *head;		/* pending run: its folio, or NULL */
	uint64_t idx, pfn, n;		/* first page index, pfn, pages */
};

void pin_reset(struct pin_ctx *c)
{
	memset(c->nr_runs, 0, pin_blocks(c->npages) * sizeof(*c->nr_runs));
	c->atomics = c->walks = c->pages = c->unmapped = c->dropped = 0;
}

static void cursor_done(struct pin_cursor *cur)
{
	struct pin_ctx *c = cur->c;

	__atomic_fetch_add(&c->atomics, cur->atomics, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->walks, cur->walks, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->pages, cur->pages, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->unmapped, cur->unmapped, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->dropped, cur->dropped, __ATOMIC_RELAXED);
}

/* ---- batches -------------------------------------------------------------- */

/* Records pfns [pfn, pfn + n) for pages [idx, idx + n) of one block,
 * extending the block's last run when they follow it. */
static void batch_add_in_block(struct pin_cursor *cur, uint64_t idx,
			       uint64_t pfn, uint64_t n)
{
	uint64_t blk = idx / PIN_BLOCK_PAGES;
	struct pin_run *runs = cur->c->runs + blk * PIN_BLOCK_RUNS;
	uint32_t *nr = &cur->c->nr_runs[blk];

	if (*nr && runs[*nr - 1].pfn + runs[*nr - 1].npages == pfn) {
		runs[*nr - 1].npages += n;
		return;
	}
	if (*nr == PIN_BLOCK_RUNS) {
		cur->dropped++;
		return;
	}
	runs[(*nr)++] = (struct pin_run){ pfn, n };
}

/* Records a piece that may cross block boundaries: each block's batch
 * gets its part. */
static void batch_add(struct pin_cursor *cur, uint64_t idx, uint64_t pfn,
		      uint64_t n)
{
	while (n) {
		uint64_t k = MIN(n, PIN_BLOCK_PAGES - idx % PIN_BLOCK_PAGES);

		batch_add_in_block(cur, idx, pfn, k);
		idx += k;
		pfn += k;
		n -= k;
	}
}

/* ---- pinning a piece ------------------------------------------------------ */

/* Pins n subpages of one folio and records them. */
static void pin_piece_raw(struct pin_cursor *cur, struct page *head,
			  uint64_t idx, uint64_t pfn, uint64_t n)
{
	cur->atomics += folio_pin_add(head, n);
	cur->pages += n;
	batch_add(cur, idx, pfn, n);
}

/* pin_piece_raw with the injected faults: the skipped page is cut out of
 * the piece, the doubled one pinned and recorded once more. Two compares
 * per piece when nothing is injected. */
static void pin_piece(struct pin_cursor *cur, struct page *head, uint64_t idx,
		      uint64_t pfn, uint64_t n)
{
	uint64_t skip = cur->c->skip_page, twice = cur->c->twice_page;

	if (skip - idx < n) {
		uint64_t k = skip - idx;

		if (k)
			pin_piece_raw(cur, head, idx, pfn, k);
		if (n - k - 1)
			pin_piece(cur, head, skip + 1, pfn + k + 1, n - k - 1);
		return;
	}
	pin_piece_raw(cur, head, idx, pfn, n);
	if (twice - idx < n)
		pin_piece_raw(cur, head, twice, pfn + (twice - idx), 1);
}

static void cursor_flush(struct pin_cursor *cur)
{
	if (cur->head)
		pin_piece(cur, cur->head, cur->idx, cur->pfn, cur->n);
	cur->head = NULL;
}

/* Folio-aware gathering: pages [idx, idx + n) map pfns [pfn, pfn + n).
 * Each folio's share joins the pending run when it continues it (same
 * folio, next page, next pfn), else the pending run is pinned first.
 * Folios are naturally aligned (buddy blocks), so a folio's end is found
 * from the pfn and its order without reading the head's pfn. */
static void gather(struct pin_cursor *cur, uint64_t idx, uint64_t pfn,
		   uint64_t n)
{
	while (n) {
		struct page *head = page_folio(pfn_to_page(cur->c->sections, pfn));
		uint64_t nr = folio_nr_pages(head);
		uint64_t k = MIN(n, ALIGN_DOWN(pfn, nr) + nr - pfn);

		if (cur->head != head || cur->idx + cur->n != idx ||
		    cur->pfn + cur->n != pfn) {
			cursor_flush(cur);
			cur->head = head;
			cur->idx = idx;
			cur->pfn = pfn;
			cur->n = 0;
		}
		cur->n += k;
		idx += k;
		pfn += k;
		n -= k;
	}
}

/* ---- the three walks ------------------------------------------------------ */

static uint64_t page_va(const struct pin_ctx *c, uint64_t idx)
{
	return c->va + idx * PAGE_SIZE;
}

/* Leaf address of @pte of a leaf of @size mapping @va: the pfn of @va. */
static uint64_t leaf_pfn(uint64_t pte, uint64_t size, uint64_t leaf_va,
			 uint64_t va)
{
	return ((pte & XPT_ADDR_MASK & ~(size - 1)) + (va - leaf_va)) >> PAGE_SHIFT;
}

/* PIN_PAGE: a walk from the root and a pin per page. */
static void pin_pages(struct pin_cursor *cur, uint64_t start, uint64_t end)
{
	const struct pin_ctx *c = cur->c;

	for (uint64_t i = start; i < end; i++) {
		bool ok;
		uint64_t pa = xpt_translate(c->pt, page_va(c, i), &ok);

		cur->walks++;
		if (!ok) {
			cur->unmapped++;
			continue;
		}
		pin_piece(cur, page_folio(pfn_to_page(c->sections,
						      pa >> PAGE_SHIFT)),
			  i, pa >> PAGE_SHIFT, 1);
	}
}

/* PIN_FOLIO: a walk from the root per leaf; a huge leaf covers all its
 * pages in the chunk at once. */
static void pin_folios(struct pin_cursor *cur, uint64_t start, uint64_t end)
{
	const struct pin_ctx *c = cur->c;

	for (uint64_t i = start; i < end;) {
		struct xpt_leaf l;
		uint64_t va = page_va(c, i), n;

		cur->walks++;
		if (!xpt_walk(c->pt, va, &l)) {
			cur->unmapped++;
			i++;
			continue;
		}
		n = MIN((l.va + l.page_size - va) / PAGE_SIZE, end - i);
		gather(cur, i, leaf_pfn(READ_ONCE(*l.pte), l.page_size, l.va, va), n);
		i += n;
	}
	cursor_flush(cur);
}

/* PIN_FAST: [s, e) inside the table at @table_pa (level @level, mapping
 * from @tva), entries read in sequence; a leaf is taken whole. */
static void fast_table(struct pin_cursor *cur, uint64_t table_pa,
		       unsigned level, uint64_t tva, uint64_t s, uint64_t e)
{
	const struct xpt *pt = cur->c->pt;
	const uint64_t *t = pt->mem->virt(pt->mem->ctx, table_pa);
	uint64_t size = xpt_level_size(level);

	cur->walks++;
	for (uint64_t va = s; va < e;) {
		uint64_t lva = ALIGN_DOWN(va, size), next = MIN(lva + size, e);
		uint64_t ent = READ_ONCE(t[(lva - tva) / size]);
		uint64_t idx = (va - cur->c->va) / PAGE_SIZE;

		if (!(ent & XPT_P))
			cur->unmapped += (next - va) / PAGE_SIZE;
		else if (level == 1 || (ent & XPT_PS))
			gather(cur, idx, leaf_pfn(ent, size, lva, va),
			       (next - va) / PAGE_SIZE);
		else
			fast_table(cur, ent & XPT_ADDR_MASK, level - 1, lva,
				   va, next);
		va = next;
	}
}

static void pin_fast(struct pin_cursor *cur, uint64_t start, uint64_t end)
{
	const struct pin_ctx *c = cur->c;

	fast_table(cur, c->pt->root, c->pt->root_level, c->pt->base,
		   page_va(c, start), page_va(c, end));
	cursor_flush(cur);
}

void pin_range(struct pin_ctx *c, uint64_t start, uint64_t end)
{
	struct pin_cursor cur = { .c = c };

	if (c->algo == PIN_PAGE)
		pin_pages(&cur, start, end);
	else if (c->algo == PIN_FOLIO)
		pin_folios(&cur, start, end);
	else
		pin_fast(&cur, start, end);
	cursor_done(&cur);
}

/* ---- unpin ------------------------------------------------------------------ */

/* One run: per page, or each folio's share at once. */
static void unpin_run(struct pin_cursor *cur, const struct pin_run *r)
{
	const struct section_table *t = cur->c->sections;
	bool per_page = cur->c->algo == PIN_PAGE;

	for (uint64_t pfn = r->pfn, end = r->pfn + r->npages; pfn < end;) {
		struct page *head = page_folio(pfn_to_page(t, pfn));
		uint64_t nr = folio_nr_pages(head);
		uint64_t k = per_page ? 1 :
			     MIN(end - pfn, ALIGN_DOWN(pfn, nr) + nr - pfn);

		cur->atomics += folio_pin_sub(head, k);
		cur->pages += k;
		pfn += k;
	}
}

void unpin_range(struct pin_ctx *c, uint64_t start, uint64_t end)
{
	struct pin_cursor cur = { .c = c };

	for (uint64_t b = start / PIN_BLOCK_PAGES; b < pin_blocks(end); b++)
		for (uint32_t i = 0; i < c->nr_runs[b]; i++)
			unpin_run(&cur, &c->runs[b * PIN_BLOCK_RUNS + i]);
	cursor_done(&cur);
}

void pin_job(uint64_t start, uint64_t end, void *arg)
{
	struct pin_ctx *c = arg;

	if (c->unpin)
		unpin_range(c, start, end);
	else
		pin_range(c, start, end);
}

/* ---- verification ------------------------------------------------------------ */

static uint64_t expected_pfn(const uint64_t *folio_pfns, unsigned order,
			     uint64_t i)
{
	return folio_pfns[i >> order] + (i & ((1ull << order) - 1));
}

int pin_check_batches(const struct pin_ctx *c, const uint64_t *folio_pfns,
		      unsigned order, char *err, size_t errlen)
{
	uint64_t i = 0;

	if (c->dropped)
		return ERR("%llu runs dropped (batch full)",
			   (unsigned long long)c->dropped);
	for (uint64_t b = 0; b < pin_blocks(c->npages); b++) {
		for (uint32_t k = 0; k < c->nr_runs[b]; k++) {
			const struct pin_run *r = &c->runs[b * PIN_BLOCK_RUNS + k];

			if (!r->npages)
				return ERR("block %llu run %u is empty",
					   (unsigned long long)b, k);
			for (uint64_t j = 0; j < r->npages; j++, i++)
				if (i >= c->npages ||
				    r->pfn + j != expected_pfn(folio_pfns, order, i))
					return ERR("page %llu: batch has pfn %#llx, "
						   "mapping says %#llx",
						   (unsigned long long)i,
						   (unsigned long long)(r->pfn + j),
						   i < c->npages ? (unsigned long long)
						   expected_pfn(folio_pfns, order, i) : 0ull);
		}
		if (i != MIN((b + 1) * PIN_BLOCK_PAGES, c->npages))
			return ERR("block %llu: batches hold %llu pages, expected %llu",
				   (unsigned long long)b, (unsigned long long)i,
				   (unsigned long long)MIN((b + 1) * PIN_BLOCK_PAGES,
							   c->npages));
	}
	return 0;
}

int pin_check_counts(const struct section_table *t, const uint64_t *folio_pfns,
		     uint64_t nfolios, unsigned order, uint64_t pins,
		     char *err, size_t errlen)
{
	for (uint64_t f = 0; f < nfolios; f++) {
		struct page *head = pfn_to_page(t, folio_pfns[f]);
		int ref = READ_ONCE(head->_refcount), pin = READ_ONCE(head->_pincount);

		if (folio_order(head) != order)
			return ERR("pfn %#llx: folio of order %u, expected %u",
				   (unsigned long long)folio_pfns[f],
				   folio_order(head), order);
		if (ref != folio_expected_refcount(head, pins) ||
		    pin != folio_expected_pincount(head, pins))
			return ERR("folio pfn %#llx: refcount %d pincount %d, "
				   "expected %d and %d after %llu pins",
				   (unsigned long long)folio_pfns[f], ref, pin,
				   folio_expected_refcount(head, pins),
				   folio_expected_pincount(head, pins),
				   (unsigned long long)pins);
		for (uint64_t i = 1; i < (1ull << order); i++) {
			struct page *p = pfn_to_page(t, folio_pfns[f] + i);

			if (p->_refcount || p->_pincount || page_folio(p) != head)
				return ERR("pfn %#llx: tail with refcount %d "
					   "pincount %d or a wrong head",
					   (unsigned long long)(folio_pfns[f] + i),
					   p->_refcount, p->_pincount);
		}
	}
	return 0;
}
