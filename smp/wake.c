/* Sleeping until another CPU says so (see wake.h). */
#include "smp/wake.h"
#include "smp/smp.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"

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

bool smp_wait_flag(const uint32_t *flag, uint64_t max_ns, bool halt)
{
	uint64_t deadline = now_ns() + max_ns, flags;
	bool seen;

	if (!halt || !(read_rflags() & RFLAGS_IF))
		return spin_flag(flag, deadline);
	flags = irq_save();
	while (!(seen = flag_set(flag)) && now_ns() < deadline)
		/* sti's one-instruction shadow covers hlt: a wake IPI sent
		 * after the check above is taken by the hlt, not lost. */
		asm volatile("sti; hlt; cli" ::: "memory");
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
}
