/* Host tests for mm/blocksum: the sum and the memory do not depend on how
 * the blocks are split (the property the job engine relies on), a short
 * last block counts, and a skipped block is caught by the check but not by
 * the sum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/report.h"
#include "mm/blocksum.h"

#define SEED 0xb10c5eedull

/* Fills in pieces of `step` blocks, last piece first: an unusual order. */
static uint64_t fill_backwards(void *buf, uint64_t bytes, uint64_t step,
			       uint64_t skip)
{
	uint64_t n = blocksum_blocks(bytes), sum = 0;

	for (uint64_t end = n; end > 0;) {
		uint64_t first = end > step ? end - step : 0;

		sum += blocksum_fill(buf, bytes, first, end, SEED, skip);
		end = first;
	}
	return sum;
}

static void split_does_not_matter(uint64_t bytes)
{
	unsigned char *a = malloc(bytes), *b = malloc(bytes);
	uint64_t n = blocksum_blocks(bytes), whole, pieces, checked;

	whole = blocksum_fill(a, bytes, 0, n, SEED, BLOCKSUM_NONE);
	pieces = fill_backwards(b, bytes, 3, BLOCKSUM_NONE);
	report(whole == pieces, "%lu bytes: one fill and pieces give one sum",
	       (unsigned long)bytes);
	report(!memcmp(a, b, bytes), "%lu bytes: ... and the same memory",
	       (unsigned long)bytes);
	report(blocksum_check(a, bytes, SEED, &checked) == BLOCKSUM_NONE &&
	       checked == whole, "%lu bytes: the check agrees",
	       (unsigned long)bytes);
	free(a);
	free(b);
}

static void skip_is_caught(void)
{
	uint64_t bytes = 10 * BLOCKSUM_BLOCK + 123, sum, checked;
	unsigned char *buf = calloc(1, bytes);

	sum = fill_backwards(buf, bytes, 4, 7);
	report(blocksum_check(buf, bytes, SEED, &checked) == 7,
	       "a skipped block is found by the check");
	report(checked == sum, "the job's sum still matches the memory: only "
	       "the content check catches a skip");
	buf[bytes - 1] ^= 1;
	report(blocksum_check(buf, bytes, SEED, &checked) == 7 && checked != sum,
	       "a flipped bit in the short last block changes the sum");
	free(buf);
}

static void seeds_differ(void)
{
	uint64_t bytes = 2 * BLOCKSUM_BLOCK, s1, s2;
	unsigned char *buf = malloc(bytes);

	s1 = blocksum_fill(buf, bytes, 0, 2, SEED, BLOCKSUM_NONE);
	s2 = blocksum_fill(buf, bytes, 0, 2, SEED + 1, BLOCKSUM_NONE);
	report(s1 != s2, "another seed gives another sum");
	report(blocksum_blocks(0) == 0 && blocksum_blocks(1) == 1 &&
	       blocksum_blocks(BLOCKSUM_BLOCK) == 1 &&
	       blocksum_blocks(BLOCKSUM_BLOCK + 1) == 2, "block counts");
	free(buf);
}

int main(void)
{
	static const uint64_t sizes[] = {
		1, BLOCKSUM_BLOCK, BLOCKSUM_BLOCK + 1, 7 * BLOCKSUM_BLOCK - 9,
		64 * BLOCKSUM_BLOCK,
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		split_does_not_matter(sizes[i]);
	skip_is_caught();
	seeds_differ();
	return report_summary();
}
