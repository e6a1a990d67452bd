/* The memory model's setup and the two struct page init algorithms,
 * "linux" and "fast". See mm/memmap.h and docs/memmap.md.
 *
 * Built general-registers-only: the vector stores of the fast algorithm
 * are in mm/memmap_simd.c. */
#include "mm/memmap.h"
#include "lib/string.h"

/* ---- setup ------------------------------------------------------------ */

void memmap_model_init(struct mm_model *m, struct mem_section *table,
		       uint64_t nr_sections, struct pfn_range *free_ranges,
		       uint32_t max_free_ranges)
{
	memset(m, 0, sizeof(*m));
	section_table_init(&m->sections, table, MIN(nr_sections, NR_MEM_SECTIONS));
	m->free = free_ranges;
	m->max_free = max_free_ranges;
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		m->nodes[nid].nid = (uint16_t)nid;
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++)
			buddy_zone_init(&m->nodes[nid].zones[zt], &m->sections,
					nid, zt);
	}
}

static uint64_t absent_sections(const struct mm_model *m, uint64_t start_pfn,
				uint64_t end_pfn)
{
	uint64_t n = 0;

	for (uint64_t nr = pfn_to_section_nr(start_pfn);
	     nr <= pfn_to_section_nr(end_pfn - 1); nr++)
		if (nr >= m->sections.nr ||
		    !(m->sections.sec[nr].flags & SECTION_PRESENT))
			n++;
	return n;
}

uint64_t memmap_bytes_for_range(const struct mm_model *m, uint64_t start_pfn,
				uint64_t end_pfn)
{
	if (start_pfn >= end_pfn)
		return 0;
	return absent_sections(m, start_pfn, end_pfn) * SECTION_MEMMAP_BYTES;
}

/* Zone spans follow the node span, cut at the zone type's limits. */
static void node_extend(struct mm_model *m, unsigned nid, uint64_t start,
			uint64_t end)
{
	struct node *n = &m->nodes[nid];

	if (!n->online) {
		n->online = true;
		n->start_pfn = start;
		n->end_pfn = end;
	}
	n->start_pfn = MIN(n->start_pfn, start);
	n->end_pfn = MAX(n->end_pfn, end);
	for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
		struct zone *z = &n->zones[zt];
		uint64_t zs = MAX(n->start_pfn, zone_type_start_pfn(zt));
		uint64_t ze = MIN(n->end_pfn, zone_type_end_pfn(zt));

		if (zs < ze) {
			z->populated = true;
			z->start_pfn = zs;
			z->end_pfn = ze;
		}
	}
	if (m->span_end == 0) {
		m->span_start = start;
		m->span_end = end;
	}
	m->span_start = MIN(m->span_start, start);
	m->span_end = MAX(m->span_end, end);
}

int section_add(struct mm_model *m, uint64_t start_pfn, uint64_t end_pfn,
		unsigned nid, struct page *memmap_storage)
{
	uint64_t first, last, added = 0;

	if (start_pfn >= end_pfn || end_pfn > MAX_PFN || nid >= MAX_NUMNODES)
		return MEMMAP_E_INVAL;
	first = pfn_to_section_nr(start_pfn);
	last = pfn_to_section_nr(end_pfn - 1);
	if (last >= m->sections.nr)
		return MEMMAP_E_RANGE;
	for (uint64_t nr = first; nr <= last; nr++) {
		const struct mem_section *ms = &m->sections.sec[nr];

		if ((ms->flags & SECTION_PRESENT) && ms->nid != nid)
			return MEMMAP_E_NODE;
	}
	if (absent_sections(m, start_pfn, end_pfn) &&
	    (!memmap_storage || (uintptr_t)memmap_storage % CACHE_LINE))
		return MEMMAP_E_INVAL;
	for (uint64_t nr = first; nr <= last; nr++)
		if (section_set_present(&m->sections, nr, nid, memmap_storage +
					added * PAGES_PER_SECTION) == 0)
			added++;
	node_extend(m, nid, section_nr_to_pfn(first), section_nr_to_pfn(last + 1));
	return (int)added;
}

int memmap_add_free_range(struct mm_model *m, uint64_t start_pfn,
			  uint64_t end_pfn)
{
	struct pfn_range *last = m->nr_free ? &m->free[m->nr_free - 1] : NULL;

	if (start_pfn >= end_pfn)
		return MEMMAP_E_INVAL;
	if (last && start_pfn < last->end)
		return MEMMAP_E_RANGE;
	for (uint64_t nr = pfn_to_section_nr(start_pfn);
	     nr <= pfn_to_section_nr(end_pfn - 1); nr++)
		if (!pfn_valid(&m->sections, section_nr_to_pfn(nr)))
			return MEMMAP_E_RANGE;
	if (last && start_pfn == last->end) {
		last->end = end_pfn;
	} else {
		if (m->nr_free == m->max_free)
			return MEMMAP_E_FULL;
		m->free[m->nr_free++] = (struct pfn_range){ start_pfn, end_pfn };
	}
	m->usable_pages += end_pfn - start_pfn;
	return 0;
}

