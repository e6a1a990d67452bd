/* Sleeping until another CPU says so (see wake.h). */
#include "smp/wake.h"
#include "smp/smp.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"

/* Bounds the timer is armed for at most, so that ns * ticks fits. */
#define WAKE_TIMER_MAX_NS (1000ull * 1000 * 1000)

static uint32_t timer_ticks_per_ms;   /* 0: no timer, halts become spins */

void smp_wake(unsigned cpu)
{
	lapic_send_ipi(smp_cpu(cpu)->apic_id, VEC_IPI_WAKE);
}

/* Pairs with the waker's release store of *flag. */
static bool flag_set(const uint32_t *flag)
{
	return __atomic_load_n(flag, __ATOMIC_ACQUIRE) != 0;
}

/* Spins with pause; interrupts stay as they were (shootdowns answered). */
static bool spin_flag(const uint32_t *flag, uint64_t deadline)
{
	while (!flag_set(flag)) {
		if (now_ns() >= deadline)
			return false;
		cpu_relax();
	}
	return true;
}

/* Arms the calling CPU's timer to end a halt at the deadline (or within
 * WAKE_TIMER_MAX_NS, after which the loop re-arms it). */
static void arm_timer(uint64_t deadline)
{
	uint64_t now = now_ns(), ns = deadline > now ? deadline - now : 0;
	uint64_t ticks = MIN(ns, WAKE_TIMER_MAX_NS) * timer_ticks_per_ms /
			 1000000 + 1;

	lapic_timer_oneshot(VEC_WAKE_TIMER, (uint32_t)MIN(ticks, UINT32_MAX));
}

bool smp_wait_flag(const uint32_t *flag, uint64_t max_ns, bool halt)
{
	uint64_t deadline = now_ns() + max_ns, flags;
	bool seen;

	if (!halt || !timer_ticks_per_ms || !(read_rflags() & RFLAGS_IF))
		return spin_flag(flag, deadline);
	flags = irq_save();
	while (!(seen = flag_set(flag)) && now_ns() < deadline) {
		arm_timer(deadline);
		/* sti's one-instruction shadow covers hlt: a wake IPI sent
		 * after the check above is taken by the hlt, not lost. */
		asm volatile("sti; hlt; cli" ::: "memory");
	}
	lapic_timer_oneshot(VEC_WAKE_TIMER, 0);
	irq_restore(flags);
	return seen;
}

static bool ipi_wake(struct trap_frame *f)
{
	(void)f;
	lapic_eoi();
	return true;
}

void smp_wake_init(void)
{
	trap_set_handler(VEC_IPI_WAKE, ipi_wake);
	trap_set_handler(VEC_WAKE_TIMER, ipi_wake);
	timer_ticks_per_ms = lapic_timer_ticks_per_ms();
}

uint32_t smp_wake_timer_ticks_per_ms(void)
{
	return timer_ticks_per_ms;
}
