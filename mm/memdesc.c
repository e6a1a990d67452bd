/* The memdesc layouts' init and buddy allocator. See mm/memdesc.h and
 * docs/memdesc.md. Built general-registers-only: the 8-byte layout's runs
 * go through the caller's fill kernel, the 32-byte layout's through
 * mm/memdesc_simd.c when asked; both files may use vector registers. */
#include "mm/memdesc.h"
#include "lib/string.h"

#define WORD_RESERVED	((uint64_t)MEMDESC_RESERVED)
#define WORD_FREE	((uint64_t)MEMDESC_FREE)

/* ---- the descriptor pool ---------------------------------------------- */

static void pool_reset(struct memdesc_pool *p)
{
	p->next = 0;
	p->nr_spare = 0;
	p->failed = 0;
	list_init(&p->spare);
	p->lock = (struct spinlock)SPINLOCK_INIT;
}

/* A descriptor, or NULL when the pool is empty. Init takes from the
 * never-used part without a lock; the spares need one. */
static struct memdesc_desc *pool_get(struct memdesc_pool *p)
{
	uint64_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
	struct memdesc_desc *d = NULL;

	if (i < p->cap)
		return &p->desc[i];
	__atomic_store_n(&p->next, p->cap, __ATOMIC_RELAXED);
	spin_lock(&p->lock);
	if (!list_empty(&p->spare)) {
		d = (struct memdesc_desc *)p->spare.next;
		list_del_init(&d->list);
		p->nr_spare--;
	}
	spin_unlock(&p->lock);
	if (!d)
		__atomic_fetch_add(&p->failed, 1, __ATOMIC_RELAXED);
	return d;
}

static void pool_put(struct memdesc_pool *p, struct memdesc_desc *d)
{
	spin_lock(&p->lock);
	list_add_tail(&d->list, &p->spare);
	p->nr_spare++;
	spin_unlock(&p->lock);
}

uint64_t memdesc_pool_in_use(const struct memdesc_pool *p)
{
	return MIN(p->next, p->cap) - p->nr_spare;
}

/* ---- setup ------------------------------------------------------------ */

uint64_t memdesc_init_descs(const struct mm_model *mm)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < mm->nr_free; i++) {
		uint64_t a = mm->free[i].start, b = mm->free[i].end;

		/* Pieces end at zone limits, as in init. */
		while (a < b) {
			uint64_t e = MIN(b, zone_type_end_pfn(zone_for_pfn(a)));

			for (; a < e; a += 1ul << max_block_order(a, e))
				n++;
		}
	}
	return n;
}

uint64_t memdesc_array_bytes(const struct mm_model *mm, unsigned layout)
{
	return memmap_present_pages(mm) * layout;
}

static bool on_node(const struct mem_section *ms, int nid)
{
	return (ms->flags & SECTION_PRESENT) &&
	       (nid == NUMA_NO_NODE || ms->nid == (unsigned)nid);
}

uint64_t memdesc_node_sections(const struct mm_model *mm, int nid)
{
	uint64_t n = 0;

	for (uint64_t nr = 0; nr < mm->sections.nr; nr++)
		n += on_node(&mm->sections.sec[nr], nid);
	return n;
}

void memdesc_arrays_place(const struct mm_model *mm, unsigned layout, int nid,
			  void *base, void **arrays)
{
	char *p = base;

	for (uint64_t nr = 0; nr < mm->sections.nr; nr++)
		if (on_node(&mm->sections.sec[nr], nid)) {
			arrays[nr] = p;
			p += memdesc_section_bytes(layout);
		}
}

void memdesc_model_init(struct memdesc_model *md, struct mm_model *mm,
			unsigned layout, void *const *arrays,
			struct memdesc_desc *descs, uint64_t cap)
{
	memset(md, 0, sizeof(*md));
	md->mm = mm;
	md->layout = layout;
	md->arrays = arrays;
	md->pool.desc = descs;
	md->pool.cap = cap;
	memdesc_reset_state(md);
}

void memdesc_reset_state(struct memdesc_model *md)
{
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
			const struct zone *src = &md->mm->nodes[nid].zones[zt];
			struct zone *z = &md->zones[nid][zt];

			buddy_zone_init(z, &md->mm->sections, nid, zt);
			z->populated = src->populated;
			z->start_pfn = src->start_pfn;
			z->end_pfn = src->end_pfn;
		}
	}
	pool_reset(&md->pool);
}

/* ---- init ------------------------------------------------------------- */

/* Free blocks built by one call, per zone type of the current node. */
struct md_local {
	struct list_head list[NR_PAGE_ORDERS];
	uint64_t nr[NR_PAGE_ORDERS];
	uint64_t pages;
};

