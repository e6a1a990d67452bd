/* Host micro-benchmark of the mm/copy kernels (not run by the tests): copies
 * and fills page-aligned buffers of 4 KiB (cache-hot), 2 MiB (one huge page)
 * and a large buffer (memory-bound), prints GiB/s per kernel and the one
 * mem_kernel_pick() chooses. The guest's numbers under QEMU TCG differ
 * completely (docs/copy.md); this only shows the kernels behave on hardware.
 *
 *   build/host/bench_copy [large-buffer-MiB]     (default 64)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "mm/copy.h"
#include "tests/host/host_cpu.h"

#define PAGE          4096
#define TRIALS        3              /* best of, to skip warm-up noise */
#define BYTES_PER_RUN (256 * MiB)    /* work per trial, split into calls */
#define MAX_KERNELS   16
#define PATTERN       0ull           /* zeroing: every fill kernel runs it */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Best time in ns of TRIALS runs, each moving about BYTES_PER_RUN bytes;
 * the result is scaled to ns per BYTES_PER_RUN. */
static uint64_t time_kernel(copy_fn *copy, fill_fn *fill, void *dst,
			    const void *src, size_t bytes)
{
	size_t calls = MAX(BYTES_PER_RUN / bytes, 1);
	uint64_t best = MEMK_COST_SKIP;

	for (int t = 0; t < TRIALS; t++) {
		uint64_t t0 = now_ns();

		for (size_t i = 0; i < calls; i++) {
			if (copy)
				copy(dst, src, bytes);
			else
				fill(dst, PATTERN, bytes);
		}
		best = MIN(best, now_ns() - t0);
	}
	return best;
}

static double gib_per_s(size_t bytes, uint64_t ns)
{
	size_t calls = MAX(BYTES_PER_RUN / bytes, 1);

	return (double)bytes * calls / (double)ns * 1e9 / (double)GiB;
}

static void bench_size(bool is_copy, unsigned features, void *dst,
		       const void *src, size_t bytes)
{
	size_t n = is_copy ? copy_kernel_count() : fill_kernel_count();
	uint64_t cost[MAX_KERNELS];
	const char *name[MAX_KERNELS];

	for (size_t i = 0; i < n && i < MAX_KERNELS; i++) {
		const struct copy_kernel *ck = is_copy ? copy_kernel_at(i) : NULL;
		const struct fill_kernel *fk = is_copy ? NULL : fill_kernel_at(i);
		bool ok = ck ? copy_kernel_available(ck, features)
			     : fill_kernel_available(fk, features) &&
			       fill_kernel_native(fk, PATTERN);

		name[i] = ck ? ck->name : fk->name;
		cost[i] = MEMK_COST_SKIP;
		if (!ok)
			continue;
		cost[i] = time_kernel(ck ? ck->fn : NULL, fk ? fk->fn : NULL,
				      dst, src, bytes);
		printf("%-5s %-8s %10zu bytes %8.2f GiB/s\n",
		       is_copy ? "copy" : "fill", name[i], bytes,
		       gib_per_s(bytes, cost[i]));
	}
	int best = mem_kernel_pick(cost, MIN(n, (size_t)MAX_KERNELS));

	if (best >= 0)
		printf("%-5s best for %zu bytes: %s\n\n",
		       is_copy ? "copy" : "fill", bytes, name[best]);
}

static void *map_or_die(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	size_t large = (argc > 1 ? strtoul(argv[1], NULL, 0) : 64) * MiB;
	const size_t sizes[] = { PAGE, 2 * MiB, large };
	unsigned features = host_features();
	unsigned char *src, *dst;

	if (large < PAGE) {
		fprintf(stderr, "usage: %s [large-buffer-MiB >= 1]\n", argv[0]);
		return 1;
	}
	src = map_or_die(large);
	dst = map_or_die(large);
	buffer_fill_pattern(src, large, 1);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_size(true, features, dst, src, sizes[i]);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		bench_size(false, features, dst, src, sizes[i]);
	return buffer_check_fill(dst, large, PATTERN) == BUFFER_MATCH ? 0 : 1;
}
