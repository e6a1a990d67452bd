/* struct page: one 64-byte descriptor per 4 KiB physical page frame, after
 * Linux include/linux/mm_types.h and include/linux/page-flags-layout.h.
 *
 * flags packs, from the top bit down, the page's sparse section number, its
 * NUMA node and its zone (like Linux with SPARSEMEM and no vmemmap), and
 * PG_* bits at the bottom:
 *
 *   63          45 44     39 38  37 36 ............................ 0
 *   | SECTION (19) | NODE (6) |ZONE| unused              | PG_* bits |
 *
 * The list helpers used by the buddy free lists live here too, since a page
 * is what they link. Built into kernel and host. */
#ifndef MM_PAGE_H
#define MM_PAGE_H
#include "lib/compiler.h"

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1ul << PAGE_SHIFT)
#define BITS_PER_LONG		64

/* Physical address space and sparse sections (see mm/section.h). */
#define MAX_PHYSMEM_BITS	46	/* 64 TiB */
#define SECTION_SIZE_BITS	27	/* 128 MiB per section */

/* Widths of the fields packed into page->flags. */
#define SECTIONS_SHIFT		(MAX_PHYSMEM_BITS - SECTION_SIZE_BITS)
#define NODES_SHIFT		6	/* 64 nodes */
#define ZONES_SHIFT		2	/* DMA, DMA32, NORMAL (room for 4) */

#define SECTIONS_PGSHIFT	(BITS_PER_LONG - SECTIONS_SHIFT)
#define NODES_PGSHIFT		(SECTIONS_PGSHIFT - NODES_SHIFT)
#define ZONES_PGSHIFT		(NODES_PGSHIFT - ZONES_SHIFT)
#define SECTIONS_MASK		((1ul << SECTIONS_SHIFT) - 1)
#define NODES_MASK		((1ul << NODES_SHIFT) - 1)
#define ZONES_MASK		((1ul << ZONES_SHIFT) - 1)
/* Node and zone are adjacent: together they name one struct zone. */
#define ZONEID_PGSHIFT		ZONES_PGSHIFT
#define ZONEID_MASK		((1ul << (NODES_SHIFT + ZONES_SHIFT)) - 1)

/* Low flag bits. PG_buddy marks the head page of a free buddy block (Linux
 * keeps it in page_type; a flag bit is enough here). */
enum pageflags {
	PG_locked,
	PG_referenced,
	PG_dirty,
	PG_lru,
	PG_head,	/* head of a compound page */
	PG_reserved,	/* never handed to the buddy allocator */
	PG_buddy,	/* head of a free block; private holds its order */
	PG_private,
	NR_PAGEFLAGS
};
_Static_assert(NR_PAGEFLAGS <= ZONES_PGSHIFT, "page flags overlap zone bits");

#define PAGE_FLAG(bit)		(1ul << (bit))

struct list_head {
	struct list_head *next, *prev;
};

struct page {
	unsigned long flags;		/* section | node | zone | PG_* */
	struct list_head lru;		/* free list link of a free block head;
					 * otherwise points at itself */
	unsigned long private;		/* order of a free block head */
	int _mapcount;			/* page table mappings - 1: -1 unmapped */
	int _refcount;			/* 0: free, owned by the buddy */
	unsigned long compound_head;	/* tail page: head address | 1 */
	unsigned int compound_order;	/* head page of a compound page */
	int _pincount;			/* pins (for the pinning experiment) */
	unsigned long _reserved;	/* for later experiments (Linux: memcg) */
};

/* The vector init kernels (mm/memmap_simd.c) store a page as four 16-byte
 * words and rely on this exact layout. */
_Static_assert(sizeof(struct page) == 64, "struct page must be 64 bytes");
_Static_assert(offsetof(struct page, lru) == 8, "layout used by memmap_simd");
_Static_assert(offsetof(struct page, private) == 24, "layout");
_Static_assert(offsetof(struct page, _mapcount) == 32, "layout");
_Static_assert(offsetof(struct page, _refcount) == 36, "layout");
_Static_assert(offsetof(struct page, compound_head) == 40, "layout");

