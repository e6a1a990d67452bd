/* Lazy memmap init: boot initializes only the first max-order block of
 * each zone, an allocation that finds its zone empty initializes the next
 * unclaimed block of that zone and retries, and helper CPUs finish the
 * rest in the background. It takes Linux's deferred_grow_zone() (Pavel Tatashin, "mm:
 * initialize pages on demand during boot", Feb 2018), which grows a zone a
 * section at a time only until page_alloc_init_late() waits for the rest,
 * all the way: nobody waits, so time-to-ready does not grow with RAM.
 * docs/memdesc.md, section "lazy", has the figures.
 *
 * The unit of work is a max-order block (4 MiB of RAM, 1024 pages) of a
 * present section; each section has two atomic bytes:
 *
 *   next  blocks claimed, 0..LAZY_BLOCKS: a claim is a compare-and-swap
 *         next -> next + 1, so block k of a section is claimed by exactly
 *         one CPU (boot, a growing allocation or a helper);
 *   done  blocks whose init returned; the section is DONE at LAZY_BLOCKS.
 *
 * So a section goes UNTOUCHED (next 0) -> INITIALIZING (next > 0, done <
 * LAZY_BLOCKS) -> DONE, and no pfn is initialized twice however foreground
 * and background race. The layout's init (memmap_init_range_fast for the
 * 64-byte struct page, memdesc_init_range for the compact ones) already
 * allows parallel calls on disjoint ranges cut at max-order boundaries and
 * hands its free blocks to the zone under zone->lock; a max-order block is
 * the largest buddy block, so two claims' blocks never merge and the order
 * in which they are done does not matter. Boot and growth take a block at
 * a time (boot's time and a growing allocation's latency are one block's
 * init); helpers take a whole section's remaining blocks.
 *
 * The model is layout-agnostic: the caller passes the init and the
 * allocator as callbacks. Nothing here prints, times or allocates. */
#ifndef MM_MEMMAP_LAZY_H
#define MM_MEMMAP_LAZY_H
#include "mm/copy.h"
#include "mm/section.h"

/* Claim units per section. */
#define LAZY_BLOCKS	(PAGES_PER_SECTION / MAX_ORDER_NR_PAGES)	/* 32 */
_Static_assert(LAZY_BLOCKS <= 255, "block counters are bytes");

/* Fault injection: each bit fires once, then clears itself. */
#define LAZY_INJECT_SKIP	0x1u	/* the first claim after boot counts its
					 * block done, never inits it */
#define LAZY_INJECT_DOUBLE	0x2u	/* lazy_finish inits section 0's first
					 * block again */

/* Initializes pfns [start, end) (one max-order block of a present
 * section) in the layout. */
typedef void lazy_init_fn(uint64_t start, uint64_t end, void *arg);
/* Allocates 2^order pages from the zone @zone; NULL if it has none. */
typedef void *lazy_alloc_fn(void *zone, unsigned order, void *arg);

/* Growing allocations retry while another CPU initializes the block
 * they need; each retry spins this many cpu_relax() first. The budget,
 * 2^30 pauses, bounds the wait far above one block's init (tens of us
 * under TCG, a few ms cold), so only a lost CPU exhausts it. */
#define LAZY_BUSY_SPINS		1024u
#define LAZY_BUSY_RETRIES	(1u << 20)

struct memmap_lazy {
	const struct section_table *sections;
	uint64_t first_nr, nr;	/* sections [first_nr, first_nr + nr) */
	uint8_t *next, *done;	/* nr bytes each (atomic): blocks claimed,
				 * blocks initialized */
	lazy_init_fn *init;
	void *init_arg;
	fill_fn *clear;		/* how lazy_reset() zeroes the state:
				 * fill_gpr unless the caller sets a
				 * faster kernel of the machine's */
	uint64_t bg_next;	/* atomic: next section index for helpers */
	unsigned inject;	/* LAZY_INJECT_* (atomic) */
	/* Blocks initialized, by who (atomic counters). */
	uint64_t by_boot, by_grow, by_background;
};

