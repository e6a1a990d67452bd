/* Checks that a memdesc init did its job and that its buddy allocator
 * keeps its invariants. See mm/memdesc_verify.h. */
#include "mm/memdesc_verify.h"
#include "mm/memmap_verify.h"
#include "lib/printf.h"
#include "lib/string.h"

#define ERR(...) (ksnprintf(err, errlen, __VA_ARGS__), -1)

typedef unsigned long long ull;

void memdesc_verify_poison(struct memdesc_model *md)
{
	const struct section_table *t = &md->mm->sections;

	for (uint64_t nr = 0; nr < t->nr; nr++)
		if (t->sec[nr].flags & SECTION_PRESENT)
			memset(md->arrays[nr], PAGE_POISON_BYTE,
			       memdesc_section_bytes(md->layout));
}

void memdesc_verify_enable_counts(struct memdesc_model *md, uint8_t *counts,
				  uint64_t len)
{
	if (counts)
		memset(counts, 0, len);
	md->init_counts = counts;
	md->nr_init_counts = counts ? len : 0;
}

/* ---- page states ------------------------------------------------------ */

static bool in_pool(const struct memdesc_pool *p, const struct memdesc_desc *d)
{
	return d >= p->desc && d < p->desc + p->cap;
}

static int check_word(const struct memdesc_model *md, uint64_t pfn,
		      bool is_free, char *err, size_t errlen)
{
	uint64_t w = *memdesc_word(md, pfn);
	const struct memdesc_desc *d = memdesc_desc_of(w);

	if (!is_free)
		return w == MEMDESC_RESERVED ? 0 :
		       ERR("reserved pfn 0x%llx: word 0x%llx", (ull)pfn, (ull)w);
	if (w == MEMDESC_FREE)
		return 0;
	if (memdesc_type(w) != MEMDESC_BUDDY || !in_pool(&md->pool, d) ||
	    d->pfn != pfn)
		return ERR("usable pfn 0x%llx: word 0x%llx is neither free nor "
			   "its block's head", (ull)pfn, (ull)w);
	return 0;
}

/* The 32-byte layout's other fields. */
static int check_page32(const struct memdesc_model *md, uint64_t pfn,
			bool is_free, char *err, size_t errlen)
{
	const struct page32 *p = memdesc_entry(md, pfn);
	const struct mem_section *ms = pfn_section(&md->mm->sections, pfn);
	unsigned long flags = page_flags_make(pfn_to_section_nr(pfn), ms->nid,
					      zone_for_pfn(pfn));

	if (!is_free)
		flags |= PAGE_FLAG(PG_reserved);
	if (p->flags != flags || p->_refcount != (is_free ? 0 : 1) ||
	    p->_mapcount != PAGE_MAPCOUNT_NONE || p->_spare)
		return ERR("pfn 0x%llx: flags 0x%llx refcount %d mapcount %d "
			   "spare 0x%llx, expected flags 0x%llx refcount %d",
			   (ull)pfn, (ull)p->flags, p->_refcount, p->_mapcount,
			   (ull)p->_spare, (ull)flags, is_free ? 0 : 1);
	return 0;
}

static int check_page(const struct memdesc_model *md, uint64_t pfn,
		      bool is_free, char *err, size_t errlen)
{
	uint64_t i = pfn - md->mm->span_start;

	if (md->init_counts && i < md->nr_init_counts &&
	    md->init_counts[i] != 1)
		return ERR("pfn 0x%llx initialized %u times", (ull)pfn,
			   md->init_counts[i]);
	if (check_word(md, pfn, is_free, err, errlen))
		return -1;
	if (md->layout == MEMDESC_LAYOUT_32)
		return check_page32(md, pfn, is_free, err, errlen);
	return 0;
}

int memdesc_verify_pages(const struct memdesc_model *md, char *err,
			 size_t errlen)
{
	const struct mm_model *m = md->mm;
	uint32_t cur = 0;

	for (uint64_t pfn = m->span_start, pend; pfn < m->span_end; pfn = pend) {
		bool is_free;

		if (!pfn_valid(&m->sections, pfn)) {
			pend = ALIGN_DOWN(pfn, PAGES_PER_SECTION) + PAGES_PER_SECTION;
			continue;
		}
		pend = memmap_piece_end(m, &cur, pfn, ALIGN_DOWN(pfn,
					PAGES_PER_SECTION) + PAGES_PER_SECTION,
					&is_free);
		for (uint64_t p = pfn; p < pend; p++)
			if (check_page(md, p, is_free, err, errlen))
				return -1;
	}
	return 0;
}

