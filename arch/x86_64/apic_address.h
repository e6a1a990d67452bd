/* Whether a physical address can be the local APIC's register page, as the
 * MADT names it. Kept apart from apic.c so host tests and the ACPI fuzzer
 * check the same rule the kernel applies. */
#ifndef ARCH_X86_64_APIC_ADDRESS_H
#define ARCH_X86_64_APIC_ADDRESS_H
#include "arch/x86_64/mmu.h"

/* True when phys is nonzero, page aligned, inside the always-mapped low
 * 4 GiB of the direct map (DIRECT_MAP_LOW_END), and not RAM (is_ram says
 * whether the memory map lists it as usable): registers written there must
 * never land on memory the kernel hands out. */
static inline bool lapic_address_usable(uint64_t phys, bool is_ram)
{
	return phys && !(phys & (PAGE_SIZE - 1)) && phys < DIRECT_MAP_LOW_END &&
	       !is_ram;
}
#endif
