/* Nodes and zones, after Linux's pglist_data and struct zone
 * (include/linux/mmzone.h). A node is a NUMA node's memory; its pages are
 * split by physical address into three zones, each with its own buddy free
 * lists under one spinlock:
 *
 *   ZONE_DMA     [0, 16 MiB)      legacy ISA DMA
 *   ZONE_DMA32   [16 MiB, 4 GiB)  32-bit DMA
 *   ZONE_NORMAL  [4 GiB, ...)
 *
 * Both zone limits are multiples of MAX_ORDER_NR_PAGES, so a buddy block
 * never straddles two zones. */
#ifndef MM_ZONE_H
#define MM_ZONE_H
#include "lib/spinlock.h"
#include "mm/section.h"

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	MAX_NR_ZONES
};
_Static_assert(MAX_NR_ZONES <= (1 << ZONES_SHIFT), "ZONES_SHIFT too small");

#define MAX_NUMNODES		(1u << NODES_SHIFT)
#define NUMA_NO_NODE		(-1)

#define ZONE_DMA_END_PFN	((16 * MiB) >> PAGE_SHIFT)
#define ZONE_DMA32_END_PFN	((4 * GiB) >> PAGE_SHIFT)
#define ZONE_NORMAL_END_PFN	MAX_PFN
_Static_assert(ZONE_DMA_END_PFN % MAX_ORDER_NR_PAGES == 0, "zone limit");
_Static_assert(ZONE_DMA32_END_PFN % MAX_ORDER_NR_PAGES == 0, "zone limit");

static inline enum zone_type zone_for_pfn(uint64_t pfn)
{
	if (pfn < ZONE_DMA_END_PFN)
		return ZONE_DMA;
	if (pfn < ZONE_DMA32_END_PFN)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

/* First pfn above zone type @zt's address range. */
static inline uint64_t zone_type_end_pfn(enum zone_type zt)
{
	static const uint64_t end[MAX_NR_ZONES] = {
		ZONE_DMA_END_PFN, ZONE_DMA32_END_PFN, ZONE_NORMAL_END_PFN
	};
	return end[zt];
}

static inline uint64_t zone_type_start_pfn(enum zone_type zt)
{
	return zt == ZONE_DMA ? 0 : zone_type_end_pfn(zt - 1);
}

struct free_area {
	struct list_head free_list;	/* heads of free blocks of this order */
	uint64_t nr_free;		/* blocks on the list */
};

/* Everything but managed_pages is under lock. Cache-line aligned so the
 * locks of different zones do not share a line. */
struct zone {
	struct spinlock lock;		/* its contended counter is reported */
	uint16_t nid;
	uint16_t idx;			/* enum zone_type */
	bool populated;			/* has a span */
	const struct section_table *sections;
	uint64_t start_pfn, end_pfn;	/* spanned [start, end); may hold
					 * holes and other nodes' sections */
	uint64_t managed_pages;		/* handed to the buddy by init (atomic) */
	uint64_t free_pages;		/* sum of nr_free << order */
	uint64_t lock_acquisitions;	/* times lock was taken (under lock) */
	struct free_area free_area[NR_PAGE_ORDERS];
} __cacheline_aligned;

struct node {
	uint16_t nid;
	bool online;			/* has at least one present section */
	uint64_t start_pfn, end_pfn;	/* span of the memory added to it */
	struct zone zones[MAX_NR_ZONES];
};

/* Zone of an initialized page. */
static inline struct zone *page_zone(struct node *nodes, const struct page *p)
{
	return &nodes[page_to_nid(p)].zones[page_zonenum(p)];
}
#endif
