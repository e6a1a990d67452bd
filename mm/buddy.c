/* The buddy allocator: free lists per zone and order, merging on free,
 * splitting on allocation, and an invariant checker. See mm/buddy.h;
 * Linux's version is __free_one_page() / expand() in mm/page_alloc.c. */
#include "mm/buddy.h"
#include "lib/printf.h"

void buddy_zone_init(struct zone *z, const struct section_table *t,
		     unsigned nid, enum zone_type idx)
{
	*z = (struct zone){ .lock = SPINLOCK_INIT };
	z->sections = t;
	z->nid = (uint16_t)nid;
	z->idx = (uint16_t)idx;
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		list_init(&z->free_area[o].free_list);
}

static void zone_lock(struct zone *z)
{
	spin_lock(&z->lock);
	z->lock_acquisitions++;
}

static void zone_unlock(struct zone *z)
{
	spin_unlock(&z->lock);
}

static void free_list_add(struct zone *z, struct page *p, unsigned order)
{
	p->flags |= PAGE_FLAG(PG_buddy);
	p->private = order;
	list_add_tail(&p->lru, &z->free_area[order].free_list);
	z->free_area[order].nr_free++;
}

static void free_list_del(struct zone *z, struct page *p, unsigned order)
{
	list_del_init(&p->lru);
	p->flags &= ~PAGE_FLAG(PG_buddy);
	p->private = 0;
	z->free_area[order].nr_free--;
}

/* May the block at @pfn merge with the one at @bpfn of the same order?
 * Only if the buddy is the head of a free block of that order in the same
 * zone. Blocks never cross a section (static assert in section.h), so a
 * buddy in another section is refused without looking at it; holes inside
 * a present section are reserved pages, never PG_buddy. */
static bool buddy_mergeable(const struct section_table *t, uint64_t pfn,
			    uint64_t bpfn, unsigned order, unsigned zone_id)
{
	const struct page *buddy;

	if (pfn_to_section_nr(bpfn) != pfn_to_section_nr(pfn) ||
	    !pfn_valid(t, bpfn))
		return false;
	buddy = pfn_to_page(t, bpfn);
	return page_is_buddy(buddy) && buddy->private == order &&
	       page_zone_id(buddy) == zone_id;
}

static void free_block_locked(struct zone *z, uint64_t pfn, unsigned order)
{
	const struct section_table *t = z->sections;
	unsigned zone_id = page_zone_id(pfn_to_page(t, pfn));

	z->free_pages += 1ul << order;
	while (order < MAX_PAGE_ORDER) {
		uint64_t bpfn = pfn ^ (1ul << order);

		if (!buddy_mergeable(t, pfn, bpfn, order, zone_id))
			break;
		free_list_del(z, pfn_to_page(t, bpfn), order);
		pfn &= ~(1ul << order);
		order++;
	}
	free_list_add(z, pfn_to_page(t, pfn), order);
}

void buddy_free_block(struct zone *z, struct page *page, unsigned order)
{
	uint64_t pfn = page_to_pfn(z->sections, page);

	zone_lock(z);
	free_block_locked(z, pfn, order);
	zone_unlock(z);
}

void buddy_splice_blocks(struct zone *z, struct list_head lists[NR_PAGE_ORDERS],
			 const uint64_t nr[NR_PAGE_ORDERS])
{
	uint64_t pages = 0;

	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		pages += nr[o] << o;
	zone_lock(z);
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++) {
		list_splice_tail_init(&lists[o], &z->free_area[o].free_list);
		z->free_area[o].nr_free += nr[o];
	}
	z->free_pages += pages;
	zone_unlock(z);
	__atomic_fetch_add(&z->managed_pages, pages, __ATOMIC_RELAXED);
}

bool buddy_take_block(struct zone *z, struct page *page, unsigned order)
{
	bool taken = false;

	zone_lock(z);
	if (page_is_buddy(page) && page->private == order) {
		free_list_del(z, page, order);
		z->free_pages -= 1ul << order;
		taken = true;
	}
	zone_unlock(z);
	return taken;
}

void buddy_free_pages(struct zone *z, struct page *page, unsigned order)
{
	page->_refcount = 0;
	buddy_free_block(z, page, order);
}

struct page *buddy_alloc(struct zone *z, unsigned order)
{
	struct page *page;
	unsigned o;

	if (order > MAX_PAGE_ORDER)
		return NULL;
	zone_lock(z);
	for (o = order; o <= MAX_PAGE_ORDER; o++)
		if (!list_empty(&z->free_area[o].free_list))
			break;
	if (o > MAX_PAGE_ORDER) {
		zone_unlock(z);
		return NULL;
	}
	page = lru_to_page(z->free_area[o].free_list.next);
	free_list_del(z, page, o);
	/* Split: keep the lower half, give the upper half back (a block
	 * lies in one section, so page + n is the struct page of pfn + n). */
	while (o > order) {
		o--;
		free_list_add(z, page + (1ul << o), o);
	}
	z->free_pages -= 1ul << order;
	zone_unlock(z);
	page->_refcount = PAGE_REFCOUNT_INIT;
	return page;
}

