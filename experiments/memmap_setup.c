/* Builds run=memmap's memory model from memblock. See
 * experiments/memmap_setup.h. Everything is allocated from memblock (and
 * so reserved) before the free ranges are read, in this order: section
 * table, each section's memmap on its node, the scratch model's memmap,
 * the verification storage. */
#include "arch/x86_64/mmu.h"
#include "experiments/memmap_setup.h"
#include "lib/error.h"
#include "arch/x86_64/tsc.h"
#include "mm/memblock.h"
#include "mm/memdesc.h"
#include "mm/memmap_verify.h"

/* Memory minus reserved: each reserved region splits at most one range. */
#define MEMMAP_MAX_FREE_RANGES	(2 * MEMBLOCK_MAX_REGIONS + 1)
/* A memmap slice on a 2 MiB boundary is mapped by one large page of the
 * direct map, like Linux's vmemmap; smaller alignment is the fallback. */
#define MEMMAP_ALIGN		SECTION_MEMMAP_BYTES
#define MEMMAP_ALIGN_MIN	PAGE_SIZE

static struct mm_model model, scratch_model;
static struct pfn_range free_ranges[MEMMAP_MAX_FREE_RANGES];
static struct mem_section scratch_table[MEMMAP_SCRATCH_MAX_SECTIONS];
static struct pfn_range scratch_free[1];
static struct memmap_setup setup;
static bool built;
static uint64_t touched;	/* bit bytes/8: that layout's storage written */
static void **arrays8, **arrays32;	/* memmap_setup_arrays() */

/* @size bytes inside [min, max), lowest address first. */
static void *alloc_in(uint64_t size, uint64_t min, uint64_t max)
{
	uint64_t pa = memblock_phys_alloc_range(size, MEMMAP_ALIGN, min, max);

	if (!pa)
		pa = memblock_phys_alloc_range(size, MEMMAP_ALIGN_MIN, min, max);
	return pa ? phys_to_virt(pa) : NULL;
}

/* @size bytes anywhere, highest address first (as Linux's memblock). */
static void *alloc_any(uint64_t size)
{
	uint64_t pa = memblock_phys_alloc(size, MEMMAP_ALIGN, 0);

	if (!pa)
		pa = memblock_phys_alloc(size, MEMMAP_ALIGN_MIN, 0);
	return pa ? phys_to_virt(pa) : NULL;
}

static unsigned region_node(const struct memblock_region *r)
{
	return r->nid < 0 ? 0 : (unsigned)r->nid;
}

/* @size bytes inside one memory region of node @nid, its highest region
 * first (Linux allocates a node's memmap top-down); else anywhere. */
static void *alloc_on_node(uint64_t size, unsigned nid, bool *off_node)
{
	for (size_t i = memblock_memory_count(); i-- > 0;) {
		struct memblock_region r = *memblock_memory_region(i);
		void *p;

		if (region_node(&r) != nid)
			continue;
		p = alloc_in(size, r.base, r.base + r.size);
		if (p) {
			*off_node = false;
			return p;
		}
	}
	*off_node = true;
	return alloc_any(size);
}

/* The pfns [s, e) of section-touching memory of node @nid: gives the
 * section a memmap on that node if it has none. A section holding memory
 * of two nodes stays with the first (page flags name one node). */
static int add_section_part(uint64_t s, uint64_t e, unsigned nid, const char **why)
{
	const struct mem_section *ms = pfn_section(&model.sections, s);
	struct page *memmap = NULL;
	bool off_node;
	int rc;

	if (ms && ms->nid != nid) {
		setup.shared_sections++;
		nid = ms->nid;
	}
	if (!ms) {
		memmap = alloc_on_node(SECTION_MEMMAP_BYTES, nid, &off_node);
		if (!memmap)
			return fail(why, "no memory for a section's memmap");
		setup.off_node_sections += off_node;
	}
	rc = section_add(&model, s, e, nid, memmap);
	return rc < 0 ? fail(why, "section_add refused a memory region") : 0;
}

static int add_sections(const char **why)
{
	for (size_t i = 0; i < memblock_memory_count(); i++) {
		struct memblock_region r = *memblock_memory_region(i);
		uint64_t s = DIV_ROUND_UP(r.base, PAGE_SIZE);
		uint64_t e = MIN((r.base + r.size) / PAGE_SIZE,
				 model.sections.nr * PAGES_PER_SECTION);
		if (region_node(&r) >= MAX_NUMNODES)
			return fail(why, "memory of a node beyond MAX_NUMNODES");
		for (uint64_t p = s, pe; p < e; p = pe) {
			pe = MIN(e, ALIGN_DOWN(p, PAGES_PER_SECTION) +
				 PAGES_PER_SECTION);
			if (add_section_part(p, pe, region_node(&r), why))
				return -1;
		}
	}
	return 0;
}

