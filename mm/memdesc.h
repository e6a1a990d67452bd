/* Compact memmaps after Matthew Wilcox's memdesc plan ("State Of The
 * Page", Aug 2022; kernelnewbies "Memdescs"; LSFMM 2024): struct page
 * shrinks to one 8-byte word, a 4-bit type and a pointer to a descriptor
 * allocated per folio (or per free buddy block), so the memmap of 1 TiB
 * goes from 16 GiB to 2 GiB. Not shipped in Linux; this is a model of it,
 * with its buddy allocator, sharing run=memmap's memory model (mm/memmap.h:
 * sections, nodes, zones, free ranges). docs/memdesc.md explains it.
 *
 * Two layouts of the per-page array:
 *   8   one word per page: type | descriptor pointer (memdesc_t);
 *   32  the planned midway: a 32-byte struct page32 keeping flags
 *       (section, node, zone, PG_reserved), the memdesc word, refcount and
 *       mapcount, and one spare word.
 *
 * The memdesc word, in both layouts:
 *   RESERVED  a pfn never given to the buddy (hole, firmware, kernel...);
 *   FREE      a free page that is not the head of its free block;
 *   BUDDY     the head of a free block | its buddy descriptor (pfn, order,
 *             free list link), which lives outside the per-page array;
 *   FOLIO     every page of an allocated folio | the folio's descriptor,
 *             taken from the same pool when the folio is allocated.
 * Free block tails and reserved pages carry a constant word, so init is a
 * fill of the array plus one descriptor per free block (one per 4 MiB
 * inside free ranges): the bytes written per page are the layout's.
 *
 * Descriptors come from a caller-provided pool (Linux would take them
 * from slab): init takes one per free block (memdesc_init_descs tells how
 * many), an allocation one per split plus the folio's; a free reuses the
 * folio's for the free block, a merge gives one back. An allocation that
 * finds the pool empty fails (pool.failed counts it).
 *
 * Storage: each present section has its own array of PAGES_PER_SECTION
 * entries of the layout's size (256 KiB or 1 MiB), wherever the caller put
 * it (one block per node, say, as a compact vmemmap would be); the model
 * holds a table of them indexed by section number.
 *
 * Init work is a pfn range [start, end); parallel calls take disjoint
 * ranges whose inner boundaries are multiples of MAX_ORDER_NR_PAGES (the
 * job engine's section-aligned split satisfies it), as for mm/memmap.h.
 * Nothing here prints, times or allocates. */
#ifndef MM_MEMDESC_H
#define MM_MEMDESC_H
#include "mm/copy.h"
#include "mm/memmap.h"

#define MEMDESC_LAYOUT_8	8u	/* bytes per page */
#define MEMDESC_LAYOUT_32	32u

#define MEMDESC_TYPE_BITS	4
#define MEMDESC_TYPE_MASK	((1ul << MEMDESC_TYPE_BITS) - 1)

enum memdesc_type {
	MEMDESC_NONE,		/* a zero word: never written by anyone */
	MEMDESC_RESERVED,
	MEMDESC_FREE,
	MEMDESC_BUDDY,
	MEMDESC_FOLIO,
	MEMDESC_POISON = 0xf,	/* low bits of the all-ones poison */
};

/* Fault injection, as MEMMAP_INJECT_*: each bit fires once per init, in
 * the first chunk that can, then clears itself. */
#define MEMDESC_INJECT_SKIP_SECTION	0x1u	/* leave a section unwritten */
#define MEMDESC_INJECT_DOUBLE_FREE	0x2u	/* free a free page again */

typedef uint64_t __attribute__((may_alias)) memdesc_t;

/* A buddy block's or a folio's descriptor. 32 bytes, 32-aligned in the
 * pool, so the word's low 4 bits are free for the type. */
struct memdesc_desc {
	struct list_head list;	/* BUDDY: on free_area[order]; pool: spare */
	uint64_t pfn;		/* first pfn */
	uint8_t type;		/* MEMDESC_BUDDY or MEMDESC_FOLIO */
	uint8_t order;
	uint16_t _pad;
	int32_t refcount;	/* FOLIO: references; BUDDY: 0 */
} __attribute__((aligned(32)));
_Static_assert(sizeof(struct memdesc_desc) == 32, "descriptor size");

/* The midway layout. */
struct __attribute__((may_alias)) page32 {
	unsigned long flags;	/* section | node | zone | PG_reserved */
	unsigned long memdesc;	/* the memdesc word */
	int _refcount;		/* 1 reserved or allocated head, else 0 */
	int _mapcount;		/* -1 */
	unsigned long _spare;	/* 0 (Linux: index/private) */
};
_Static_assert(sizeof(struct page32) == MEMDESC_LAYOUT_32, "page32 size");

struct memdesc_pool {
	struct memdesc_desc *desc;	/* cap descriptors, 32-aligned */
	uint64_t cap;
	uint64_t next;			/* atomic: [next, cap) never handed out */
	struct spinlock lock;		/* guards spare and nr_spare */
	struct list_head spare;		/* given back, to be handed out again */
	uint64_t nr_spare;
	uint64_t failed;		/* atomic: requests found it empty */
};

struct memdesc_model {
	struct mm_model *mm;		/* sections, spans, free ranges */
	unsigned layout;		/* MEMDESC_LAYOUT_* */
	void *const *arrays;		/* by section nr: the section's array
					 * (present sections only) */
	unsigned inject;		/* MEMDESC_INJECT_* (atomic) */
	uint8_t *init_counts;		/* as mm_model's (memdesc_verify.h) */
	uint64_t nr_init_counts;
	struct memdesc_pool pool;
	/* Free lists of descriptors (free_area[].free_list links
	 * memdesc_desc.list); spans copied from mm's zones. */
	struct zone zones[MAX_NUMNODES][MAX_NR_ZONES];
};

