/* Host unit tests for mm/memblock.c: real-looking memory maps (holes, RAM
 * above the 4 GiB PCI hole, 64 MiB and 1 TiB machines), messy input
 * (overlapping, unsorted, duplicate entries), reserved ranges straddling
 * memory, the early allocator (exhaustion, alignment, limits), NUMA node
 * assignment, capacity overflow and address-space edges. Finally random
 * operation sequences replayed through the fuzzer's brute-force model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mm/memblock.h"
#include "lib/report.h"

#define RANDOM_RUNS  3000
#define RANDOM_BYTES 160

const char *memblock_fuzz_run(const uint8_t *data, size_t size);

struct range {
	uint64_t base, end;
	int nid;
};

/* Do the memory regions equal want[0..n)? Prints the first difference. */
static bool memory_is(const struct range *want, size_t n)
{
	const struct memblock_region *r;

	if (memblock_memory_count() != n) {
		report_info("memory count %zu, want %zu", memblock_memory_count(), n);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		r = memblock_memory_region(i);
		if (r->base != want[i].base || r->base + r->size != want[i].end ||
		    r->nid != want[i].nid) {
			report_info("memory[%zu] = [%#llx,%#llx) nid %d", i,
				    (unsigned long long)r->base,
				    (unsigned long long)(r->base + r->size), r->nid);
			return false;
		}
	}
	return memblock_check() == NULL;
}

static bool reserved_is(const struct range *want, size_t n)
{
	const struct memblock_region *r;

	if (memblock_reserved_count() != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		r = memblock_reserved_region(i);
		if (r->base != want[i].base || r->base + r->size != want[i].end)
			return false;
	}
	return memblock_check() == NULL;
}

static bool free_is(const struct range *want, size_t n)
{
	struct memblock_iter it;
	uint64_t b, e;
	size_t i = 0;

	for_each_free_range(it, b, e) {
		if (i >= n || b != want[i].base || e != want[i].end ||
		    it.nid != want[i].nid) {
			report_info("free[%zu] = [%#llx,%#llx) nid %d", i,
				    (unsigned long long)b, (unsigned long long)e,
				    it.nid);
			return false;
		}
		i++;
	}
	return i == n;
}

#define N MEMBLOCK_NID_NONE

static void test_empty(void)
{
	struct memblock_iter it = MEMBLOCK_ITER_INIT;
	uint64_t b, e;

	memblock_reset();
	report(memblock_memory_count() == 0 && memblock_reserved_count() == 0 &&
	       !memblock_memory_region(0) && !memblock_reserved_region(0),
	       "empty: no regions");
	report(memblock_memory_bytes() == 0 && memblock_free_bytes() == 0 &&
	       memblock_end_of_ram() == 0 && !memblock_next_free(&it, &b, &e),
	       "empty: no bytes, no free ranges");
	report(memblock_phys_alloc(4096, 4096, 0) == 0 &&
	       memblock_phys_alloc_range(4096, 4096, 0, 0) == 0,
	       "empty: allocation fails");
	report(memblock_reserve(0x1000, 0x1000) == 0 && memblock_free_bytes() == 0 &&
	       memblock_reserved_bytes() == 0x1000,
	       "reserved outside memory counts as reserved, not free");
}

/* QEMU q35, 6 GiB: low RAM up to the EBDA, RAM to below 2 GiB, the PCI hole,
 * 4 GiB above it. Reserve the first page, the kernel and the boot info. */
static void test_holes(void)
{
	static const struct range mem[] = {
		{ 0, 0x9fc00, N }, { 0x100000, 0x7ffe0000, N },
		{ 4 * GiB, 8 * GiB, N },
	};
	static const struct range freer[] = {
		{ 0x1000, 0x9fc00, N }, { 0x400000, 0x7ffe0000, N },
		{ 4 * GiB, 8 * GiB - 0x10000, N },
	};

	report_prefix_push("holes");
	memblock_reset();
	memblock_add(4 * GiB, 4 * GiB);   /* unsorted on purpose */
	memblock_add(0x100000, 0x7fee0000);
	memblock_add(0, 0x9fc00);
	memblock_reserve(0, 0x1000);
	memblock_reserve(0xf0000, 0x10000);            /* BIOS, not memory */
	memblock_reserve(0x100000, 0x300000);          /* kernel */
	memblock_reserve(8 * GiB - 0x10000, 0x20000);  /* straddles the top */
	report(memory_is(mem, ARRAY_SIZE(mem)), "memory regions");
	report(free_is(freer, ARRAY_SIZE(freer)), "free ranges");
	report(memblock_memory_bytes() == 0x9fc00 + 0x7fee0000 + 4 * GiB,
	       "memory bytes");
	report(memblock_free_bytes() == memblock_memory_bytes() - 0x1000 -
	       0x300000 - 0x10000, "free bytes count overlaps once");
	report(memblock_reserved_bytes() == 0x1000 + 0x10000 + 0x300000 + 0x20000,
	       "reserved bytes");
	report(memblock_end_of_ram() == 8 * GiB, "end of RAM above the hole");
	report(!memblock_is_memory(3 * GiB) && memblock_is_memory(4 * GiB) &&
	       !memblock_is_memory(0x9fc00) && memblock_is_memory(0x9fbff) &&
	       !memblock_is_memory(8 * GiB), "is_memory at the edges");
	report(memblock_is_reserved(0xfffff) && !memblock_is_reserved(0x400000),
	       "is_reserved");
	report_prefix_pop();
}

