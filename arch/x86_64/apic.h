/* Local APIC (Intel SDM vol. 3A, chapter 11): xAPIC through MMIO always,
 * x2APIC through MSRs when CPUID has it (QEMU TCG does not; KVM and bare
 * metal do). IPIs for AP start-up (INIT, SIPI) and for waking CPUs. */
#ifndef ARCH_X86_64_APIC_H
#define ARCH_X86_64_APIC_H
#include "lib/compiler.h"

/* Enables the local APIC on the calling CPU (x2APIC mode when available)
 * with the spurious vector; run on every CPU. */
void lapic_init(void);
uint32_t lapic_id(void);
bool lapic_x2apic_mode(void);
void lapic_eoi(void);
/* Fixed-delivery IPI to one APIC id. Returns false when the ICR stayed
 * busy (the IPI may not have been sent). */
bool lapic_send_ipi(uint32_t apic_id, uint8_t vector);
bool lapic_send_init(uint32_t apic_id);
bool lapic_send_sipi(uint32_t apic_id, uint8_t page);
bool lapic_send_nmi(uint32_t apic_id);
/* The xAPIC MMIO base from the MADT (default 0xfee00000). An address of
 * 0, not page-aligned, in RAM or above 4 GiB is refused with a message
 * (the APIC base MSR's address is used instead): returns false then. */
bool lapic_set_base(uint64_t phys);
/* The largest APIC id an IPI can name in the current mode (0xfe in
 * xAPIC mode, 0xff being the broadcast); lapic_init() sets the mode. IPIs
 * to larger ids are refused (false), never sent. */
uint32_t lapic_max_apic_id(void);
/* The calling CPU's local APIC timer, one-shot, divide by 1 (SDM 11.5.4):
 * `vector` arrives after `ticks` timer ticks; ticks = 0 stops it. */
void lapic_timer_oneshot(uint8_t vector, uint32_t ticks);
/* Timer ticks per millisecond, counted against the TSC (udelay) with the
 * timer masked; the TSC must be calibrated. Stops the timer. */
uint32_t lapic_timer_ticks_per_ms(void);
#endif
