/* Vector copy and fill kernels: SSE2 (16-byte) and AVX2 (32-byte), with
 * normal or non-temporal (streaming) stores. See mm/copy.h for the contract.
 *
 * Built with -msse2 and without -mgeneral-regs-only (the Makefile does so for
 * every *_simd.c file). The AVX2 functions carry target("avx2") and may run
 * only when the caller's feature mask has MEMK_NEEDS_AVX2 (CPUID says AVX2
 * and XCR0 enables the YMM state); each of their asm blocks ends with
 * vzeroupper so no dirty upper halves leak into SSE code.
 *
 * Every kernel has the same shape: a head of up to one vector that brings
 * dst to vector alignment, an aligned body of whole vectors (unrolled 4x,
 * one cache line per iteration for SSE2, two for AVX2), and a tail of less
 * than one vector. Heads and tails use small moves (copy_small, fill_small)
 * and never overlap the body, so no byte gets both a normal and a
 * non-temporal store; a page-aligned page has neither. The loops are
 * inline assembly so the compiler can neither pick other instructions nor
 * turn them back into a call to memcpy/memset. */
#include "mm/copy.h"

#define SSE_VEC  16                /* bytes per XMM register */
#define AVX_VEC  32                /* bytes per YMM register */
#define UNROLL   4                 /* vectors per loop iteration */
#define SMALL_MAX 32               /* copy_small() moves fewer bytes than this */

/* Heads and tails are shorter than one vector: copy_small() must cover them. */
_Static_assert(AVX_VEC <= SMALL_MAX, "copy_small() too small for heads");

/* Function attributes: SSE2 is on for the whole file, AVX2 per function. */
#define SSE2_FN
#define AVX2_FN __attribute__((target("avx2")))

typedef uint64_t __attribute__((aligned(1), may_alias)) u64_unaligned;
typedef uint32_t __attribute__((aligned(1), may_alias)) u32_unaligned;
typedef uint16_t __attribute__((aligned(1), may_alias)) u16_unaligned;

/* A copy or fill cut at vector boundaries of dst. */
struct span {
	size_t head; /* bytes before the first aligned vector, < vec */
	size_t body; /* whole vectors from there */
	size_t tail; /* what is left, < vec */
};

static struct span span_split(const void *dst, size_t bytes, size_t vec)
{
	struct span sp;

	sp.head = MIN((size_t)(-(uintptr_t)dst & (vec - 1)), bytes);
	sp.body = ALIGN_DOWN(bytes - sp.head, vec);
	sp.tail = bytes - sp.head - sp.body;
	return sp;
}

/* Copies n < SMALL_MAX bytes with two possibly overlapping moves per size
 * class (the memcpy trick; safe because src and dst never overlap). */
static inline void copy_small(unsigned char *d, const unsigned char *s,
			      size_t n)
{
	if (n >= 16) {
		uint64_t a = *(const u64_unaligned *)s;
		uint64_t b = *(const u64_unaligned *)(s + 8);
		uint64_t c = *(const u64_unaligned *)(s + n - 16);
		uint64_t e = *(const u64_unaligned *)(s + n - 8);

		*(u64_unaligned *)d = a;
		*(u64_unaligned *)(d + 8) = b;
		*(u64_unaligned *)(d + n - 16) = c;
		*(u64_unaligned *)(d + n - 8) = e;
	} else if (n >= 8) {
		uint64_t a = *(const u64_unaligned *)s;
		uint64_t e = *(const u64_unaligned *)(s + n - 8);

		*(u64_unaligned *)d = a;
		*(u64_unaligned *)(d + n - 8) = e;
	} else if (n >= 4) {
		uint32_t a = *(const u32_unaligned *)s;
		uint32_t e = *(const u32_unaligned *)(s + n - 4);

		*(u32_unaligned *)d = a;
		*(u32_unaligned *)(d + n - 4) = e;
	} else if (n >= 2) {
		uint16_t a = *(const u16_unaligned *)s;
		uint16_t e = *(const u16_unaligned *)(s + n - 2);

		*(u16_unaligned *)d = a;
		*(u16_unaligned *)(d + n - 2) = e;
	} else if (n) {
		*d = *s;
	}
}

