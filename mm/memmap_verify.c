/* Checks that a struct page init did its job: page states, buddy
 * invariants, coverage, drain-and-refill, and the canonical comparison of
 * two inits. See mm/memmap_verify.h. */
#include "mm/memmap_verify.h"
#include "lib/printf.h"
#include "lib/string.h"

#define ERR(...) (ksnprintf(err, errlen, __VA_ARGS__), -1)

typedef unsigned long long ull;

void memmap_verify_poison(struct mm_model *m)
{
	for (uint64_t nr = 0; nr < m->sections.nr; nr++)
		if (m->sections.sec[nr].flags & SECTION_PRESENT)
			memset(m->sections.sec[nr].memmap, PAGE_POISON_BYTE,
			       SECTION_MEMMAP_BYTES);
}

uint64_t memmap_verify_counts_len(const struct mm_model *m)
{
	return m->span_end - m->span_start;
}

void memmap_verify_enable_counts(struct mm_model *m, uint8_t *counts,
				 uint64_t len)
{
	if (counts)
		memset(counts, 0, len);
	m->init_counts = counts;
	m->nr_init_counts = counts ? len : 0;
}

uint64_t memmap_verify_bitmap_words(const struct mm_model *m)
{
	return bitmap_words(m->span_end - m->span_start);
}

/* ---- page states ------------------------------------------------------ */

static bool lru_is_self(const struct page *p)
{
	return p->lru.next == &p->lru && p->lru.prev == &p->lru;
}

static int check_free_page(const struct page *p, uint64_t pfn, char *err,
			   size_t errlen)
{
	if (page_is_reserved(p))
		return ERR("usable pfn 0x%llx is still reserved", (ull)pfn);
	if (p->_refcount != 0)
		return ERR("usable pfn 0x%llx: refcount %d, expected 0",
			   (ull)pfn, p->_refcount);
	if (!page_is_buddy(p)) {
		if (p->private != 0 || !lru_is_self(p))
			return ERR("free tail pfn 0x%llx: private or lru set",
				   (ull)pfn);
		return 0;
	}
	if (p->private > MAX_PAGE_ORDER || (pfn & ((1ul << p->private) - 1)))
		return ERR("block head pfn 0x%llx: bad order %lu", (ull)pfn,
			   p->private);
	if (lru_is_self(p))
		return ERR("block head pfn 0x%llx is on no list", (ull)pfn);
	return 0;
}

static int check_reserved_page(const struct page *p, uint64_t pfn, char *err,
			       size_t errlen)
{
	if (page_is_buddy(p))
		return ERR("reserved pfn 0x%llx was freed to the buddy",
			   (ull)pfn);
	if (!page_is_reserved(p))
		return ERR("reserved pfn 0x%llx is not marked reserved",
			   (ull)pfn);
	if (p->_refcount != PAGE_REFCOUNT_INIT)
		return ERR("reserved pfn 0x%llx: refcount %d, expected %d",
			   (ull)pfn, p->_refcount, PAGE_REFCOUNT_INIT);
	if (p->private != 0 || !lru_is_self(p))
		return ERR("reserved pfn 0x%llx: private or lru set", (ull)pfn);
	return 0;
}

static int check_page(const struct mm_model *m, const struct page *p,
		      uint64_t pfn, unsigned long want_flags, bool is_free,
		      char *err, size_t errlen)
{
	const unsigned long state = PAGE_FLAG(PG_reserved) | PAGE_FLAG(PG_buddy);

	if (m->init_counts && pfn - m->span_start < m->nr_init_counts) {
		unsigned n = m->init_counts[pfn - m->span_start];

		if (n != 1)
			return ERR("pfn 0x%llx initialized %u times", (ull)pfn, n);
	}
	if (p->flags == PAGE_POISON_FLAGS)
		return ERR("pfn 0x%llx never initialized (poisoned)", (ull)pfn);
	if ((p->flags & ~state) != want_flags)
		return ERR("pfn 0x%llx: flags 0x%lx, want section/node/zone "
			   "0x%lx", (ull)pfn, p->flags, want_flags);
	if (p->_mapcount != PAGE_MAPCOUNT_NONE || p->compound_head ||
	    p->compound_order || p->_pincount || p->_reserved)
		return ERR("pfn 0x%llx: mapcount or compound fields set",
			   (ull)pfn);
	if (is_free)
		return check_free_page(p, pfn, err, errlen);
	return check_reserved_page(p, pfn, err, errlen);
}