/* ---- buddy invariants -------------------------------------------------- */

static bool pfn_is_free(const struct mm_model *m, uint64_t pfn)
{
	uint32_t i = memmap_free_range_search(m, pfn);

	return i < m->nr_free && m->free[i].start <= pfn;
}

/* One list entry: a well-formed free block of @z of @order. */
static int check_block(const struct memdesc_model *md, const struct zone *z,
		       const struct memdesc_desc *d, unsigned order,
		       unsigned long *bitmap, char *err, size_t errlen)
{
	const struct mm_model *m = md->mm;
	uint64_t pfn = d->pfn, n = 1ul << order;
	const struct mem_section *ms;

	if (d->type != MEMDESC_BUDDY || d->order != order || (pfn & (n - 1)) ||
	    pfn < z->start_pfn || pfn + n > z->end_pfn)
		return ERR("zone %u/%u order %u: descriptor of pfn 0x%llx type "
			   "%u order %u", z->nid, z->idx, order, (ull)pfn,
			   d->type, d->order);
	ms = pfn_section(&m->sections, pfn);
	if (!ms || ms->nid != z->nid || zone_for_pfn(pfn) != z->idx)
		return ERR("free block 0x%llx outside its zone's sections",
			   (ull)pfn);
	if (*memdesc_word(md, pfn) != memdesc_word_make(MEMDESC_BUDDY, d))
		return ERR("free block 0x%llx: head word does not point at its "
			   "descriptor", (ull)pfn);
	for (uint64_t i = 1; i < n; i++)
		if (*memdesc_word(md, pfn + i) != MEMDESC_FREE)
			return ERR("free block 0x%llx order %u: pfn 0x%llx not "
				   "free", (ull)pfn, order, (ull)(pfn + i));
	if (bitmap_test_and_set_range(bitmap, pfn - m->span_start, n))
		return ERR("free block 0x%llx order %u overlaps another",
			   (ull)pfn, order);
	return 0;
}

static int check_area(const struct memdesc_model *md, const struct zone *z,
		      unsigned order, unsigned long *bitmap, uint64_t *pages,
		      char *err, size_t errlen)
{
	const struct free_area *a = &z->free_area[order];
	const struct list_head *l;
	uint64_t n = 0;

	for (l = a->free_list.next; l != &a->free_list; l = l->next) {
		const struct memdesc_desc *d = (const struct memdesc_desc *)l;

		if (n++ > a->nr_free || !in_pool(&md->pool, d) ||
		    l->next->prev != l)
			return ERR("zone %u/%u order %u: list corrupt or longer "
				   "than nr_free %llu", z->nid, z->idx, order,
				   (ull)a->nr_free);
		if (check_block(md, z, d, order, bitmap, err, errlen))
			return -1;
	}
	if (n != a->nr_free)
		return ERR("zone %u/%u order %u: %llu blocks listed, nr_free %llu",
			   z->nid, z->idx, order, (ull)n, (ull)a->nr_free);
	*pages += n << order;
	return 0;
}

/* The bitmap of free blocks equals the free ranges. */
static int check_coverage(const struct mm_model *m,
			  const unsigned long *bitmap, char *err, size_t errlen)
{
	for (uint64_t pfn = m->span_start; pfn < m->span_end; pfn++) {
		bool in_block = bitmap_test(bitmap, pfn - m->span_start);

		if (in_block != pfn_is_free(m, pfn))
			return ERR(in_block ? "reserved pfn 0x%llx is in a free "
				   "block" : "usable pfn 0x%llx is in no free "
				   "block", (ull)pfn);
	}
	return 0;
}

