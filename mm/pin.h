/* Page pinning for device assignment, after Linux's pin_user_pages
 * (mm/gup.c) as VFIO and iommufd use it: walk the page tables over a range
 * of VAs, find each page's struct page, take a pin reference on its folio
 * (mm/folio.h: FOLL_PIN's bias), and collect the pfns into batches of
 * runs of contiguous pfns (iommufd's struct pfn_batch), which is what the
 * IOMMU is then programmed from. Unpinning works from the batches, as
 * iommufd's batch_unpin does: no walk.
 *
 * Three algorithms (enum pin_algo):
 *   PIN_PAGE   Linux before folios: one page-table walk from the root
 *              (follow_page) and one pin (folio_pin_add(head, 1)) per
 *              4 KiB page; unpin drops one page at a time;
 *   PIN_FOLIO  folio-aware: one walk per leaf (a huge leaf is walked once
 *              for all its pages), subpages that are contiguous in one
 *              folio gathered and pinned with one folio_pin_add(head, n);
 *              unpin drops each folio's share of a run at once (Joao
 *              Martins's unpin of tail-page ranges);
 *   PIN_FAST   the gup-fast analog: one descent over the tables for the
 *              whole range, never re-walking from the root; a huge leaf
 *              is taken whole, 4 KiB leaves are read in sequence from
 *              their table; pins as PIN_FOLIO. Unpin is PIN_FOLIO's (the
 *              batches hold no walk to skip).
 *
 * Work is split in blocks of PIN_BLOCK_PAGES pages (2 MiB of VA): each
 * block has its own batch, so threads working on different blocks never
 * share one and the batches, read in block order, are the range's pfns in
 * VA order. pin_job() is the job engine's thread_fn (smp/job.h): units are
 * 4 KiB pages of the range, and chunk boundaries must be multiples of
 * PIN_BLOCK_PAGES (align = PIN_BLOCK_PAGES). Calls on disjoint chunks may
 * run on many CPUs at once, also on pages of the same folio. The page
 * tables must not change while a pin or unpin runs, and every folio they
 * map must be naturally aligned (2^order pages at a multiple of 2^order,
 * as buddy blocks and folio_alloc's are). Neither prints nor times. */
#ifndef MM_PIN_H
#define MM_PIN_H
#include "mm/folio.h"
#include "mm/xpt.h"

#define PIN_BLOCK_PAGES		512u	/* pages per batch: 2 MiB of VA */
/* Runs a block's batch holds: one per page at worst, plus one for a page
 * an injected double pin adds. A batch that would overflow drops the run
 * and counts it (pin_ctx.dropped). */
#define PIN_BLOCK_RUNS		(PIN_BLOCK_PAGES + 1)
#define PIN_NONE		(~0ull)

enum pin_algo { PIN_PAGE, PIN_FOLIO, PIN_FAST, PIN_NR_ALGOS };

/* One run of contiguous pfns of a batch. */
struct pin_run {
	uint64_t pfn;
	uint64_t npages;
};

struct pin_ctx {
	const struct xpt *pt;		/* the mapping of the range */
	const struct section_table *sections;	/* pfn -> struct page */
	uint64_t va;			/* first VA, 2 MiB aligned */
	uint64_t npages;		/* multiple of PIN_BLOCK_PAGES */
	enum pin_algo algo;
	bool unpin;			/* pin_job unpins instead */
	struct pin_run *runs;		/* PIN_BLOCK_RUNS per block */
	uint32_t *nr_runs;		/* per block */
	/* Injection (tests, verify): page index, or PIN_NONE. */
	uint64_t skip_page;		/* neither pinned nor recorded */
	uint64_t twice_page;		/* pinned and recorded twice */
	/* Totals, added once per chunk (atomic). */
	uint64_t atomics;		/* read-modify-writes of folio counters */
	uint64_t walks;			/* PAGE, FOLIO: walks from the root;
					 * FAST: tables read */
	uint64_t pages;			/* pages pinned or unpinned */
	uint64_t unmapped;		/* pages with no present leaf */
	uint64_t dropped;		/* runs lost to a full batch */
};

static inline uint64_t pin_blocks(uint64_t npages)
{
	return DIV_ROUND_UP(npages, PIN_BLOCK_PAGES);
}

/* Empties every batch (before a pin) and zeroes the totals. */
void pin_reset(struct pin_ctx *c);

/* Pins (or, with c->unpin, unpins) pages [start, end) of the range with
 * c->algo. start and end are multiples of PIN_BLOCK_PAGES or the range's
 * ends. Unpin reads the batches a pin of the same pages filled. */
void pin_range(struct pin_ctx *c, uint64_t start, uint64_t end);
void unpin_range(struct pin_ctx *c, uint64_t start, uint64_t end);
/* thread_fn for the job engine; @arg is the struct pin_ctx. */
void pin_job(uint64_t start, uint64_t end, void *arg);

/* ---- verification (outside the timing) ---------------------------------- */

/* The batches, read in block order, hold every page's pfn exactly once and
 * in VA order, page i being folio_pfns[i >> order] + (i mod 2^order); runs
 * are contiguous, none empty, none dropped. 0, or -1 with @err said. */
int pin_check_batches(const struct pin_ctx *c, const uint64_t *folio_pfns,
		      unsigned order, char *err, size_t errlen);
/* Every folio of @folio_pfns (@nfolios of 2^order pages) reads as pinned
 * @pins times on each subpage (folio_expected_*), every tail has no
 * reference and no pin of its own. 0, or -1 with @err said. */
int pin_check_counts(const struct section_table *t, const uint64_t *folio_pfns,
		     uint64_t nfolios, unsigned order, uint64_t pins,
		     char *err, size_t errlen);
#endif