void memmap_node_span(const struct mm_model *m, unsigned nid,
		      uint64_t *start_pfn, uint64_t *end_pfn)
{
	const struct node *n = &m->nodes[nid % MAX_NUMNODES];

	*start_pfn = n->online ? n->start_pfn : 0;
	*end_pfn = n->online ? n->end_pfn : 0;
}

uint64_t memmap_present_pages(const struct mm_model *m)
{
	uint64_t n = 0;

	for (uint64_t nr = pfn_to_section_nr(m->span_start);
	     nr < pfn_to_section_nr(m->span_end); nr++)
		if (m->sections.sec[nr].flags & SECTION_PRESENT)
			n += PAGES_PER_SECTION;
	return n;
}

unsigned memmap_pfn_node(uint64_t pfn, void *arg)
{
	const struct mm_model *m = arg;
	const struct mem_section *ms = pfn_section(&m->sections, pfn);

	return ms ? ms->nid : 0;
}

void memmap_reset_state(struct mm_model *m)
{
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *z = &m->nodes[nid].zones[zt];
			struct zone saved = *z;

			buddy_zone_init(z, &m->sections, nid, zt);
			z->populated = saved.populated;
			z->start_pfn = saved.start_pfn;
			z->end_pfn = saved.end_pfn;
		}
	}
	for (uint64_t nr = 0; nr < m->sections.nr; nr++)
		memset(m->sections.sec[nr].pageblock_flags, 0,
		       sizeof(m->sections.sec[nr].pageblock_flags));
}

/* ---- what both algorithms share -------------------------------------- */

/* One call's view of its range: the free range cursor and the fault
 * injection target. */
struct chunk {
	struct mm_model *m;
	uint64_t start, end;
	int nid;
	uint32_t cur;		/* first free range that may matter */
	unsigned inject;	/* snapshot of m->inject, read once */
	struct page *victim;	/* a block this call freed, for injection */
	struct zone *victim_zone;
};