int memmap_verify_pages(const struct mm_model *m, char *err, size_t errlen)
{
	uint32_t cur = 0;

	if (errlen)
		err[0] = '\0';
	for (uint64_t nr = 0; nr < m->sections.nr; nr++) {
		const struct mem_section *ms = &m->sections.sec[nr];
		uint64_t s = section_nr_to_pfn(nr), e = s + PAGES_PER_SECTION;
		uint64_t pend;
		bool is_free;

		if (!(ms->flags & SECTION_PRESENT))
			continue;
		for (uint64_t pfn = s; pfn < e; pfn = pend) {
			unsigned long want = page_flags_make(nr, ms->nid,
							     zone_for_pfn(pfn));

			pend = memmap_piece_end(m, &cur, pfn, e, &is_free);
			for (uint64_t q = pfn; q < pend; q++)
				if (check_page(m, &ms->memmap[q - s], q, want,
					       is_free, err, errlen))
					return -1;
		}
	}
	return 0;
}

/* ---- free blocks ------------------------------------------------------ */

/* @bitmap (bit = pfn - span_start) must hold exactly the free pfns. */
static int check_coverage(const struct mm_model *m, const unsigned long *bitmap,
			  const char *missing, const char *extra, char *err,
			  size_t errlen)
{
	uint32_t cur = 0;
	uint64_t pend;
	bool is_free;

	for (uint64_t pfn = m->span_start; pfn < m->span_end; pfn = pend) {
		pend = memmap_piece_end(m, &cur, pfn, m->span_end, &is_free);
		for (uint64_t q = pfn; q < pend; q++) {
			bool set = bitmap_test(bitmap, q - m->span_start);

			if (set != is_free)
				return ERR("pfn 0x%llx: %s", (ull)q,
					   is_free ? missing : extra);
		}
	}
	return 0;
}

static void bitmap_clear_all(const struct mm_model *m, unsigned long *bitmap)
{
	memset(bitmap, 0, memmap_verify_bitmap_words(m) * sizeof(*bitmap));
}

int memmap_verify_buddy(const struct mm_model *m, unsigned long *bitmap,
			char *err, size_t errlen)
{
	uint64_t free_pages = 0, managed = 0;

	if (errlen)
		err[0] = '\0';
	bitmap_clear_all(m, bitmap);
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			const struct zone *z = &m->nodes[nid].zones[zt];

			if (buddy_check_zone(z, bitmap, m->span_start,
					     m->span_end - m->span_start,
					     err, errlen))
				return -1;
			free_pages += z->free_pages;
			managed += z->managed_pages;
		}
	}
	if (check_coverage(m, bitmap, "usable but in no free block (leaked)",
			   "reserved or hole but in a free block", err, errlen))
		return -1;
	if (free_pages != m->usable_pages || managed != m->usable_pages)
		return ERR("free pages %llu, managed %llu, usable %llu",
			   (ull)free_pages, (ull)managed, (ull)m->usable_pages);
	return 0;
}

/* Drains one zone at order 0 into @bitmap; counts pages in *total. */
static int drain_zone(struct mm_model *m, struct zone *z, unsigned long *bitmap,
		      uint64_t *total, char *err, size_t errlen)
{
	struct page *p;

	while ((p = buddy_alloc(z, 0))) {
		uint64_t pfn = page_to_pfn(&m->sections, p);

		if (pfn < m->span_start || pfn >= m->span_end)
			return ERR("allocated pfn 0x%llx outside memory",
				   (ull)pfn);
		if (bitmap_test(bitmap, pfn - m->span_start))
			return ERR("pfn 0x%llx allocated twice", (ull)pfn);
		if (page_zone(m->nodes, p) != z)
			return ERR("pfn 0x%llx allocated from the wrong zone",
				   (ull)pfn);
		bitmap_set_bit(bitmap, pfn - m->span_start);
		if (++*total > m->usable_pages)
			return ERR("more pages allocated than usable (%llu)",
				   (ull)m->usable_pages);
	}
	return 0;
}

static void refill(struct mm_model *m, const unsigned long *bitmap)
{
	for (uint64_t i = 0; i < m->span_end - m->span_start; i++) {
		struct page *p;

		if (!bitmap_test(bitmap, i))
			continue;
		p = pfn_to_page(&m->sections, m->span_start + i);
		buddy_free_pages(page_zone(m->nodes, p), p, 0);
	}
}