static void test_messy_input(void)
{
	static const struct range merged[] = {
		{ 0x1000, 0x9000, N }, { 0x10000, 0x30000, N },
	};
	static const struct range resv[] = {
		{ 0, 0x2000, N }, { 0x4000, 0x4800, N }, { 0x4900, 0x6000, N },
	};

	report_prefix_push("messy");
	memblock_reset();
	memblock_add(0x20000, 0x10000);
	memblock_add(0x1000, 0x2000);
	memblock_add(0x8000, 0x1000);
	memblock_add(0x3000, 0x5000);   /* fills [0x3000,0x8000): merges 3 */
	memblock_add(0x10000, 0x10000); /* touches 0x20000: merges */
	memblock_add(0x20000, 0x10000); /* duplicate */
	memblock_add(0x1800, 0x100);    /* inside */
	memblock_add(0x12000, 0x18000); /* overlaps both ends of nothing new */
	report(memory_is(merged, ARRAY_SIZE(merged)), "merged into two regions");
	memblock_add(0x9000, 0x7000);   /* exactly fills the gap */
	report(memblock_memory_count() == 1 &&
	       memblock_memory_bytes() == 0x2f000, "gap filled: one region");

	/* Reserved regions merge the same way. */
	memblock_reserve(0x5000, 0x1000);
	memblock_reserve(0x3000, 0x1000);
	memblock_reserve(0x4000, 0x1000);
	memblock_reserve(0x3800, 0x2000);
	report(memblock_reserved_count() == 1 &&
	       memblock_reserved_bytes() == 0x3000, "reserved merge");
	memblock_reserve(0, 0x2000);   /* partially below memory */
	report(memblock_free_bytes() == 0x2f000 - 0x1000 - 0x3000,
	       "reserve straddling the start of memory");
	report(memblock_free(0x3000, 0x1000) == 0 &&
	       memblock_reserved_bytes() == 0x2000 + 0x2000 &&
	       memblock_free(0x4800, 0x100) == 0 &&
	       memblock_reserved_count() == 3, "free splits a reservation");
	report(reserved_is(resv, ARRAY_SIZE(resv)), "reserved regions");
	report_prefix_pop();
}

static void test_small_and_large(void)
{
	uint64_t a, b, c, total = 0;
	unsigned n = 0;

	report_prefix_push("64MiB");
	memblock_reset();
	memblock_add(0, 64 * MiB);
	memblock_reserve(0, 1 * MiB);
	memblock_reserve(1 * MiB, 3 * MiB);
	a = memblock_phys_alloc(1 * MiB, 1 * MiB, 0);
	report(a == 63 * MiB, "top-down takes the top MiB (%#llx)",
	       (unsigned long long)a);
	b = memblock_phys_alloc_range(1 * MiB, 1 * MiB, 0, 0);
	report(b == 4 * MiB, "bottom-up takes the first free MiB (%#llx)",
	       (unsigned long long)b);
	while ((c = memblock_phys_alloc(1 * MiB, 1 * MiB, 0)) != 0) {
		total += 1 * MiB;
		n++;
	}
	report(n == 58 && total == 58 * MiB && memblock_free_bytes() == 0,
	       "exhaustion after 58 more MiB (%u)", n);
	report(memblock_reserved_count() == 1 &&
	       memblock_reserved_bytes() == 64 * MiB,
	       "everything reserved, as one merged region");
	report(memblock_phys_alloc(1, 1, 0) == 0 &&
	       memblock_phys_alloc_range(1, 1, 0, 0) == 0,
	       "even one byte fails now");
	report_prefix_pop();

	report_prefix_push("1TiB");
	memblock_reset();
	memblock_add(0, 2 * GiB);
	memblock_add(4 * GiB, 1 * TiB - 2 * GiB);
	report(memblock_memory_bytes() == 1 * TiB &&
	       memblock_end_of_ram() == 1 * TiB + 2 * GiB, "1 TiB of RAM");
	a = memblock_phys_alloc(4096, 4096, 0);
	report(a == 1 * TiB + 2 * GiB - 4096, "top-down at the very top");
	a = memblock_phys_alloc(16 * MiB, 2 * MiB, 4 * GiB);
	report(a == 2 * GiB - 16 * MiB, "limit 4 GiB: ends below the hole");
	a = memblock_phys_alloc(4 * GiB, 1 * GiB, 0);
	report(a && a % GiB == 0 && a + 4 * GiB <= 1 * TiB + 2 * GiB - 4096,
	       "4 GiB aligned to 1 GiB");
	report(memblock_free_bytes() == 1 * TiB - 4096 - 16 * MiB - 4 * GiB,
	       "free bytes after three allocations");
	report_prefix_pop();
}

