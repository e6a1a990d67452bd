/* Experiment page tables (xpt.h): one recursive range walker, and map,
 * protect, unmap, count, walk and destroy as visitors of it; split is the
 * lock-free part and stands alone.
 *
 * The walker works on offsets from pt->base, not VAs: a tree may end at the
 * top of the address space (base + span == 2^64), and offsets never exceed
 * the span (2^48).
 *
 * Invariant: a table below the root always holds a non-zero entry. Unmap
 * and a failed map free the tables they leave empty, split installs full
 * tables, and protect never clears XPT_P, so "no leaf in the range" means
 * "every slot of the range is zero or a table leading to zeros only". */
#include "mm/xpt.h"

/* Bit 7 is PS above level 1 but PAT in a 4 KiB leaf; a huge leaf keeps PAT
 * in bit 12 (SDM vol. 3A, tables 4-15 to 4-20). A split to 4 KiB moves it. */
#define XPT_PAT_4K   (1ull << 7)
#define XPT_PAT_HUGE (1ull << 12)

/* visit() asks for the entry to be read and dispatched again: it changed
 * under a compare-and-exchange (hardware A/D bits, a concurrent split). */
#define XPT_AGAIN 1

struct walker {
	const struct xpt *pt;
	uint64_t start, end;      /* offsets from pt->base, end exclusive */
	/* Entries of level `stop` are visited even when they hold a table
	 * (map: the level of its leaves); 0 visits only leaves and holes. */
	unsigned stop;
	bool alloc;               /* install missing tables above `stop` */
	bool prune;               /* free tables left empty below the root */
	int (*visit)(struct walker *w, uint64_t *pte, uint64_t e,
		     unsigned level, uint64_t off);
	int64_t n;                /* what the visitor counts */
	int64_t tables;           /* tables added minus tables freed */
	/* The operation's arguments (and walk's result: entry, leaf). */
	uint64_t pa, flags, clear, set, page_size, with, without, entry;
	struct xpt_leaf *leaf;
};

static unsigned level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}

uint64_t xpt_level_size(unsigned level)
{
	if (level < 1 || level > 4)
		return 0;
	return 1ull << level_shift(level);
}

uint64_t xpt_span(const struct xpt *pt)
{
	return XPT_ENTRIES * xpt_level_size(pt->root_level);
}

static uint64_t load(const uint64_t *pte)
{
	/* Acquire: a table pointer read here was published by a release
	 * (map, split) after its entries were written. */
	return __atomic_load_n(pte, __ATOMIC_ACQUIRE);
}

static uint64_t *table_of(const struct xpt *pt, uint64_t e)
{
	return pt->mem->virt(pt->mem->ctx, e & XPT_ADDR_MASK);
}

static unsigned index_of(uint64_t off, unsigned level)
{
	return (off >> level_shift(level)) % XPT_ENTRIES;
}

static bool is_leaf(uint64_t e, unsigned level)
{
	return (e & XPT_P) && (level == 1 || (e & XPT_PS));
}

static bool is_table(uint64_t e, unsigned level)
{
	return (e & XPT_P) && level > 1 && !(e & XPT_PS);
}

/* Address bits of a leaf of level: a huge leaf's low address bits are
 * flags (PAT) or reserved. */
static uint64_t addr_mask(unsigned level)
{
	return XPT_ADDR_MASK & ~(xpt_level_size(level) - 1);
}

/* (e & ~clear) | set, leaving what makes the entry a leaf of that memory
 * alone: the address, XPT_P (clearing it would make a leaf nobody can
 * find, count or unmap) and XPT_PS. */
static uint64_t leaf_update(uint64_t e, unsigned level, uint64_t clear,
			    uint64_t set)
{
	uint64_t keep = addr_mask(level) | XPT_P | XPT_PS;

	return (e & ~(clear & ~keep)) | (set & ~keep);
}

/* The leaf's slot [off, off + size) lies wholly inside the walk's range. */
static bool inside(const struct walker *w, uint64_t off, unsigned level)
{
	return off >= w->start && off + xpt_level_size(level) <= w->end;
}