struct md_chunk {
	struct memdesc_model *md;
	uint64_t start, end;
	struct memdesc_stores st;
	uint32_t cur;			/* free range cursor */
	unsigned inject;		/* snapshot of md->inject */
	int list_nid;			/* node of the blocks in local, -1 */
	struct md_local local[MAX_NR_ZONES];
	uint64_t victim;		/* a free block head for injection */
	struct zone *victim_zone;
};

/* Claims injection @bit for this call: true for exactly one caller. */
static bool inject_take(struct md_chunk *c, unsigned bit)
{
	return (c->inject & bit) &&
	       (__atomic_fetch_and(&c->md->inject, ~bit, __ATOMIC_ACQ_REL) & bit);
}

/* Verification: one more initialization of each pfn of [a, b). */
static void count_init(const struct memdesc_model *md, uint64_t a, uint64_t b)
{
	uint64_t base = md->mm->span_start;

	if (likely(!md->init_counts))
		return;
	for (uint64_t pfn = a; pfn < b; pfn++)
		if (pfn - base < md->nr_init_counts)
			__atomic_fetch_add(&md->init_counts[pfn - base], 1,
					   __ATOMIC_RELAXED);
}

static void fill8(const struct md_chunk *c, memdesc_t *w, uint64_t n,
		  uint64_t word)
{
	if (c->st.fill) {
		c->st.fill(w, word, n * sizeof(*w));
		return;
	}
	for (uint64_t i = 0; i < n; i++)
		w[i] = word;
}

/* Every field stored once: vector stores if asked, else general
 * registers. */
static void fill32(const struct md_chunk *c, struct page32 *p, uint64_t n,
		   unsigned long flags, uint64_t word, int refcount)
{
	/* _refcount and _mapcount as one little-endian word. */
	const uint64_t counts = (uint64_t)(uint32_t)PAGE_MAPCOUNT_NONE << 32 |
				(uint32_t)refcount;
	const uint64_t w[4] = { flags, word, counts, 0 };

	_Static_assert(offsetof(struct page32, _refcount) == 16, "counts word");
	_Static_assert(offsetof(struct page32, _mapcount) == 20, "counts word");
	if (c->st.store32 & MEMMAP_STORE_KIND_MASK) {
		memdesc_simd_fill32(p, n, w, c->st.store32);
		return;
	}
	for (struct page32 *q = p; q < p + n; q++) {
		q->flags = flags;
		q->memdesc = word;
		q->_refcount = refcount;
		q->_mapcount = PAGE_MAPCOUNT_NONE;
		q->_spare = 0;
	}
}

/* The entries of pfns [a, b) of section @ms, all reserved or all free
 * (block heads are patched afterwards), in one zone type. */
static void fill_piece(const struct md_chunk *c, const struct mem_section *ms,
		       uint64_t a, uint64_t b, bool is_free)
{
	const struct memdesc_model *md = c->md;
	uint64_t word = is_free ? WORD_FREE : WORD_RESERVED;
	unsigned long flags;

	if (md->layout == MEMDESC_LAYOUT_8) {
		fill8(c, memdesc_entry(md, a), b - a, word);
		return;
	}
	flags = page_flags_make(pfn_to_section_nr(a), ms->nid, zone_for_pfn(a));
	if (!is_free)
		flags |= PAGE_FLAG(PG_reserved);
	fill32(c, memdesc_entry(md, a), b - a, flags, word, is_free ? 0 : 1);
}

/* Moves the local blocks into the node's zones: one lock per zone. */
static void chunk_publish(struct md_chunk *c)
{
	if (c->list_nid < 0)
		return;
	for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++) {
		struct md_local *l = &c->local[zt];

		if (l->pages)
			buddy_splice_blocks(&c->md->zones[c->list_nid][zt],
					    l->list, l->nr);
		memset(l->nr, 0, sizeof(l->nr));
		l->pages = 0;
	}
	c->list_nid = -1;
}

/* The free block of 2^order pages at @pfn: a descriptor, its head word,
 * the local list. Its tails were filled FREE. No merge is possible: the
 * chunk owns the block's max-order window, and free ranges are maximal,
 * so the greedy split never leaves two buddies both free. */
