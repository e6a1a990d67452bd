/* Sparse section table: presence, memmap pointers, pageblock bits.
 * See mm/section.h. */
#include "mm/section.h"
#include "lib/string.h"

void section_table_init(struct section_table *t, struct mem_section *storage,
			uint64_t nr)
{
	t->sec = storage;
	t->nr = nr;
	memset(storage, 0, nr * sizeof(*storage));
}

int section_set_present(struct section_table *t, uint64_t nr, unsigned nid,
			struct page *memmap)
{
	struct mem_section *ms;

	if (nr >= t->nr || (t->sec[nr].flags & SECTION_PRESENT))
		return -1;
	ms = &t->sec[nr];
	memset(ms, 0, sizeof(*ms));
	ms->memmap = memmap;
	ms->nid = (uint16_t)nid;
	ms->flags = SECTION_PRESENT;
	return 0;
}

enum migratetype pageblock_get_migratetype(const struct section_table *t,
					   uint64_t pfn)
{
	const struct mem_section *ms = &t->sec[pfn_to_section_nr(pfn)];
	uint64_t word = __atomic_load_n(&ms->pageblock_flags[pageblock_word(pfn)],
					__ATOMIC_RELAXED);

	return (enum migratetype)((word >> pageblock_shift(pfn)) &
				  PAGEBLOCK_MT_MASK);
}

/* An atomic OR, like Linux's cmpxchg loop in set_pfnblock_flags_mask():
 * the word is shared by 16 pageblocks, possibly set by several CPUs. */
void pageblock_set_migratetype(const struct section_table *t, uint64_t pfn,
			       enum migratetype mt)
{
	struct mem_section *ms = &t->sec[pfn_to_section_nr(pfn)];

	__atomic_fetch_or(&ms->pageblock_flags[pageblock_word(pfn)],
			  ((uint64_t)mt & PAGEBLOCK_MT_MASK) <<
			  pageblock_shift(pfn), __ATOMIC_RELAXED);
}

void section_or_pageblock_words(struct mem_section *ms, const uint64_t *words)
{
	for (unsigned i = 0; i < PAGEBLOCK_WORDS; i++)
		if (words[i])
			__atomic_fetch_or(&ms->pageblock_flags[i], words[i],
					  __ATOMIC_RELAXED);
}
