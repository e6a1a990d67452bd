/* Percentiles of a sample (see percentile.h). */
#include "lib/percentile.h"

/* Moves v[i] down the max-heap v[0..n-1] until both children are smaller. */
static void sift_down(uint32_t *v, uint64_t i, uint64_t n)
{
	for (;;) {
		uint64_t big = i, l = 2 * i + 1, r = l + 1;
		uint32_t t;

		if (l < n && v[l] > v[big])
			big = l;
		if (r < n && v[r] > v[big])
			big = r;
		if (big == i)
			return;
		t = v[i];
		v[i] = v[big];
		v[big] = t;
		i = big;
	}
}

void pct_sort_u32(uint32_t *v, uint64_t n)
{
	for (uint64_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (uint64_t end = n; end > 1; end--) {
		uint32_t t = v[0];

		v[0] = v[end - 1];
		v[end - 1] = t;
		sift_down(v, 0, end - 1);
	}
}

uint32_t pct_sorted_u32(const uint32_t *v, uint64_t n, unsigned p)
{
	uint64_t rank;

	if (!n)
		return 0;
	rank = (n * p + 99) / 100;
	if (rank < 1)
		rank = 1;
	return v[(rank > n ? n : rank) - 1];
}
