/* The memory model and the struct page init algorithms of the deferred
 * init experiment (Linux: deferred_init_memmap() in mm/mm_init.c).
 *
 * A model (struct mm_model) describes physical memory as Linux sees it at
 * deferred init time: present sections, each on one node with its memmap;
 * the free pfn ranges (memory minus reserved, as memblock gives them);
 * nodes and zones with empty buddy free lists. Every pfn of a present
 * section that is not in a free range (a hole, firmware, the kernel image,
 * the memmap itself...) is initialized as a reserved page and never freed.
 *
 * Two algorithms take the model from "memmap garbage, lists empty" to
 * "every struct page initialized, every free pfn in the buddy allocator":
 *   linux  per max-order window: __init_single_page on every page, then a
 *          second walk (__free_pages_core) over the free pages, one zone
 *          lock per block;
 *   fast   one pass, each struct page written once in its final state with
 *          wide stores, free blocks linked into a thread-local list and
 *          spliced into the zone under one lock per chunk.
 * Both leave the same bytes (modulo free list order; see
 * memmap_compare in mm/memmap_verify.h). docs/memmap.md explains both.
 *
 * Work is a pfn range [start, end): the range functions may run in
 * parallel on disjoint ranges whose inner boundaries are multiples of
 * PAGES_PER_SECTION (as Linux's padata job with align = PAGES_PER_SECTION),
 * the signature the job engine (smp/job.h) calls. Nothing here allocates:
 * the caller provides the model, the section table, the free range array
 * and every section's memmap. The model must not move after
 * memmap_model_init (its free lists point into it). */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H
#include "mm/buddy.h"

/* Error codes of the setup calls. */
#define MEMMAP_E_INVAL	(-1)	/* bad argument (empty range, bad node...) */
#define MEMMAP_E_RANGE	(-2)	/* outside the table / not present / unsorted */
#define MEMMAP_E_NODE	(-3)	/* section already present on another node */
#define MEMMAP_E_FULL	(-4)	/* free range array full */

/* Fault injection (tests and verify=on): each bit fires once, in the first
 * chunk that freed a suitable block (order >= INJECT_MIN_ORDER), then
 * clears itself. Checked once per chunk, never per page. */
#define MEMMAP_INJECT_SKIP		0x1u	/* leave one pfn uninitialized */
#define MEMMAP_INJECT_DOUBLE_FREE	0x2u	/* free one page twice */
#define MEMMAP_INJECT_LEAK		0x4u	/* drop one free block */
#define MEMMAP_INJECT_MIN_ORDER		2

enum memmap_algo {
	MEMMAP_ALGO_LINUX,
	MEMMAP_ALGO_FAST,
	MEMMAP_NR_ALGOS
};

/* Store kernels of the fast algorithm: a kind, optionally | NT. */
enum memmap_store {
	MEMMAP_STORE_SCALAR	= 0,	/* 8-byte general-register stores */
	MEMMAP_STORE_SSE2	= 1,	/* 16-byte stores */
	MEMMAP_STORE_AVX2	= 2,	/* 32-byte stores; only if the CPU has
					 * AVX2 and XCR0 enables YMM state */
	MEMMAP_STORE_KIND_MASK	= 3,
	MEMMAP_STORE_NT		= 4,	/* non-temporal (streaming) stores,
					 * sfence before publishing; needs a
					 * vector kind */
};

struct pfn_range {
	uint64_t start, end;		/* [start, end) */
};

struct mm_model {
	struct section_table sections;
	uint64_t span_start, span_end;	/* present sections, section aligned;
					 * both 0 while none is */
	struct pfn_range *free;		/* sorted, disjoint, non-adjacent */
	uint32_t nr_free, max_free;
	uint64_t usable_pages;		/* pfns in free ranges */
	unsigned inject;		/* MEMMAP_INJECT_* (atomic) */
	/* Verification (mm/memmap_verify.h): when set, the algorithms add one
	 * per page they initialize: init_counts[pfn - span_start]. */
	uint8_t *init_counts;
	uint64_t nr_init_counts;
	struct node nodes[MAX_NUMNODES];
};

/* ---- setup ------------------------------------------------------------ */

/* Empty model: no section present, all nodes offline. @table holds
 * @nr_sections entries (sections [0, nr_sections), at most
 * NR_MEM_SECTIONS); @free_ranges holds up to @max_free_ranges ranges. */
void memmap_model_init(struct mm_model *m, struct mem_section *table,
		       uint64_t nr_sections, struct pfn_range *free_ranges,
		       uint32_t max_free_ranges);

