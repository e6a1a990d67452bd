/* Host tests of the experiment page tables (mm/xpt.h): map, walk and
 * translate with every page size under both root levels (one tree ending at
 * the top of the address space), rejected maps changing nothing, protect,
 * split 1G -> 2M -> 4K, unmap freeing empty tables, count filters, an
 * allocator running dry mid-map, and 8 threads splitting the same huge
 * leaves while another write-protects them (built a second time with TSan:
 * test_xpt_tsan). Table pages come from aligned_alloc, phys == host
 * address; every page is counted so a leak or a double free shows. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "mm/xpt.h"
#include "tests/host/xpt_hmem.h"

#define AVL9   (1ull << 9)      /* available bits: the caller's */
#define AVL10  (1ull << 10)
#define AVL52  (1ull << 52)
#define PAT4K  (1ull << 7)      /* PAT of a 4 KiB leaf, of a huge one: */
#define PATBIG (1ull << 12)
#define TOP    0xffffff8000000000ull   /* PML4 slot 511: ends at 2^64 */
#define XBASE  0xffffe00000000000ull   /* arch/x86_64/xas.h's window */

/* Independent of mm/xpt.c: tables reachable from the root, and how many
 * below the root hold nothing (the implementation must leave none). */
struct shape {
	uint64_t tables, empty;
};

static void shape_of(uint64_t table, unsigned level, bool root, struct shape *s)
{
	uint64_t *t = (uint64_t *)(uintptr_t)table;
	bool empty = true;

	s->tables++;
	for (unsigned i = 0; i < XPT_ENTRIES; i++) {
		empty &= !t[i];
		if (level > 1 && (t[i] & XPT_P) && !(t[i] & XPT_PS))
			shape_of(t[i] & XPT_ADDR_MASK, level - 1, false, s);
	}
	s->empty += empty && !root;
}

/* The tree's shape agrees with its count and the allocator's, and has no
 * empty table. */
static bool consistent(struct xpt *pt, struct hmem *h)
{
	struct shape s = { 0 };

	shape_of(pt->root, pt->root_level, true, &s);
	return s.tables == pt->tables && (long)s.tables == hmem_live(h) && !s.empty;
}

static uint64_t any_count(struct xpt *pt)
{
	return xpt_count(pt, pt->base, xpt_span(pt), 0, 0, 0);
}

/* va is mapped by a leaf of `level` starting at leaf_va, with exactly the
 * entry e, and translates to the address e says. */
static bool leaf_is(struct xpt *pt, uint64_t va, unsigned level,
		    uint64_t leaf_va, uint64_t e)
{
	struct xpt_leaf l;
	bool ok;
	uint64_t pa = xpt_translate(pt, va, &ok);
	uint64_t mask = XPT_ADDR_MASK & ~(xpt_level_size(level) - 1);

	return xpt_walk(pt, va, &l) && ok && l.level == level &&
	       l.page_size == xpt_level_size(level) && l.va == leaf_va &&
	       *l.pte == e && pa == (e & mask) + (va - leaf_va);
}

static bool unmapped(struct xpt *pt, uint64_t va)
{
	struct xpt_leaf l;
	bool ok = true;

	xpt_translate(pt, va, &ok);
	return !xpt_walk(pt, va, &l) && !ok;
}

static void test_sizes(void)
{
	struct xpt pt = { .root_level = 3 };

	report(xpt_level_size(1) == 4096 && xpt_level_size(2) == 2 * MiB &&
	       xpt_level_size(3) == GiB && xpt_level_size(4) == 512 * GiB,
	       "level sizes 4K 2M 1G 512G");
	report(xpt_span(&pt) == 512 * GiB, "a PDPT root spans 512 GiB");
	pt.root_level = 4;
	report(xpt_span(&pt) == 256 * TiB, "a PML4 root spans 256 TiB");
}