/* Converts [va, va + size) to offsets; false when not wholly in the tree. */
static bool to_range(struct walker *w, const struct xpt *pt, uint64_t va,
		     uint64_t size)
{
	uint64_t span = xpt_span(pt);

	if (va < pt->base || va - pt->base > span || size > span - (va - pt->base))
		return false;
	w->pt = pt;
	w->start = va - pt->base;
	w->end = w->start + size;
	return true;
}

static uint64_t add_table(struct walker *w, uint64_t *pte)
{
	const struct xpt_mem *mem = w->pt->mem;
	uint64_t phys = mem->alloc(mem->ctx);

	if (!phys)
		return 0;
	/* Release: the page was zeroed before walkers on other CPUs may
	 * follow the pointer (they only follow it for other VAs of its
	 * range, which the caller may walk concurrently). */
	__atomic_store_n(pte, phys | XPT_TABLE, __ATOMIC_RELEASE);
	w->tables++;
	return phys | XPT_TABLE;
}

static void prune(struct walker *w, uint64_t *pte, uint64_t e)
{
	const struct xpt_mem *mem = w->pt->mem;
	uint64_t *t = table_of(w->pt, e);

	for (unsigned i = 0; i < XPT_ENTRIES; i++)
		if (__atomic_load_n(&t[i], __ATOMIC_RELAXED))
			return;
	/* Unlinked before it is freed: a walker never reaches a free page
	 * (walkers of this range are excluded by the caller). */
	__atomic_store_n(pte, 0, __ATOMIC_RELAXED);
	mem->free(mem->ctx, e & XPT_ADDR_MASK);
	w->tables--;
}

static int walk_table(struct walker *w, uint64_t table, unsigned level,
		      uint64_t off, uint64_t end);

/* One entry whose slot meets [off, end): descend into a table, else visit. */
static int walk_entry(struct walker *w, uint64_t *pte, unsigned level,
		      uint64_t off, uint64_t end)
{
	uint64_t slot = off & ~(xpt_level_size(level) - 1);
	uint64_t e;
	int r;

	do {
		e = load(pte);
		if (level > w->stop && !e && w->alloc && !(e = add_table(w, pte)))
			return -1;
		if (level > w->stop && is_table(e, level)) {
			r = walk_table(w, e, level - 1, off, end);
			if (w->prune)
				prune(w, pte, e);
			return r;
		}
		r = w->visit(w, pte, e, level, slot);
	} while (r == XPT_AGAIN);
	return r;
}

/* The entries of one table (level) meeting [off, end). */
static int walk_table(struct walker *w, uint64_t table, unsigned level,
		      uint64_t off, uint64_t end)
{
	uint64_t *t = table_of(w->pt, table);
	uint64_t size = xpt_level_size(level);
	int r = 0;

	while (off < end && r >= 0) {
		uint64_t next = (off & ~(size - 1)) + size;

		r = walk_entry(w, &t[index_of(off, level)], level, off,
			       MIN(next, end));
		off = next;
	}
	return r;
}

/* Runs the walker over its range; table count changes are applied even on
 * failure (a failed map may have added tables before pruning them). */
static int walk(struct walker *w)
{
	int r = 0;

	if (w->start < w->end)
		r = walk_table(w, w->pt->root, w->pt->root_level, w->start,
			       w->end);
	/* Only map and unmap, which own a non-const tree, add or free. */
	if (w->tables)
		__atomic_fetch_add(&((struct xpt *)w->pt)->tables, w->tables,
				   __ATOMIC_RELAXED);
	w->tables = 0;
	return r;
}

int xpt_init(struct xpt *pt, const struct xpt_mem *mem, unsigned root_level,
	     uint64_t base)
{
	*pt = (struct xpt){ .root_level = root_level, .base = base, .mem = mem };
	if (root_level < 3 || root_level > 4 || base % xpt_span(pt))
		return -1;
	pt->root = mem->alloc(mem->ctx);
	if (!pt->root)
		return -1;
	pt->tables = 1;
	return 0;
}

void xpt_destroy(struct xpt *pt)
{
	if (!pt->root)
		return;
	/* Unmapping everything frees every table but the root. */
	xpt_unmap(pt, pt->base, xpt_span(pt));
	pt->mem->free(pt->mem->ctx, pt->root);
	pt->root = 0;
	pt->tables = 0;
}