int memdesc_verify_buddy(const struct memdesc_model *md, unsigned long *bitmap,
			 char *err, size_t errlen)
{
	const struct mm_model *m = md->mm;
	uint64_t free_total = 0, managed = 0;

	memset(bitmap, 0, memmap_verify_bitmap_words(m) * sizeof(*bitmap));
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			const struct zone *z = &md->zones[nid][zt];
			uint64_t pages = 0;

			for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
				if (check_area(md, z, o, bitmap, &pages, err,
					       errlen))
					return -1;
			if (pages != z->free_pages)
				return ERR("zone %u/%u: free_pages %llu, blocks "
					   "hold %llu", nid, zt,
					   (ull)z->free_pages, (ull)pages);
			free_total += pages;
			managed += z->managed_pages;
		}
	}
	if (free_total != m->usable_pages || managed != m->usable_pages)
		return ERR("free %llu, managed %llu, usable %llu pages",
			   (ull)free_total, (ull)managed, (ull)m->usable_pages);
	return check_coverage(m, bitmap, err, errlen);
}

/* ---- drain and refill ------------------------------------------------- */

static uint64_t zone_orders(const struct zone *z, unsigned o)
{
	return z->free_area[o].nr_free;
}

/* Order-0 allocations from @z until it is empty; each pfn recorded. */
static int drain_zone(struct memdesc_model *md, struct zone *z,
		      unsigned long *bitmap, uint64_t *got, char *err,
		      size_t errlen)
{
	const struct mm_model *m = md->mm;
	struct memdesc_desc *f;

	while ((f = memdesc_alloc(md, z, 0))) {
		uint64_t pfn = f->pfn;

		if (pfn < m->span_start || pfn >= m->span_end ||
		    !pfn_is_free(m, pfn))
			return ERR("allocation returned non-usable pfn 0x%llx",
				   (ull)pfn);
		if (bitmap_test_and_set_range(bitmap, pfn - m->span_start, 1))
			return ERR("pfn 0x%llx allocated twice", (ull)pfn);
		if (*memdesc_word(md, pfn) != memdesc_word_make(MEMDESC_FOLIO, f))
			return ERR("allocated pfn 0x%llx: word not its folio",
				   (ull)pfn);
		(*got)++;
	}
	if (z->free_pages)
		return ERR("zone %u/%u: allocation failed with %llu pages free "
			   "(pool of %llu descriptors exhausted?)", z->nid, z->idx,
			   (ull)z->free_pages, (ull)md->pool.cap);
	return 0;
}

/* Frees every pfn set in @bitmap, in pfn order. */
static void refill(struct memdesc_model *md, const unsigned long *bitmap)
{
	const struct mm_model *m = md->mm;

	for (uint64_t pfn = m->span_start; pfn < m->span_end; pfn++)
		if (bitmap_test(bitmap, pfn - m->span_start))
			memdesc_folio_put(md, memdesc_desc_of(*memdesc_word(md, pfn)));
}

int memdesc_verify_alloc_all(struct memdesc_model *md, unsigned long *bitmap,
			     char *err, size_t errlen)
{
	/* 17 KiB: too big for a kernel stack. The checks run on one CPU
	 * at a time (the header's "after every init call has returned"). */
	static uint64_t before[MAX_NUMNODES][MAX_NR_ZONES][NR_PAGE_ORDERS];
	const struct mm_model *m = md->mm;
	uint64_t got = 0;

	memset(bitmap, 0, memmap_verify_bitmap_words(m) * sizeof(*bitmap));
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
				before[nid][zt][o] = zone_orders(&md->zones[nid][zt], o);
			if (drain_zone(md, &md->zones[nid][zt], bitmap, &got,
				       err, errlen))
				return -1;
		}
	if (got != m->usable_pages)
		return ERR("allocated %llu pages, usable %llu", (ull)got,
			   (ull)m->usable_pages);
	refill(md, bitmap);
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++)
			for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
				if (zone_orders(&md->zones[nid][zt], o) !=
				    before[nid][zt][o])
					return ERR("zone %u/%u order %u: %llu free "
						   "blocks after refill, %llu before",
						   nid, zt, o,
						   (ull)zone_orders(&md->zones[nid][zt], o),
						   (ull)before[nid][zt][o]);
	return 0;
}

int memdesc_verify_all(struct memdesc_model *md, unsigned long *bitmap,
		       char *err, size_t errlen)
{
	if (memdesc_verify_pages(md, err, errlen) ||
	    memdesc_verify_buddy(md, bitmap, err, errlen) ||
	    memdesc_verify_alloc_all(md, bitmap, err, errlen))
		return -1;
	return memdesc_verify_buddy(md, bitmap, err, errlen);
}