static void test_init(void)
{
	struct hmem h;
	struct xpt pt;

	hmem_init(&h);
	report_prefix_push("init");
	report(xpt_init(&pt, &h.mem, 2, 0) == -1 &&
	       xpt_init(&pt, &h.mem, 5, 0) == -1, "root level 2 and 5 rejected");
	report(xpt_init(&pt, &h.mem, 3, GiB) == -1 &&
	       xpt_init(&pt, &h.mem, 4, XBASE) == -1, "misaligned base rejected");
	report(h.allocs == 0, "... before taking a page");
	h.limited = true;
	report(xpt_init(&pt, &h.mem, 3, 0) == -1 && h.allocs == 0,
	       "no page: -1");
	h.limited = false;
	report(xpt_init(&pt, &h.mem, 3, TOP) == 0 && pt.tables == 1 &&
	       pt.root && consistent(&pt, &h), "one root table");
	xpt_destroy(&pt);
	report(h.allocs == 1 && h.frees == 1, "destroy frees it");
	report_prefix_pop();
}

/* 1 GiB, 2 MiB and 4 KiB leaves near the start and at the very end of the
 * tree; tables: how many the maps need in all, the root included. */
static void test_map_walk(const char *name, unsigned root_level, uint64_t base,
			  uint64_t tables)
{
	const uint64_t f = XPT_W | XPT_NX;
	struct hmem h;
	struct xpt pt;
	uint64_t end;

	hmem_init(&h);
	xpt_init(&pt, &h.mem, root_level, base);
	end = base + (xpt_span(&pt) - 1);    /* the last byte: no overflow */
	report_prefix_push(name);
	report(!xpt_map(&pt, base + 5 * GiB, 7 * GiB, GiB, GiB, f), "map 1G");
	report(!xpt_map(&pt, base + GiB + 4 * MiB, 3 * GiB + 2 * MiB, 4 * MiB,
			2 * MiB, f), "map 2 x 2M");
	report(!xpt_map(&pt, base + 2 * GiB + 12 * KiB, 0x5000, 12 * KiB, 4096,
			XPT_W | AVL9), "map 3 x 4K");
	report(!xpt_map(&pt, end + 1 - 4096, 0xabc000, 4096, 4096, 0),
	       "map the last 4K of the tree");
	report(leaf_is(&pt, base + 5 * GiB, 3, base + 5 * GiB,
		       7 * GiB | f | XPT_P | XPT_PS) &&
	       leaf_is(&pt, base + 5 * GiB + 0x12345678, 3, base + 5 * GiB,
		       7 * GiB | f | XPT_P | XPT_PS) &&
	       leaf_is(&pt, base + 6 * GiB - 1, 3, base + 5 * GiB,
		       7 * GiB | f | XPT_P | XPT_PS), "1G leaf: walk, translate");
	report(leaf_is(&pt, base + GiB + 4 * MiB + 1, 2, base + GiB + 4 * MiB,
		       (3 * GiB + 2 * MiB) | f | XPT_P | XPT_PS) &&
	       leaf_is(&pt, base + GiB + 8 * MiB - 1, 2, base + GiB + 6 * MiB,
		       (3 * GiB + 4 * MiB) | f | XPT_P | XPT_PS),
	       "2M leaves: walk, translate");
	report(leaf_is(&pt, base + 2 * GiB + 12 * KiB, 1, base + 2 * GiB + 12 * KiB,
		       0x5000 | XPT_W | AVL9 | XPT_P) &&
	       leaf_is(&pt, base + 2 * GiB + 24 * KiB - 3, 1,
		       base + 2 * GiB + 20 * KiB, 0x7000 | XPT_W | AVL9 | XPT_P),
	       "4K leaves: walk, translate, no PS");
	report(leaf_is(&pt, end, 1, end + 1 - 4096, 0xabc000 | XPT_P),
	       "the tree's last byte");
	report(unmapped(&pt, base) && unmapped(&pt, base + 2 * GiB + 8 * KiB) &&
	       unmapped(&pt, base + 2 * GiB + 24 * KiB) &&
	       unmapped(&pt, base + GiB + 2 * MiB) &&
	       unmapped(&pt, end + 1 - 8192), "holes are not mapped");
	report((base == 0 || unmapped(&pt, base - 1)) &&
	       (end == ~0ull || unmapped(&pt, end + 1)), "outside the tree");
	report(pt.tables == tables && consistent(&pt, &h), "%lu tables",
	       (unsigned long)tables);
	report(any_count(&pt) == 7, "7 leaves counted");
	xpt_destroy(&pt);
	report(h.allocs == h.frees, "destroy frees every table");
	report_prefix_pop();
}

