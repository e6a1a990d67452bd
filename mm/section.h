/* Sparse memory sections, after Linux SPARSEMEM (include/linux/mmzone.h):
 * the physical address space is cut into 128 MiB sections; a present
 * section owns a memmap array of PAGES_PER_SECTION struct pages (2 MiB),
 * allocated by the caller on the section's own node. Absent sections cost
 * one table entry and no memmap.
 *
 * Each section also holds its pageblock bits (Linux's "usemap"): 4 bits per
 * 2 MiB pageblock, of which the init algorithms set the migrate type. They
 * are the words two threads would both write if a work chunk boundary fell
 * inside a section, one reason the work is split on section boundaries.
 *
 * The table storage is the caller's: a section_table covers sections
 * [0, nr) with nr <= NR_MEM_SECTIONS. */
#ifndef MM_SECTION_H
#define MM_SECTION_H
#include "mm/page.h"

#define PFN_SECTION_SHIFT	(SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION	(1ul << PFN_SECTION_SHIFT)	/* 32768 */
#define PAGE_SECTION_MASK	(~(PAGES_PER_SECTION - 1))
#define NR_MEM_SECTIONS		(1ul << SECTIONS_SHIFT)		/* 2^19 */
#define MAX_PFN			(1ull << (MAX_PHYSMEM_BITS - PAGE_SHIFT))
#define SECTION_MEMMAP_BYTES	(PAGES_PER_SECTION * sizeof(struct page))

/* The largest buddy block: 2^10 pages = 4 MiB. */
#define MAX_PAGE_ORDER		10

/* The largest order (<= MAX_PAGE_ORDER) of a block aligned at @pfn that
 * ends at or before @end; @pfn < @end. What memmap init frees at once. */
static inline unsigned max_block_order(uint64_t pfn, uint64_t end)
{
	unsigned order = pfn ? MIN((unsigned)__builtin_ctzll(pfn),
				   MAX_PAGE_ORDER) : MAX_PAGE_ORDER;

	while ((1ul << order) > end - pfn)
		order--;
	return order;
}
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define MAX_ORDER_NR_PAGES	(1ul << MAX_PAGE_ORDER)

/* Pageblocks: the unit of migrate types, 2^9 pages = 2 MiB. */
#define PAGEBLOCK_ORDER		9
#define PAGEBLOCK_NR_PAGES	(1ul << PAGEBLOCK_ORDER)
#define PAGEBLOCK_BITS		4	/* per pageblock, like Linux */
#define PAGEBLOCK_MT_MASK	((1ul << PAGEBLOCK_BITS) - 1)
#define PAGEBLOCKS_PER_SECTION	(PAGES_PER_SECTION / PAGEBLOCK_NR_PAGES)
#define PAGEBLOCKS_PER_WORD	(64 / PAGEBLOCK_BITS)
#define PAGEBLOCK_WORDS		(PAGEBLOCKS_PER_SECTION / PAGEBLOCKS_PER_WORD)

/* A max-order block never crosses a section, so buddies never do either. */
_Static_assert(MAX_PAGE_ORDER <= PFN_SECTION_SHIFT, "block wider than section");
_Static_assert(PAGEBLOCK_ORDER <= MAX_PAGE_ORDER, "pageblock above max order");

enum migratetype {
	MIGRATE_UNMOVABLE,	/* 0: also "never set" */
	MIGRATE_MOVABLE,	/* what init gives every free pageblock */
	MIGRATE_RECLAIMABLE,
	MIGRATE_TYPES
};

#define SECTION_PRESENT		0x1u

struct mem_section {
	struct page *memmap;	/* memmap[pfn - first pfn of the section] */
	uint64_t pageblock_flags[PAGEBLOCK_WORDS];
	uint16_t nid;
	uint16_t flags;		/* SECTION_PRESENT */
	uint32_t _pad;
};

struct section_table {
	struct mem_section *sec;
	uint64_t nr;		/* entries: sections [0, nr) */
};

static inline uint64_t pfn_to_section_nr(uint64_t pfn)
{
	return pfn >> PFN_SECTION_SHIFT;
}

static inline uint64_t section_nr_to_pfn(uint64_t nr)
{
	return nr << PFN_SECTION_SHIFT;
}

/* The section holding @pfn if it is present, else NULL. */
static inline struct mem_section *pfn_section(const struct section_table *t,
					      uint64_t pfn)
{
	uint64_t nr = pfn_to_section_nr(pfn);

	if (nr >= t->nr || !(t->sec[nr].flags & SECTION_PRESENT))
		return NULL;
	return &t->sec[nr];
}

/* Has @pfn a struct page (its section is present)? Holes inside a present
 * section are valid: their pages exist and are marked reserved. */
static inline bool pfn_valid(const struct section_table *t, uint64_t pfn)
{
	return pfn_section(t, pfn) != NULL;
}

/* Only for valid pfns. */
static inline struct page *pfn_to_page(const struct section_table *t,
				       uint64_t pfn)
{
	return t->sec[pfn_to_section_nr(pfn)].memmap +
	       (pfn & (PAGES_PER_SECTION - 1));
}

/* Only for initialized pages: the section number comes from page->flags. */
static inline uint64_t page_to_pfn(const struct section_table *t,
				   const struct page *p)
{
	uint64_t nr = page_section_nr(p);

	return section_nr_to_pfn(nr) + (uint64_t)(p - t->sec[nr].memmap);
}

/* Empties the table: every section absent. */
void section_table_init(struct section_table *t, struct mem_section *storage,
			uint64_t nr);

/* Makes section @nr present on node @nid with @memmap (PAGES_PER_SECTION
 * struct pages, contents left as they are) and clears its pageblock bits.
 * Returns 0, or -1 if nr is outside the table or already present. */
int section_set_present(struct section_table *t, uint64_t nr, unsigned nid,
			struct page *memmap);

/* Pageblock migrate types. @pfn must be valid. The setter ORs the bits in
 * atomically (several threads may set pageblocks of one section); it is
 * meant for the initial setting from MIGRATE_UNMOVABLE (all zero). */
enum migratetype pageblock_get_migratetype(const struct section_table *t,
					   uint64_t pfn);
void pageblock_set_migratetype(const struct section_table *t, uint64_t pfn,
			       enum migratetype mt);

/* Word and shift of @pfn's pageblock bits inside its section, for callers
 * that build a section's words locally and OR them in at once. */
static inline unsigned pageblock_word(uint64_t pfn)
{
	return ((pfn & (PAGES_PER_SECTION - 1)) >> PAGEBLOCK_ORDER) /
	       PAGEBLOCKS_PER_WORD;
}

static inline unsigned pageblock_shift(uint64_t pfn)
{
	return (((pfn & (PAGES_PER_SECTION - 1)) >> PAGEBLOCK_ORDER) %
		PAGEBLOCKS_PER_WORD) * PAGEBLOCK_BITS;
}

/* ORs @words (PAGEBLOCK_WORDS of them) into @ms's pageblock bits, one
 * atomic per non-zero word. */
void section_or_pageblock_words(struct mem_section *ms, const uint64_t *words);
#endif