static void test_alloc_rules(void)
{
	uint64_t a, b;

	report_prefix_push("alloc");
	memblock_reset();
	memblock_add(0, 0x10000);
	report(memblock_phys_alloc(0, 4096, 0) == 0, "size 0 fails");
	report(memblock_phys_alloc(4096, 3, 0) == 0 &&
	       memblock_phys_alloc_range(4096, 0x3000, 0, 0) == 0,
	       "non-power-of-two alignment fails");
	report(memblock_reserved_count() == 0, "failures reserve nothing");
	a = memblock_phys_alloc(100, 0, 0);
	report(a == 0x10000 - 100, "align 0 means byte alignment");
	a = memblock_phys_alloc(0x100, 0x1000, 0);
	report(a == 0xf000, "aligned below the previous block (%#llx)",
	       (unsigned long long)a);
	a = memblock_phys_alloc(0x1000, 0x1000, 0x5800);
	report(a == 0x4000, "limit 0x5800: block ends at or below it");
	a = memblock_phys_alloc_range(0x1000, 0x1000, 0x2001, 0x3000);
	report(a == 0, "range [0x2001,0x3000) has no aligned page");
	a = memblock_phys_alloc_range(0x1000, 0x1000, 0x2001, 0x4000);
	report(a == 0x3000, "bottom-up with min rounds up to 0x3000");
	b = memblock_phys_alloc_range(0x1000, 0x1000, 0x2001, 0x5000);
	report(b == 0, "nothing page-aligned left in [0x2001,0x5000)");
	report(memblock_is_reserved(0x3000) && memblock_is_reserved(0x3fff) &&
	       !memblock_is_reserved(0x2fff), "allocations are reserved");

	/* Address 0 is never returned: 0 means failure. */
	memblock_reset();
	memblock_add(0, 0x2000);
	report(memblock_phys_alloc(0x1000, 0x1000, 0) == 0x1000,
	       "first page-sized block at 0x1000");
	report(memblock_phys_alloc(0x1000, 0x1000, 0) == 0,
	       "only [0,0x1000) left: refused rather than returning 0");
	report(memblock_phys_alloc_range(0x800, 1, 0, 0) == 1,
	       "bottom-up skips byte 0");

	/* Allocations do not straddle nodes even where memory is contiguous. */
	memblock_reset();
	memblock_add_node(0x10000, 0x1000, 0);
	memblock_add_node(0x11000, 0x1000, 1);
	report(memblock_memory_count() == 2, "two nodes, two regions");
	report(memblock_phys_alloc(0x1800, 1, 0) == 0 &&
	       memblock_phys_alloc_range(0x1800, 1, 0, 0) == 0,
	       "no block across the node boundary");
	report(memblock_phys_alloc(0x1000, 1, 0) == 0x11000, "one node's worth");

	/* Limit and bottom-up max near 2^64 do not overflow. */
	memblock_reset();
	memblock_add(MEMBLOCK_ADDR_MAX - 0x3000, 0x10000);
	a = memblock_phys_alloc(0x1000, 0x1000, 0);
	report(a == 0xffffffffffffe000ull, "top-down just below 2^64 (%#llx)",
	       (unsigned long long)a);
	a = memblock_phys_alloc_range(0x1000, 1ull << 63, 0, 0);
	report(a == 0, "alignment 2^63 above the only range: none");
	a = memblock_phys_alloc_range(0x100, 0x1000, 0, 0);
	report(a == 0xffffffffffffd000ull, "bottom-up near 2^64 (%#llx)",
	       (unsigned long long)a);
	report_prefix_pop();
}

