/* Sleeping until another CPU says so: a CPU halts (interrupts on) until a
 * wake IPI (VEC_IPI_WAKE, whose handler only acknowledges it) or any other
 * interrupt ends the halt, then re-checks its condition. What the
 * demand-fault experiment's waiters use instead of spinning: under TCG a
 * spinning vCPU steals a host core from the CPU that would wake it.
 *
 * A halt is only ended by an interrupt: there is no timer here, so the
 * bound of wake_wait_bounded holds only if someone sends an IPI now and
 * then (the demand-fault resolvers poke waiters that passed their bound:
 * see smp_wake_poke). */
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
/* Installs the IPI handler; boot CPU, with the other IPIs. */
void smp_wake_init(void);
#endif
