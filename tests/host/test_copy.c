/* Host tests for mm/copy: every copy and fill kernel the host CPU can run,
 * over many sizes and src/dst misalignments, with guard bytes on both sides
 * of dst and guard pages (PROT_NONE) right after the buffers; then the
 * tables, the selection helper and the verification helpers. AVX2 kernels run
 * only when __builtin_cpu_supports("avx2") (which also checks that the OS
 * enabled the YMM state). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/report.h"
#include "mm/copy.h"
#include "tests/host/host_cpu.h"

#define PAGE        4096
#define HUGE        (2 * MiB)
#define GUARD       64          /* guard bytes on each side of dst */
#define GUARD_BYTE  0xa5
#define MAX_OFF     PAGE        /* misalignments go up to PAGE - 1 */
#define REGION_MAX  (GUARD + MAX_OFF + HUGE + PAGE + GUARD)
#define SEED        0x5eedf00dull

static const size_t sizes[] = {
	0, 1, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
	4095, 4096, 4097, HUGE, HUGE + 3,
};
/* Misalignments: every head length of a 32-byte vector, plus one byte short
 * of a page. The huge sizes use a subset to keep the run short. */
static const size_t offs_small[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 4095,
};
static const size_t offs_huge[] = { 0, 1, 8, 15, 16, 31, 4095 };
static const uint64_t patterns[] = {
	0, 0xccccccccccccccccull, 0x12ab12ab12ab12abull,
	0xdeadbeefdeadbeefull, 0x0123456789abcdefull,
};

static unsigned char *src_region, *dst_region, *guard_ref, *fill_ref;

static void offsets_for(size_t n, const size_t **offs, size_t *count)
{
	if (n >= HUGE) {
		*offs = offs_huge;
		*count = ARRAY_SIZE(offs_huge);
	} else {
		*offs = offs_small;
		*count = ARRAY_SIZE(offs_small);
	}
}

/* dst sits at GUARD + off in a region that ends GUARD bytes after it; true
 * when nothing outside [dst, dst + n) changed. */
static bool guards_intact(const unsigned char *dst, size_t n)
{
	size_t before = dst - dst_region;

	return !memcmp(dst_region, guard_ref, before) &&
	       !memcmp(dst + n, guard_ref, GUARD);
}

static void reset_dst(size_t off, size_t n)
{
	memset(dst_region, GUARD_BYTE, GUARD + off + n + GUARD);
}

/* One copy: NULL when right, else what went wrong. */
static const char *copy_case(copy_fn *fn, size_t n, size_t soff, size_t doff)
{
	unsigned char *src = src_region + soff, *dst = dst_region + GUARD + doff;

	reset_dst(doff, n);
	fn(dst, src, n);
	if (memcmp(dst, src, n))
		return "bytes differ";
	if (!guards_intact(dst, n))
		return "guard written";
	return NULL;
}

static void test_copy_kernel(const struct copy_kernel *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i], noffs, bad = 0, runs = 0;
		const size_t *offs;
		char why[128] = "";

		offsets_for(n, &offs, &noffs);
		for (size_t a = 0; a < noffs; a++) {
			buffer_fill_pattern(src_region + offs[a], n, SEED + n);
			for (size_t b = 0; b < noffs; b++, runs++) {
				const char *err = copy_case(k->fn, n, offs[a],
							    offs[b]);

				if (err && !bad++)
					snprintf(why, sizeof(why),
						 ": first at soff=%zu doff=%zu: %s",
						 offs[a], offs[b], err);
			}
			if (buffer_check_pattern(src_region + offs[a], n,
						 SEED + n) != BUFFER_MATCH && !bad++)
				snprintf(why, sizeof(why), ": src written");
		}
		report(!bad, "copy %s: %zu bytes, %zu alignments%s", k->name,
		       n, runs, why);
	}
}

/* The expected fill of n bytes: byte i is byte i % 8 of p. */
static void make_fill_ref(uint64_t p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fill_ref[i] = (unsigned char)(p >> (8 * (i % 8)));
}

static const char *fill_case(fill_fn *fn, uint64_t p, size_t n, size_t doff)
{
	unsigned char *dst = dst_region + GUARD + doff;

	reset_dst(doff, n);
	fn(dst, p, n);
	if (memcmp(dst, fill_ref, n))
		return "bytes differ";
	if (buffer_check_fill(dst, n, p) != BUFFER_MATCH)
		return "buffer_check_fill disagrees";
	if (!guards_intact(dst, n))
		return "guard written";
	return NULL;
}