/* What a rejected call must leave as it was. */
struct snap {
	uint64_t tables, leaves, w_leaves;
	long live;
};

static struct snap snap_of(struct xpt *pt, struct hmem *h)
{
	return (struct snap){
		.tables = pt->tables, .leaves = any_count(pt), .live = hmem_live(h),
		.w_leaves = xpt_count(pt, pt->base, xpt_span(pt), 0, XPT_W, 0),
	};
}

static bool same(struct xpt *pt, struct hmem *h, struct snap a)
{
	struct snap b = snap_of(pt, h);

	return !memcmp(&a, &b, sizeof(a)) && consistent(pt, h);
}

static void test_map_reject(void)
{
	const uint64_t B = XBASE;
	struct hmem h;
	struct xpt pt;
	struct snap s;
	int bad = 0;

	report_prefix_push("map rejects");
	hmem_init(&h);
	xpt_init(&pt, &h.mem, 3, B);
	xpt_map(&pt, B + 2 * MiB, 2 * MiB, 2 * MiB, 2 * MiB, XPT_W);
	xpt_map(&pt, B + GiB, 0x10000, 8 * KiB, 4096, XPT_W);
	s = snap_of(&pt, &h);
	bad += !report(xpt_map(&pt, B + 4096, 2 * MiB, 2 * MiB, 2 * MiB, 0) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, 4096, 2 * MiB, 2 * MiB, 0) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, 0, 2 * MiB + 4096, 2 * MiB, 0) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, 0, 0, 2 * MiB, 0) == -1,
		       "misaligned va, pa, size; size 0");
	bad += !report(xpt_map(&pt, B + 4 * MiB, 0, 8192, 8192, 0) == -1 &&
		       xpt_map(&pt, 0, 0, 512 * GiB, 512 * GiB, 0) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, 0, 4096, 0, 0) == -1,
		       "page sizes 8K, 512G, 0");
	bad += !report(xpt_map(&pt, B - 4096, 0, 8192, 4096, 0) == -1 &&
		       xpt_map(&pt, B + 512 * GiB - 2 * MiB, 0, 4 * MiB, 2 * MiB, 0) == -1 &&
		       xpt_map(&pt, B + 512 * GiB, 0, 4096, 4096, 0) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, 0, -2 * MiB, 2 * MiB, 0) == -1,
		       "outside the tree, size wrapping around");
	bad += !report(xpt_map(&pt, B + 4 * MiB, 1ull << 52, 2 * MiB, 2 * MiB, 0) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, (1ull << 52) - 2 * MiB, 4 * MiB, 2 * MiB, 0) == -1,
		       "physical addresses beyond 52 bits");
	bad += !report(xpt_map(&pt, B + 4 * MiB, 0, 4096, 4096, 0x1000) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, 0, 2 * MiB, 2 * MiB, 1ull << 21) == -1,
		       "flags with address bits");
	bad += !report(xpt_map(&pt, B + 2 * MiB + 4096, 0, 4096, 4096, 0) == -1 &&
		       xpt_map(&pt, B + GiB, 0, 2 * MiB, 2 * MiB, 0) == -1 &&
		       xpt_map(&pt, B, 0, GiB, GiB, 0) == -1 &&
		       xpt_map(&pt, B + 2 * MiB, 0, 2 * MiB, 2 * MiB, 0) == -1,
		       "overlapping a 2M leaf, 4K leaves, a 1G range, itself");
	/* The first pages are free and need a new table, the last is taken. */
	bad += !report(xpt_map(&pt, B + GiB - 8192, 0, 12 * KiB, 4096, 0) == -1 &&
		       xpt_map(&pt, B + 4 * MiB, 0, GiB - 2 * MiB, 2 * MiB, 0) == -1,
		       "overlapping at the end of a longer range");
	report(!bad && same(&pt, &h, s), "nothing changed, no table left behind");
	report(leaf_is(&pt, B + 3 * MiB, 2, B + 2 * MiB,
		       2 * MiB | XPT_W | XPT_P | XPT_PS) &&
	       leaf_is(&pt, B + GiB + 4096, 1, B + GiB + 4096,
		       0x11000 | XPT_W | XPT_P) &&
	       unmapped(&pt, B + GiB - 4096), "the old leaves are intact");
	report(!xpt_map(&pt, B + GiB - 8192, 0, 8192, 4096, 0) &&
	       any_count(&pt) == 5, "the free part maps afterwards");
	xpt_destroy(&pt);
	report(h.allocs == h.frees, "no leak");
	report_prefix_pop();
}

