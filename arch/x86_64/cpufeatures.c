/* CPUID feature detection (Intel SDM vol. 2A, CPUID) and SIMD enabling
 * (SDM vol. 3A, 13.1-13.3: CR4.OSFXSR, CR4.OSXSAVE, XCR0). */
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "mm/copy.h"

#define CPUID_VENDOR        0x0
#define CPUID_FEATURES      0x1
#define CPUID_EXT_FEATURES  0x7
#define CPUID_XSAVE         0xd
#define CPUID_TSC_CRYSTAL   0x15
#define CPUID_FREQ          0x16
#define CPUID_EXT_MAX       0x80000000
#define CPUID_EXT_BITS      0x80000001
#define CPUID_BRAND0        0x80000002
#define CPUID_POWER         0x80000007
#define CPUID_ADDR_SIZES    0x80000008

#define XCR0_X87  (1ull << 0)
#define XCR0_SSE  (1ull << 1)
#define XCR0_AVX  (1ull << 2)

struct cpu_features cpu;

static bool bit(uint32_t v, int n)
{
	return (v >> n) & 1;
}

static void detect_basic(void)
{
	uint32_t r[4];

	cpuid_count(CPUID_VENDOR, 0, r);
	cpu.max_leaf = r[0];
	memcpy(cpu.vendor, &r[1], 4);
	memcpy(cpu.vendor + 4, &r[3], 4);
	memcpy(cpu.vendor + 8, &r[2], 4);
	cpuid_count(CPUID_FEATURES, 0, r);
	cpu.stepping = r[0] & 0xf;
	cpu.model = ((r[0] >> 4) & 0xf) | (((r[0] >> 16) & 0xf) << 4);
	cpu.family = ((r[0] >> 8) & 0xf) + ((r[0] >> 20) & 0xff);
	cpu.sse3 = bit(r[2], 0);
	cpu.ssse3 = bit(r[2], 9);
	cpu.sse41 = bit(r[2], 19);
	cpu.sse42 = bit(r[2], 20);
	cpu.x2apic = bit(r[2], 21);
	cpu.tsc_deadline = bit(r[2], 24);
	cpu.xsave = bit(r[2], 26);
	cpu.avx = bit(r[2], 28);
	cpu.hypervisor = bit(r[2], 31);
	cpu.apic = bit(r[3], 9);
	cpu.pge = bit(r[3], 13);
	cpu.pat = bit(r[3], 16);
	cpu.sse2 = bit(r[3], 26);
	if (cpu.max_leaf >= CPUID_EXT_FEATURES) {
		cpuid_count(CPUID_EXT_FEATURES, 0, r);
		cpu.avx2 = bit(r[1], 5);
		cpu.erms = bit(r[1], 9);
		cpu.avx512f = bit(r[1], 16);
		cpu.fsrm = bit(r[3], 4);
	}
	if (cpu.max_leaf >= CPUID_TSC_CRYSTAL) {
		cpuid_count(CPUID_TSC_CRYSTAL, 0, r);
		cpu.tsc_ratio_den = r[0];
		cpu.tsc_ratio_num = r[1];
		cpu.crystal_hz = r[2];
	}
	if (cpu.max_leaf >= CPUID_FREQ) {
		cpuid_count(CPUID_FREQ, 0, r);
		cpu.base_mhz = r[0] & 0xffff;
	}
}

static void detect_extended(void)
{
	uint32_t r[4];

	cpuid_count(CPUID_EXT_MAX, 0, r);
	cpu.max_ext_leaf = r[0];
	if (cpu.max_ext_leaf >= CPUID_EXT_BITS) {
		cpuid_count(CPUID_EXT_BITS, 0, r);
		cpu.nx = bit(r[3], 20);
		cpu.pdpe1gb = bit(r[3], 26);
	}
	if (cpu.max_ext_leaf >= CPUID_BRAND0 + 2) {
		for (uint32_t i = 0; i < 3; i++) {
			cpuid_count(CPUID_BRAND0 + i, 0, r);
			memcpy(cpu.brand + 16 * i, r, 16);
		}
	}
	if (cpu.max_ext_leaf >= CPUID_POWER) {
		cpuid_count(CPUID_POWER, 0, r);
		cpu.invariant_tsc = bit(r[3], 8);
	}
	cpu.phys_bits = 36;
	cpu.virt_bits = 48;
	if (cpu.max_ext_leaf >= CPUID_ADDR_SIZES) {
		cpuid_count(CPUID_ADDR_SIZES, 0, r);
		cpu.phys_bits = r[0] & 0xff;
		cpu.virt_bits = (r[0] >> 8) & 0xff;
	}
}

void cpu_features_detect(void)
{
	detect_basic();
	detect_extended();
}

void cpu_enable_simd(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();

	cr0 &= ~(CR0_EM | CR0_TS);
	cr0 |= CR0_MP;
	write_cr0(cr0);
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (cpu.xsave) {
		uint32_t r[4];
		uint64_t xcr0 = XCR0_X87 | XCR0_SSE;

		cpuid_count(CPUID_XSAVE, 0, r);
		if (cpu.avx && (r[0] & XCR0_AVX))
			xcr0 |= XCR0_AVX;
		xsetbv(0, xcr0);
		cpu.xcr0 = xcr0;
	}
	/* AVX is usable only when the OS enabled YMM state in XCR0. */
	if (!(cpu.xcr0 & XCR0_AVX))
		cpu.avx = cpu.avx2 = false;
}

unsigned cpu_feature_mask(void)
{
	/* Usable means present and enabled: cpu_enable_simd() cleared avx and
	 * avx2 when XCR0 does not enable YMM state. */
	return (cpu.sse2 ? CPU_HAS_SSE2 : 0) | (cpu.avx ? CPU_HAS_AVX : 0) |
	       (cpu.avx2 ? CPU_HAS_AVX2 : 0) | (cpu.erms ? CPU_HAS_ERMS : 0) |
	       (cpu.fsrm ? CPU_HAS_FSRM : 0);
}
