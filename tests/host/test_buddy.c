/* Host tests of the buddy allocator (mm/buddy.h): splitting and merging,
 * holes and zone limits, fallback between nodes and zones, the invariant
 * checker catching each kind of corruption, and frees of adjacent blocks
 * from several threads at once (built a second time with TSan:
 * test_buddy_tsan). Free state is compared with a freshly initialized
 * model via memmap_compare. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "mm/memmap_verify.h"

#define BSIM_SECTIONS	2
#define BSIM_RANGES	8
#define NTHREADS	4

struct bsim {
	struct mm_model m;
	struct mem_section table[BSIM_SECTIONS];
	struct pfn_range ranges[BSIM_RANGES];
	struct page *memmap;
	unsigned long *bitmap;
	char err[MEMMAP_VERIFY_ERR_LEN];
};

/* @nsec sections from pfn 0, section i on node nids[i]; @free ranges
 * (pfns, {0, 0} ends the list); initialized with the linux algorithm. */
static struct bsim *bsim_new(unsigned nsec, const unsigned *nids,
			     const struct pfn_range *free_ranges)
{
	struct bsim *b = calloc(1, sizeof(*b));

	b->memmap = aligned_alloc(PAGE_SIZE, nsec * SECTION_MEMMAP_BYTES);
	memmap_model_init(&b->m, b->table, BSIM_SECTIONS, b->ranges, BSIM_RANGES);
	for (unsigned i = 0; i < nsec; i++)
		section_add(&b->m, section_nr_to_pfn(i), section_nr_to_pfn(i + 1),
			    nids[i], b->memmap + i * PAGES_PER_SECTION);
	for (const struct pfn_range *r = free_ranges; r->end; r++)
		memmap_add_free_range(&b->m, r->start, r->end);
	b->bitmap = malloc(memmap_verify_bitmap_words(&b->m) * sizeof(long));
	memmap_init_range_linux(&b->m, b->m.span_start, b->m.span_end,
				NUMA_NO_NODE);
	return b;
}

static void bsim_free(struct bsim *b)
{
	free(b->memmap);
	free(b->bitmap);
	free(b);
}

static struct zone *zone_of(struct bsim *b, unsigned nid, enum zone_type zt)
{
	return &b->m.nodes[nid].zones[zt];
}

static struct page *page_at(struct bsim *b, uint64_t pfn)
{
	return pfn_to_page(&b->m.sections, pfn);
}

static uint64_t pfn_of(struct bsim *b, const struct page *p)
{
	return page_to_pfn(&b->m.sections, p);
}

static bool bsim_ok(struct bsim *b)
{
	return memmap_verify_buddy(&b->m, b->bitmap, b->err, sizeof(b->err)) == 0;
}

/* Invariants of one zone only (the model may be deliberately incomplete). */
static int zone_check(struct bsim *b, struct zone *z)
{
	memset(b->bitmap, 0, memmap_verify_bitmap_words(&b->m) * sizeof(long));
	return buddy_check_zone(z, b->bitmap, b->m.span_start,
				b->m.span_end - b->m.span_start, b->err,
				sizeof(b->err));
}

static const unsigned node0[BSIM_SECTIONS] = { 0, 0 };
/* One section, all free: DMA [0, 4096) and DMA32 [4096, 32768). */
static const struct pfn_range all_free[] = { { 0, PAGES_PER_SECTION }, { 0, 0 } };

/* xorshift64: deterministic "random" choices. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- split and merge ---------------------------------------------------- */

