/* Sleeping until another CPU says so: a CPU halts (interrupts on) until a
 * wake IPI (VEC_IPI_WAKE, whose handler only acknowledges it) or any other
 * interrupt ends the halt, then re-checks its condition. What the
 * demand-fault experiment's waiters use instead of spinning: under TCG a
 * spinning vCPU steals a host core from the CPU that would wake it.
 *
 * A halt is bounded by the local APIC timer (one-shot, VEC_WAKE_TIMER),
 * calibrated against the TSC at smp_wake_init: the waiter wakes at its
 * deadline even if no one sends the IPI (a lost wake-up is then seen, not
 * slept through). Without a timer (calibration gave 0) halts become
 * bounded spins. */
#ifndef SMP_WAKE_H
#define SMP_WAKE_H
#include "lib/compiler.h"

/* Sends the wake IPI to online CPU cpu (never the caller). */
void smp_wake(unsigned cpu);
/* Halts until *flag != 0 (acquire) or max_ns passed, checked after each
 * interrupt; returns whether the flag was seen set. The check and the halt
 * are one step (cli; check; sti; hlt) so a wake between them is not lost.
 * halt = false (or interrupts off) spins with pause instead. */
bool smp_wait_flag(const uint32_t *flag, uint64_t max_ns, bool halt);
/* Installs the IPI and timer handlers and calibrates the timer; boot CPU,
 * with the other IPIs (after the TSC is calibrated). */
void smp_wake_init(void);
/* The calibration: APIC timer ticks per ms (0: none, halts spin). */
uint32_t smp_wake_timer_ticks_per_ms(void);
#endif