struct page *buddy_alloc_any(struct node *nodes, unsigned nid, unsigned order)
{
	for (unsigned k = 0; k < MAX_NUMNODES; k++) {
		struct node *n = &nodes[(nid + k) % MAX_NUMNODES];

		if (!n->online)
			continue;
		for (int zt = MAX_NR_ZONES - 1; zt >= 0; zt--) {
			struct page *p;

			if (!n->zones[zt].populated)
				continue;
			p = buddy_alloc(&n->zones[zt], order);
			if (p)
				return p;
		}
	}
	return NULL;
}

/* ---- invariant checker ------------------------------------------------ */

struct check {
	const struct zone *z;
	unsigned long *bitmap;
	uint64_t base, nbits;
	char *err;
	size_t errlen;
};

static int check_fail(const struct check *c, const char *what,
		      uint64_t pfn, unsigned order)
{
	ksnprintf(c->err, c->errlen,
		  "node %u zone %u: order-%u block at pfn 0x%llx: %s",
		  c->z->nid, c->z->idx, order, (unsigned long long)pfn, what);
	return -1;
}

/* The struct page behind a list entry, or NULL if it is not one of a
 * present section's memmap (the entry's own flags name the section). */
static const struct page *check_entry_page(const struct check *c,
					   const struct list_head *l)
{
	const struct section_table *t = c->z->sections;
	const struct page *p = lru_to_page(l);
	uint64_t nr = page_section_nr(p);

	if (nr >= t->nr || !(t->sec[nr].flags & SECTION_PRESENT))
		return NULL;
	if (p < t->sec[nr].memmap || p >= t->sec[nr].memmap + PAGES_PER_SECTION)
		return NULL;
	return p;
}

static int check_tails(const struct check *c, const struct page *head,
		       uint64_t pfn, unsigned order)
{
	for (uint64_t i = 1; i < (1ul << order); i++) {
		if (page_is_buddy(head + i))
			return check_fail(c, "a tail page is marked buddy "
					  "(overlapping blocks)", pfn, order);
		if (head[i]._refcount != 0)
			return check_fail(c, "a tail page has a reference",
					  pfn, order);
	}
	return 0;
}

static int check_block(const struct check *c, const struct list_head *l,
		       unsigned order)
{
	const struct zone *z = c->z;
	const struct page *p = check_entry_page(c, l);
	uint64_t pfn, n = 1ul << order;

	if (!p)
		return check_fail(c, "list entry is not a struct page of a "
				  "present section", 0, order);
	pfn = page_to_pfn(z->sections, p);
	if (!page_is_buddy(p))
		return check_fail(c, "head not marked buddy", pfn, order);
	if (p->private != order)
		return check_fail(c, "head's private is not the list's order",
				  pfn, order);
	if (pfn & (n - 1))
		return check_fail(c, "not aligned to its order", pfn, order);
	if (page_to_nid(p) != z->nid || page_zonenum(p) != z->idx)
		return check_fail(c, "head belongs to another zone", pfn, order);
	if (pfn < z->start_pfn || pfn + n > z->end_pfn)
		return check_fail(c, "outside the zone's span", pfn, order);
	if (p->_refcount != 0)
		return check_fail(c, "head has a reference", pfn, order);
	if (l->next->prev != l || l->prev->next != l)
		return check_fail(c, "free list badly linked", pfn, order);
	if (check_tails(c, p, pfn, order))
		return -1;
	if (pfn < c->base || pfn - c->base + n > c->nbits)
		return check_fail(c, "outside the caller's bitmap", pfn, order);
	if (bitmap_test_and_set_range(c->bitmap, pfn - c->base, n))
		return check_fail(c, "overlaps another free block", pfn, order);
	return 0;
}

static int check_order(const struct check *c, unsigned order, uint64_t *pages)
{
	const struct free_area *fa = &c->z->free_area[order];
	const struct list_head *l;
	uint64_t n = 0;

	/* Stop one past nr_free so a cyclic or overlong list ends. */
	for (l = fa->free_list.next; l != &fa->free_list; l = l->next) {
		if (n == fa->nr_free)
			return check_fail(c, "list longer than nr_free", 0, order);
		if (check_block(c, l, order))
			return -1;
		n++;
	}
	if (n != fa->nr_free)
		return check_fail(c, "list shorter than nr_free", 0, order);
	*pages += n << order;
	return 0;
}

int buddy_check_zone(const struct zone *z, unsigned long *bitmap,
		     uint64_t base, uint64_t nbits, char *err, size_t errlen)
{
	struct check c = { z, bitmap, base, nbits, err, errlen };
	uint64_t pages = 0;

	if (errlen)
		err[0] = '\0';
	for (unsigned o = 0; o < NR_PAGE_ORDERS; o++)
		if (check_order(&c, o, &pages))
			return -1;
	if (pages != z->free_pages) {
		ksnprintf(err, errlen, "node %u zone %u: free_pages %llu but "
			  "the lists hold %llu pages", z->nid, z->idx,
			  (unsigned long long)z->free_pages,
			  (unsigned long long)pages);
		return -1;
	}
	return 0;
}