static void test_split_merge(void)
{
	struct bsim *b = bsim_new(1, node0, all_free);
	struct zone *z = zone_of(b, 0, ZONE_DMA32);
	struct page *p;
	bool ones = true;

	report_prefix_push("split");
	report(z->free_area[MAX_PAGE_ORDER].nr_free == 28 && z->free_pages == 28672,
	       "DMA32 starts with 28 max-order blocks");
	p = buddy_alloc(z, 0);
	for (unsigned o = 0; o < MAX_PAGE_ORDER; o++)
		ones &= z->free_area[o].nr_free == 1;
	report(p && ones && z->free_area[MAX_PAGE_ORDER].nr_free == 27,
	       "order-0 allocation splits one block into one of each order");
	report(p && p->_refcount == 1 && !page_is_buddy(p) && p->private == 0,
	       "allocated page: one reference, not buddy");
	report(zone_check(b, z) == 0, "invariants after split %s", b->err);
	buddy_free_pages(z, p, 0);
	report(z->free_area[MAX_PAGE_ORDER].nr_free == 28 &&
	       z->free_area[0].nr_free == 0 && bsim_ok(b),
	       "freeing it merges all the way back %s", b->err);
	p = buddy_alloc(z, 3);
	report(p && (pfn_of(b, p) & 7) == 0 && z->free_pages == 28672 - 8,
	       "order-3 block aligned to 8");
	buddy_free_pages(z, p, 3);
	report(buddy_alloc(z, MAX_PAGE_ORDER + 1) == NULL,
	       "order above MAX_PAGE_ORDER refused");
	report(buddy_alloc(zone_of(b, 0, ZONE_NORMAL), 0) == NULL,
	       "empty zone gives nothing");
	p = page_at(b, 4096 + 5);
	report(!buddy_take_block(z, p, 0), "take_block refuses a tail page");
	p = page_at(b, 4096);
	report(buddy_take_block(z, p, MAX_PAGE_ORDER) &&
	       z->free_pages == 28672 - 1024, "take_block removes a free block");
	buddy_free_block(z, p, MAX_PAGE_ORDER);
	report(bsim_ok(b), "and it can be freed back %s", b->err);
	bsim_free(b);
	report_prefix_pop();
}

/* Random allocations and frees end in the same state as a fresh init. */
static void test_random(void)
{
	struct bsim *b = bsim_new(1, node0, all_free);
	struct bsim *ref = bsim_new(1, node0, all_free);
	struct { struct page *p; unsigned order; } held[512];
	unsigned n = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	bool ok = true;

	report_prefix_push("random");
	for (unsigned step = 0; step < 20000; step++) {
		if (n < ARRAY_SIZE(held) && (rnd(&seed) & 1)) {
			unsigned order = rnd(&seed) % (MAX_PAGE_ORDER + 1);
			struct page *p = buddy_alloc_any(b->m.nodes, 0, order);

			if (p) {
				ok &= (pfn_of(b, p) & ((1ul << order) - 1)) == 0;
				held[n].p = p;
				held[n++].order = order;
			}
		} else if (n) {
			unsigned i = rnd(&seed) % n;

			buddy_free_pages(page_zone(b->m.nodes, held[i].p),
					 held[i].p, held[i].order);
			held[i] = held[--n];
		}
		if (step % 5000 == 0)
			ok &= zone_check(b, zone_of(b, 0, ZONE_DMA32)) == 0 &&
			      zone_check(b, zone_of(b, 0, ZONE_DMA)) == 0;
	}
	report(ok, "blocks aligned, invariants hold along the way %s", b->err);
	while (n) {
		n--;
		buddy_free_pages(page_zone(b->m.nodes, held[n].p), held[n].p,
				 held[n].order);
	}
	report(bsim_ok(b), "all freed: invariants and coverage %s", b->err);
	report(memmap_compare(&ref->m, &b->m, b->err, sizeof(b->err)) == 0,
	       "same state as a fresh init %s", b->err);
	bsim_free(b);
	bsim_free(ref);
	report_prefix_pop();
}

/* ---- holes and zone limits -------------------------------------------- */

static bool head_is(struct bsim *b, uint64_t pfn, unsigned order,
		    enum zone_type zt)
{
	struct page *p = page_at(b, pfn);

	return page_is_buddy(p) && p->private == order && page_zonenum(p) == zt;
}