int memmap_verify_alloc_all(struct mm_model *m, unsigned long *bitmap,
			    char *err, size_t errlen)
{
	uint64_t total = 0;

	if (errlen)
		err[0] = '\0';
	bitmap_clear_all(m, bitmap);
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++)
			if (drain_zone(m, &m->nodes[nid].zones[zt], bitmap,
				       &total, err, errlen))
				return -1;
	if (check_coverage(m, bitmap, "usable but never allocated",
			   "reserved or hole but allocated", err, errlen))
		return -1;
	refill(m, bitmap);
	return 0;
}

int memmap_verify_all(struct mm_model *m, unsigned long *bitmap, char *err,
		      size_t errlen)
{
	if (memmap_verify_pages(m, err, errlen) ||
	    memmap_verify_buddy(m, bitmap, err, errlen) ||
	    memmap_verify_alloc_all(m, bitmap, err, errlen))
		return -1;
	/* The refill must have rebuilt a consistent allocator. */
	return memmap_verify_buddy(m, bitmap, err, errlen);
}

/* ---- comparing two inits --------------------------------------------- */

/* Equal pages, ignoring where a free block head's list links point. */
static int compare_page(const struct page *pa, const struct page *pb,
			uint64_t pfn, char *err, size_t errlen)
{
	struct page a = *pa, b = *pb;
	uint64_t wa[sizeof(a) / sizeof(uint64_t)], wb[ARRAY_SIZE(wa)];

	if (page_is_buddy(&a) && page_is_buddy(&b)) {
		a.lru = (struct list_head){ NULL, NULL };
		b.lru = (struct list_head){ NULL, NULL };
	} else if (!page_is_buddy(&a) && !page_is_buddy(&b)) {
		/* Self-pointing links differ only by the memmap's address. */
		if (lru_is_self(pa) && lru_is_self(pb)) {
			a.lru = (struct list_head){ NULL, NULL };
			b.lru = (struct list_head){ NULL, NULL };
		}
	}
	memcpy(wa, &a, sizeof(a));
	memcpy(wb, &b, sizeof(b));
	for (unsigned i = 0; i < ARRAY_SIZE(wa); i++)
		if (wa[i] != wb[i])
			return ERR("pfn 0x%llx differs at byte %u: 0x%llx vs "
				   "0x%llx", (ull)pfn, i * 8u, (ull)wa[i],
				   (ull)wb[i]);
	return 0;
}

static int compare_sections(const struct mm_model *a, const struct mm_model *b,
			    char *err, size_t errlen)
{
	if (a->span_start != b->span_start || a->span_end != b->span_end ||
	    a->usable_pages != b->usable_pages)
		return ERR("different layouts");
	for (uint64_t nr = pfn_to_section_nr(a->span_start);
	     nr < pfn_to_section_nr(a->span_end); nr++) {
		const struct mem_section *sa = &a->sections.sec[nr];
		const struct mem_section *sb = &b->sections.sec[nr];

		if (sa->flags != sb->flags || sa->nid != sb->nid)
			return ERR("section %llu: different presence or node",
				   (ull)nr);
		if (!(sa->flags & SECTION_PRESENT))
			continue;
		if (memcmp(sa->pageblock_flags, sb->pageblock_flags,
			   sizeof(sa->pageblock_flags)))
			return ERR("section %llu: pageblock bits differ",
				   (ull)nr);
		for (uint64_t i = 0; i < PAGES_PER_SECTION; i++)
			if (compare_page(&sa->memmap[i], &sb->memmap[i],
					 section_nr_to_pfn(nr) + i, err, errlen))
				return -1;
	}
	return 0;
}

static int compare_zone(const struct zone *za, const struct zone *zb,
			char *err, size_t errlen)
{
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		if (za->free_area[o].nr_free != zb->free_area[o].nr_free)
			return ERR("node %u zone %u order %u: %llu vs %llu free "
				   "blocks", za->nid, za->idx, o,
				   (ull)za->free_area[o].nr_free,
				   (ull)zb->free_area[o].nr_free);
	if (za->free_pages != zb->free_pages ||
	    za->managed_pages != zb->managed_pages)
		return ERR("node %u zone %u: free/managed pages differ",
			   za->nid, za->idx);
	return 0;
}

int memmap_compare(const struct mm_model *a, const struct mm_model *b,
		   char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (compare_sections(a, b, err, errlen))
		return -1;
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++)
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++)
			if (compare_zone(&a->nodes[nid].zones[zt],
					 &b->nodes[nid].zones[zt], err, errlen))
				return -1;
	return 0;
}
