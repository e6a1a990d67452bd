/* Copy and fill kernels that need no vector registers (x86 string
 * instructions and a plain 8-byte register loop), the kernel tables, and the
 * verification helpers. See mm/copy.h for the contract; the vector kernels
 * are in mm/copy_simd.c. Built -mgeneral-regs-only in the kernel.
 *
 * The string instructions rely on the direction flag being clear, which
 * the SysV ABI guarantees at every call (the kernel entry does cld). */
#include "mm/copy.h"
#include "lib/string.h"

/* Unaligned 8-byte access that neither UBSan nor the optimizer objects to. */
typedef uint64_t __attribute__((aligned(1), may_alias)) u64_unaligned;

#define GPR_UNROLL 8 /* words per loop iteration: one 64-byte line */

/* Hides a pointer's value from the optimizer, so it cannot turn a copy or
 * store loop into a call to memcpy/memset (which would measure lib/string.c
 * instead of the loop). Costs no instruction. */
#define opaque(p) asm("" : "+r"(p))

/* --- copy kernels -------------------------------------------------------- */

void copy_movsb(void *dst, const void *src, size_t bytes)
{
	asm volatile("rep movsb"
		     : "+D"(dst), "+S"(src), "+c"(bytes) : : "memory");
}

/* rep movsq for the whole words, rep movsb for the 0..7 bytes left. dst is
 * not aligned first: the fast path is page-aligned anyway. */
void copy_movsq(void *dst, const void *src, size_t bytes)
{
	size_t words = bytes / 8, tail = bytes % 8;

	asm volatile("rep movsq"
		     : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
	asm volatile("rep movsb"
		     : "+D"(dst), "+S"(src), "+c"(tail) : : "memory");
}

void copy_gpr(void *dst, const void *src, size_t bytes)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	u64_unaligned *dw;
	const u64_unaligned *sw;

	for (; bytes >= GPR_UNROLL * 8; bytes -= GPR_UNROLL * 8) {
		dw = (u64_unaligned *)d;
		sw = (const u64_unaligned *)s;
		for (int i = 0; i < GPR_UNROLL; i++)
			dw[i] = sw[i];
		d += GPR_UNROLL * 8;
		s += GPR_UNROLL * 8;
		opaque(d);
	}
	for (; bytes >= 8; bytes -= 8, d += 8, s += 8) {
		*(u64_unaligned *)d = *(const u64_unaligned *)s;
		opaque(d);
	}
	for (; bytes; bytes--) {
		*d++ = *s++;
		opaque(d);
	}
}

/* --- fill kernels -------------------------------------------------------- */

/* Stores the 0..7 bytes of a fill's tail; p is the pattern at d. */
static void fill_bytes(unsigned char *d, uint64_t p, size_t bytes)
{
	for (; bytes; bytes--, p >>= 8) {
		*d++ = (unsigned char)p;
		opaque(d);
	}
}

unsigned fill_pattern_period(uint64_t p)
{
	if (p == fill_pattern_at(p, 1))
		return 1;
	if (p == fill_pattern_at(p, 2))
		return 2;
	if (p == fill_pattern_at(p, 4))
		return 4;
	return MEMK_PERIOD_FULL;
}

bool fill_kernel_native(const struct fill_kernel *k, uint64_t pattern64)
{
	return k->period % fill_pattern_period(pattern64) == 0;
}

/* rep stosq for the whole words, then the 0..7 tail bytes. Every pattern
 * works, so it is also the fallback of the short-period kernels. */
void fill_stosq(void *dst, uint64_t p, size_t bytes)
{
	size_t words = bytes / 8, tail = bytes % 8;

	asm volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(p) : "memory");
	fill_bytes(dst, p, tail);
}

void fill_stosb(void *dst, uint64_t p, size_t bytes)
{
	if (fill_pattern_period(p) != 1) {
		fill_stosq(dst, p, bytes);
		return;
	}
	asm volatile("rep stosb" : "+D"(dst), "+c"(bytes) : "a"(p) : "memory");
}

void fill_stosd(void *dst, uint64_t p, size_t bytes)
{
	size_t dwords = bytes / 4, tail = bytes % 4;

	if (4 % fill_pattern_period(p)) {
		fill_stosq(dst, p, bytes);
		return;
	}
	asm volatile("rep stosl" : "+D"(dst), "+c"(dwords) : "a"(p) : "memory");
	fill_bytes(dst, p, tail); /* period 4: the pattern at dst is p again */
}