static void test_holes_zones(void)
{
	static const struct pfn_range ranges[] = {
		{ 0, 1000 }, { 1001, 2048 }, { 4000, 4200 }, { 0, 0 }
	};
	struct bsim *b = bsim_new(1, node0, ranges);

	report_prefix_push("holes");
	report(memmap_verify_all(&b->m, b->bitmap, b->err, sizeof(b->err)) == 0,
	       "verifies %s", b->err);
	report(head_is(b, 0, 9, ZONE_DMA) && head_is(b, 992, 3, ZONE_DMA) &&
	       !page_is_buddy(page_at(b, 1000)),
	       "0-999: largest aligned blocks, 1000 reserved");
	report(head_is(b, 1001, 0, ZONE_DMA) && head_is(b, 1002, 1, ZONE_DMA) &&
	       head_is(b, 1024, MAX_PAGE_ORDER, ZONE_DMA) &&
	       b->m.nodes[0].zones[ZONE_DMA].free_area[MAX_PAGE_ORDER].nr_free == 1,
	       "no merge across the reserved pfn 1000");
	report(head_is(b, 4000, 5, ZONE_DMA) && head_is(b, 4032, 6, ZONE_DMA) &&
	       head_is(b, 4096, 6, ZONE_DMA32) && head_is(b, 4160, 5, ZONE_DMA32) &&
	       head_is(b, 4192, 3, ZONE_DMA32),
	       "blocks split at the DMA/DMA32 limit");
	bsim_free(b);
	report_prefix_pop();
}

/* Two order-0 buddies whose zones differ never merge. The zone limits are
 * max-order aligned, so this cannot happen naturally: fake it by giving
 * the buddy another zone id. */
static void test_zone_check(void)
{
	struct bsim *b = bsim_new(1, node0, all_free);
	struct zone *z = zone_of(b, 0, ZONE_DMA32);
	struct zone *other = zone_of(b, 1, ZONE_DMA32);
	struct page *p = buddy_alloc(z, 1), *q;
	unsigned long saved;

	report_prefix_push("zone id");
	q = p + 1;
	saved = q->flags;
	q->flags = page_flags_make(page_section_nr(q), 1, ZONE_DMA32);
	q->_refcount = 0;
	buddy_free_block(other, q, 0);
	p->_refcount = 0;
	buddy_free_block(z, p, 0);
	report(page_is_buddy(p) && p->private == 0 && page_is_buddy(q),
	       "buddy in another zone not merged");
	report(buddy_take_block(other, q, 0) && buddy_take_block(z, p, 0),
	       "both taken back");
	q->flags = saved;
	p->_refcount = 1;
	buddy_free_pages(z, p, 1);
	report(bsim_ok(b), "restored %s", b->err);
	bsim_free(b);
	report_prefix_pop();
}

/* ---- fallback between nodes and zones ------------------------------------ */

static void test_alloc_any(void)
{
	static const unsigned nids[BSIM_SECTIONS] = { 0, 1 };
	static const struct pfn_range ranges[] = {
		{ 0, 8192 }, { PAGES_PER_SECTION, 2 * PAGES_PER_SECTION }, { 0, 0 }
	};
	struct bsim *b = bsim_new(2, nids, ranges);
	struct page *got[80];
	unsigned n = 0;
	bool order_ok = true;

	report_prefix_push("alloc_any");
	got[n] = buddy_alloc_any(b->m.nodes, 1, MAX_PAGE_ORDER);
	report(got[n] && page_to_nid(got[n]) == 1, "node 1 served first for node 1");
	n++;
	/* Node 0: 4 DMA32 blocks (4096-8191) before 4 DMA blocks, then node 1. */
	for (unsigned i = 0; i < 8 + 31; i++) {
		struct page *p = buddy_alloc_any(b->m.nodes, 0, MAX_PAGE_ORDER);
		unsigned want_nid = i < 8 ? 0 : 1;
		enum zone_type want_zt = i < 4 ? ZONE_DMA32 :
					 i < 8 ? ZONE_DMA : ZONE_DMA32;

		order_ok &= p && page_to_nid(p) == want_nid &&
			    page_zonenum(p) == want_zt;
		if (p)
			got[n++] = p;
	}
	report(order_ok, "node 0 DMA32, then DMA, then node 1");
	report(buddy_alloc_any(b->m.nodes, 0, 0) == NULL, "all gone");
	while (n--)
		buddy_free_pages(page_zone(b->m.nodes, got[n]), got[n],
				 MAX_PAGE_ORDER);
	report(bsim_ok(b), "all returned %s", b->err);
	bsim_free(b);
	report_prefix_pop();
}