static void chunk_add_block(struct md_chunk *c, uint64_t pfn, unsigned order)
{
	struct memdesc_desc *d = pool_get(&c->md->pool);
	struct md_local *l = &c->local[zone_for_pfn(pfn)];

	if (!d)		/* pool too small: the totals will say so */
		return;
	d->pfn = pfn;
	d->type = MEMDESC_BUDDY;
	d->order = (uint8_t)order;
	d->refcount = 0;
	*memdesc_word(c->md, pfn) = memdesc_word_make(MEMDESC_BUDDY, d);
	list_add_tail(&d->list, &l->list[order]);
	l->nr[order]++;
	l->pages += 1ul << order;
	if (unlikely(c->inject) && !c->victim && order >= 2) {
		c->victim = pfn;
		c->victim_zone = memdesc_zone(c->md, pfn);
	}
}

static void pageblocks_movable(uint64_t *words, uint64_t a, uint64_t b)
{
	for (uint64_t pb = ALIGN_UP(a, PAGEBLOCK_NR_PAGES); pb < b;
	     pb += PAGEBLOCK_NR_PAGES)
		words[pageblock_word(pb)] |= (uint64_t)MIGRATE_MOVABLE <<
					     pageblock_shift(pb);
}

static void chunk_section(struct md_chunk *c, struct mem_section *ms,
			  uint64_t s, uint64_t e)
{
	uint64_t words[PAGEBLOCK_WORDS] = { 0 };
	uint64_t pend;
	bool is_free;

	for (uint64_t pfn = s; pfn < e; pfn = pend) {
		pend = memmap_piece_end(c->md->mm, &c->cur, pfn, e, &is_free);
		fill_piece(c, ms, pfn, pend, is_free);
		if (is_free) {
			for (uint64_t a = pfn; a < pend;) {
				unsigned order = max_block_order(a, pend);

				chunk_add_block(c, a, order);
				a += 1ul << order;
			}
			pageblocks_movable(words, pfn, pend);
		}
		count_init(c->md, pfn, pend);
	}
	section_or_pageblock_words(ms, words);
}

/* Breaks one block this call published, once per init. */
static void chunk_inject(struct md_chunk *c)
{
	struct memdesc_desc *d;

	if (likely(!c->inject) || !c->victim ||
	    !inject_take(c, MEMDESC_INJECT_DOUBLE_FREE))
		return;
	d = pool_get(&c->md->pool);
	if (!d)
		return;
	/* A free of pfn victim + 1, which is already free: the allocator
	 * trusts its caller, as Linux's __free_one_page does. */
	d->type = MEMDESC_FOLIO;
	d->pfn = c->victim + 1;
	d->order = 0;
	d->refcount = 1;
	*memdesc_word(c->md, c->victim + 1) = memdesc_word_make(MEMDESC_FOLIO, d);
	memdesc_folio_put(c->md, d);
}

void memdesc_init_range(struct memdesc_model *md, uint64_t start,
			uint64_t end, const struct memdesc_stores *st)
{
	struct md_chunk c = { .md = md, .start = start, .end = end,
			      .st = *st, .list_nid = -1 };

	c.cur = memmap_free_range_search(md->mm, start);
	c.inject = __atomic_load_n(&md->inject, __ATOMIC_RELAXED);
	for (unsigned zt = 0; zt < MAX_NR_ZONES; zt++)
		for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
			list_init(&c.local[zt].list[o]);
	for (uint64_t s = start, e; s < end; s = e) {
		struct mem_section *ms = pfn_section(&md->mm->sections, s);

		e = MIN(end, (s & PAGE_SECTION_MASK) + PAGES_PER_SECTION);
		if (!ms || (unlikely(c.inject) &&
			    inject_take(&c, MEMDESC_INJECT_SKIP_SECTION)))
			continue;
		if (c.list_nid != (int)ms->nid) {
			chunk_publish(&c);
			c.list_nid = ms->nid;
		}
		chunk_section(&c, ms, s, e);
	}
	chunk_publish(&c);
	chunk_inject(&c);
}

void memdesc_init_job(uint64_t start, uint64_t end, void *arg)
{
	const struct memdesc_job *j = arg;

	memdesc_init_range(j->md, start, end, &j->st);
}

/* ---- the buddy allocator ---------------------------------------------- */

static void set_words(struct memdesc_model *md, uint64_t pfn, unsigned order,
		      uint64_t word)
{
	for (uint64_t i = 0; i < (1ul << order); i++)
		*memdesc_word(md, pfn + i) = word;
}

static void head_refcount(struct memdesc_model *md, uint64_t pfn, int ref)
{
	if (md->layout == MEMDESC_LAYOUT_32)
		((struct page32 *)memdesc_entry(md, pfn))->_refcount = ref;
}

static void area_add(struct zone *z, struct memdesc_desc *d)
{
	list_add_tail(&d->list, &z->free_area[d->order].free_list);
	z->free_area[d->order].nr_free++;
}