static void test_nodes(void)
{
	static const struct range split[] = {
		{ 0, 1 * GiB, N }, { 1 * GiB, 2 * GiB, 0 }, { 4 * GiB, 5 * GiB, 0 },
		{ 5 * GiB, 8 * GiB, 1 },
	};
	static const struct range joined[] = {
		{ 0, 2 * GiB, 0 }, { 4 * GiB, 5 * GiB, 0 }, { 5 * GiB, 8 * GiB, 1 },
	};
	static const struct range freer[] = {
		{ 0x1000, 2 * GiB, 0 }, { 4 * GiB, 5 * GiB, 0 },
		{ 5 * GiB, 6 * GiB, 1 }, { 6 * GiB + 0x1000, 8 * GiB, 1 },
	};

	report_prefix_push("nodes");
	memblock_reset();
	memblock_add(0, 2 * GiB);
	memblock_add(4 * GiB, 4 * GiB);
	report(memblock_set_node(1 * GiB, 4 * GiB, 0) == 0 &&
	       memblock_set_node(5 * GiB, 10 * GiB, 1) == 0 &&
	       memory_is(split, ARRAY_SIZE(split)), "set_node splits regions");
	report(memblock_set_node(0, 1 * GiB, 0) == 0 &&
	       memory_is(joined, ARRAY_SIZE(joined)),
	       "same node on both sides merges again");
	memblock_reserve(0, 0x1000);
	memblock_reserve(6 * GiB, 0x1000);
	report(free_is(freer, ARRAY_SIZE(freer)), "free ranges carry nodes and "
	       "split at node boundaries");
	report(memblock_set_node(2 * GiB, 2 * GiB, 3) == 0 &&
	       memory_is(joined, ARRAY_SIZE(joined)), "set_node on a hole: no-op");
	report(memblock_set_node(0, 1, -2) == MEMBLOCK_E_INVAL &&
	       memblock_add_node(0, 1, -7) == MEMBLOCK_E_INVAL,
	       "node id below -1 rejected");
	memblock_add_node(8 * GiB, 1 * GiB, 1);
	memblock_add_node(2 * GiB - 0x1000, 0x2000, 2);  /* half overlaps */
	report(memblock_memory_count() == 4 &&
	       memblock_memory_region(1)->base == 2 * GiB &&
	       memblock_memory_region(1)->nid == 2 &&
	       memblock_memory_region(3)->size == 4 * GiB,
	       "add_node: only new parts get the node; same node merges");
	report_prefix_pop();
}

static void test_capacity(void)
{
	const struct memblock_region *last;
	uint64_t bytes;
	int rc = 0;

	report_prefix_push("capacity");
	memblock_reset();
	for (unsigned i = 0; i < MEMBLOCK_MAX_REGIONS && !rc; i++)
		rc = memblock_add(i * 0x2000ull, 0x1000);
	report(rc == 0 && memblock_memory_count() == MEMBLOCK_MAX_REGIONS,
	       "%u disjoint regions fit", MEMBLOCK_MAX_REGIONS);
	bytes = memblock_memory_bytes();
	report(memblock_add(MEMBLOCK_MAX_REGIONS * 0x2000ull, 0x1000) ==
	       MEMBLOCK_E_FULL, "one more: E_FULL");
	report(memblock_add(0x1800, 0x100) == MEMBLOCK_E_FULL &&
	       memblock_memory_bytes() == bytes && memblock_check() == NULL,
	       "a new piece between regions: E_FULL, nothing changed");
	report(memblock_add(0x1000, 0x1000) == 0 &&
	       memblock_memory_count() == MEMBLOCK_MAX_REGIONS - 1,
	       "filling a gap merges, so it fits while full");
	report(memblock_add(0x1000000, 0x1000) == 0, "and frees a slot");
	report(memblock_set_node(0x4000, 0x100, 1) == MEMBLOCK_E_FULL,
	       "set_node that must split: E_FULL when full");
	report(memblock_remove(0x4800, 0x100) == MEMBLOCK_E_FULL &&
	       memblock_is_memory(0x4800), "remove that must split: E_FULL");
	last = memblock_memory_region(MEMBLOCK_MAX_REGIONS - 1);
	report(last && last->base == 0x1000000, "last region intact");
	report(memblock_remove(0, 0x1000) == 0 && memblock_set_node(0x4000, 0x1000, 1) == 0,
	       "trimming a region's start and relabelling a whole one fit");

	memblock_reset();
	rc = 0;
	for (unsigned i = 0; i < MEMBLOCK_MAX_REGIONS && !rc; i++)
		rc = memblock_reserve(i * 0x2000ull, 0x1000);
	memblock_add(0, MEMBLOCK_MAX_REGIONS * 0x2000ull);
	report(memblock_reserve(MEMBLOCK_MAX_REGIONS * 0x2000ull, 0x10) ==
	       MEMBLOCK_E_FULL, "reserved array full too");
	report(memblock_phys_alloc_range(0x100, 0x100, 0x1000, 0) == 0x1000 &&
	       memblock_phys_alloc(0x100, 0x100, 0) == 0,
	       "alloc adjacent to a reservation fits; a detached one does not");
	report_prefix_pop();
}