/* Map, first pass: each target slot must be free (zero), above it there
 * must be tables (installed when missing), never a leaf. */
static int visit_free(struct walker *w, uint64_t *pte, uint64_t e,
		      unsigned level, uint64_t off)
{
	return level == w->stop && !e ? 0 : -1;
}

/* Map, second pass: every slot was checked free and has its tables. */
static int visit_set(struct walker *w, uint64_t *pte, uint64_t e,
		     unsigned level, uint64_t off)
{
	/* Relaxed: nothing a walker reads is published with a leaf. */
	__atomic_store_n(pte, (w->pa + off - w->start) | w->flags,
			 __ATOMIC_RELAXED);
	return 0;
}

static int visit_none(struct walker *w, uint64_t *pte, uint64_t e,
		      unsigned level, uint64_t off)
{
	return 0;
}

static unsigned level_of(uint64_t page_size)
{
	for (unsigned level = 1; level <= 3; level++)
		if (page_size == xpt_level_size(level))
			return level;
	return 0;
}

/* pa: leaves of the level can map [pa, pa + size); flags: no address bits
 * of such a leaf. */
static bool map_args_ok(uint64_t pa, uint64_t size, unsigned level,
			uint64_t flags)
{
	uint64_t page = xpt_level_size(level);

	return level && size && !(pa % page) && !(size % page) &&
	       pa <= XPT_ADDR_MASK && size - page <= XPT_ADDR_MASK - pa &&
	       !(flags & addr_mask(level));
}

int xpt_map(struct xpt *pt, uint64_t va, uint64_t pa, uint64_t size,
	    uint64_t page_size, uint64_t flags)
{
	unsigned level = level_of(page_size);
	struct walker w = { .stop = level, .alloc = true, .visit = visit_free };

	if (!map_args_ok(pa, size, level, flags) || va % page_size ||
	    !to_range(&w, pt, va, size))
		return -1;
	if (walk(&w)) {
		/* Overlap or no page: take back the tables this added. */
		w = (struct walker){ .pt = pt, .start = w.start, .end = w.end,
				     .prune = true, .visit = visit_none };
		walk(&w);
		return -1;
	}
	w.alloc = false;
	w.visit = visit_set;
	w.pa = pa;
	w.flags = flags | XPT_P | (level > 1 ? XPT_PS : 0);
	return walk(&w);
}

static int visit_find(struct walker *w, uint64_t *pte, uint64_t e,
		      unsigned level, uint64_t off)
{
	if (!is_leaf(e, level))
		return 0;
	w->entry = e;
	*w->leaf = (struct xpt_leaf){
		.pte = pte, .level = level, .page_size = xpt_level_size(level),
		.va = w->pt->base + off,
	};
	w->n = 1;
	return 0;
}

/* The leaf mapping va and the entry as it was read (*pte may change). */
static bool find(const struct xpt *pt, uint64_t va, struct xpt_leaf *out,
		 uint64_t *entry)
{
	struct walker w = { .visit = visit_find, .leaf = out };

	if (!to_range(&w, pt, va, 1))
		return false;
	walk(&w);
	*entry = w.entry;
	return w.n;
}

bool xpt_walk(const struct xpt *pt, uint64_t va, struct xpt_leaf *out)
{
	uint64_t e;

	return find(pt, va, out, &e);
}

uint64_t xpt_translate(const struct xpt *pt, uint64_t va, bool *ok)
{
	struct xpt_leaf leaf;
	uint64_t e;

	*ok = find(pt, va, &leaf, &e);
	if (!*ok)
		return 0;
	return (e & addr_mask(leaf.level)) + (va - leaf.va);
}

/* Protect and unmap, first pass: nothing may be changed outside the range,
 * so a huge leaf crossing its edge fails the call before anything is. */
static int visit_within(struct walker *w, uint64_t *pte, uint64_t e,
			unsigned level, uint64_t off)
{
	return e && !inside(w, off, level) ? -1 : 0;
}