/* Fills n < SMALL_MAX bytes; p is the pattern at d. Whole words keep the
 * pattern's phase, the last bytes shift it down. */
static inline void fill_small(unsigned char *d, uint64_t p, size_t n)
{
	for (; n >= 8; n -= 8, d += 8)
		*(u64_unaligned *)d = p;
	for (; n; n--, p >>= 8)
		*d++ = (unsigned char)p;
}

/* --- bodies: dst aligned to the vector, bytes a multiple of it -----------
 * Each macro defines one loop function for a store instruction (the normal
 * aligned store, or its non-temporal twin). The loops run whole UNROLL-vector
 * blocks, then single vectors. */

#define DEFINE_SSE_COPY_BODY(name, st)						\
static inline void name(unsigned char *d, const unsigned char *s,		\
			size_t bytes)						\
{										\
	size_t nb = bytes / (UNROLL * SSE_VEC);					\
	size_t nv = bytes % (UNROLL * SSE_VEC) / SSE_VEC;			\
										\
	asm volatile(								\
		"	test	%[nb], %[nb]\n"					\
		"	jz	2f\n"						\
		"1:	movdqu	0(%[s]), %%xmm0\n"				\
		"	movdqu	16(%[s]), %%xmm1\n"				\
		"	movdqu	32(%[s]), %%xmm2\n"				\
		"	movdqu	48(%[s]), %%xmm3\n"				\
		"	" st "	%%xmm0, 0(%[d])\n"				\
		"	" st "	%%xmm1, 16(%[d])\n"				\
		"	" st "	%%xmm2, 32(%[d])\n"				\
		"	" st "	%%xmm3, 48(%[d])\n"				\
		"	add	%[blk], %[s]\n"					\
		"	add	%[blk], %[d]\n"					\
		"	dec	%[nb]\n"					\
		"	jnz	1b\n"						\
		"2:	test	%[nv], %[nv]\n"					\
		"	jz	4f\n"						\
		"3:	movdqu	(%[s]), %%xmm0\n"				\
		"	" st "	%%xmm0, (%[d])\n"				\
		"	add	%[vec], %[s]\n"					\
		"	add	%[vec], %[d]\n"					\
		"	dec	%[nv]\n"					\
		"	jnz	3b\n"						\
		"4:\n"								\
		: [d] "+r"(d), [s] "+r"(s), [nb] "+r"(nb), [nv] "+r"(nv)	\
		: [blk] "i"(UNROLL * SSE_VEC), [vec] "i"(SSE_VEC)		\
		: "xmm0", "xmm1", "xmm2", "xmm3", "cc", "memory");		\
}