static void test_fill_kernel(const struct fill_kernel *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i], noffs, bad = 0, runs = 0;
		const size_t *offs;
		char why[128] = "";

		offsets_for(n, &offs, &noffs);
		for (size_t j = 0; j < ARRAY_SIZE(patterns); j++) {
			make_fill_ref(patterns[j], n);
			for (size_t a = 0; a < noffs; a++, runs++) {
				const char *err = fill_case(k->fn, patterns[j],
							    n, offs[a]);

				if (err && !bad++)
					snprintf(why, sizeof(why),
						 ": first at p=%#llx doff=%zu: %s",
						 (unsigned long long)patterns[j],
						 offs[a], err);
			}
		}
		report(!bad, "fill %s: %zu bytes, %zu patterns x alignments%s",
		       k->name, n, runs, why);
	}
}

/* --- fences: a kernel reading or writing outside its buffer faults ------ */

static void segv_handler(int sig)
{
	static const char msg[] = "FAIL: copy: access outside a buffer\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* Three pages, [PROT_NONE][rw][PROT_NONE]; returns the rw page. */
static unsigned char *fenced_page(void)
{
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE))
		abort();
	return p + PAGE;
}

/* Copies n bytes between buffers that start at their page (at = 0) or end
 * at it (at = PAGE - n), so the fence is right before or after them. */
static bool fenced_copy(copy_fn *fn, unsigned char *dpage,
			const unsigned char *spage, size_t n)
{
	size_t end = PAGE - n;

	fn(dpage, spage, n);
	fn(dpage + end, spage + end, n);
	return !memcmp(dpage, spage, n) && !memcmp(dpage + end, spage + end, n);
}

/* Every size up to a page, so every alignment of the far end, for each
 * copy and fill kernel; a stray access kills the test with a FAIL line. */
static void test_fences(unsigned features)
{
	unsigned char *src = fenced_page(), *dst = fenced_page();
	size_t bad = 0;

	signal(SIGSEGV, segv_handler);
	buffer_fill_pattern(src, PAGE, SEED);
	for (size_t i = 0; i < copy_kernel_count(); i++) {
		const struct copy_kernel *k = copy_kernel_at(i);

		for (size_t n = 0; copy_kernel_available(k, features) &&
				   n <= PAGE; n++)
			bad += !fenced_copy(k->fn, dst, src, n);
	}
	for (size_t i = 0; i < fill_kernel_count(); i++) {
		const struct fill_kernel *k = fill_kernel_at(i);

		for (size_t n = 0; fill_kernel_available(k, features) &&
				   n <= PAGE; n++) {
			k->fn(dst, patterns[4], n);
			k->fn(dst + PAGE - n, patterns[4], n);
		}
	}
	signal(SIGSEGV, SIG_DFL);
	report(!bad, "fences: no kernel touches the pages around its buffer");
}

/* --- tables and selection ----------------------------------------------- */

static void test_copy_table(void)
{
	size_t n = copy_kernel_count();
	bool ok = copy_kernel_at(n) == NULL;

	for (size_t i = 0; i < n; i++) {
		const struct copy_kernel *k = copy_kernel_at(i);

		ok &= k->fn && k->name && k->what;
		ok &= copy_kernel_find(k->name) == k;
	}
	report(ok, "copy table: %zu kernels, each found by its name", n);
	report(!copy_kernel_find("sse") && !copy_kernel_find("") &&
	       !copy_kernel_find("sse2x"), "copy table: only whole names match");
	report(copy_kernel_find("movsb") && copy_kernel_find("movsq") &&
	       copy_kernel_find("sse2") && copy_kernel_find("avx2") &&
	       copy_kernel_find("nt") && copy_kernel_find("nt-avx2"),
	       "copy table: has the kernels the experiment names");
	report(!copy_kernel_available(copy_kernel_find("avx2"), CPU_HAS_SSE2) &&
	       !copy_kernel_available(copy_kernel_find("nt-avx2"),
				      CPU_HAS_SSE2 | CPU_HAS_AVX) &&
	       copy_kernel_available(copy_kernel_find("avx2"),
				     CPU_HAS_SSE2 | CPU_HAS_AVX | CPU_HAS_AVX2) &&
	       !copy_kernel_available(copy_kernel_find("sse2"), 0) &&
	       copy_kernel_available(copy_kernel_find("movsb"), 0),
	       "copy table: availability follows the feature mask");
}

