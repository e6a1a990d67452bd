/* Lazy memmap init: boot initializes only the first section of each zone,
 * an allocation that finds its zone empty initializes the next untouched
 * section of that zone and retries, and helper CPUs finish the rest in the
 * background. It takes Linux's deferred_grow_zone() (Pavel Tatashin, "mm:
 * initialize pages on demand during boot", Feb 2018), which grows a zone a
 * section at a time only until page_alloc_init_late() waits for the rest,
 * all the way: nobody waits, so time-to-ready does not grow with RAM.
 * docs/memdesc.md, section "lazy", has the figures.
 *
 * The unit is a present section. Each has one atomic state byte:
 *
 *   UNTOUCHED --CAS--> INITIALIZING --store-release--> DONE
 *
 * Whoever wins the CAS (boot, a growing allocation or a helper) calls the
 * layout's init on the section's pfns; the others never touch it, so each
 * section is initialized exactly once however foreground and background
 * race. The layout's init (memmap_init_range_fast for the 64-byte struct
 * page, memdesc_init_range for the compact ones) already allows parallel
 * calls on disjoint sections and hands its free blocks to the zone under
 * zone->lock; a max-order block never crosses a section, so two sections'
 * blocks never merge and the order in which sections are done does not
 * matter.
 *
 * The model is layout-agnostic: the caller passes the init and the
 * allocator as callbacks. Nothing here prints, times or allocates. */
#ifndef MM_MEMMAP_LAZY_H
#define MM_MEMMAP_LAZY_H
#include "mm/section.h"

enum lazy_state {
	LAZY_UNTOUCHED,		/* 0, so a zeroed state array is "boot" */
	LAZY_INITIALIZING,
	LAZY_DONE,
};

/* Fault injection: each bit fires once, at the first claim after boot,
 * then clears itself. */
#define LAZY_INJECT_SKIP	0x1u	/* mark a section done, never init it */
#define LAZY_INJECT_DOUBLE	0x2u	/* lazy_finish inits a section again */

/* Initializes pfns [start, end) (one present section) in the layout. */
typedef void lazy_init_fn(uint64_t start, uint64_t end, void *arg);
/* Allocates 2^order pages from the zone @zone; NULL if it has none. */
typedef void *lazy_alloc_fn(void *zone, unsigned order, void *arg);

/* Growing allocations retry while another CPU initializes the section
 * they need; each retry spins this many cpu_relax() first. The budget,
 * 2^30 pauses, bounds the wait far above one section's init (0.1-35 ms
 * measured under TCG, cold included), so only a lost CPU exhausts it. */
#define LAZY_BUSY_SPINS		1024u
#define LAZY_BUSY_RETRIES	(1u << 20)

struct memmap_lazy {
	const struct section_table *sections;
	uint64_t first_nr, nr;	/* sections [first_nr, first_nr + nr) */
	uint8_t *state;		/* nr bytes, enum lazy_state (atomic) */
	lazy_init_fn *init;
	void *init_arg;
	uint64_t bg_next;	/* atomic: next section index for helpers */
	unsigned inject;	/* LAZY_INJECT_* (atomic) */
	/* Sections initialized, by who (atomic counters). */
	uint64_t by_boot, by_grow, by_background;
};

/* Where a zone is, for growing it: its span and node. */
struct lazy_zone {
	void *zone;			/* passed to the alloc callback */
	uint64_t start_pfn, end_pfn;
	unsigned nid;
};

/* Sets @lz up over the present sections of [span_start, span_end)
 * (section aligned) of @t, with @state (one byte per section of the span)
 * and the layout's @init. Every section UNTOUCHED. */
void lazy_model_init(struct memmap_lazy *lz, const struct section_table *t,
		     uint64_t span_start, uint64_t span_end, uint8_t *state,
		     lazy_init_fn *init, void *init_arg);

/* Back to "nothing initialized": every state UNTOUCHED, counters zero.
 * Keeps inject. The layout's own zones are the caller's to reset. */
void lazy_reset(struct memmap_lazy *lz);

/* Boot's share: the first present section of each of the @n zones (one
 * of node z->nid touching its span), so each zone can serve its first
 * allocations; a zone whose first section an earlier zone's boot already
 * did (section 0: ZONE_DMA and the start of ZONE_DMA32) takes none.
 * Returns the sections it initialized. */
unsigned lazy_boot(struct memmap_lazy *lz, const struct lazy_zone *zones,
		   unsigned n);

/* Claims and initializes the first UNTOUCHED section of @z's node touching
 * @z's span. Returns 1 if it did, 0 if none is untouched but some other
 * CPU is still initializing one (worth waiting for), -1 if every such
 * section is done. */
int lazy_grow(struct memmap_lazy *lz, const struct lazy_zone *z);

/* Allocation with on-demand growth: @alloc from @z; when it fails, grow
 * the zone by a section and retry; while other CPUs are initializing
 * its last sections, wait for them (bounded: LAZY_BUSY_RETRIES). NULL when
 * the zone is fully initialized and still has nothing. *grew tells
 * whether this call initialized a section itself. */
void *lazy_alloc(struct memmap_lazy *lz, const struct lazy_zone *z,
		 unsigned order, lazy_alloc_fn *alloc, void *arg, bool *grew);

/* A helper's loop: claims sections from a shared cursor and initializes
 * the untouched ones until the cursor passes the end. Any number of CPUs
 * may run it at once, alongside lazy_alloc. Returns the sections this
 * call initialized. */
uint64_t lazy_background(struct memmap_lazy *lz);

/* After every helper and allocation has returned: initializes what is
 * still untouched (the caller's own lazy_background from the start) and
 * applies LAZY_INJECT_DOUBLE. Returns the sections it initialized. */
uint64_t lazy_finish(struct memmap_lazy *lz);

/* Present sections not DONE (0 once lazy_finish returned). */
uint64_t lazy_pending(const struct memmap_lazy *lz);
#endif