void fill_gpr(void *dst, uint64_t p, size_t bytes)
{
	unsigned char *d = dst;
	u64_unaligned *dw;

	for (; bytes >= GPR_UNROLL * 8; bytes -= GPR_UNROLL * 8) {
		dw = (u64_unaligned *)d;
		for (int i = 0; i < GPR_UNROLL; i++)
			dw[i] = p;
		d += GPR_UNROLL * 8;
		opaque(d);
	}
	for (; bytes >= 8; bytes -= 8, d += 8) {
		*(u64_unaligned *)d = p;
		opaque(d);
	}
	fill_bytes(d, p, bytes);
}

/* --- tables and selection ------------------------------------------------ */

static const struct copy_kernel copy_kernels[] = {
	{ "movsb", copy_movsb, MEMK_NEEDS_NONE, "rep movsb" },
	{ "movsq", copy_movsq, MEMK_NEEDS_NONE, "rep movsq, rep movsb tail" },
	{ "gpr", copy_gpr, MEMK_NEEDS_NONE, "8-byte mov loop, 64 B/iter" },
	{ "sse2", copy_sse2, MEMK_NEEDS_SSE2, "movdqu/movdqa, 64 B/iter" },
	{ "avx2", copy_avx2, MEMK_NEEDS_AVX2, "vmovdqu/vmovdqa ymm, 128 B/iter" },
	{ "nt", copy_nt, MEMK_NEEDS_SSE2, "movdqu + movntdq, 64 B/iter, sfence" },
	{ "nt-avx2", copy_nt_avx2, MEMK_NEEDS_AVX2,
	  "vmovdqu + vmovntdq ymm, 128 B/iter, sfence" },
};

static const struct fill_kernel fill_kernels[] = {
	{ "stosb", fill_stosb, MEMK_NEEDS_NONE, 1, "rep stosb" },
	{ "stosd", fill_stosd, MEMK_NEEDS_NONE, 4, "rep stosd" },
	{ "stosq", fill_stosq, MEMK_NEEDS_NONE, MEMK_PERIOD_FULL, "rep stosq" },
	{ "gpr", fill_gpr, MEMK_NEEDS_NONE, MEMK_PERIOD_FULL,
	  "8-byte mov loop, 64 B/iter" },
	{ "sse2", fill_sse2, MEMK_NEEDS_SSE2, MEMK_PERIOD_FULL,
	  "movdqa, 64 B/iter" },
	{ "avx2", fill_avx2, MEMK_NEEDS_AVX2, MEMK_PERIOD_FULL,
	  "vmovdqa ymm, 128 B/iter" },
	{ "nt", fill_nt, MEMK_NEEDS_SSE2, MEMK_PERIOD_FULL,
	  "movntdq, 64 B/iter, sfence" },
	{ "nt-avx2", fill_nt_avx2, MEMK_NEEDS_AVX2, MEMK_PERIOD_FULL,
	  "vmovntdq ymm, 128 B/iter, sfence" },
};

size_t copy_kernel_count(void)
{
	return ARRAY_SIZE(copy_kernels);
}

const struct copy_kernel *copy_kernel_at(size_t i)
{
	return i < ARRAY_SIZE(copy_kernels) ? &copy_kernels[i] : NULL;
}

const struct copy_kernel *copy_kernel_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(copy_kernels); i++)
		if (!strcmp(copy_kernels[i].name, name))
			return &copy_kernels[i];
	return NULL;
}

size_t fill_kernel_count(void)
{
	return ARRAY_SIZE(fill_kernels);
}

const struct fill_kernel *fill_kernel_at(size_t i)
{
	return i < ARRAY_SIZE(fill_kernels) ? &fill_kernels[i] : NULL;
}

const struct fill_kernel *fill_kernel_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fill_kernels); i++)
		if (!strcmp(fill_kernels[i].name, name))
			return &fill_kernels[i];
	return NULL;
}

bool copy_kernel_available(const struct copy_kernel *k, unsigned cpu_features)
{
	return (k->needs & cpu_features) == k->needs;
}

bool fill_kernel_available(const struct fill_kernel *k, unsigned cpu_features)
{
	return (k->needs & cpu_features) == k->needs;
}