uint32_t memmap_free_range_search(const struct mm_model *m, uint64_t pfn)
{
	uint32_t lo = 0, hi = m->nr_free;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->free[mid].end <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t memmap_piece_end(const struct mm_model *m, uint32_t *cur,
			  uint64_t pfn, uint64_t limit, bool *is_free)
{
	const struct pfn_range *r;

	limit = MIN(limit, zone_type_end_pfn(zone_for_pfn(pfn)));
	while (*cur < m->nr_free && m->free[*cur].end <= pfn)
		(*cur)++;
	if (*cur == m->nr_free) {
		*is_free = false;
		return limit;
	}
	r = &m->free[*cur];
	*is_free = r->start <= pfn;
	return MIN(limit, *is_free ? r->end : r->start);
}

static struct page *section_page(const struct mem_section *ms, uint64_t pfn)
{
	return ms->memmap + (pfn & (PAGES_PER_SECTION - 1));
}

/* Verification: one more initialization of each pfn of [a, b). One branch
 * per piece when verification is off. */
static void count_init(const struct mm_model *m, uint64_t a, uint64_t b)
{
	if (likely(!m->init_counts))
		return;
	for (uint64_t pfn = a; pfn < b; pfn++)
		if (pfn - m->span_start < m->nr_init_counts)
			__atomic_fetch_add(&m->init_counts[pfn - m->span_start],
					   1, __ATOMIC_RELAXED);
}

static void chunk_begin(struct chunk *c, struct mm_model *m, uint64_t start,
			uint64_t end, int nid)
{
	c->m = m;
	c->start = start;
	c->end = end;
	c->nid = nid;
	c->cur = memmap_free_range_search(m, start);
	c->inject = __atomic_load_n(&m->inject, __ATOMIC_RELAXED);
	c->victim = NULL;
	c->victim_zone = NULL;
}

/* The present section holding @pfn if this call should init it. */
static struct mem_section *chunk_section(const struct chunk *c, uint64_t pfn)
{
	struct mem_section *ms = pfn_section(&c->m->sections, pfn);

	if (!ms || (c->nid != NUMA_NO_NODE && ms->nid != (unsigned)c->nid))
		return NULL;
	return ms;
}

static uint64_t section_part_end(uint64_t pfn, uint64_t end)
{
	return MIN(end, (pfn & PAGE_SECTION_MASK) + PAGES_PER_SECTION);
}

static void chunk_note_block(struct chunk *c, struct zone *z, struct page *p,
			     unsigned order)
{
	if (unlikely(c->inject) && !c->victim &&
	    order >= MEMMAP_INJECT_MIN_ORDER) {
		c->victim = p;
		c->victim_zone = z;
	}
}

/* Claims injection @bit for this call: true for exactly one caller. */
static bool inject_take(struct chunk *c, unsigned bit)
{
	return (c->inject & bit) &&
	       (__atomic_fetch_and(&c->m->inject, ~bit, __ATOMIC_ACQ_REL) & bit);
}

/* After the call's blocks are in the buddy: break one of them on purpose.
 * The victim is a free block of order >= 2 this call owns: nobody else
 * touches its tail pages. */
static void chunk_end(struct chunk *c)
{
	struct mm_model *m = c->m;
	struct page *v = c->victim;

	if (likely(!c->inject) || !v)
		return;
	if (inject_take(c, MEMMAP_INJECT_SKIP)) {
		uint64_t pfn = page_to_pfn(&m->sections, v + 2);

		memset(v + 2, PAGE_POISON_BYTE, sizeof(struct page));
		if (m->init_counts && pfn - m->span_start < m->nr_init_counts)
			__atomic_fetch_sub(&m->init_counts[pfn - m->span_start],
					   1, __ATOMIC_RELAXED);
	}
	if (inject_take(c, MEMMAP_INJECT_DOUBLE_FREE))
		buddy_free_block(c->victim_zone, v + 1, 0);
	if (inject_take(c, MEMMAP_INJECT_LEAK))
		buddy_take_block(c->victim_zone, v, (unsigned)v->private);
}

/* ---- linux: init every page, then walk the free ones again ------------- */

/* Pass 1 (__init_single_page) over [a, b) of one section. */
static void linux_init_pages(struct chunk *c, struct mem_section *ms,
			     uint64_t a, uint64_t b)
{
	uint64_t nr = pfn_to_section_nr(a), pend;
	bool is_free;

	for (uint64_t pfn = a; pfn < b; pfn = pend) {
		unsigned long flags = page_flags_make(nr, ms->nid,
						      zone_for_pfn(pfn));
		struct page *p = section_page(ms, pfn);

		pend = memmap_piece_end(c->m, &c->cur, pfn, b, &is_free);
		if (!is_free)
			flags |= PAGE_FLAG(PG_reserved);
		for (uint64_t i = 0; i < pend - pfn; i++)
			page_init_single(p + i, flags);
		count_init(c->m, pfn, pend);
	}
}

/* __free_pages_core(): touch every page of the block again (clear
 * Reserved, drop the reference), account it, hand it to the buddy. */
static void linux_free_pages_core(struct chunk *c, struct mem_section *ms,
				  uint64_t pfn, unsigned order)
{
	struct zone *z = &c->m->nodes[ms->nid].zones[zone_for_pfn(pfn)];
	struct page *p = section_page(ms, pfn);
	uint64_t n = 1ul << order;

	for (uint64_t i = 0; i < n; i++) {
		p[i].flags &= ~PAGE_FLAG(PG_reserved);
		p[i]._refcount = 0;
	}
	for (uint64_t pb = ALIGN_UP(pfn, PAGEBLOCK_NR_PAGES); pb < pfn + n;
	     pb += PAGEBLOCK_NR_PAGES)
		pageblock_set_migratetype(&c->m->sections, pb, MIGRATE_MOVABLE);
	__atomic_fetch_add(&z->managed_pages, n, __ATOMIC_RELAXED);
	buddy_free_block(z, p, order);
	chunk_note_block(c, z, p, order);
}

/* Pass 2 over [a, b): the free pieces, cut into the largest aligned
 * blocks (max order inside, smaller at holes and range edges). */
static void linux_free_pages(struct chunk *c, struct mem_section *ms,
			     uint64_t a, uint64_t b, uint32_t cur)
{
	uint64_t pend;
	bool is_free;

	for (uint64_t pfn = a; pfn < b; pfn = pend) {
		pend = memmap_piece_end(c->m, &cur, pfn, b, &is_free);
		if (!is_free)
			continue;
		for (uint64_t p = pfn; p < pend;) {
			unsigned order = max_block_order(p, pend);

			linux_free_pages_core(c, ms, p, order);
			p += 1ul << order;
		}
	}
}

/* Like Linux's deferred_init_maxorder(): one max-order window at a time,
 * so the second pass finds the window's 64 KiB of struct pages in cache. */
void memmap_init_range_linux(struct mm_model *m, uint64_t start, uint64_t end,
			     int nid)
{
	struct chunk c;

	chunk_begin(&c, m, start, end, nid);
	for (uint64_t s = start, e; s < end; s = e) {
		struct mem_section *ms = chunk_section(&c, s);

		e = section_part_end(s, end);
		if (!ms)
			continue;
		for (uint64_t w = s, we; w < e; w = we) {
			uint32_t cur = c.cur;

			we = MIN(e, ALIGN_DOWN(w, MAX_ORDER_NR_PAGES) +
				 MAX_ORDER_NR_PAGES);
			linux_init_pages(&c, ms, w, we);
			linux_free_pages(&c, ms, w, we, cur);
		}
	}
	chunk_end(&c);
}

/* ---- fast: one pass, final state, one lock per chunk ----------------- */

/* Free blocks built by this call, per zone type of the current node, to be
 * spliced into the zones at the end. */
struct fast_list {
	struct list_head list[NR_PAGE_ORDERS];
	uint64_t nr[NR_PAGE_ORDERS];
	uint64_t pages;
};

struct fast {
	struct chunk c;
	unsigned store;
	int list_nid;		/* node of the blocks in local, -1: none */
	struct fast_list local[MAX_NR_ZONES];
};

/* Scalar version of memmap_simd_fill, in general registers: every field
 * stored once (a struct assignment would zero the page with rep stosq
 * first). */
static void fill_scalar(struct page *p, uint64_t n, unsigned long flags,
			int refcount)
{
	for (struct page *q = p; q < p + n; q++) {
		q->flags = flags;
		q->lru.next = &q->lru;
		q->lru.prev = &q->lru;
		q->private = 0;
		q->_mapcount = PAGE_MAPCOUNT_NONE;
		q->_refcount = refcount;
		q->compound_head = 0;
		q->compound_order = 0;
		q->_pincount = 0;
		q->_reserved = 0;
	}
}

static void fast_fill(const struct fast *f, struct page *p, uint64_t n,
		      unsigned long flags, int refcount)
{
	if (f->store & MEMMAP_STORE_KIND_MASK)
		memmap_simd_fill(p, n, flags, refcount, f->store);
	else
		fill_scalar(p, n, flags, refcount);
}

static void fast_store_page(const struct fast *f, struct page *dst,
			    const struct page *src)
{
	if (f->store & MEMMAP_STORE_KIND_MASK)
		memmap_simd_store_page(dst, src, f->store);
	else
		*dst = *src;
}

/* Moves the local blocks into the node's zones: one lock per zone. */
static void fast_publish(struct fast *f)
{
	if (f->list_nid < 0)
		return;
	/* The blocks' streaming stores must be visible before the lock
	 * release in buddy_splice_blocks makes the blocks reachable. */
	memmap_simd_fence(f->store);
	for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
		struct fast_list *fl = &f->local[zt];

		if (!fl->pages)
			continue;
		buddy_splice_blocks(&f->c.m->nodes[f->list_nid].zones[zt],
				    fl->list, fl->nr);
		memset(fl->nr, 0, sizeof(fl->nr));
		fl->pages = 0;
	}
	f->list_nid = -1;
}