static void test_fill_table(void)
{
	size_t n = fill_kernel_count();
	bool ok = fill_kernel_at(n) == NULL;

	for (size_t i = 0; i < n; i++) {
		const struct fill_kernel *k = fill_kernel_at(i);

		ok &= k->fn && k->name && k->what && k->period;
		ok &= fill_kernel_find(k->name) == k;
	}
	report(ok, "fill table: %zu kernels, each found by its name", n);
	report(fill_kernel_find("stosb") && fill_kernel_find("stosq") &&
	       fill_kernel_find("sse2") && fill_kernel_find("avx2") &&
	       fill_kernel_find("nt") && fill_kernel_find("nt-avx2") &&
	       !fill_kernel_find("stos"),
	       "fill table: has the kernels the experiment names");
	report(!fill_kernel_available(fill_kernel_find("nt-avx2"), CPU_HAS_SSE2) &&
	       fill_kernel_available(fill_kernel_find("stosb"), 0),
	       "fill table: availability follows the feature mask");
}

static void test_patterns_period(void)
{
	const struct fill_kernel *stosb = fill_kernel_find("stosb");
	const struct fill_kernel *stosd = fill_kernel_find("stosd");
	const struct fill_kernel *sse2 = fill_kernel_find("sse2");

	report(fill_pattern_period(0) == 1 &&
	       fill_pattern_period(patterns[1]) == 1 &&
	       fill_pattern_period(patterns[2]) == 2 &&
	       fill_pattern_period(patterns[3]) == 4 &&
	       fill_pattern_period(patterns[4]) == 8,
	       "fill_pattern_period: 1, 2, 4, 8");
	report(fill_kernel_native(stosb, 0) &&
	       !fill_kernel_native(stosb, patterns[2]) &&
	       fill_kernel_native(stosd, patterns[2]) &&
	       fill_kernel_native(stosd, patterns[3]) &&
	       !fill_kernel_native(stosd, patterns[4]) &&
	       fill_kernel_native(sse2, patterns[4]),
	       "fill_kernel_native: period of kernel vs pattern");
	report(fill_pattern_at(patterns[4], 8) == patterns[4] &&
	       fill_pattern_at(patterns[4], 1) == 0xef0123456789abcdull &&
	       fill_pattern_at(patterns[4], 7) == 0x23456789abcdef01ull,
	       "fill_pattern_at: rotates by whole bytes");
}

static void test_pick(void)
{
	const uint64_t a[] = { 5, 3, MEMK_COST_SKIP, 3, 9 };
	const uint64_t none[] = { MEMK_COST_SKIP, MEMK_COST_SKIP };
	const uint64_t zero_first[] = { 0, 7 };

	report(mem_kernel_pick(a, ARRAY_SIZE(a)) == 1,
	       "pick: the cheapest, lowest index on ties");
	report(mem_kernel_pick(none, ARRAY_SIZE(none)) == -1 &&
	       mem_kernel_pick(a, 0) == -1, "pick: -1 when nothing ran");
	report(mem_kernel_pick(zero_first, 2) == 0, "pick: cost 0 is valid");
}

/* --- verification helpers ----------------------------------------------- */

static void test_checksum_flips(unsigned char *buf, size_t n)
{
	uint64_t want = buffer_checksum(buf, n);
	size_t missed = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char flip = (unsigned char)(1u << (i % 8));

		buf[i] ^= flip;
		missed += buffer_checksum(buf, n) == want;
		buf[i] ^= flip;
	}
	report(!missed, "checksum: each of %zu single-byte flips detected", n);
	report(buffer_checksum(buf, n) == want, "checksum: flips undone");
}

static void swap_blocks(unsigned char *buf, size_t a, size_t b, size_t len)
{
	unsigned char tmp[PAGE];

	memcpy(tmp, buf + a, len);
	memcpy(buf + a, buf + b, len);
	memcpy(buf + b, tmp, len);
}

static void test_checksum_swaps(unsigned char *buf)
{
	static const size_t pairs[][2] = {
		{ 0, 1 }, { 0, 511 }, { 17, 300 }, { 510, 511 }, { 255, 256 },
	};
	uint64_t want = buffer_checksum(buf, HUGE);
	size_t missed = 0;

	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		swap_blocks(buf, pairs[i][0] * PAGE, pairs[i][1] * PAGE, PAGE);
		missed += buffer_checksum(buf, HUGE) == want;
		swap_blocks(buf, pairs[i][0] * PAGE, pairs[i][1] * PAGE, PAGE);
	}
	report(!missed, "checksum: swapped 4 KiB blocks detected (%zu pairs)",
	       ARRAY_SIZE(pairs));
	swap_blocks(buf, 8, 16, 8);
	report(buffer_checksum(buf, HUGE) != want,
	       "checksum: swapped 8-byte words detected");
	swap_blocks(buf, 8, 16, 8);
}