static int visit_protect(struct walker *w, uint64_t *pte, uint64_t e,
			 unsigned level, uint64_t off)
{
	uint64_t new;

	if (!is_leaf(e, level))
		return 0;
	new = leaf_update(e, level, w->clear, w->set);
	if (new == e)
		return 0;
	/* A compare-and-exchange, not a store: the CPU may set A/D, another
	 * CPU may split the leaf. Relaxed: only the entry itself changes. */
	if (!__atomic_compare_exchange_n(pte, &e, new, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return XPT_AGAIN;
	w->n++;
	return 0;
}

static int visit_unmap(struct walker *w, uint64_t *pte, uint64_t e,
		       unsigned level, uint64_t off)
{
	if (!e)
		return 0;
	__atomic_store_n(pte, 0, __ATOMIC_RELAXED);
	w->n += is_leaf(e, level);
	return 0;
}

/* Checks the range with visit_within, then runs w (set up by the caller
 * but for its range) over it. */
static int64_t change(struct walker *w, struct xpt *pt, uint64_t va,
		      uint64_t size)
{
	struct walker check = { .visit = visit_within };

	if (!to_range(&check, pt, va, size) || walk(&check))
		return -1;
	w->pt = pt;
	w->start = check.start;
	w->end = check.end;
	walk(w);
	return w->n;
}

int64_t xpt_protect(struct xpt *pt, uint64_t va, uint64_t size,
		    uint64_t clear, uint64_t set)
{
	struct walker w = { .visit = visit_protect, .clear = clear, .set = set };

	return change(&w, pt, va, size);
}

int64_t xpt_unmap(struct xpt *pt, uint64_t va, uint64_t size)
{
	struct walker w = { .visit = visit_unmap, .prune = true };

	return change(&w, pt, va, size);
}

static int visit_count(struct walker *w, uint64_t *pte, uint64_t e,
		       unsigned level, uint64_t off)
{
	if (is_leaf(e, level) &&
	    (!w->page_size || w->page_size == xpt_level_size(level)) &&
	    (e & w->with) == w->with && !(e & w->without))
		w->n++;
	return 0;
}

uint64_t xpt_count(const struct xpt *pt, uint64_t va, uint64_t size,
		   uint64_t page_size, uint64_t with, uint64_t without)
{
	struct walker w = { .visit = visit_count, .page_size = page_size,
			    .with = with, .without = without };

	if (!to_range(&w, pt, va, size))
		return 0;
	walk(&w);
	return w.n;
}

/* The 512 leaves one level down mapping what the huge leaf e maps. */
static void fill_split(uint64_t *t, uint64_t e, unsigned level, uint64_t clear,
		       uint64_t set)
{
	uint64_t addr = e & addr_mask(level);
	uint64_t flags = e & ~addr_mask(level);
	uint64_t size = xpt_level_size(level - 1);

	if (level == 2) {
		flags &= ~(XPT_PS | XPT_PAT_HUGE);
		flags |= e & XPT_PAT_HUGE ? XPT_PAT_4K : 0;
	}
	flags = leaf_update(flags, level - 1, clear, set);
	/* Relaxed: the table is private until the release that installs it. */
	for (unsigned i = 0; i < XPT_ENTRIES; i++)
		__atomic_store_n(&t[i], (addr + i * size) | flags,
				 __ATOMIC_RELAXED);
}

int xpt_split(struct xpt *pt, const struct xpt_leaf *leaf, uint64_t clear,
	      uint64_t set)
{
	const struct xpt_mem *mem = pt->mem;
	unsigned level = leaf->level;
	uint64_t e = load(leaf->pte), table;

	if (level < 2 || level > 3 || !is_leaf(e, level))
		return 0;
	table = mem->alloc(mem->ctx);
	if (!table)
		return -1;
	/* Retried while the entry is still this huge leaf with other bits
	 * (A/D set by a CPU, a concurrent protect): 0 means split by another
	 * CPU, not lost to a flag change. */
	do {
		fill_split(mem->virt(mem->ctx, table), e, level, clear, set);
		if (__atomic_compare_exchange_n(leaf->pte, &e, table | XPT_TABLE,
						false, __ATOMIC_RELEASE,
						__ATOMIC_ACQUIRE)) {
			__atomic_fetch_add(&pt->tables, 1, __ATOMIC_RELAXED);
			return 1;
		}
	} while (is_leaf(e, level));
	mem->free(mem->ctx, table);
	return 0;
}