/* Where a zone is, for growing it: its span and node, and where its
 * growth stands. Set up by lazy_zone_init(). */
struct lazy_zone {
	void *zone;			/* passed to the alloc callback */
	uint64_t start_pfn, end_pfn;
	unsigned nid;
	/* Section indexes [first, end): every present section of node nid
	 * touching the span, so growth never walks the holes around it (on
	 * q35 with 1 TiB, ZONE_NORMAL's RAM starts at 1 TiB, 8160 sections
	 * after the zone's 4 GiB start). */
	uint64_t first, end;
	/* Atomic: sections [first, cursor) are DONE, so growth starts at
	 * cursor instead of rescanning them; a hint that only rises, reset
	 * to first by lazy_boot(). */
	uint64_t cursor;
};

/* Fills @z for the zone @zone spanning pfns [start_pfn, end_pfn) of node
 * @nid in @lz's model. Walks the zone's sections once: part of setting up
 * the model (as the section table is), before boot's timed work. */
void lazy_zone_init(struct lazy_zone *z, const struct memmap_lazy *lz,
		    void *zone, uint64_t start_pfn, uint64_t end_pfn,
		    unsigned nid);

/* Sets @lz up over the present sections of [span_start, span_end)
 * (section aligned) of @t, with @state (LAZY_STATE_BYTES per section of
 * the span) and the layout's @init. Every section UNTOUCHED. */
#define LAZY_STATE_BYTES	2
void lazy_model_init(struct memmap_lazy *lz, const struct section_table *t,
		     uint64_t span_start, uint64_t span_end, uint8_t *state,
		     lazy_init_fn *init, void *init_arg);

/* Back to "nothing initialized": every section UNTOUCHED, counters zero.
 * Keeps inject. The layout's own zones are the caller's to reset. */
void lazy_reset(struct memmap_lazy *lz);

/* Boot's share, per zone of @zones (n of them): resets the zone's growth
 * cursor, then claims blocks of the first present section of node z->nid
 * touching the zone's span, in order, until one lies in the zone, so each
 * zone can serve its first allocations; a zone that already has a block
 * done (section 0 holds ZONE_DMA and the start of ZONE_DMA32) is left as
 * it is. Returns the blocks it initialized. */
unsigned lazy_boot(struct memmap_lazy *lz, struct lazy_zone *zones,
		   unsigned n);

/* Claims and initializes unclaimed blocks of the first section of @z's
 * node touching @z's span that has any, until one lies in the zone.
 * Returns 1 if it did, 0 if every block is claimed but some other CPU is
 * still initializing one (worth waiting for), -1 if every such section is
 * done. */
int lazy_grow(struct memmap_lazy *lz, struct lazy_zone *z);

/* Allocation with on-demand growth: @alloc from @z; when it fails, grow
 * the zone by a block and retry; while other CPUs are initializing
 * its last blocks, wait for them (bounded: LAZY_BUSY_RETRIES). NULL when
 * the zone is fully initialized and still has nothing. *grew tells
 * whether this call initialized a block itself. */
void *lazy_alloc(struct memmap_lazy *lz, struct lazy_zone *z,
		 unsigned order, lazy_alloc_fn *alloc, void *arg, bool *grew);

/* A helper's loop: takes sections from a shared cursor and initializes
 * their unclaimed blocks until the cursor passes the end. Any number of
 * CPUs may run it at once, alongside lazy_alloc. Returns the blocks this
 * call initialized. */
uint64_t lazy_background(struct memmap_lazy *lz);

/* After every helper and allocation has returned: initializes whatever
 * block is still unclaimed and applies LAZY_INJECT_DOUBLE (section 0's
 * first block again). Returns the blocks it initialized. */
uint64_t lazy_finish(struct memmap_lazy *lz);

/* Present sections not DONE (0 once lazy_finish returned). */
uint64_t lazy_pending(const struct memmap_lazy *lz);
#endif