/* ---- the checker catches corruption ----------------------------------- */

static void expect_caught(struct bsim *b, struct zone *z, const char *what)
{
	int r = zone_check(b, z);

	report(r != 0, "%s caught", what);
	if (r)
		report_info("%s: %s", what, b->err);
}

static void test_checker(void)
{
	struct bsim *b = bsim_new(1, node0, all_free);
	struct zone *z = zone_of(b, 0, ZONE_DMA32);
	struct page *head = page_at(b, 8192), *p;

	report_prefix_push("checker");
	report(zone_check(b, z) == 0, "clean state passes %s", b->err);

	head[5].flags |= PAGE_FLAG(PG_buddy);
	expect_caught(b, z, "tail marked buddy");
	head[5].flags &= ~PAGE_FLAG(PG_buddy);

	head[7]._refcount = 1;
	expect_caught(b, z, "tail with a reference");
	head[7]._refcount = 0;

	head->private = MAX_PAGE_ORDER - 1;
	expect_caught(b, z, "head order differs from its list");
	head->private = MAX_PAGE_ORDER;

	head->flags = page_flags_make(0, 0, ZONE_DMA) | PAGE_FLAG(PG_buddy);
	expect_caught(b, z, "head of another zone");
	head->flags = page_flags_make(0, 0, ZONE_DMA32) | PAGE_FLAG(PG_buddy);

	z->free_area[MAX_PAGE_ORDER].nr_free++;
	expect_caught(b, z, "nr_free too high");
	z->free_area[MAX_PAGE_ORDER].nr_free -= 2;
	expect_caught(b, z, "nr_free too low");
	z->free_area[MAX_PAGE_ORDER].nr_free++;

	z->free_pages++;
	expect_caught(b, z, "free_pages off");
	z->free_pages--;

	/* An order-1 block at a pfn aligned to 2 but not 4, filed as order 2. */
	p = buddy_alloc(z, 0);
	p = buddy_alloc(z, 0);		/* now an order-1 block sits at +2 */
	{
		struct page *o1 = p + 1;

		report(page_is_buddy(o1) && o1->private == 1, "order-1 block at pfn+2");
		list_del_init(&o1->lru);
		z->free_area[1].nr_free--;
		list_add_tail(&o1->lru, &z->free_area[2].free_list);
		z->free_area[2].nr_free++;
		o1->private = 2;
		z->free_pages += 2;
		expect_caught(b, z, "misaligned block");
	}
	report(zone_check(b, zone_of(b, 0, ZONE_DMA)) == 0,
	       "the other zone is still fine %s", b->err);
	bsim_free(b);

	b = bsim_new(1, node0, all_free);
	z = zone_of(b, 0, ZONE_DMA32);
	buddy_free_block(z, page_at(b, 8192 + 1), 0);
	expect_caught(b, z, "double free of a page inside a free block");
	bsim_free(b);
	report_prefix_pop();
}

/* ---- concurrency ------------------------------------------------------- */

struct free_job {
	struct bsim *b;
	struct page **pages;
	uint64_t n;
	unsigned t, stride;	/* frees pages[i] for i % NTHREADS == t, or
				 * runs of stride pages */
};

static void *free_thread(void *arg)
{
	struct free_job *j = arg;

	for (uint64_t i = 0; i < j->n; i++) {
		if ((i / j->stride) % NTHREADS != j->t)
			continue;
		buddy_free_pages(page_zone(j->b->m.nodes, j->pages[i]),
				 j->pages[i], 0);
	}
	return NULL;
}

/* Adjacent order-0 pages freed by different threads at the same time:
 * the zone lock serializes the merges. */
