/* CPU feature detection (CPUID) and enabling of SSE/AVX state.
 * cpu_features_detect() runs once on the boot CPU; cpu_enable_simd() runs on
 * every CPU (CR0/CR4/XCR0 are per CPU). */
#ifndef ARCH_X86_64_CPUFEATURES_H
#define ARCH_X86_64_CPUFEATURES_H
#include "lib/compiler.h"

struct cpu_features {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	uint32_t max_leaf, max_ext_leaf;
	bool sse2, sse3, ssse3, sse41, sse42, avx, avx2, avx512f, xsave;
	bool erms, fsrm;         /* fast rep movsb/stosb */
	bool pdpe1gb, nx, pge, pat, invariant_tsc, tsc_deadline;
	bool apic, x2apic, hypervisor;
	uint32_t phys_bits, virt_bits;
	uint64_t xcr0;           /* what we enabled */
	/* CPUID 0x15/0x16 (0 when absent) */
	uint32_t tsc_ratio_den, tsc_ratio_num, crystal_hz, base_mhz;
};

extern struct cpu_features cpu;

void cpu_features_detect(void);
/* Enables x87/SSE (and AVX via XCR0 when present) on the calling CPU. */
void cpu_enable_simd(void);
/* Feature mask in the format of mm/copy.h (CPU_HAS_*). */
unsigned cpu_feature_mask(void);
#endif