/* Writes @n consecutive free blocks of 2^order pages from @pfn in their
 * final state and appends them to the local list: each head is written
 * once, already linked to its neighbours (the next head is known, the
 * previous one was just written); only the list's old tail is patched. */
static void fast_link_run(struct fast *f, struct mem_section *ms,
			  unsigned long flags, uint64_t pfn, unsigned order,
			  uint64_t n)
{
	enum zone_type zt = zone_for_pfn(pfn);
	struct fast_list *fl = &f->local[zt];
	struct list_head *L = &fl->list[order], *old_tail = L->prev;
	struct list_head *prev = old_tail;
	struct page *first = section_page(ms, pfn), *head = first;
	uint64_t step = 1ul << order;

	for (uint64_t i = 0; i < n; i++, head += step) {
		struct page img = {
			.flags = flags | PAGE_FLAG(PG_buddy),
			.lru = { i + 1 < n ? &head[step].lru : L, prev },
			.private = order,
			._mapcount = PAGE_MAPCOUNT_NONE,
		};

		fast_store_page(f, head, &img);
		fast_fill(f, head + 1, step - 1, flags, 0);
		prev = &head->lru;
	}
	old_tail->next = &first->lru;
	L->prev = prev;
	fl->nr[order] += n;
	fl->pages += n << order;
	chunk_note_block(&f->c, &f->c.m->nodes[ms->nid].zones[zt], first, order);
}

