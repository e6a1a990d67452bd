/* Time: the TSC, its frequency and now_ns(), which every experiment uses.
 * The frequency comes from CPUID 0x15 (crystal ratio; with the base
 * frequency of CPUID 0x16 when the crystal is not given), else the TSC is
 * calibrated against the HPET (when ACPI has one) or the PIT. */
#ifndef ARCH_X86_64_TSC_H
#define ARCH_X86_64_TSC_H
#include "lib/compiler.h"

enum tsc_source {
	TSC_SRC_NONE, TSC_SRC_CPUID15, TSC_SRC_CPUID16, TSC_SRC_HPET, TSC_SRC_PIT
};

extern uint64_t tsc_hz;
extern uint64_t boot_tsc;    /* TSC at kernel entry */
extern enum tsc_source tsc_source;

/* Records the entry timestamp; call first thing in kmain. */
void tsc_mark_boot(void);
/* Determines tsc_hz. hpet_base: mapped HPET registers or NULL. Returns
 * false with a message in *err when no method works. */
bool tsc_init(volatile void *hpet_base, const char **err);
uint64_t tsc_to_ns(uint64_t ticks);
/* Nanoseconds since kernel entry. */
uint64_t now_ns(void);
/* Busy-waits at least us microseconds. */
void udelay(uint64_t us);
const char *tsc_source_name(void);
#endif