static void test_edges(void)
{
	static const struct range trimmed[] = {
		{ 0x2000, 0x5000, N }, { 0x10000, 0x11000, 3 },
	};
	const struct memblock_region *r;

	report_prefix_push("edges");
	memblock_reset();
	report(memblock_add(0x1000, 0) == 0 && memblock_reserve(0x1000, 0) == 0 &&
	       memblock_remove(0x1000, 0) == 0 && memblock_set_node(0, 0, 1) == 0 &&
	       memblock_memory_count() == 0 && memblock_reserved_count() == 0,
	       "zero sizes: no-ops");
	report(memblock_add(MEMBLOCK_ADDR_MAX - 10, 100) == 0 &&
	       (r = memblock_memory_region(0)) &&
	       r->base == MEMBLOCK_ADDR_MAX - 10 && r->size == 10,
	       "base + size past 2^64 clamped to 2^64 - 1");
	report(memblock_add(MEMBLOCK_ADDR_MAX, 5) == 0 &&
	       memblock_memory_count() == 1, "base 2^64 - 1: nothing to add");
	report(memblock_add(0, MEMBLOCK_ADDR_MAX) == 0 &&
	       memblock_memory_count() == 1 &&
	       memblock_memory_bytes() == MEMBLOCK_ADDR_MAX,
	       "the whole address space, merged");
	report(memblock_reserve(5, MEMBLOCK_ADDR_MAX) == 0 &&
	       memblock_free_bytes() == 5, "reserve to the end leaves 5 bytes");
	memblock_trim_to_pages();
	report(memblock_memory_count() == 1 &&
	       memblock_end_of_ram() == MEMBLOCK_ADDR_MAX + 1 - MEMBLOCK_PAGE_SIZE,
	       "trim drops the partial last page");

	memblock_reset();
	memblock_add(0x1234, 0x5678 - 0x1234);
	memblock_add(0x6001, 0xffe);        /* no whole page: dropped */
	memblock_add_node(0x10000, 0x1800, 3);
	memblock_add(MEMBLOCK_ADDR_MAX - 0x800, 0x800);
	memblock_trim_to_pages();
	report(memory_is(trimmed, ARRAY_SIZE(trimmed)),
	       "trim to pages, empty regions dropped");
	memblock_remove(0x3000, 0x1000);
	report(memblock_memory_count() == 3 && !memblock_is_memory(0x3000) &&
	       memblock_is_memory(0x4000), "remove splits");
	memblock_remove(0, MEMBLOCK_ADDR_MAX);
	report(memblock_memory_count() == 0, "remove everything");
	report_prefix_pop();
}

/* Random operation sequences through the fuzzer's model (model mode and
 * raw mode), from a fixed seed so failures reproduce. */
static void test_random(void)
{
	uint8_t buf[RANDOM_BYTES];
	uint64_t s = 0x2545f4914f6cdd1dull;
	const char *why = NULL;
	int run;

	for (run = 0; run < RANDOM_RUNS && !why; run++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			buf[i] = (uint8_t)s;
		}
		why = memblock_fuzz_run(buf, sizeof(buf));
	}
	report(!why, "random sequences vs model: %d runs%s%s", run,
	       why ? ": " : "", why ? why : "");
}

int main(void)
{
	report_prefix_push("memblock");
	test_empty();
	test_holes();
	test_messy_input();
	test_small_and_large();
	test_alloc_rules();
	test_nodes();
	test_capacity();
	test_edges();
	test_random();
	return report_summary();
}
