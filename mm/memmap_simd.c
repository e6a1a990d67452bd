/* Vector store kernels for the fast struct page init (mm/memmap.h):
 * fill runs of struct pages in their final state, store one prepared
 * struct page, and the sfence that publishes streaming stores.
 *
 * Built with -msse2 and without -mgeneral-regs-only (the Makefile does so
 * for every *_simd.c file). The AVX2 functions carry target("avx2") and
 * may run only when the caller passes MEMMAP_STORE_AVX2, which it does
 * only if CPUID reports AVX2 and XCR0 enables the YMM state. gcc and clang
 * end every function that used YMM registers with vzeroupper, so no dirty
 * upper halves slow down later SSE code.
 *
 * A struct page is 64 bytes = four 16-byte or two 32-byte words. For a
 * page p of a run only two 8-byte fields change from page to page, both
 * the address of p->lru (the empty list points at itself):
 *
 *   bytes  0..15  flags          | lru.next = &p->lru
 *   bytes 16..31  lru.prev = &p->lru | private = 0
 *   bytes 32..47  _mapcount, _refcount | compound_head = 0
 *   bytes 48..63  0 | 0
 *
 * so the kernels keep the words in registers and add 64 to the address
 * lanes per page: no loads, one vector add per changing word, 4 (SSE2) or
 * 2 (AVX2) stores per page. The vectors are GCC/clang vector extensions;
 * the streaming stores are inline assembly (the intrinsics headers would
 * pull the C library's stdlib.h into a freestanding build). */
#include "mm/memmap.h"

typedef long long v2di __attribute__((vector_size(16), may_alias));
typedef long long v4di __attribute__((vector_size(32), may_alias));
/* Source pages (on the stack) are only 8-byte aligned. */
typedef long long v2di_u __attribute__((vector_size(16), may_alias, aligned(8)));

#define AVX2_FN __attribute__((target("avx2")))
#define PAGE_BYTES ((long long)sizeof(struct page))

_Static_assert(sizeof(struct page) == 4 * sizeof(v2di), "4 SSE words a page");
_Static_assert(sizeof(struct page) == 2 * sizeof(v4di), "2 AVX words a page");

/* _mapcount (low half) and _refcount (high half) as one little-endian
 * 8-byte word at offset 32. */
static long long counts_word(int refcount)
{
	return (long long)(((uint64_t)(uint32_t)refcount << 32) |
			   (uint32_t)PAGE_MAPCOUNT_NONE);
}

static inline __attribute__((always_inline)) void
put16(void *dst, v2di v, const bool nt)
{
	if (nt)
		asm volatile("movntdq %1, %0" : "=m"(*(v2di *)dst) : "x"(v));
	else
		*(v2di *)dst = v;
}

static inline __attribute__((always_inline)) void
fill_sse2(struct page *p, uint64_t n, unsigned long flags, int refcount,
	  const bool nt)
{
	long long lru = (long long)(uintptr_t)&p->lru;
	v2di w0 = { (long long)flags, lru };
	v2di w1 = { lru, 0 };
	const v2di w2 = { counts_word(refcount), 0 };
	const v2di w3 = { 0, 0 };
	const v2di step0 = { 0, PAGE_BYTES }, step1 = { PAGE_BYTES, 0 };

	for (uint64_t i = 0; i < n; i++) {
		v2di *d = (v2di *)&p[i];

		put16(&d[0], w0, nt);
		put16(&d[1], w1, nt);
		put16(&d[2], w2, nt);
		put16(&d[3], w3, nt);
		w0 += step0;
		w1 += step1;
	}
}

static AVX2_FN void fill_avx2(struct page *p, uint64_t n, unsigned long flags,
			      int refcount, bool nt)
{
	long long lru = (long long)(uintptr_t)&p->lru;
	v4di y0 = { (long long)flags, lru, lru, 0 };
	const v4di y1 = { counts_word(refcount), 0, 0, 0 };
	const v4di step = { 0, PAGE_BYTES, PAGE_BYTES, 0 };

	if (nt) {
		for (uint64_t i = 0; i < n; i++, y0 += step) {
			v4di *d = (v4di *)&p[i];

			asm volatile("vmovntdq %1, %0" : "=m"(d[0]) : "x"(y0));
			asm volatile("vmovntdq %1, %0" : "=m"(d[1]) : "x"(y1));
		}
	} else {
		for (uint64_t i = 0; i < n; i++, y0 += step) {
			v4di *d = (v4di *)&p[i];

			d[0] = y0;
			d[1] = y1;
		}
	}
}

void memmap_simd_fill(struct page *p, uint64_t n, unsigned long flags,
		      int refcount, unsigned store)
{
	bool nt = store & MEMMAP_STORE_NT;

	if ((store & MEMMAP_STORE_KIND_MASK) == MEMMAP_STORE_AVX2)
		fill_avx2(p, n, flags, refcount, nt);
	else if (nt)
		fill_sse2(p, n, flags, refcount, true);
	else
		fill_sse2(p, n, flags, refcount, false);
}

static AVX2_FN void store_page_avx2(struct page *dst, const struct page *src,
				    bool nt)
{
	const v2di_u *s = (const v2di_u *)src;
	v4di y0 = { s[0][0], s[0][1], s[1][0], s[1][1] };
	v4di y1 = { s[2][0], s[2][1], s[3][0], s[3][1] };
	v4di *d = (v4di *)dst;

	if (nt) {
		asm volatile("vmovntdq %1, %0" : "=m"(d[0]) : "x"(y0));
		asm volatile("vmovntdq %1, %0" : "=m"(d[1]) : "x"(y1));
	} else {
		d[0] = y0;
		d[1] = y1;
	}
}

void memmap_simd_store_page(struct page *dst, const struct page *src,
			    unsigned store)
{
	const v2di_u *s = (const v2di_u *)src;
	v2di *d = (v2di *)dst;

	if ((store & MEMMAP_STORE_KIND_MASK) == MEMMAP_STORE_AVX2) {
		store_page_avx2(dst, src, store & MEMMAP_STORE_NT);
		return;
	}
	for (unsigned i = 0; i < sizeof(struct page) / sizeof(v2di); i++) {
		if (store & MEMMAP_STORE_NT)
			put16(&d[i], s[i], true);
		else
			put16(&d[i], s[i], false);
	}
}

/* Streaming stores are weakly ordered even on x86: without the sfence a
 * lock release could become visible before them. */
void memmap_simd_fence(unsigned store)
{
	if (store & MEMMAP_STORE_NT)
		asm volatile("sfence" ::: "memory");
}
