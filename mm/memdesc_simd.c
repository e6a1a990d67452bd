/* Vector store kernel for the 32-byte memdesc layout (mm/memdesc.h): a
 * run of struct page32 entries that all hold the same 32 bytes (flags,
 * memdesc word, counts, spare: nothing in them points at the entry, unlike
 * struct page's self-linked lru), so the pattern stays in registers: two
 * 16-byte (SSE2) or one 32-byte (AVX2) store a page, cached or streaming.
 *
 * Built with -msse2 and without -mgeneral-regs-only (the Makefile does so
 * for every *_simd.c). The AVX2 path carries target("avx2") and runs only
 * when the caller passes MEMMAP_STORE_AVX2, which it does only if the CPU
 * has AVX2 and XCR0 enables the YMM state. Same conventions as
 * mm/memmap_simd.c (vector extensions, streaming stores in inline asm). */
#include "mm/memdesc.h"

typedef long long v2di __attribute__((vector_size(16), may_alias));
typedef long long v4di __attribute__((vector_size(32), may_alias));

#define AVX2_FN __attribute__((target("avx2")))

_Static_assert(sizeof(struct page32) == 2 * sizeof(v2di), "2 SSE words");
_Static_assert(sizeof(struct page32) == sizeof(v4di), "1 AVX word");

/* Two loops rather than a test per page: under TCG every branch counts. */
static void fill32_sse2(struct page32 *p, uint64_t n, const uint64_t w[4],
			bool nt)
{
	const v2di a = { (long long)w[0], (long long)w[1] };
	const v2di b = { (long long)w[2], (long long)w[3] };
	v2di *d = (v2di *)p, *end = (v2di *)(p + n);

	if (nt) {
		for (; d < end; d += 2) {
			asm volatile("movntdq %1, %0" : "=m"(d[0]) : "x"(a));
			asm volatile("movntdq %1, %0" : "=m"(d[1]) : "x"(b));
		}
		return;
	}
	for (; d < end; d += 2) {
		d[0] = a;
		d[1] = b;
	}
}

static AVX2_FN void fill32_avx2(struct page32 *p, uint64_t n,
				const uint64_t w[4], bool nt)
{
	const v4di y = { (long long)w[0], (long long)w[1], (long long)w[2],
			 (long long)w[3] };
	v4di *d = (v4di *)p, *end = (v4di *)(p + n);

	if (nt) {
		for (; d < end; d++)
			asm volatile("vmovntdq %1, %0" : "=m"(*d) : "x"(y));
		return;
	}
	for (; d < end; d++)
		*d = y;
}

void memdesc_simd_fill32(struct page32 *p, uint64_t n, const uint64_t w[4],
			 unsigned store)
{
	bool nt = store & MEMMAP_STORE_NT;

	if ((store & MEMMAP_STORE_KIND_MASK) == MEMMAP_STORE_AVX2)
		fill32_avx2(p, n, w, nt);
	else
		fill32_sse2(p, n, w, nt);
	/* Streaming stores are weakly ordered: the head words written next
	 * and the lock release of the splice must not pass them. */
	if (nt)
		asm volatile("sfence" ::: "memory");
}