/* Every 4K of [va, va + size) translates to pa + offset. */
static bool translates(struct xpt *pt, uint64_t va, uint64_t size, uint64_t pa)
{
	for (uint64_t off = 0; off < size; off += 4096) {
		bool ok;

		if (xpt_translate(pt, va + off + (off >> 12) % 4096, &ok) !=
		    pa + off + (off >> 12) % 4096 || !ok)
			return false;
	}
	return true;
}

static void test_protect(void)
{
	const uint64_t X = GiB, P = 0x40000000ull * 9;
	struct hmem h;
	struct xpt pt;
	struct xpt_leaf l;
	struct snap s;

	report_prefix_push("protect");
	hmem_init(&h);
	xpt_init(&pt, &h.mem, 4, 0);
	xpt_map(&pt, X, P, 2 * MiB, 4096, XPT_W | XPT_NX);
	xpt_map(&pt, X + 2 * MiB, P + 2 * MiB, 6 * MiB, 2 * MiB, XPT_W);
	xpt_map(&pt, 2 * GiB, 2 * GiB, GiB, GiB, XPT_W);
	report(xpt_protect(&pt, X + 40 * KiB, 80 * KiB, XPT_W, 0) == 20,
	       "20 4K leaves write-protected");
	report(xpt_count(&pt, X, 2 * MiB, 4096, XPT_W, 0) == 492 &&
	       xpt_count(&pt, X, 2 * MiB, 4096, XPT_NX, XPT_W) == 20 &&
	       xpt_count(&pt, X + 40 * KiB, 80 * KiB, 0, 0, XPT_W) == 20,
	       "... exactly those, NX kept");
	report(translates(&pt, X, 8 * MiB, P), "translations unchanged");
	report(xpt_protect(&pt, X + 40 * KiB, 80 * KiB, XPT_W, 0) == 0,
	       "again: nothing changes, 0");
	report(xpt_protect(&pt, X, 8 * MiB, XPT_W, 0) == 492 + 3 &&
	       xpt_count(&pt, 0, 256 * TiB, 0, XPT_W, 0) == 1,
	       "over 4K and 2M leaves");
	s = snap_of(&pt, &h);
	report(xpt_protect(&pt, X + MiB, 2 * MiB, 0, XPT_W) == -1 &&
	       xpt_protect(&pt, X + 5 * MiB, 4 * MiB, 0, XPT_W) == -1 &&
	       xpt_protect(&pt, 2 * GiB, 2 * MiB, 0, XPT_W) == -1 &&
	       same(&pt, &h, s), "a huge leaf across an edge: -1, nothing changed");
	report(xpt_protect(&pt, X + 2 * MiB, 2 * MiB, 0, XPT_NX | AVL9) == 1 &&
	       xpt_protect(&pt, X + 2 * MiB, 2 * MiB, ~0ull, 0) == 1 &&
	       xpt_walk(&pt, X + 2 * MiB, &l) &&
	       *l.pte == ((P + 2 * MiB) | XPT_P | XPT_PS),
	       "clearing every bit leaves address, P and PS");
	report(xpt_protect(&pt, X, 4096, ~0ull, 0) == 1 &&
	       xpt_walk(&pt, X, &l) && *l.pte == (P | XPT_P),
	       "... of a 4K leaf too");
	report(xpt_protect(&pt, X, 4096, 0, XPT_ADDR_MASK | AVL9 | AVL52) == 1 &&
	       xpt_walk(&pt, X, &l) && *l.pte == (P | XPT_P | AVL9 | AVL52),
	       "setting address bits does not, available bits do");
	report(xpt_protect(&pt, 2 * GiB, GiB, XPT_W, AVL10) == 1 &&
	       leaf_is(&pt, 2 * GiB + 5, 3, 2 * GiB,
		       2 * GiB | XPT_P | XPT_PS | AVL10), "a whole 1G leaf");
	report(xpt_protect(&pt, 256 * TiB - 4096, 8192, 0, XPT_W) == -1,
	       "outside the tree: -1");
	report(translates(&pt, X, 8 * MiB, P) && consistent(&pt, &h),
	       "still the same translations");
	xpt_destroy(&pt);
	report(h.allocs == h.frees, "no leak");
	report_prefix_pop();
}

