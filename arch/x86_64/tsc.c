/* TSC frequency and now_ns() (see tsc.h). PIT: Intel 8254 datasheet (mode 0
 * on channel 2, gate and output through port 0x61). HPET: IA-PC HPET spec
 * 1.0a, 2.3 (capabilities, period in femtoseconds, main counter). */
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeatures.h"

#define PIT_HZ          1193182u
#define PIT_CH2         0x42
#define PIT_CMD         0x43
#define PIT_CMD_CH2_MODE0_LOHI 0xb0
#define PORT_B          0x61
#define PORT_B_GATE2    0x01
#define PORT_B_SPEAKER  0x02
#define PORT_B_OUT2     0x20
#define CALIBRATE_MS    20u
#define PIT_TIMEOUT_TSC (1ull << 34)   /* ~5 s even at 4 GHz */

#define HPET_CAP        0x000
#define HPET_CONFIG     0x010
#define HPET_COUNTER    0x0f0
#define HPET_ENABLE     0x1
#define FS_PER_SEC      1000000000000000ull
#define NS_PER_SEC      1000000000ull

uint64_t tsc_hz;
uint64_t boot_tsc;
enum tsc_source tsc_source;
static uint64_t ns_mult;   /* ns per tick, 32.32 fixed point */

void tsc_mark_boot(void)
{
	boot_tsc = rdtsc();
}

/* CPUID 0x15 gives TSC = crystal * num / den. Some CPUs leave the crystal
 * frequency 0; the SDM then says the TSC runs at the base frequency of
 * CPUID 0x16, which we accept only together with a valid 0x15 ratio. */
static uint64_t cpuid_hz(enum tsc_source *src)
{
	if (!cpu.tsc_ratio_den || !cpu.tsc_ratio_num)
		return 0;
	if (cpu.crystal_hz) {
		*src = TSC_SRC_CPUID15;
		return (uint64_t)cpu.crystal_hz * cpu.tsc_ratio_num / cpu.tsc_ratio_den;
	}
	*src = TSC_SRC_CPUID16;
	return (uint64_t)cpu.base_mhz * 1000000;
}

static uint64_t pit_calibrate(void)
{
	uint32_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t b = inb(PORT_B);
	uint64_t t0, t1;

	outb(PORT_B, (b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_MODE0_LOHI);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	/* OUT2 goes high when the count reaches zero; a machine without a PIT
	 * never raises it, so bound the wait. */
	while (!(inb(PORT_B) & PORT_B_OUT2))
		if (rdtsc() - t0 > PIT_TIMEOUT_TSC)
			return 0;
	t1 = rdtsc();
	outb(PORT_B, b);
	return (t1 - t0) * 1000 / CALIBRATE_MS;
}

static uint64_t hpet_read(volatile void *base, unsigned reg)
{
	return *(volatile uint64_t *)((volatile uint8_t *)base + reg);
}

static uint64_t hpet_calibrate(volatile void *base)
{
	uint64_t period_fs = hpet_read(base, HPET_CAP) >> 32;
	volatile uint64_t *cfg = (volatile uint64_t *)((volatile uint8_t *)base + HPET_CONFIG);
	uint64_t ticks, h0, t0, h1, t1;

	if (!period_fs || period_fs > 100000000ull)   /* spec: <= 100 ns */
		return 0;
	*cfg |= HPET_ENABLE;
	ticks = (uint64_t)CALIBRATE_MS * 1000000000000ull / period_fs;
	h0 = hpet_read(base, HPET_COUNTER);
	t0 = rdtsc();
	do {
		h1 = hpet_read(base, HPET_COUNTER);
		if (rdtsc() - t0 > PIT_TIMEOUT_TSC)
			return 0;
	} while (h1 - h0 < ticks);
	t1 = rdtsc();
	/* HPET frequency (<= 1e8 Hz by spec) times ~1e8 TSC ticks fits in
	 * 64 bits; no 128-bit division (no libgcc in the kernel). */
	return (t1 - t0) * (FS_PER_SEC / period_fs) / (h1 - h0);
}

bool tsc_init(volatile void *hpet_base, const char **err)
{
	tsc_hz = cpuid_hz(&tsc_source);
	if (!tsc_hz && hpet_base) {
		tsc_hz = hpet_calibrate(hpet_base);
		tsc_source = TSC_SRC_HPET;
	}
	if (!tsc_hz) {
		tsc_hz = pit_calibrate();
		tsc_source = TSC_SRC_PIT;
	}
	if (!tsc_hz) {
		tsc_source = TSC_SRC_NONE;
		*err = "no TSC frequency: CPUID 0x15 incomplete, no HPET, PIT not counting";
		return false;
	}
	ns_mult = (NS_PER_SEC << 32) / tsc_hz;
	return true;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return (uint64_t)(((unsigned __int128)ticks * ns_mult) >> 32);
}

uint64_t now_ns(void)
{
	return tsc_to_ns(rdtsc_ordered() - boot_tsc);
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_hz / 1000000 * us;

	while (rdtsc() < end)
		cpu_relax();
}

const char *tsc_source_name(void)
{
	static const char *const names[] = {
		"none", "cpuid15", "cpuid16", "hpet", "pit"
	};

	return names[tsc_source];
}