/* ---- words ------------------------------------------------------------ */

static inline unsigned memdesc_type(uint64_t w)
{
	return w & MEMDESC_TYPE_MASK;
}

static inline struct memdesc_desc *memdesc_desc_of(uint64_t w)
{
	return (struct memdesc_desc *)(uintptr_t)(w & ~MEMDESC_TYPE_MASK);
}

static inline uint64_t memdesc_word_make(unsigned type,
					 const struct memdesc_desc *d)
{
	return (uint64_t)(uintptr_t)d | type;
}

/* The per-page entry of @pfn (valid pfn): its start in the array. */
static inline void *memdesc_entry(const struct memdesc_model *md,
				  uint64_t pfn)
{
	return (char *)md->arrays[pfn_to_section_nr(pfn)] +
	       (pfn & (PAGES_PER_SECTION - 1)) * md->layout;
}

/* The memdesc word of @pfn (valid pfn), in either layout. */
static inline memdesc_t *memdesc_word(const struct memdesc_model *md,
				      uint64_t pfn)
{
	void *e = memdesc_entry(md, pfn);

	if (md->layout == MEMDESC_LAYOUT_8)
		return e;
	return (memdesc_t *)&((struct page32 *)e)->memdesc;
}

/* The zone of valid pfn @pfn. */
static inline struct zone *memdesc_zone(struct memdesc_model *md,
					uint64_t pfn)
{
	unsigned nid = md->mm->sections.sec[pfn_to_section_nr(pfn)].nid;

	return &md->zones[nid][zone_for_pfn(pfn)];
}

/* ---- setup ------------------------------------------------------------ */

/* Descriptors one init of @mm takes: its free blocks. */
uint64_t memdesc_init_descs(const struct mm_model *mm);

/* Bytes of the per-page arrays of @mm's present sections in @layout. */
uint64_t memdesc_array_bytes(const struct mm_model *mm, unsigned layout);

/* Bytes of one section's array in @layout. */
static inline uint64_t memdesc_section_bytes(unsigned layout)
{
	return PAGES_PER_SECTION * (uint64_t)layout;
}

/* Present sections of @mm on node @nid (NUMA_NO_NODE: all of them). */
uint64_t memdesc_node_sections(const struct mm_model *mm, int nid);

/* Places the arrays of @mm's present sections on node @nid (NUMA_NO_NODE:
 * all) back to back from @base, in section order, into @arrays (indexed
 * by section nr, mm->sections.nr entries); @base has room for
 * memdesc_node_sections() * memdesc_section_bytes(@layout) bytes. */
void memdesc_arrays_place(const struct mm_model *mm, unsigned layout, int nid,
			  void *base, void **arrays);

/* A model over @mm (built, not moved afterwards) in @layout, its arrays
 * at @arrays (as memdesc_arrays_place leaves them), with @cap descriptors
 * at @descs (32-aligned), zones empty. */
void memdesc_model_init(struct memdesc_model *md, struct mm_model *mm,
			unsigned layout, void *const *arrays,
			struct memdesc_desc *descs, uint64_t cap);

/* Back to "before init": empty free lists, zone counters zero, the pool
 * whole. Keeps the layout, the arrays' contents and inject. */
void memdesc_reset_state(struct memdesc_model *md);

/* ---- init ------------------------------------------------------------- */

/* How init writes runs of entries. */
struct memdesc_stores {
	fill_fn *fill;		/* 8-byte layout: any fill kernel (mm/copy.h),
				 * NULL for plain stores */
	unsigned store32;	/* 32-byte layout: enum memmap_store (scalar,
				 * or SSE2/AVX2 maybe | NT: memdesc_simd.c) */
};

/* Writes the entries of the present sections in [start, end) in their
 * final state and hands the free pfns to the buddy as free blocks. */
void memdesc_init_range(struct memdesc_model *md, uint64_t start,
			uint64_t end, const struct memdesc_stores *st);

/* thread_fn for the job engine; arg is a struct memdesc_job. */
struct memdesc_job {
	struct memdesc_model *md;
	struct memdesc_stores st;
};
void memdesc_init_job(uint64_t start, uint64_t end, void *arg);

/* Vector kernel (mm/memdesc_simd.c): writes @n entries from @p (32-byte
 * aligned), each the four words @w; @store has a vector kind (SSE2 or
 * AVX2, the latter only if the CPU has it), maybe | NT, in which case it
 * ends with sfence. */
void memdesc_simd_fill32(struct page32 *p, uint64_t n, const uint64_t w[4],
			 unsigned store);

/* ---- the buddy allocator ---------------------------------------------- */

/* A folio of 2^order pages from @z, splitting a larger free block (the
 * halves get new descriptors). Its pages' words point at the returned
 * descriptor (type FOLIO, refcount 1). NULL if no block is large enough,
 * order > MAX_PAGE_ORDER, or the pool is empty (pool.failed counts it).
 * Takes z->lock; safe against concurrent allocations and frees. */
struct memdesc_desc *memdesc_alloc(struct memdesc_model *md, struct zone *z,
				   unsigned order);

/* Drops a reference to folio @f; the last one frees its pages to the
 * buddy, merging with free buddies; the descriptor becomes the free
 * block's or goes back to the pool. */
void memdesc_folio_put(struct memdesc_model *md, struct memdesc_desc *f);

/* Descriptors handed out and not given back. */
uint64_t memdesc_pool_in_use(const struct memdesc_pool *p);
#endif