#define PAGE_MAPCOUNT_NONE	(-1)	/* _mapcount of an unmapped page */
#define PAGE_REFCOUNT_INIT	1	/* fresh page, not yet freed */

/* Linux's pattern for "struct page never initialized" (page_init_poison):
 * every byte 0xff, so flags reads as all ones. */
#define PAGE_POISON_BYTE	0xff
#define PAGE_POISON_FLAGS	(~0ul)

/* ---- flags ------------------------------------------------------------ */

static inline unsigned long page_flags_make(uint64_t section_nr, unsigned nid,
					    unsigned zone)
{
	return ((unsigned long)(section_nr & SECTIONS_MASK) << SECTIONS_PGSHIFT) |
	       ((unsigned long)(nid & NODES_MASK) << NODES_PGSHIFT) |
	       ((unsigned long)(zone & ZONES_MASK) << ZONES_PGSHIFT);
}

static inline uint64_t page_section_nr(const struct page *p)
{
	return (p->flags >> SECTIONS_PGSHIFT) & SECTIONS_MASK;
}

static inline unsigned page_to_nid(const struct page *p)
{
	return (p->flags >> NODES_PGSHIFT) & NODES_MASK;
}

static inline unsigned page_zonenum(const struct page *p)
{
	return (p->flags >> ZONES_PGSHIFT) & ZONES_MASK;
}

/* Node and zone together: equal ids mean the same struct zone. */
static inline unsigned page_zone_id(const struct page *p)
{
	return (p->flags >> ZONEID_PGSHIFT) & ZONEID_MASK;
}

static inline bool page_test(const struct page *p, enum pageflags bit)
{
	return p->flags & PAGE_FLAG(bit);
}

static inline bool page_is_buddy(const struct page *p)
{
	return page_test(p, PG_buddy);
}

static inline bool page_is_reserved(const struct page *p)
{
	return page_test(p, PG_reserved);
}

/* ---- doubly linked lists --------------------------------------------- */

static inline void list_init(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline bool list_empty(const struct list_head *l)
{
	return l->next == l;
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	struct list_head *prev = head->prev;

	n->next = head;
	n->prev = prev;
	prev->next = n;
	head->prev = n;
}

/* Unlinks n and points it at itself. Linux poisons instead; self-pointing
 * keeps a page's final bytes independent of the order blocks were merged
 * in, so two init algorithms can be compared byte for byte. */
static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

/* Moves every entry of @from to the tail of @to; @from ends empty. */
static inline void list_splice_tail_init(struct list_head *from,
					 struct list_head *to)
{
	struct list_head *first = from->next, *last = from->prev;

	if (first == from)
		return;
	first->prev = to->prev;
	to->prev->next = first;
	last->next = to;
	to->prev = last;
	list_init(from);
}

static inline struct page *lru_to_page(const struct list_head *l)
{
	return (struct page *)((uintptr_t)l - offsetof(struct page, lru));
}

/* ---- one page, Linux's way -------------------------------------------- */

typedef unsigned long __attribute__((may_alias)) page_word_t;

/* Linux's mm_zero_struct_page(): eight explicit 8-byte stores. A struct
 * assignment or memset of 64 bytes becomes "rep stosq" in a
 * general-registers-only build, which costs more than the stores. */
static inline void page_zero(struct page *p)
{
	page_word_t *w = (page_word_t *)p;

	_Static_assert(sizeof(struct page) == 8 * sizeof(*w), "8 words");
	w[0] = 0;
	w[1] = 0;
	w[2] = 0;
	w[3] = 0;
	w[4] = 0;
	w[5] = 0;
	w[6] = 0;
	w[7] = 0;
}

/* __init_single_page(): zero the descriptor, then set what a fresh page
 * has: its section/node/zone bits, one reference, no mapping, an empty
 * list link. */
static inline void page_init_single(struct page *p, unsigned long flags)
{
	page_zero(p);
	p->flags = flags;
	p->_refcount = PAGE_REFCOUNT_INIT;
	p->_mapcount = PAGE_MAPCOUNT_NONE;
	list_init(&p->lru);
}
#endif