/* memblock's free memory, whole pages only, as the model's free ranges. */
static int add_free_ranges(const char **why)
{
	struct memblock_iter it;
	uint64_t base, end;

	for_each_free_range(it, base, end) {
		uint64_t s = DIV_ROUND_UP(base, PAGE_SIZE);
		uint64_t e = MIN(end / PAGE_SIZE, model.span_end);

		if (s >= e)
			continue;
		if (memmap_add_free_range(&model, s, e))
			return fail(why, "free range rejected (too many, or outside memory)");
	}
	return 0;
}

/* The scratch model: sections [0, n) on node 0, every pfn free. */
static int build_scratch(const char **why)
{
	uint64_t n = MIN(MAX(setup.sections / 4, 1),
			 MEMMAP_SCRATCH_MAX_SECTIONS);
	uint64_t pages = n * PAGES_PER_SECTION;
	struct page *memmap = alloc_any(n * SECTION_MEMMAP_BYTES);

	if (!memmap)
		return fail(why, "no memory for the scratch memmap");
	memmap_model_init(&scratch_model, scratch_table, n, scratch_free,
			  ARRAY_SIZE(scratch_free));
	if (section_add(&scratch_model, 0, pages, 0, memmap) != (int)n ||
	    memmap_add_free_range(&scratch_model, 0, pages))
		return fail(why, "scratch model rejected");
	setup.scratch = &scratch_model;
	return 0;
}

static int alloc_verify_storage(const char **why)
{
	uint64_t words = memmap_verify_bitmap_words(&model);

	setup.counts_len = memmap_verify_counts_len(&model);
	setup.counts = alloc_any(setup.counts_len);
	setup.bitmap = alloc_any(words * sizeof(unsigned long));
	if (!setup.counts || !setup.bitmap)
		return fail(why, "no memory for the verification counts and bitmap");
	return 0;
}

static int build(bool verify, const char **why)
{
	uint64_t end_pfn = MIN(memblock_end_of_ram() / PAGE_SIZE, MAX_PFN);
	uint64_t nr = MIN(DIV_ROUND_UP(end_pfn, PAGES_PER_SECTION),
			  NR_MEM_SECTIONS);
	struct mem_section *table;

	if (!nr)
		return fail(why, "memblock has no memory");
	table = alloc_any(nr * sizeof(*table));
	if (!table)
		return fail(why, "no memory for the section table");
	memmap_model_init(&model, table, nr, free_ranges,
			  ARRAY_SIZE(free_ranges));
	setup.m = &model;
	if (add_sections(why))
		return -1;
	setup.sections = memmap_present_pages(&model) / PAGES_PER_SECTION;
	setup.memmap_bytes = setup.sections * SECTION_MEMMAP_BYTES;
	if (build_scratch(why) || (verify && alloc_verify_storage(why)))
		return -1;
	return add_free_ranges(why);
}

int memmap_setup_get(bool verify, struct memmap_setup *out, const char **why)
{
	int rc = 0;

	if (!built) {
		uint64_t t0 = now_ns();

		if (build(verify, why))
			return -1;
		built = true;
		setup.setup_ns = now_ns() - t0;
	} else if (verify && !setup.counts) {
		rc = alloc_verify_storage(why);
	}
	*out = setup;
	return rc;
}

/* One block per node for its present sections' arrays, on the node. */
static void **build_arrays(unsigned bytes_per_page, const char **why)
{
	void **t = alloc_any(model.sections.nr * sizeof(*t));

	if (!t)
		return fail(why, "no memory for the array table"), NULL;
	for (unsigned nid = 0; nid < MAX_NUMNODES; nid++) {
		uint64_t n = memdesc_node_sections(&model, (int)nid);
		bool off_node;
		void *base;

		if (!n)
			continue;
		base = alloc_on_node(n * memdesc_section_bytes(bytes_per_page),
				     nid, &off_node);
		if (!base)
			return fail(why, "no memory for a compact memmap"), NULL;
		memdesc_arrays_place(&model, bytes_per_page, (int)nid, base, t);
	}
	return t;
}

void *const *memmap_setup_arrays(unsigned bytes_per_page, const char **why)
{
	void ***slot = bytes_per_page == MEMDESC_LAYOUT_8 ? &arrays8 : &arrays32;

	if (!built || (bytes_per_page != MEMDESC_LAYOUT_8 &&
		       bytes_per_page != MEMDESC_LAYOUT_32))
		return fail(why, "no model, or not a compact layout"), NULL;
	if (!*slot)
		*slot = build_arrays(bytes_per_page, why);
	return *slot;
}

bool memmap_setup_touched(unsigned bytes_per_page)
{
	return touched & (1ull << (bytes_per_page / 8));
}

void memmap_setup_touch(unsigned bytes_per_page)
{
	touched |= 1ull << (bytes_per_page / 8);
}
