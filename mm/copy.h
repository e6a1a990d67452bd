/* Memory copy, zero and fill kernels for the huge-page copy experiment
 * (seed 004, docs/copy.md) and the in-guest bandwidth bounds, plus the
 * helpers that verify their results.
 *
 * Every kernel of a family has the same signature, so a driver can time each
 * one the CPU supports and keep the fastest. The string-instruction kernels
 * live in mm/copy.c (built -mgeneral-regs-only); the vector kernels live in
 * mm/copy_simd.c, the only place besides other *_simd.c files that touches
 * XMM/YMM registers. Interrupt handlers are built general-registers-only, so
 * no vector state needs saving around them; a kernel must not be preempted
 * into other vector code (parinit does not preempt).
 *
 * Contract shared by all kernels:
 *  - any size (0 included) and any alignment of dst and src are handled;
 *    the fast path is page-aligned multiples of 4096 (no head, no tail);
 *  - only the bytes [dst, dst + bytes) are written and only
 *    [src, src + bytes) is read;
 *  - src and dst must not overlap (these are copies, not moves);
 *  - when a kernel returns its stores are globally visible in the normal
 *    x86 order (the non-temporal kernels end with sfence).
 */
#ifndef MM_COPY_H
#define MM_COPY_H
#include "lib/compiler.h"

/* CPU features, as a mask the arch code fills from CPUID
 * (arch/x86_64/cpufeatures.h: cpu_feature_mask()). A bit means "usable":
 * the CPU has it AND the kernel enabled its register state. */
#define CPU_HAS_SSE2  (1u << 0) /* CPUID.1:EDX[26], CR4.OSFXSR set */
#define CPU_HAS_AVX   (1u << 1) /* CPUID.1:ECX[28], OSXSAVE, XCR0 SSE|AVX */
#define CPU_HAS_AVX2  (1u << 2) /* CPUID.(7,0):EBX[5], plus what AVX needs */
#define CPU_HAS_ERMS  (1u << 3) /* CPUID.(7,0):EBX[9] fast rep movsb/stosb */
#define CPU_HAS_FSRM  (1u << 4) /* CPUID.(7,0):EDX[4] fast short rep movsb */

/* What a kernel needs before it may run (a mask of CPU_HAS_* bits). */
#define MEMK_NEEDS_NONE 0u
#define MEMK_NEEDS_SSE2 CPU_HAS_SSE2
#define MEMK_NEEDS_AVX2 (CPU_HAS_SSE2 | CPU_HAS_AVX | CPU_HAS_AVX2)

/* A fill kernel's period: how many pattern bytes its store instruction
 * repeats (rep stosb: 1, rep stosd: 4, the others: 8). A pattern whose own
 * period does not divide it (see fill_pattern_period()) cannot be stored
 * that way; the kernel then stays correct by falling back to fill_stosq,
 * so drivers that time it should check fill_kernel_native() first. */
#define MEMK_PERIOD_FULL 8

typedef void copy_fn(void *dst, const void *src, size_t bytes);
/* Fills [dst, dst + bytes) so that byte i equals byte (i % 8) of pattern64
 * in little-endian order: as if pattern64 were stored again and again
 * starting at dst, whatever dst's alignment. */
typedef void fill_fn(void *dst, uint64_t pattern64, size_t bytes);

struct copy_kernel {
	const char *name;  /* "movsb", "sse2", ...: what run= options name */
	copy_fn *fn;
	unsigned needs;    /* MEMK_NEEDS_* */
	const char *what;  /* one line for result tables and docs */
};

struct fill_kernel {
	const char *name;
	fill_fn *fn;
	unsigned needs;
	unsigned period;   /* 1, 4 or MEMK_PERIOD_FULL (see above) */
	const char *what;
};

/* The kernels themselves, for callers that want one directly. */
copy_fn copy_movsb, copy_movsq, copy_gpr;                 /* copy.c */
copy_fn copy_sse2, copy_avx2, copy_nt, copy_nt_avx2;     /* copy_simd.c */
fill_fn fill_stosb, fill_stosd, fill_stosq, fill_gpr;     /* copy.c */
fill_fn fill_sse2, fill_avx2, fill_nt, fill_nt_avx2;     /* copy_simd.c */

/* Table access. The tables list the kernels in a fixed order, simplest
 * first; *_at(i) returns NULL for i >= *_count(). *_find() matches the
 * whole name and returns NULL when there is no such kernel. */
size_t copy_kernel_count(void);
const struct copy_kernel *copy_kernel_at(size_t i);
const struct copy_kernel *copy_kernel_find(const char *name);
size_t fill_kernel_count(void);
const struct fill_kernel *fill_kernel_at(size_t i);
const struct fill_kernel *fill_kernel_find(const char *name);

/* True when every feature the kernel needs is in cpu_features (CPU_HAS_*).
 * Calling a kernel for which this is false may raise #UD. */
bool copy_kernel_available(const struct copy_kernel *k, unsigned cpu_features);
bool fill_kernel_available(const struct fill_kernel *k, unsigned cpu_features);

/* Selection without timing: the driver measures each kernel (cost in any
 * unit, lower is better; MEMK_COST_SKIP for kernels it did not run) and
 * this returns the index of the cheapest, the lowest index on ties (the
 * simpler kernel), or -1 when n is 0 or every entry is skipped. */
#define MEMK_COST_SKIP UINT64_MAX
int mem_kernel_pick(const uint64_t *cost, size_t n);

/* The smallest of 1, 2, 4, 8 bytes after which the pattern repeats
 * (0 and 0xcccc...cc: 1; 0x0123456789abcdef: 8). */
unsigned fill_pattern_period(uint64_t pattern64);
/* True when the kernel stores this pattern with its own instruction rather
 * than its fallback (its period is a multiple of the pattern's). */
bool fill_kernel_native(const struct fill_kernel *k, uint64_t pattern64);

/* The pattern as seen from `offset` bytes into a fill: a fill of the rest
 * starting there with this value continues the same byte sequence. */
static inline uint64_t fill_pattern_at(uint64_t pattern64, size_t offset)
{
	unsigned shift = (offset % 8) * 8;

	return shift ? (pattern64 >> shift) | (pattern64 << (64 - shift))
		     : pattern64;
}

/* --- Verification -------------------------------------------------------
 * None of these use vector registers, so they are safe anywhere.
 * The check functions return the offset of the first byte that differs
 * from what is expected, or BUFFER_MATCH when all bytes are as expected. */
#define BUFFER_MATCH ((size_t)-1)

/* 64-bit checksum of bytes [0, bytes) of buf. Position-dependent: each
 * 8-byte word is mixed together with its offset from buf (not its address,
 * so a copy has the checksum of its source) by a bijective
 * multiply-xorshift and the results are summed. Changing any one word,
 * hence any single byte, always changes the sum; swapping or misplacing
 * chunks changes it with probability about 1 - 2^-64. The length is mixed
 * in, so trailing zero bytes count. */
uint64_t buffer_checksum(const void *buf, size_t bytes);

/* Position-dependent content from a seed: byte i is byte (i % 8) of the
 * 64-bit word mix(seed, i / 8). Relative to buf, so the same seed gives the
 * same bytes at any address; each 8-byte word of a buffer is different. */
void buffer_fill_pattern(void *buf, size_t bytes, uint64_t seed);
size_t buffer_check_pattern(const void *buf, size_t bytes, uint64_t seed);

/* Checks what a fill kernel with this pattern must have left. */
size_t buffer_check_fill(const void *buf, size_t bytes, uint64_t pattern64);
size_t buffer_check_zero(const void *buf, size_t bytes);
#endif