int mem_kernel_pick(const uint64_t *cost, size_t n)
{
	int best = -1;

	for (size_t i = 0; i < n; i++)
		if (cost[i] != MEMK_COST_SKIP && (best < 0 || cost[i] < cost[best]))
			best = (int)i;
	return best;
}

/* --- verification -------------------------------------------------------- */

#define MIX_GAMMA 0x9e3779b97f4a7c15ull /* splitmix64's odd increment */
#define MIX_MUL1  0xbf58476d1ce4e5b9ull
#define MIX_MUL2  0x94d049bb133111ebull

/* splitmix64's finalizer: a bijection on 64-bit words (xorshifts and
 * multiplications by odd numbers are each invertible). */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= MIX_MUL1;
	x ^= x >> 27;
	x *= MIX_MUL2;
	x ^= x >> 31;
	return x;
}

/* Loads the 1..7 bytes of a buffer's last partial word, zero-extended. */
static uint64_t load_tail(const unsigned char *p, size_t bytes)
{
	uint64_t w = 0;

	for (size_t i = 0; i < bytes; i++)
		w |= (uint64_t)p[i] << (8 * i);
	return w;
}

/* The low 1..7 bytes of w, as load_tail() would see them in memory. */
static inline uint64_t low_bytes(uint64_t w, size_t bytes)
{
	return w & ((1ull << (8 * bytes)) - 1);
}

/* Word i of the checksum: for a fixed i, w -> mix64(w + i * GAMMA) is a
 * bijection, so a changed word always changes its term, hence the sum. */
uint64_t buffer_checksum(const void *buf, size_t bytes)
{
	const unsigned char *p = buf;
	size_t words = bytes / 8;
	uint64_t sum = 0;

	for (size_t i = 0; i < words; i++)
		sum += mix64(((const u64_unaligned *)p)[i] + i * MIX_GAMMA);
	if (bytes % 8)
		sum += mix64(load_tail(p + words * 8, bytes % 8) +
			     words * MIX_GAMMA);
	return mix64(sum ^ mix64(bytes));
}

/* Word i of the pattern: the (i + 1)-th output of splitmix64 from seed. */
static inline uint64_t pattern_word(uint64_t seed, size_t i)
{
	return mix64(seed + (i + 1) * MIX_GAMMA);
}

void buffer_fill_pattern(void *buf, size_t bytes, uint64_t seed)
{
	unsigned char *p = buf;
	size_t words = bytes / 8;

	for (size_t i = 0; i < words; i++)
		((u64_unaligned *)p)[i] = pattern_word(seed, i);
	fill_bytes(p + words * 8, pattern_word(seed, words), bytes % 8);
}

/* Offset of the first differing byte of two words (little-endian). */
static size_t first_diff_byte(uint64_t a, uint64_t b)
{
	return (size_t)__builtin_ctzll(a ^ b) / 8;
}

size_t buffer_check_pattern(const void *buf, size_t bytes, uint64_t seed)
{
	const unsigned char *p = buf;
	size_t words = bytes / 8;
	uint64_t want, got;

	for (size_t i = 0; i < words; i++) {
		want = pattern_word(seed, i);
		got = ((const u64_unaligned *)p)[i];
		if (got != want)
			return i * 8 + first_diff_byte(got, want);
	}
	if (bytes % 8) {
		want = low_bytes(pattern_word(seed, words), bytes % 8);
		got = load_tail(p + words * 8, bytes % 8);
		if (got != want)
			return words * 8 + first_diff_byte(got, want);
	}
	return BUFFER_MATCH;
}

size_t buffer_check_fill(const void *buf, size_t bytes, uint64_t pattern64)
{
	const unsigned char *p = buf;
	size_t words = bytes / 8;
	uint64_t got, want;

	for (size_t i = 0; i < words; i++) {
		got = ((const u64_unaligned *)p)[i];
		if (got != pattern64)
			return i * 8 + first_diff_byte(got, pattern64);
	}
	if (bytes % 8) {
		got = load_tail(p + words * 8, bytes % 8);
		want = low_bytes(pattern64, bytes % 8);
		if (got != want)
			return words * 8 + first_diff_byte(got, want);
	}
	return BUFFER_MATCH;
}

size_t buffer_check_zero(const void *buf, size_t bytes)
{
	return buffer_check_fill(buf, bytes, 0);
}