#define DEFINE_AVX_COPY_BODY(name, st)						\
AVX2_FN										\
static inline void name(unsigned char *d, const unsigned char *s,		\
			size_t bytes)						\
{										\
	size_t nb = bytes / (UNROLL * AVX_VEC);					\
	size_t nv = bytes % (UNROLL * AVX_VEC) / AVX_VEC;			\
										\
	asm volatile(								\
		"	test	%[nb], %[nb]\n"					\
		"	jz	2f\n"						\
		"1:	vmovdqu	0(%[s]), %%ymm0\n"				\
		"	vmovdqu	32(%[s]), %%ymm1\n"				\
		"	vmovdqu	64(%[s]), %%ymm2\n"				\
		"	vmovdqu	96(%[s]), %%ymm3\n"				\
		"	" st "	%%ymm0, 0(%[d])\n"				\
		"	" st "	%%ymm1, 32(%[d])\n"				\
		"	" st "	%%ymm2, 64(%[d])\n"				\
		"	" st "	%%ymm3, 96(%[d])\n"				\
		"	add	%[blk], %[s]\n"					\
		"	add	%[blk], %[d]\n"					\
		"	dec	%[nb]\n"					\
		"	jnz	1b\n"						\
		"2:	test	%[nv], %[nv]\n"					\
		"	jz	4f\n"						\
		"3:	vmovdqu	(%[s]), %%ymm0\n"				\
		"	" st "	%%ymm0, (%[d])\n"				\
		"	add	%[vec], %[s]\n"					\
		"	add	%[vec], %[d]\n"					\
		"	dec	%[nv]\n"					\
		"	jnz	3b\n"						\
		"4:	vzeroupper\n"						\
		: [d] "+r"(d), [s] "+r"(s), [nb] "+r"(nb), [nv] "+r"(nv)	\
		: [blk] "i"(UNROLL * AVX_VEC), [vec] "i"(AVX_VEC)		\
		: "ymm0", "ymm1", "ymm2", "ymm3", "cc", "memory");		\
}

/* The fill loops store one register that holds the pattern twice (SSE2) or
 * four times (AVX2). */
#define DEFINE_SSE_FILL_BODY(name, st)						\
static inline void name(unsigned char *d, uint64_t p, size_t bytes)		\
{										\
	size_t nb = bytes / (UNROLL * SSE_VEC);					\
	size_t nv = bytes % (UNROLL * SSE_VEC) / SSE_VEC;			\
										\
	asm volatile(								\
		"	movq	%[p], %%xmm0\n"					\
		"	punpcklqdq %%xmm0, %%xmm0\n"				\
		"	test	%[nb], %[nb]\n"					\
		"	jz	2f\n"						\
		"1:	" st "	%%xmm0, 0(%[d])\n"				\
		"	" st "	%%xmm0, 16(%[d])\n"				\
		"	" st "	%%xmm0, 32(%[d])\n"				\
		"	" st "	%%xmm0, 48(%[d])\n"				\
		"	add	%[blk], %[d]\n"					\
		"	dec	%[nb]\n"					\
		"	jnz	1b\n"						\
		"2:	test	%[nv], %[nv]\n"					\
		"	jz	4f\n"						\
		"3:	" st "	%%xmm0, (%[d])\n"				\
		"	add	%[vec], %[d]\n"					\
		"	dec	%[nv]\n"					\
		"	jnz	3b\n"						\
		"4:\n"								\
		: [d] "+r"(d), [nb] "+r"(nb), [nv] "+r"(nv)			\
		: [p] "r"(p), [blk] "i"(UNROLL * SSE_VEC), [vec] "i"(SSE_VEC)	\
		: "xmm0", "cc", "memory");					\
}

#define DEFINE_AVX_FILL_BODY(name, st)						\
AVX2_FN										\
static inline void name(unsigned char *d, uint64_t p, size_t bytes)		\
{										\
	size_t nb = bytes / (UNROLL * AVX_VEC);					\
	size_t nv = bytes % (UNROLL * AVX_VEC) / AVX_VEC;			\
										\
	asm volatile(								\
		"	vmovq	%[p], %%xmm0\n"					\
		"	vpbroadcastq %%xmm0, %%ymm0\n"				\
		"	test	%[nb], %[nb]\n"					\
		"	jz	2f\n"						\
		"1:	" st "	%%ymm0, 0(%[d])\n"				\
		"	" st "	%%ymm0, 32(%[d])\n"				\
		"	" st "	%%ymm0, 64(%[d])\n"				\
		"	" st "	%%ymm0, 96(%[d])\n"				\
		"	add	%[blk], %[d]\n"					\
		"	dec	%[nb]\n"					\
		"	jnz	1b\n"						\
		"2:	test	%[nv], %[nv]\n"					\
		"	jz	4f\n"						\
		"3:	" st "	%%ymm0, (%[d])\n"				\
		"	add	%[vec], %[d]\n"					\
		"	dec	%[nv]\n"					\
		"	jnz	3b\n"						\
		"4:	vzeroupper\n"						\
		: [d] "+r"(d), [nb] "+r"(nb), [nv] "+r"(nv)			\
		: [p] "r"(p), [blk] "i"(UNROLL * AVX_VEC), [vec] "i"(AVX_VEC)	\
		: "ymm0", "cc", "memory");					\
}