static void test_checksum(unsigned char *buf)
{
	buffer_fill_pattern(buf, HUGE, SEED);
	buffer_fill_pattern(buf + HUGE + 5, 4 * PAGE, SEED);
	report(buffer_checksum(buf, 4 * PAGE) ==
	       buffer_checksum(buf + HUGE + 5, 4 * PAGE),
	       "checksum: same bytes at another address, same checksum");
	test_checksum_flips(buf, 4 * PAGE + 3);
	test_checksum_swaps(buf);
	memset(buf, 0, 16);
	report(buffer_checksum(buf, 8) != buffer_checksum(buf, 9) &&
	       buffer_checksum(buf, 0) != buffer_checksum(buf, 1),
	       "checksum: trailing zero bytes count");
}

static void test_pattern(unsigned char *buf)
{
	size_t n = 3 * PAGE + 5, got;
	bool ok = true;

	buffer_fill_pattern(buf, n, SEED);
	report(buffer_check_pattern(buf, n, SEED) == BUFFER_MATCH,
	       "pattern: a fill checks clean");
	report(buffer_check_pattern(buf, n, SEED + 1) != BUFFER_MATCH,
	       "pattern: another seed does not match");
	report(memcmp(buf, buf + PAGE, PAGE) && memcmp(buf, buf + 8, 8),
	       "pattern: position-dependent (pages and words differ)");
	for (size_t i = 0; i < n; i += (i < 64 || i > n - 16) ? 1 : 97) {
		buf[i] ^= 0x40;
		got = buffer_check_pattern(buf, n, SEED);
		ok &= got == i;
		buf[i] ^= 0x40;
	}
	report(ok, "pattern: check returns the offset of a flipped byte");
	buffer_fill_pattern(buf + 4 * PAGE + 3, n, SEED);
	report(!memcmp(buf, buf + 4 * PAGE + 3, n),
	       "pattern: relative to the buffer, not its address");
	report(buffer_check_pattern(buf, 0, SEED) == BUFFER_MATCH,
	       "pattern: empty buffer matches");
}

static void test_zero(unsigned char *buf)
{
	size_t n = PAGE + 7;
	bool ok = true;

	memset(buf, 0, n);
	report(buffer_check_zero(buf, n) == BUFFER_MATCH, "zero: zeros match");
	for (size_t i = 0; i < n; i += (i < 64 || i > n - 16) ? 1 : 61) {
		buf[i] = 1;
		ok &= buffer_check_zero(buf, n) == i;
		buf[i] = 0;
	}
	report(ok, "zero: returns the first nonzero offset");
	make_fill_ref(patterns[4], n);
	fill_ref[n - 1] ^= 1;
	report(buffer_check_fill(fill_ref, n, patterns[4]) == n - 1 &&
	       buffer_check_fill(fill_ref, n - 1, patterns[4]) == BUFFER_MATCH,
	       "fill check: finds a wrong tail byte");
}

static void *map_or_die(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

int main(void)
{
	unsigned features = host_features();

	src_region = map_or_die(REGION_MAX);
	dst_region = map_or_die(REGION_MAX);
	fill_ref = map_or_die(REGION_MAX);
	guard_ref = map_or_die(REGION_MAX);
	memset(guard_ref, GUARD_BYTE, REGION_MAX);
	report_info("host features: sse2%s%s", features & CPU_HAS_AVX ? " avx" : "",
		    features & CPU_HAS_AVX2 ? " avx2" : "");

	test_copy_table();
	test_fill_table();
	test_patterns_period();
	test_pick();
	for (size_t i = 0; i < copy_kernel_count(); i++) {
		const struct copy_kernel *k = copy_kernel_at(i);

		if (copy_kernel_available(k, features))
			test_copy_kernel(k);
		else
			report_skip("copy %s: CPU lacks it", k->name);
	}
	for (size_t i = 0; i < fill_kernel_count(); i++) {
		const struct fill_kernel *k = fill_kernel_at(i);

		if (fill_kernel_available(k, features))
			test_fill_kernel(k);
		else
			report_skip("fill %s: CPU lacks it", k->name);
	}
	test_fences(features);
	test_checksum(src_region);
	test_pattern(src_region);
	test_zero(src_region);
	return report_summary();
}