static void area_del(struct zone *z, struct memdesc_desc *d)
{
	list_del_init(&d->list);
	z->free_area[d->order].nr_free--;
}

/* The free block at @pfn of @order if its head is one, else NULL. */
static struct memdesc_desc *free_block_at(struct memdesc_model *md,
					  uint64_t pfn, unsigned order)
{
	uint64_t w = *memdesc_word(md, pfn);
	struct memdesc_desc *d = memdesc_desc_of(w);

	if (memdesc_type(w) != MEMDESC_BUDDY || d->order != order)
		return NULL;
	return d;
}

/* Under z->lock: 2^order pages at @pfn (words all FREE) become a free
 * block described by @d, merged with its free buddies (same max-order
 * window, so same section and zone). */
static void free_block(struct memdesc_model *md, struct zone *z,
		       struct memdesc_desc *d, uint64_t pfn, unsigned order)
{
	z->free_pages += 1ul << order;
	while (order < MAX_PAGE_ORDER) {
		uint64_t bpfn = pfn ^ (1ul << order);
		struct memdesc_desc *b = free_block_at(md, bpfn, order);

		if (!b)
			break;
		area_del(z, b);
		*memdesc_word(md, bpfn) = WORD_FREE;
		pool_put(&md->pool, b);
		pfn = MIN(pfn, bpfn);
		order++;
	}
	d->type = MEMDESC_BUDDY;
	d->pfn = pfn;
	d->order = (uint8_t)order;
	d->refcount = 0;
	*memdesc_word(md, pfn) = memdesc_word_make(MEMDESC_BUDDY, d);
	area_add(z, d);
}

void memdesc_folio_put(struct memdesc_model *md, struct memdesc_desc *f)
{
	struct zone *z;

	if (__atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	z = memdesc_zone(md, f->pfn);
	spin_lock(&z->lock);
	z->lock_acquisitions++;
	set_words(md, f->pfn, f->order, WORD_FREE);
	head_refcount(md, f->pfn, 0);
	free_block(md, z, f, f->pfn, f->order);
	spin_unlock(&z->lock);
}

/* Takes @n descriptors into @out, all or none. */
static bool pool_get_n(struct memdesc_pool *p, struct memdesc_desc **out,
		       unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		out[i] = pool_get(p);
		if (!out[i]) {
			while (i--)
				pool_put(p, out[i]);
			return false;
		}
	}
	return true;
}

/* Under z->lock: the smallest order >= @order with a free block, or
 * NR_PAGE_ORDERS. */
static unsigned first_order(const struct zone *z, unsigned order)
{
	while (order <= MAX_PAGE_ORDER &&
	       list_empty(&z->free_area[order].free_list))
		order++;
	return order;
}

/* Under z->lock: halves block @d (order k) down to @order; each upper
 * half becomes a free block with a descriptor from @spare. */
static void split_block(struct memdesc_model *md, struct zone *z,
			struct memdesc_desc *d, unsigned order,
			struct memdesc_desc **spare)
{
	for (unsigned k = d->order; k > order; k--) {
		struct memdesc_desc *h = *spare++;

		h->type = MEMDESC_BUDDY;
		h->pfn = d->pfn + (1ul << (k - 1));
		h->order = (uint8_t)(k - 1);
		h->refcount = 0;
		*memdesc_word(md, h->pfn) = memdesc_word_make(MEMDESC_BUDDY, h);
		area_add(z, h);
	}
	d->order = (uint8_t)order;
}

struct memdesc_desc *memdesc_alloc(struct memdesc_model *md, struct zone *z,
				   unsigned order)
{
	struct memdesc_desc *spare[MAX_PAGE_ORDER], *d = NULL;
	unsigned k;

	if (order > MAX_PAGE_ORDER)
		return NULL;
	spin_lock(&z->lock);
	z->lock_acquisitions++;
	k = first_order(z, order);
	if (k <= MAX_PAGE_ORDER && pool_get_n(&md->pool, spare, k - order)) {
		d = (struct memdesc_desc *)z->free_area[k].free_list.next;
		area_del(z, d);
		split_block(md, z, d, order, spare);
		z->free_pages -= 1ul << order;
		d->type = MEMDESC_FOLIO;
		d->refcount = 1;
		/* Under the lock: a neighbour's free reads this head word. */
		set_words(md, d->pfn, order,
			  memdesc_word_make(MEMDESC_FOLIO, d));
		head_refcount(md, d->pfn, 1);
	}
	spin_unlock(&z->lock);
	return d;
}