/* Every leaf of [va, va + size) has `level` and maps pa + offset with
 * exactly the flags given. */
static bool leaves_are(struct xpt *pt, uint64_t va, uint64_t size,
		       unsigned level, uint64_t pa, uint64_t flags)
{
	uint64_t step = xpt_level_size(level);

	for (uint64_t off = 0; off < size; off += step)
		if (!leaf_is(pt, va + off + (off / step) % step, level, va + off,
			     (pa + off) | flags))
			return false;
	return true;
}

static void test_split(void)
{
	const uint64_t B = TOP, F = XPT_P | XPT_NX | AVL9;
	struct hmem h;
	struct xpt pt;
	struct xpt_leaf g, m, k;
	long before;

	report_prefix_push("split");
	hmem_init(&h);
	xpt_init(&pt, &h.mem, 3, B);
	xpt_map(&pt, B + GiB, 5 * GiB, GiB, GiB, XPT_W | XPT_NX | AVL9);
	xpt_map(&pt, B + 2 * GiB, 6 * GiB, GiB, GiB, XPT_NX | AVL9 | PATBIG);
	xpt_walk(&pt, B + GiB + 12345, &g);
	report(xpt_split(&pt, &g, XPT_W, 0) == 1 && pt.tables == 2,
	       "1G -> 2M: 1, one table");
	report(leaves_are(&pt, B + GiB, GiB, 2, 5 * GiB, F | XPT_PS),
	       "512 2M leaves, same memory and flags, W cleared");
	xpt_walk(&pt, B + GiB + 14 * MiB + 5, &m);
	report(m.level == 2 && xpt_split(&pt, &m, 0, AVL10 | XPT_W) == 1 &&
	       pt.tables == 3, "2M -> 4K: 1, one table");
	report(leaves_are(&pt, B + GiB + 14 * MiB, 2 * MiB, 1, 5 * GiB + 14 * MiB,
			  F | AVL10 | XPT_W), "512 4K leaves, no PS, W and bit 10 set");
	report(leaves_are(&pt, B + GiB, 14 * MiB, 2, 5 * GiB, F | XPT_PS) &&
	       leaves_are(&pt, B + GiB + 16 * MiB, GiB - 16 * MiB, 2,
			  5 * GiB + 16 * MiB, F | XPT_PS), "the other 2M leaves intact");
	before = hmem_live(&h);
	report(xpt_split(&pt, &g, 0, 0) == 0 && xpt_split(&pt, &m, 0, 0) == 0 &&
	       hmem_live(&h) == before && pt.tables == 3,
	       "split again (stale leaf): 0, its table freed");
	xpt_walk(&pt, B + GiB + 14 * MiB, &k);
	report(xpt_split(&pt, &k, 0, 0) == 0 && hmem_live(&h) == before,
	       "a 4K leaf: 0");
	report(xpt_count(&pt, B + GiB, GiB, 2 * MiB, 0, 0) == 511 &&
	       xpt_count(&pt, B + GiB, GiB, 4096, 0, 0) == 512 &&
	       xpt_count(&pt, B + GiB, GiB, GiB, 0, 0) == 0, "counts by size");
	/* PAT sits in bit 12 of a huge leaf and bit 7 of a 4 KiB one. */
	xpt_walk(&pt, B + 2 * GiB, &g);
	xpt_split(&pt, &g, 0, 0);
	report(leaves_are(&pt, B + 2 * GiB, GiB, 2, 6 * GiB, F | XPT_PS | PATBIG),
	       "PAT kept by 1G -> 2M");
	xpt_walk(&pt, B + 3 * GiB - 2 * MiB, &m);
	xpt_split(&pt, &m, 0, 0);
	report(leaves_are(&pt, B + 3 * GiB - 2 * MiB, 2 * MiB, 1,
			  6 * GiB + GiB - 2 * MiB, F | PAT4K),
	       "PAT moved to bit 7 by 2M -> 4K");
	/* Dirty set between split's read and its compare-and-exchange. */
	xpt_walk(&pt, B + 2 * GiB + 4 * MiB, &m);
	h.poke = m.pte;
	h.poke_bits = 1ull << 6;
	report(xpt_split(&pt, &m, 0, 0) == 1 &&
	       leaves_are(&pt, B + 2 * GiB + 4 * MiB, 2 * MiB, 1,
			  6 * GiB + 4 * MiB, F | PAT4K | (1ull << 6)),
	       "a flag changed under it: split retried, the leaves have it");
	report(consistent(&pt, &h) && pt.tables == 6, "6 tables");
	xpt_destroy(&pt);
	report(h.allocs == h.frees, "no leak");
	report_prefix_pop();
}