/* Bytes of memmap that section_add(m, start, end, ...) would take: one
 * SECTION_MEMMAP_BYTES (2 MiB) per section of the range not yet present. */
uint64_t memmap_bytes_for_range(const struct mm_model *m, uint64_t start_pfn,
				uint64_t end_pfn);

/* Declares memory [start_pfn, end_pfn) of node @nid: every section it
 * touches becomes present on @nid. Sections already present keep their
 * memmap (and must be on @nid); the others take consecutive
 * SECTION_MEMMAP_BYTES slices of @memmap_storage (64-byte aligned, at
 * least memmap_bytes_for_range() bytes, contents irrelevant). The node's
 * span grows to cover those sections (spans are section granular). Returns
 * the number of sections added, or MEMMAP_E_*; on error nothing changes. */
int section_add(struct mm_model *m, uint64_t start_pfn, uint64_t end_pfn,
		unsigned nid, struct page *memmap_storage);

/* Declares [start_pfn, end_pfn) free (to go to the buddy allocator). Calls
 * come in increasing pfn order, without overlap; a range touching the
 * previous one is merged with it. Every pfn must be in a present section.
 * Returns 0 or MEMMAP_E_*. */
int memmap_add_free_range(struct mm_model *m, uint64_t start_pfn,
			  uint64_t end_pfn);

/* Section-aligned span of node @nid's present sections ([0, 0) if none):
 * the range to give a per-node job. */
void memmap_node_span(const struct mm_model *m, unsigned nid,
		      uint64_t *start_pfn, uint64_t *end_pfn);

/* Struct pages of present sections (what one init writes). */
uint64_t memmap_present_pages(const struct mm_model *m);

/* For struct job's unit_node: the node of @pfn's section (0 if absent);
 * @arg is the model. */
unsigned memmap_pfn_node(uint64_t pfn, void *arg);

/* Back to "before init": empty free lists, zero zone counters (lock
 * counters too), clear pageblock bits. Keeps sections, spans, free ranges,
 * the memmap contents and inject. Lets an experiment run several
 * algorithms on one model. */
void memmap_reset_state(struct mm_model *m);

/* Walking pfns by kind. memmap_free_range_search: index of the first free
 * range ending after @pfn (a cursor). memmap_piece_end: the end of the
 * piece starting at @pfn, pfns all free or all not free (*is_free), in one
 * zone type, ending at or before @limit; advances *cursor. */
uint32_t memmap_free_range_search(const struct mm_model *m, uint64_t pfn);
uint64_t memmap_piece_end(const struct mm_model *m, uint32_t *cursor,
			  uint64_t pfn, uint64_t limit, bool *is_free);

/* ---- the algorithms ----------------------------------------------------- */

/* Initialize the struct pages of [start, end) and free its free pfns to
 * the buddy. Only present sections of node @nid (NUMA_NO_NODE: any) are
 * touched. Parallel calls must have disjoint ranges whose boundaries are
 * multiples of MAX_ORDER_NR_PAGES, better PAGES_PER_SECTION (see
 * docs/memmap.md for why); sequential calls may cut anywhere. */
void memmap_init_range_linux(struct mm_model *m, uint64_t start, uint64_t end,
			     int nid);
void memmap_init_range_fast(struct mm_model *m, uint64_t start, uint64_t end,
			    int nid, unsigned store);

/* thread_fn for the job engine: arg is a struct memmap_job. */
struct memmap_job {
	struct mm_model *m;
	enum memmap_algo algo;
	unsigned store;			/* enum memmap_store, for FAST */
	int nid;			/* NUMA_NO_NODE or the node to init */
};
void memmap_init_job(uint64_t start, uint64_t end, void *arg);

/* ---- store kernels (mm/memmap_simd.c, vector registers) ----------------- */

/* Writes @n struct pages from @p (64-byte aligned): flags @flags, lru
 * pointing at itself, _mapcount -1, _refcount @refcount, all else 0.
 * @store has a vector kind (SSE2 or AVX2), maybe | NT. */
void memmap_simd_fill(struct page *p, uint64_t n, unsigned long flags,
		      int refcount, unsigned store);
/* Writes the 64 bytes of @src to @dst (64-byte aligned). */
void memmap_simd_store_page(struct page *dst, const struct page *src,
			    unsigned store);
/* sfence if @store has NT: makes streaming stores visible to other CPUs
 * before the data is published (e.g. by a lock release). */
void memmap_simd_fence(unsigned store);
#endif
