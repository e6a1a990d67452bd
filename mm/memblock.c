/* memblock: the boot-time physical memory map (see memblock.h).
 *
 * Every change is made the same way: walk the old (sorted) array once,
 * emitting the regions of the new state in order into a scratch array,
 * where emit() merges each region into the previous one when they touch and
 * share a node. Only if the whole result fits is it copied back. That one
 * pattern gives sorting, merging, exact capacity checks and all-or-nothing
 * failure for add, remove, set_node and trim alike, at O(regions) per call:
 * a few hundred regions at boot, so simplicity wins over cleverness.
 */
#include "mm/memblock.h"
#include "lib/string.h"

struct memblock_type {
	size_t cnt;
	struct memblock_region r[MEMBLOCK_MAX_REGIONS];
};

static struct memblock_type memory, reserved;
static struct memblock_type scratch;    /* the next state, being built */

static uint64_t region_end(const struct memblock_region *r)
{
	return r->base + r->size;
}

/* The exclusive end of [base, base + size), clamped to MEMBLOCK_ADDR_MAX. */
static uint64_t range_end(uint64_t base, uint64_t size)
{
	return size > MEMBLOCK_ADDR_MAX - base ? MEMBLOCK_ADDR_MAX : base + size;
}

/* Appends [base, end) to scratch (nothing if empty). Regions arrive in
 * address order, so merging with the last one is all that is needed.
 * Returns false when scratch is full. */
static bool emit(uint64_t base, uint64_t end, int nid)
{
	struct memblock_region *last;

	if (base >= end)
		return true;
	last = scratch.cnt ? &scratch.r[scratch.cnt - 1] : NULL;
	if (last && region_end(last) == base && last->nid == nid) {
		last->size += end - base;
		return true;
	}
	if (scratch.cnt == MEMBLOCK_MAX_REGIONS)
		return false;
	scratch.r[scratch.cnt++] = (struct memblock_region){
		.base = base, .size = end - base, .nid = nid,
	};
	return true;
}

static void commit(struct memblock_type *t)
{
	memcpy(t->r, scratch.r, scratch.cnt * sizeof(scratch.r[0]));
	t->cnt = scratch.cnt;
}

/* Adds the parts of [base, end) that no region of t covers, with node nid.
 * cur tracks the lowest byte of the new range not yet covered or emitted. */
static int add_range(struct memblock_type *t, uint64_t base, uint64_t size,
		     int nid)
{
	uint64_t end = range_end(base, size), cur = base;

	if (base >= end)
		return 0;
	scratch.cnt = 0;
	for (size_t i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->r[i];

		if (cur < r->base && !emit(cur, MIN(end, r->base), nid))
			return MEMBLOCK_E_FULL;
		if (!emit(r->base, region_end(r), r->nid))
			return MEMBLOCK_E_FULL;
		cur = MAX(cur, region_end(r));
	}
	if (!emit(cur, end, nid))
		return MEMBLOCK_E_FULL;
	commit(t);
	return 0;
}

/* Keeps what lies outside [base, end) of every region. */
static int remove_range(struct memblock_type *t, uint64_t base, uint64_t size)
{
	uint64_t end = range_end(base, size);

	if (base >= end)
		return 0;
	scratch.cnt = 0;
	for (size_t i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->r[i];
		uint64_t re = region_end(r);

		if (!emit(r->base, MIN(re, base), r->nid) ||
		    !emit(MAX(r->base, end), re, r->nid))
			return MEMBLOCK_E_FULL;
	}
	commit(t);
	return 0;
}

void memblock_reset(void)
{
	memory.cnt = 0;
	reserved.cnt = 0;
}

int memblock_add_node(uint64_t base, uint64_t size, int nid)
{
	if (nid < MEMBLOCK_NID_NONE)
		return MEMBLOCK_E_INVAL;
	return add_range(&memory, base, size, nid);
}

int memblock_add(uint64_t base, uint64_t size)
{
	return add_range(&memory, base, size, MEMBLOCK_NID_NONE);
}

int memblock_remove(uint64_t base, uint64_t size)
{
	return remove_range(&memory, base, size);
}

int memblock_reserve(uint64_t base, uint64_t size)
{
	return add_range(&reserved, base, size, MEMBLOCK_NID_NONE);
}

int memblock_free(uint64_t base, uint64_t size)
{
	return remove_range(&reserved, base, size);
}

/* Each region splits into up to three pieces: below, inside and above the
 * range; only the inside piece changes node. */
int memblock_set_node(uint64_t base, uint64_t size, int nid)
{
	uint64_t end = range_end(base, size);

	if (nid < MEMBLOCK_NID_NONE)
		return MEMBLOCK_E_INVAL;
	if (base >= end)
		return 0;
	scratch.cnt = 0;
	for (size_t i = 0; i < memory.cnt; i++) {
		const struct memblock_region *r = &memory.r[i];
		uint64_t re = region_end(r);

		if (!emit(r->base, MIN(re, base), r->nid) ||
		    !emit(MAX(r->base, base), MIN(re, end), nid) ||
		    !emit(MAX(r->base, end), re, r->nid))
			return MEMBLOCK_E_FULL;
	}
	commit(&memory);
	return 0;
}

/* Regions only shrink, so the result never needs more room than before. */
void memblock_trim_to_pages(void)
{
	const uint64_t mask = MEMBLOCK_PAGE_SIZE - 1;

	scratch.cnt = 0;
	for (size_t i = 0; i < memory.cnt; i++) {
		const struct memblock_region *r = &memory.r[i];

		/* Rounding up would wrap; the region lies within the last
		 * (partial) page of the address space anyway. */
		if (r->base > MEMBLOCK_ADDR_MAX - mask)
			continue;
		emit((r->base + mask) & ~mask, region_end(r) & ~mask, r->nid);
	}
	commit(&memory);
}