static void test_concurrent_frees(void)
{
	struct bsim *b = bsim_new(1, node0, all_free);
	struct bsim *ref = bsim_new(1, node0, all_free);
	struct zone *z = zone_of(b, 0, ZONE_DMA32);
	uint64_t total = z->free_pages;
	struct page **pages = malloc(total * sizeof(*pages));

	report_prefix_push("concurrent frees");
	for (unsigned stride = 1; stride <= 64; stride *= 8) {
		struct free_job jobs[NTHREADS];
		pthread_t tid[NTHREADS];
		uint64_t n = 0;
		struct page *p;

		while ((p = buddy_alloc(z, 0)))
			pages[n++] = p;
		for (unsigned t = 0; t < NTHREADS; t++) {
			jobs[t] = (struct free_job){ b, pages, n, t, stride };
			pthread_create(&tid[t], NULL, free_thread, &jobs[t]);
		}
		for (unsigned t = 0; t < NTHREADS; t++)
			pthread_join(tid[t], NULL);
		report(n == total && bsim_ok(b) &&
		       memmap_compare(&ref->m, &b->m, b->err, sizeof(b->err)) == 0,
		       "%u threads interleaved by %u pages: merged back %s",
		       NTHREADS, stride, b->err);
	}
	report_info("zone lock: %llu acquisitions, %u contended",
		    (unsigned long long)z->lock_acquisitions, z->lock.contended);
	free(pages);
	bsim_free(b);
	bsim_free(ref);
	report_prefix_pop();
}

struct mix_job {
	struct bsim *b;
	uint64_t seed;
	bool aligned;
};

static void *mix_thread(void *arg)
{
	struct mix_job *j = arg;
	struct { struct page *p; unsigned order; } held[64];
	unsigned n = 0;

	j->aligned = true;
	for (unsigned step = 0; step < 20000; step++) {
		if (n < ARRAY_SIZE(held) && (rnd(&j->seed) & 1)) {
			unsigned order = rnd(&j->seed) % 5;
			struct page *p = buddy_alloc_any(j->b->m.nodes, 0, order);

			if (!p)
				continue;
			j->aligned &= (pfn_of(j->b, p) & ((1ul << order) - 1)) == 0;
			held[n].p = p;
			held[n++].order = order;
		} else if (n) {
			unsigned i = rnd(&j->seed) % n;

			buddy_free_pages(page_zone(j->b->m.nodes, held[i].p),
					 held[i].p, held[i].order);
			held[i] = held[--n];
		}
	}
	while (n--)
		buddy_free_pages(page_zone(j->b->m.nodes, held[n].p), held[n].p,
				 held[n].order);
	return NULL;
}

static void test_concurrent_mix(void)
{
	struct bsim *b = bsim_new(1, node0, all_free);
	struct bsim *ref = bsim_new(1, node0, all_free);
	struct mix_job jobs[NTHREADS];
	pthread_t tid[NTHREADS];
	bool aligned = true;

	report_prefix_push("concurrent mix");
	for (unsigned t = 0; t < NTHREADS; t++) {
		jobs[t] = (struct mix_job){ b, 0x1234567ull * (t + 1), true };
		pthread_create(&tid[t], NULL, mix_thread, &jobs[t]);
	}
	for (unsigned t = 0; t < NTHREADS; t++) {
		pthread_join(tid[t], NULL);
		aligned &= jobs[t].aligned;
	}
	report(aligned, "every block aligned to its order");
	report(bsim_ok(b) &&
	       memmap_compare(&ref->m, &b->m, b->err, sizeof(b->err)) == 0,
	       "allocs and frees from %u threads end in the initial state %s",
	       NTHREADS, b->err);
	bsim_free(b);
	bsim_free(ref);
	report_prefix_pop();
}

int main(void)
{
	test_split_merge();
	test_random();
	test_holes_zones();
	test_zone_check();
	test_alloc_any();
	test_checker();
	test_concurrent_frees();
	test_concurrent_mix();
	return report_summary();
}