DEFINE_SSE_COPY_BODY(sse2_copy_body, "movdqa")
DEFINE_SSE_COPY_BODY(nt_copy_body, "movntdq")
DEFINE_AVX_COPY_BODY(avx2_copy_body, "vmovdqa")
DEFINE_AVX_COPY_BODY(nt_avx2_copy_body, "vmovntdq")
DEFINE_SSE_FILL_BODY(sse2_fill_body, "movdqa")
DEFINE_SSE_FILL_BODY(nt_fill_body, "movntdq")
DEFINE_AVX_FILL_BODY(avx2_fill_body, "vmovdqa")
DEFINE_AVX_FILL_BODY(nt_avx2_fill_body, "vmovntdq")

/* Non-temporal stores are weakly ordered: sfence makes them visible in the
 * normal order before the kernel returns (so a flag set afterwards, e.g.
 * "page copied", can be trusted by another CPU). */
static inline void store_fence(void)
{
	asm volatile("sfence" ::: "memory");
}

/* --- kernels ------------------------------------------------------------
 * The bodies keep the fill pattern's phase (vectors are multiples of 8 bytes),
 * so the tail continues with the pattern as it was after the head. */

#define DEFINE_COPY_KERNEL(attr, name, vec, loop, fence)			\
attr void name(void *dst, const void *src, size_t bytes)		\
{										\
	struct span sp = span_split(dst, bytes, vec);				\
	unsigned char *d = dst;							\
	const unsigned char *s = src;						\
										\
	copy_small(d, s, sp.head);						\
	loop(d + sp.head, s + sp.head, sp.body);				\
	copy_small(d + sp.head + sp.body, s + sp.head + sp.body, sp.tail);	\
	if (fence)								\
		store_fence();							\
}

#define DEFINE_FILL_KERNEL(attr, name, vec, loop, fence)			\
attr void name(void *dst, uint64_t p, size_t bytes)			\
{										\
	struct span sp = span_split(dst, bytes, vec);				\
	unsigned char *d = dst;							\
	uint64_t p_body = fill_pattern_at(p, sp.head);				\
										\
	fill_small(d, p, sp.head);						\
	loop(d + sp.head, p_body, sp.body);					\
	fill_small(d + sp.head + sp.body, p_body, sp.tail);			\
	if (fence)								\
		store_fence();							\
}

DEFINE_COPY_KERNEL(SSE2_FN, copy_sse2, SSE_VEC, sse2_copy_body, false)
DEFINE_COPY_KERNEL(SSE2_FN, copy_nt, SSE_VEC, nt_copy_body, true)
DEFINE_COPY_KERNEL(AVX2_FN, copy_avx2, AVX_VEC, avx2_copy_body, false)
DEFINE_COPY_KERNEL(AVX2_FN, copy_nt_avx2, AVX_VEC, nt_avx2_copy_body, true)
DEFINE_FILL_KERNEL(SSE2_FN, fill_sse2, SSE_VEC, sse2_fill_body, false)
DEFINE_FILL_KERNEL(SSE2_FN, fill_nt, SSE_VEC, nt_fill_body, true)
DEFINE_FILL_KERNEL(AVX2_FN, fill_avx2, AVX_VEC, avx2_fill_body, false)
DEFINE_FILL_KERNEL(AVX2_FN, fill_nt_avx2, AVX_VEC, nt_avx2_fill_body, true)
