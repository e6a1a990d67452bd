/* The host CPU's features in mm/copy.h's CPU_HAS_* format, for host tests
 * and benchmarks of the copy/fill kernels (the kernel uses
 * cpu_feature_mask() instead). */
#ifndef TESTS_HOST_HOST_CPU_H
#define TESTS_HOST_HOST_CPU_H
#include "mm/copy.h"

static inline unsigned host_features(void)
{
	unsigned f = CPU_HAS_SSE2; /* part of x86-64 */

	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx"))
		f |= CPU_HAS_AVX;
	if (__builtin_cpu_supports("avx2"))
		f |= CPU_HAS_AVX2;
	return f;
}
#endif
