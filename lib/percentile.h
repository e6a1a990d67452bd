/* Percentiles of a sample: sorts it in place (heapsort: no recursion, no
 * allocation, O(n log n) at worst) and reads the nearest-rank value.
 * Freestanding; the kernel and host tests share it. */
#ifndef LIB_PERCENTILE_H
#define LIB_PERCENTILE_H
#include "lib/compiler.h"

/* Sorts v[0..n-1] ascending. */
void pct_sort_u32(uint32_t *v, uint64_t n);
/* The nearest-rank p-th percentile (0 < p <= 100) of v sorted ascending:
 * v[ceil(p/100 * n) - 1]; 0 when n is 0. p50 is the median. */
uint32_t pct_sorted_u32(const uint32_t *v, uint64_t n, unsigned p);
#endif