static void test_unmap(void)
{
	const uint64_t X = GiB, Y = 3 * GiB;
	struct hmem h;
	struct xpt pt;
	struct snap s;

	report_prefix_push("unmap");
	hmem_init(&h);
	xpt_init(&pt, &h.mem, 4, 0);
	xpt_map(&pt, X, 0x100000, 16 * KiB, 4096, XPT_W);
	xpt_map(&pt, X + 2 * MiB, 0x200000, 2 * MiB, 2 * MiB, XPT_W);
	xpt_map(&pt, Y, 0x300000, 4096, 4096, XPT_W);
	report(pt.tables == 6 && consistent(&pt, &h), "6 tables");
	report(xpt_unmap(&pt, X, 4096) == 1 && unmapped(&pt, X) &&
	       leaf_is(&pt, X + 4096, 1, X + 4096, 0x101000 | XPT_W | XPT_P) &&
	       pt.tables == 6, "one 4K leaf, its table kept");
	s = snap_of(&pt, &h);
	report(xpt_unmap(&pt, X + 2 * MiB + 4096, 4096) == -1 &&
	       xpt_unmap(&pt, X, 2 * MiB + 4096) == -1 && same(&pt, &h, s),
	       "a huge leaf across an edge: -1, nothing changed");
	report(xpt_unmap(&pt, X, 2 * MiB) == 3 && pt.tables == 5 &&
	       consistent(&pt, &h), "the rest: its page table freed");
	report(xpt_unmap(&pt, X, GiB) == 1 && pt.tables == 4 &&
	       consistent(&pt, &h), "the 2M leaf: its directory freed");
	report(xpt_unmap(&pt, X, GiB) == 0 && xpt_unmap(&pt, 0, 256 * TiB) == 1 &&
	       pt.tables == 1 && hmem_live(&h) == 1 && consistent(&pt, &h),
	       "empty range: 0; the last leaf: back to the root alone");
	report(xpt_unmap(&pt, 256 * TiB, 4096) == -1, "outside the tree: -1");
	report(!xpt_map(&pt, X, 0, GiB, GiB, 0) && any_count(&pt) == 1,
	       "maps again");
	xpt_destroy(&pt);
	report(h.allocs == h.frees, "no leak");
	report_prefix_pop();
}

