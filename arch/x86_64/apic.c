/* Local APIC driver (see apic.h). Register offsets: SDM vol. 3A, table
 * 11-1; x2APIC MSR = 0x800 + offset / 16 (11.12.1). */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/apic_address.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "lib/printf.h"
#include "mm/memblock.h"

#define APIC_DEFAULT_BASE  0xfee00000ull
#define APIC_BASE_ENABLE   (1ull << 11)
#define APIC_BASE_X2APIC   (1ull << 10)
#define APIC_REG_ID        0x020
#define APIC_REG_EOI       0x0b0
#define APIC_REG_SVR       0x0f0
#define APIC_REG_ICR_LO    0x300
#define APIC_REG_ICR_HI    0x310
#define APIC_REG_LVT_TIMER 0x320
#define APIC_REG_TMR_INIT  0x380
#define APIC_REG_TMR_CUR   0x390
#define APIC_REG_TMR_DIV   0x3e0
#define APIC_TMR_DIV_1     0xb         /* divide configuration: by 1 */
#define APIC_LVT_MASKED    (1u << 16)
#define APIC_SVR_ENABLE    (1u << 8)
#define X2APIC_MSR_BASE    0x800
#define ICR_FIXED          (0u << 8)
#define ICR_NMI            (4u << 8)
#define ICR_INIT           (5u << 8)
#define ICR_STARTUP        (6u << 8)
#define ICR_BUSY           (1u << 12)
#define ICR_ASSERT         (1u << 14)
#define ICR_LEVEL          (1u << 15)
#define ICR_WAIT_LIMIT     1000000

static uint64_t apic_phys = APIC_DEFAULT_BASE;
static bool x2apic;

/* The xAPIC page must be MMIO the direct map always covers (the low
 * 4 GiB) and not RAM: a bogus MADT address would have every APIC access
 * scribble over memory. The CPU's own APIC base MSR is the fallback. */
bool lapic_set_base(uint64_t phys)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE) & ~(PAGE_SIZE - 1) & 0xffffffffffull;

	if (lapic_address_usable(phys, phys && memblock_is_memory(phys))) {
		apic_phys = phys;
		return true;
	}
	if (lapic_address_usable(msr, msr && memblock_is_memory(msr)))
		apic_phys = msr;
	kprintf("apic: MADT local APIC address %#lx is unusable (zero, unaligned, RAM or above 4 GiB): using %#lx\n",
		(unsigned long)phys, (unsigned long)apic_phys);
	return false;
}

uint32_t lapic_max_apic_id(void)
{
	return x2apic ? 0xfffffffeu : 0xfeu;
}

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

static volatile uint32_t *mmio(unsigned reg)
{
	return (volatile uint32_t *)((uint8_t *)phys_to_virt(apic_phys) + reg);
}

static uint32_t apic_read(unsigned reg)
{
	return x2apic ? (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16) : *mmio(reg);
}

static void apic_write(unsigned reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, v);
	else
		*mmio(reg) = v;
}

static bool spurious(struct trap_frame *f)
{
	return true;   /* no EOI for the spurious vector (SDM 11.9) */
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	x2apic = cpu.x2apic;
	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(APIC_REG_SVR, APIC_SVR_ENABLE | VEC_SPURIOUS);
	trap_set_handler(VEC_SPURIOUS, spurious);
}

uint32_t lapic_id(void)
{
	uint32_t id = apic_read(APIC_REG_ID);

	return x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	apic_write(APIC_REG_EOI, 0);
}

static bool icr_send(uint32_t apic_id, uint32_t low)
{
	if (x2apic) {
		/* One 64-bit MSR write; no delivery status in x2APIC mode. */
		wrmsr(X2APIC_MSR_BASE + APIC_REG_ICR_LO / 16,
		      ((uint64_t)apic_id << 32) | low);
		return true;
	}
	/* 8-bit destination: a wider id would alias another CPU or 0xff,
	 * the broadcast. acpi_madt_limit_cpus() keeps such ids away. */
	if (apic_id > 0xfe)
		return false;
	apic_write(APIC_REG_ICR_HI, apic_id << 24);
	apic_write(APIC_REG_ICR_LO, low);
	for (int i = 0; i < ICR_WAIT_LIMIT; i++) {
		if (!(apic_read(APIC_REG_ICR_LO) & ICR_BUSY))
			return true;
		cpu_relax();
	}
	return false;
}

bool lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	return icr_send(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

bool lapic_send_init(uint32_t apic_id)
{
	return icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
}

bool lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	return icr_send(apic_id, ICR_STARTUP | ICR_ASSERT | page);
}

bool lapic_send_nmi(uint32_t apic_id)
{
	return icr_send(apic_id, ICR_NMI | ICR_ASSERT);
}

/* One-shot mode is LVT timer mode 00 (SDM 11.5.4): vector only. */
void lapic_timer_oneshot(uint8_t vector, uint32_t ticks)
{
	apic_write(APIC_REG_TMR_DIV, APIC_TMR_DIV_1);
	apic_write(APIC_REG_LVT_TIMER, vector);
	apic_write(APIC_REG_TMR_INIT, ticks);
}

/* Counts the timer down, masked, across a TSC-timed millisecond. */
uint32_t lapic_timer_ticks_per_ms(void)
{
	uint32_t left;

	apic_write(APIC_REG_TMR_DIV, APIC_TMR_DIV_1);
	apic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED);
	apic_write(APIC_REG_TMR_INIT, 0xffffffffu);
	udelay(1000);
	left = apic_read(APIC_REG_TMR_CUR);
	apic_write(APIC_REG_TMR_INIT, 0);
	return 0xffffffffu - left;
}