/* --- free ranges --- */

bool memblock_next_free(struct memblock_iter *it, uint64_t *base,
			uint64_t *end)
{
	while (it->mi < memory.cnt) {
		const struct memblock_region *m = &memory.r[it->mi];
		uint64_t start = MAX(m->base, it->pos), lim = region_end(m);
		const struct memblock_region *res;

		if (start >= lim) {
			it->mi++;
			continue;
		}
		while (it->ri < reserved.cnt && region_end(&reserved.r[it->ri]) <= start)
			it->ri++;
		res = it->ri < reserved.cnt ? &reserved.r[it->ri] : NULL;
		if (res && res->base <= start) {
			it->pos = region_end(res);  /* start is reserved: skip */
			continue;
		}
		if (res && res->base < lim)
			lim = res->base;
		*base = start;
		*end = lim;
		it->pos = lim;
		it->nid = m->nid;
		return true;
	}
	return false;
}

static bool valid_align(uint64_t align)
{
	return (align & (align - 1)) == 0;
}

uint64_t memblock_phys_alloc(uint64_t size, uint64_t align, uint64_t limit)
{
	uint64_t hi_lim = limit ? limit : MEMBLOCK_ADDR_MAX, best = 0;
	struct memblock_iter it;
	uint64_t fb, fe;

	if (!size || !valid_align(align))
		return 0;
	align = MAX(align, 1);
	for_each_free_range(it, fb, fe) {
		uint64_t hi = MIN(fe, hi_lim), cand;

		if (hi <= fb || hi - fb < size)
			continue;
		cand = (hi - size) & ~(align - 1);
		/* cand == 0 is skipped: 0 means failure to the caller. */
		if (cand >= fb && cand > best)
			best = cand;
	}
	if (!best || memblock_reserve(best, size))
		return 0;
	return best;
}

uint64_t memblock_phys_alloc_range(uint64_t size, uint64_t align,
				   uint64_t min, uint64_t max)
{
	uint64_t hi_lim = max ? max : MEMBLOCK_ADDR_MAX;
	struct memblock_iter it;
	uint64_t fb, fe;

	if (!size || !valid_align(align))
		return 0;
	align = MAX(align, 1);
	min = MAX(min, 1);  /* never address 0 */
	for_each_free_range(it, fb, fe) {
		uint64_t lo = MAX(fb, min), hi = MIN(fe, hi_lim), cand;

		if (lo > MEMBLOCK_ADDR_MAX - (align - 1))
			break;  /* no aligned address left below 2^64 */
		cand = (lo + align - 1) & ~(align - 1);
		if (cand >= hi || hi - cand < size)
			continue;
		return memblock_reserve(cand, size) ? 0 : cand;
	}
	return 0;
}

/* --- totals and accessors --- */

static uint64_t type_bytes(const struct memblock_type *t)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < t->cnt; i++)
		sum += t->r[i].size;
	return sum;
}

uint64_t memblock_memory_bytes(void)
{
	return type_bytes(&memory);
}

uint64_t memblock_reserved_bytes(void)
{
	return type_bytes(&reserved);
}

uint64_t memblock_free_bytes(void)
{
	struct memblock_iter it;
	uint64_t base, end, sum = 0;

	for_each_free_range(it, base, end)
		sum += end - base;
	return sum;
}

uint64_t memblock_end_of_ram(void)
{
	return memory.cnt ? region_end(&memory.r[memory.cnt - 1]) : 0;
}

size_t memblock_memory_count(void)
{
	return memory.cnt;
}

const struct memblock_region *memblock_memory_region(size_t i)
{
	return i < memory.cnt ? &memory.r[i] : NULL;
}

size_t memblock_reserved_count(void)
{
	return reserved.cnt;
}

const struct memblock_region *memblock_reserved_region(size_t i)
{
	return i < reserved.cnt ? &reserved.r[i] : NULL;
}

/* Binary search for the region containing addr. */
static bool type_contains(const struct memblock_type *t, uint64_t addr)
{
	size_t lo = 0, hi = t->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct memblock_region *r = &t->r[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr >= region_end(r))
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool memblock_is_memory(uint64_t addr)
{
	return type_contains(&memory, addr);
}

bool memblock_is_reserved(uint64_t addr)
{
	return type_contains(&reserved, addr);
}

static const char *check_type(const struct memblock_type *t, bool is_memory)
{
	if (t->cnt > MEMBLOCK_MAX_REGIONS)
		return "count above capacity";
	for (size_t i = 0; i < t->cnt; i++) {
		const struct memblock_region *r = &t->r[i];
		const struct memblock_region *p = i ? &t->r[i - 1] : NULL;

		if (!r->size)
			return "empty region";
		if (r->size > MEMBLOCK_ADDR_MAX - r->base)
			return "region passes the end of the address space";
		if (r->nid < MEMBLOCK_NID_NONE ||
		    (!is_memory && r->nid != MEMBLOCK_NID_NONE))
			return "bad node id";
		if (p && region_end(p) > r->base)
			return "regions unsorted or overlapping";
		if (p && region_end(p) == r->base && p->nid == r->nid)
			return "touching regions of one node not merged";
	}
	return NULL;
}

const char *memblock_check(void)
{
	const char *m = check_type(&memory, true);

	if (m)
		return m;
	return check_type(&reserved, false);
}