static void test_count(void)
{
	struct hmem h;
	struct xpt pt;

	report_prefix_push("count");
	hmem_init(&h);
	xpt_init(&pt, &h.mem, 3, XBASE);
	xpt_map(&pt, XBASE, 0, 64 * KiB, 4096, XPT_W | XPT_NX);
	xpt_map(&pt, XBASE + 64 * KiB, 0, 64 * KiB, 4096, XPT_NX);
	xpt_map(&pt, XBASE + 2 * MiB, 0, 4 * MiB, 2 * MiB, XPT_W);
	xpt_map(&pt, XBASE + GiB, 0, GiB, GiB, 0);
	report(any_count(&pt) == 16 + 16 + 2 + 1, "all leaves");
	report(xpt_count(&pt, XBASE, 512 * GiB, 0, XPT_W, 0) == 18 &&
	       xpt_count(&pt, XBASE, 512 * GiB, 0, XPT_W | XPT_NX, 0) == 16 &&
	       xpt_count(&pt, XBASE, 512 * GiB, 0, XPT_NX, XPT_W) == 16 &&
	       xpt_count(&pt, XBASE, 512 * GiB, 0, 0, XPT_W | XPT_NX) == 1,
	       "with and without");
	report(xpt_count(&pt, XBASE, 512 * GiB, 4096, XPT_W, 0) == 16 &&
	       xpt_count(&pt, XBASE, 512 * GiB, 2 * MiB, XPT_W, 0) == 2 &&
	       xpt_count(&pt, XBASE, 512 * GiB, GiB, 0, XPT_W) == 1,
	       "by page size");
	report(xpt_count(&pt, XBASE + 60 * KiB, 8 * KiB, 0, 0, 0) == 2 &&
	       xpt_count(&pt, XBASE + 3 * MiB, 4096, 0, 0, 0) == 1 &&
	       xpt_count(&pt, XBASE + 2 * GiB, GiB, 0, 0, 0) == 0,
	       "subranges (a huge leaf meeting one counts)");
	report(xpt_count(&pt, XBASE - 4096, 8192, 0, 0, 0) == 0 &&
	       xpt_count(&pt, XBASE + 512 * GiB, 4096, 0, 0, 0) == 0,
	       "outside the tree: 0");
	xpt_destroy(&pt);
	report_prefix_pop();
}

/* The allocator runs dry after each possible number of pages of a map
 * that needs four new tables (one under an existing directory, a PDPT, a
 * PD and a PT past the 512 GiB line), then of a split. */
static void test_alloc_failure(void)
{
	const uint64_t V = 512 * GiB - 8192;
	struct hmem h;
	struct xpt pt;
	struct xpt_leaf l;
	struct snap s;
	uint64_t e;
	int bad = 0;

	report_prefix_push("no page");
	hmem_init(&h);
	xpt_init(&pt, &h.mem, 4, 0);
	xpt_map(&pt, 512 * GiB - 4 * MiB, 0, 2 * MiB, 2 * MiB, XPT_W);
	s = snap_of(&pt, &h);
	h.limited = true;
	for (long n = 0; n < 4; n++) {
		h.budget = n;
		bad += !report(xpt_map(&pt, V, 0x1000000, 16 * KiB, 4096, 0) == -1 &&
			       same(&pt, &h, s),
			       "after %ld pages: -1, tree as it was", n);
	}
	report(!bad && leaf_is(&pt, 512 * GiB - 3 * MiB, 2, 512 * GiB - 4 * MiB,
			       XPT_P | XPT_PS | XPT_W), "the old leaf intact");
	h.budget = 4;
	report(!xpt_map(&pt, V, 0x1000000, 16 * KiB, 4096, 0) &&
	       any_count(&pt) == 5 && pt.tables == s.tables + 4 &&
	       consistent(&pt, &h), "with 4 pages it maps");
	h.budget = 0;
	xpt_walk(&pt, 512 * GiB - 3 * MiB, &l);
	e = *l.pte;
	s = snap_of(&pt, &h);
	report(xpt_split(&pt, &l, 0, 0) == -1 && *l.pte == e && same(&pt, &h, s),
	       "split: -1, the leaf as it was");
	h.limited = false;
	xpt_destroy(&pt);
	report(h.allocs == h.frees, "no leak");
	report_prefix_pop();
}

/* 8 threads split the same huge leaves (2 x 1G, then their 1024 2M
 * leaves) in their own random orders while one more write-protects the
 * region: each leaf is split exactly once, the losers free their tables,
 * every walk on the way translates right, and no flag change is lost. */
#define NTHREADS 8
#define NGIB     2
#define NSLOTS   (NGIB * 512)
#define CPA      (64 * GiB)     /* the region maps [CPA, CPA + NGIB GiB) */

struct race {
	struct xpt pt;
	struct hmem h;
	pthread_barrier_t start;
	unsigned wins_1g[NGIB], wins_2m[NSLOTS];   /* atomic */
	unsigned errors;                           /* atomic */
	unsigned lost;      /* splits that found the leaf split: 0 */
};

struct racer {
	struct race *r;
	unsigned seed;
	unsigned order[NSLOTS];
};