/* A block whose buddy may lie outside this call's range (the range end is
 * not max-order aligned): written, then freed through the merging path. */
static void fast_free_shared(struct fast *f, struct mem_section *ms,
			     unsigned long flags, uint64_t pfn, unsigned order)
{
	struct zone *z = &f->c.m->nodes[ms->nid].zones[zone_for_pfn(pfn)];
	struct page *p = section_page(ms, pfn);

	fast_fill(f, p, 1ul << order, flags, 0);
	memmap_simd_fence(f->store);
	__atomic_fetch_add(&z->managed_pages, 1ul << order, __ATOMIC_RELAXED);
	buddy_free_block(z, p, order);
	chunk_note_block(&f->c, z, p, order);
}

/* Can no block outside this call merge with the block at @pfn? True when
 * its whole max-order window is ours: free ranges are maximal (adjacent
 * ones are merged at setup), so the greedy split below leaves no two
 * mergeable blocks inside one window. */
static bool fast_window_owned(const struct fast *f, uint64_t pfn)
{
	uint64_t w = ALIGN_DOWN(pfn, MAX_ORDER_NR_PAGES);

	return w >= f->c.start && w + MAX_ORDER_NR_PAGES <= f->c.end;
}

static void fast_free_piece(struct fast *f, struct mem_section *ms,
			    unsigned long flags, uint64_t a, uint64_t b)
{
	while (a < b) {
		unsigned order = max_block_order(a, b);
		uint64_t n = 1;

		if (order == MAX_PAGE_ORDER)	/* a run of max-order blocks */
			n = (b - a) >> MAX_PAGE_ORDER;
		if (order == MAX_PAGE_ORDER || fast_window_owned(f, a))
			fast_link_run(f, ms, flags, a, order, n);
		else
			fast_free_shared(f, ms, flags, a, order);
		a += n << order;
	}
}

/* Marks the pageblocks starting inside [a, b) movable in the local words. */
static void pageblocks_movable(uint64_t *words, uint64_t a, uint64_t b)
{
	for (uint64_t pb = ALIGN_UP(a, PAGEBLOCK_NR_PAGES); pb < b;
	     pb += PAGEBLOCK_NR_PAGES)
		words[pageblock_word(pb)] |= (uint64_t)MIGRATE_MOVABLE <<
					     pageblock_shift(pb);
}

static void fast_section(struct fast *f, struct mem_section *ms, uint64_t s,
			 uint64_t e)
{
	uint64_t words[PAGEBLOCK_WORDS] = { 0 };
	uint64_t nr = pfn_to_section_nr(s), pend;
	bool is_free;

	for (uint64_t pfn = s; pfn < e; pfn = pend) {
		unsigned long flags = page_flags_make(nr, ms->nid,
						      zone_for_pfn(pfn));

		pend = memmap_piece_end(f->c.m, &f->c.cur, pfn, e, &is_free);
		if (is_free) {
			fast_free_piece(f, ms, flags, pfn, pend);
			pageblocks_movable(words, pfn, pend);
		} else {
			fast_fill(f, section_page(ms, pfn), pend - pfn,
				  flags | PAGE_FLAG(PG_reserved),
				  PAGE_REFCOUNT_INIT);
		}
		count_init(f->c.m, pfn, pend);
	}
	section_or_pageblock_words(ms, words);
}

void memmap_init_range_fast(struct mm_model *m, uint64_t start, uint64_t end,
			    int nid, unsigned store)
{
	struct fast f;

	chunk_begin(&f.c, m, start, end, nid);
	f.store = store;
	f.list_nid = -1;
	for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			list_init(&f.local[zt].list[o]);
		memset(f.local[zt].nr, 0, sizeof(f.local[zt].nr));
		f.local[zt].pages = 0;
	}
	for (uint64_t s = start, e; s < end; s = e) {
		struct mem_section *ms = chunk_section(&f.c, s);

		e = section_part_end(s, end);
		if (!ms)
			continue;
		if (f.list_nid != (int)ms->nid) {
			fast_publish(&f);
			f.list_nid = ms->nid;
		}
		fast_section(&f, ms, s, e);
	}
	fast_publish(&f);
	chunk_end(&f.c);
}

void memmap_init_job(uint64_t start, uint64_t end, void *arg)
{
	const struct memmap_job *j = arg;

	if (j->algo == MEMMAP_ALGO_FAST)
		memmap_init_range_fast(j->m, start, end, j->nid, j->store);
	else
		memmap_init_range_linux(j->m, start, end, j->nid);
}