static void shuffle(unsigned *a, unsigned n, unsigned *seed)
{
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = rand_r(seed) % (i + 1), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

/* Splits whatever maps va until it is a 4K leaf. */
static void split_down(struct race *r, uint64_t va)
{
	struct xpt_leaf l;
	bool ok;

	for (;;) {
		uint64_t pa = xpt_translate(&r->pt, va, &ok);

		if (!ok || pa != CPA + (va - XBASE) || !xpt_walk(&r->pt, va, &l))
			__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
		if (!ok || l.level == 1)
			return;
		switch (xpt_split(&r->pt, &l, 0, AVL9)) {
		case 1:
			if (l.level == 3)
				__atomic_fetch_add(&r->wins_1g[(l.va - XBASE) / GiB],
						   1, __ATOMIC_RELAXED);
			else
				__atomic_fetch_add(&r->wins_2m[(l.va - XBASE) / (2 * MiB)],
						   1, __ATOMIC_RELAXED);
			break;
		case 0:
			__atomic_fetch_add(&r->lost, 1, __ATOMIC_RELAXED);
			break;
		case -1:
			__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

static void *racer_main(void *arg)
{
	struct racer *t = arg;

	for (unsigned i = 0; i < NSLOTS; i++)
		t->order[i] = i;
	shuffle(t->order, NSLOTS, &t->seed);
	pthread_barrier_wait(&t->r->start);
	for (unsigned i = 0; i < NSLOTS; i++)
		split_down(t->r, XBASE + t->order[i] * 2 * MiB +
				 rand_r(&t->seed) % (2 * MiB));
	return NULL;
}

/* Write-protects the region once, while the others split it. */
static void *protector_main(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->start);
	if (xpt_protect(&r->pt, XBASE, NGIB * GiB, XPT_W, AVL10) < 0)
		__atomic_fetch_add(&r->errors, 1, __ATOMIC_RELAXED);
	return NULL;
}

static bool all_one(const unsigned *a, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != 1)
			return false;
	return true;
}

static void test_concurrent_split(void)
{
	static struct race r;
	static struct racer t[NTHREADS];
	pthread_t tid[NTHREADS + 1];
	uint64_t leaves = NSLOTS * 512ull;

	report_prefix_push("concurrent split");
	hmem_init(&r.h);
	xpt_init(&r.pt, &r.h.mem, 3, XBASE);
	xpt_map(&r.pt, XBASE, CPA, NGIB * GiB, GiB, XPT_W | XPT_NX);
	pthread_barrier_init(&r.start, NULL, NTHREADS + 1);
	for (unsigned i = 0; i < NTHREADS; i++) {
		t[i] = (struct racer){ .r = &r, .seed = 0x5eed + i };
		pthread_create(&tid[i], NULL, racer_main, &t[i]);
	}
	pthread_create(&tid[NTHREADS], NULL, protector_main, &r);
	for (unsigned i = 0; i <= NTHREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&r.start);
	report_info("%u splits lost the race", r.lost);
	report(!r.errors, "every walk translated right, no split failed");
	report(all_one(r.wins_1g, NGIB) && all_one(r.wins_2m, NSLOTS),
	       "each of %u huge leaves split exactly once", NGIB + NSLOTS);
	report(r.pt.tables == 1 + NGIB + NSLOTS && consistent(&r.pt, &r.h),
	       "one table per split, the losers' freed");
	report(xpt_count(&r.pt, XBASE, NGIB * GiB, 4096, 0, 0) == leaves &&
	       any_count(&r.pt) == leaves, "%lu 4K leaves and nothing else",
	       (unsigned long)leaves);
	report(xpt_count(&r.pt, XBASE, NGIB * GiB, 4096,
			 XPT_NX | AVL9 | AVL10, XPT_W) == leaves,
	       "all with the split's bit 9, the protect's bit 10, no W");
	report(translates(&r.pt, XBASE, NGIB * GiB, CPA),
	       "every 4K translates as before");
	xpt_destroy(&r.pt);
	report(r.h.allocs == r.h.frees, "no leak");
	report_prefix_pop();
}

int main(void)
{
	test_sizes();
	test_init();
	test_map_walk("PDPT root at the top", 3, TOP, 6);
	test_map_walk("PML4 root", 4, 0, 8);
	test_map_reject();
	test_protect();
	test_split();
	test_unmap();
	test_count();
	test_alloc_failure();
	test_concurrent_split();
	return report_summary();
}
