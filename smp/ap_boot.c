/* AP bring-up (see smp.h): INIT-SIPI-SIPI as the Intel SDM describes
 * (vol. 3A, 9.4.4.1), sent to all APs at once so they start in parallel.
 * The real-mode trampoline is arch/x86_64/trampoline.asm. */
#include "smp/smp.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vmap.h"
#include "arch/x86_64/kernel_map.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "smp/ap_boot.h"

#define INIT_DELAY_US       10000   /* SDM: 10 ms after INIT */
#define SIPI_DELAY_US       200     /* SDM: 200 us between SIPIs */
#define AP_TIMEOUT_BASE_MS  5000    /* generous: TCG runs vCPUs on few cores */
#define AP_TIMEOUT_PER_CPU_MS 100
#define TRAMPOLINE_FILL     0xcc    /* int3: a stray AP faults loudly */
#define GATE_CLOSED         (1u << 31)   /* GATE_CLOSED in trampoline.asm */
/* How long APs already inside the trampoline get to leave it, and how
 * long an AP started late gets to find the gate closed. */
#define TRAMPOLINE_DRAIN_MS 2000
#define LATE_AP_WAIT_MS     2000

struct trampoline_params {
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint16_t pad0;
	uint32_t far32_off;
	uint16_t far32_sel, pad1;
	uint32_t far64_off;
	uint16_t far64_sel, pad2;
	uint32_t cr3;
	uint32_t efer;
	uint64_t table;
	uint32_t count, pad3;
	uint64_t entry;
	uint32_t cr4, pad4;
	uint32_t gate;       /* see trampoline.asm */
	uint32_t late;
} __packed;

/* Matches REC_* in trampoline.asm. */
struct ap_boot_record {
	uint32_t apic_id;
	uint32_t pad;
	uint64_t stack_top;
	struct percpu *percpu;
};

#define TRAMPOLINE_PARAMS_OFF 8
_Static_assert(sizeof(struct trampoline_params) == 72, "trampoline layout");
_Static_assert(sizeof(struct ap_boot_record) == 24, "boot record layout");

extern const char trampoline_start[], trampoline_end[];
extern const uint32_t trampoline_pm32_off, trampoline_lm64_off, trampoline_gdt_off;
void __noreturn ap_entry(struct percpu *p);

static struct ap_boot_record records[MAX_CPUS];
static struct trampoline_params *tramp_params;
static uint32_t aps_left_trampoline;   /* APs that reached ap_entry */
static uint32_t aps_late_entry;        /* of those, after we gave up */

/* A field of the packed parameter block as an aligned word for atomics
 * (gate and late sit at 4-byte offsets of a page-aligned block). */
#define TRAMP_WORD(field) ((uint32_t *)((uint8_t *)tramp_params + \
	__builtin_offsetof(struct trampoline_params, field)))
_Static_assert(__builtin_offsetof(struct trampoline_params, gate) % 4 == 0 &&
	       __builtin_offsetof(struct trampoline_params, late) % 4 == 0,
	       "gate and late are aligned words");

unsigned smp_late_aps(void)
{
	uint32_t parked = tramp_params ?
		__atomic_load_n(TRAMP_WORD(late), __ATOMIC_ACQUIRE) : 0;

	return parked + __atomic_load_n(&aps_late_entry, __ATOMIC_ACQUIRE);
}

void ap_entry(struct percpu *p)
{
	enum cpu_state starting = CPU_STARTING;

	/* Off the trampoline page from here: the boot CPU may unmap it. */
	__atomic_add_fetch(&aps_left_trampoline, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != CPU_STARTING) {
		__atomic_add_fetch(&aps_late_entry, 1, __ATOMIC_RELEASE);
		halt_forever();
	}
	cpu_enable_simd();
	percpu_install(p);
	lapic_init();
	p->online_tsc = rdtsc();
	/* The boot CPU may have given up on us already: then stay out. */
	if (!__atomic_compare_exchange_n(&p->state, &starting, CPU_ONLINE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_add_fetch(&aps_late_entry, 1, __ATOMIC_RELEASE);
		halt_forever();
	}
	smp_idle_loop();
}

static void install_trampoline(uint64_t phys, unsigned count)
{
	uint8_t *page = phys_to_virt(phys);
	struct trampoline_params *tp = (void *)(page + TRAMPOLINE_PARAMS_OFF);
	uint32_t efer = (1u << 8) | (cpu.nx ? EFER_NXE : 0);   /* LME */

	memset(page, TRAMPOLINE_FILL, PAGE_SIZE);
	memcpy(page, trampoline_start, trampoline_end - trampoline_start);
	tp->gdt_base = phys + trampoline_gdt_off;
	tp->far32_off = phys + trampoline_pm32_off;
	tp->far64_off = phys + trampoline_lm64_off;
	tp->cr3 = kernel_pml4_phys;
	tp->cr4 = read_cr4() & (CR4_PAE | CR4_PGE);
	tp->efer = efer;
	tp->table = (uint64_t)records;
	tp->count = count;
	tp->entry = (uint64_t)ap_entry;
	tp->gate = 0;
	tp->late = 0;
	tramp_params = tp;
}

/* Prepares slot i for apic_id: stacks, records. Returns false on OOM. */
static bool prepare_ap(unsigned slot, unsigned rec, const struct smp_cpu_desc *d)
{
	struct percpu *p = &percpu_area[slot];
	uintptr_t stack = vmap_alloc(KSTACK_SIZE);

	if (!stack)
		return false;
	p->index = slot;
	p->apic_id = d->apic_id;
	p->node = d->node;
	p->stack_top = stack + KSTACK_SIZE;
	percpu_prepare(p);
	p->state = CPU_STARTING;
	records[rec] = (struct ap_boot_record){ d->apic_id, 0, p->stack_top, p };
	return true;
}

/* INIT, SIPI, SIPI to the slots in [first, last) still CPU_STARTING, or
 * to all of them when late (APs held back until the gate closed). */
static void send_startup(unsigned first, unsigned last, uint64_t tramp,
			 bool late)
{
	for (unsigned s = first; s < last; s++)
		if (late || percpu_area[s].state == CPU_STARTING)
			lapic_send_init(percpu_area[s].apic_id);
	udelay(INIT_DELAY_US);
	for (unsigned s = first; s < last; s++)
		if (late || percpu_area[s].state == CPU_STARTING)
			lapic_send_sipi(percpu_area[s].apic_id, tramp >> PAGE_SHIFT);
	udelay(SIPI_DELAY_US);
	for (unsigned s = first; s < last; s++)
		if (percpu_area[s].state == CPU_STARTING)
			lapic_send_sipi(percpu_area[s].apic_id, tramp >> PAGE_SHIFT);
}

/* Waits for slots [1, last); an AP still starting at the deadline is
 * marked failed, named on the console (it halts itself if it shows up
 * later). */
static void wait_online(unsigned last, struct smp_boot_result *res)
{
	uint64_t deadline = now_ns() +
		(AP_TIMEOUT_BASE_MS + AP_TIMEOUT_PER_CPU_MS * (uint64_t)last) * 1000000;

	for (unsigned s = 1; s < last; s++) {
		struct percpu *p = &percpu_area[s];
		enum cpu_state starting = CPU_STARTING;

		while (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == CPU_STARTING &&
		       now_ns() < deadline)
			cpu_relax();
		if (__atomic_compare_exchange_n(&p->state, &starting, CPU_FAILED,
				false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			res->failed++;
			kprintf("smp: watchdog: CPU %u (APIC id %u) did not reach ap_entry within %lu ms of its SIPI\n",
				s, p->apic_id, (unsigned long)(AP_TIMEOUT_BASE_MS +
				AP_TIMEOUT_PER_CPU_MS * (uint64_t)last));
		}
	}
}

/* Closes the trampoline's gate, then waits (bounded) for the APs that got
 * in to leave it. Returns true when the page may be unmapped. */
static bool close_trampoline(void)
{
	uint32_t in = __atomic_fetch_or(TRAMP_WORD(gate), GATE_CLOSED,
					__ATOMIC_ACQ_REL) & ~GATE_CLOSED;
	uint64_t deadline = now_ns() + TRAMPOLINE_DRAIN_MS * 1000000ull;
	uint32_t left;

	while ((left = __atomic_load_n(&aps_left_trampoline, __ATOMIC_ACQUIRE)) < in &&
	       now_ns() < deadline)
		cpu_relax();
	if (left >= in)
		return true;
	kprintf("smp: watchdog: %u APs entered the trampoline and did not leave it in %u ms: its page stays mapped\n",
		in - left, TRAMPOLINE_DRAIN_MS);
	return false;
}

/* Starts the APs fault injection held back, after the gate closed: each
 * must find it closed and park (smp_late_aps() counts them). */
static void start_late(unsigned last, uint32_t late_apic_id, uint64_t tramp)
{
	uint64_t deadline = now_ns() + LATE_AP_WAIT_MS * 1000000ull;
	unsigned n = 0;

	for (unsigned s = 1; s < last; s++)
		if (percpu_area[s].apic_id == late_apic_id) {
			send_startup(s, s + 1, tramp, true);
			n++;
		}
	while (smp_late_aps() < n && now_ns() < deadline)
		cpu_relax();
	kprintf("smp: %u of %u APs started after the deadline found bring-up closed and parked\n",
		smp_late_aps(), n);
}

void smp_boot_aps(const struct smp_cpu_desc *cpus, unsigned n,
		  uint64_t tramp, uint32_t skip_apic_id,
		  struct smp_boot_result *res)
{
	uint32_t me = lapic_id();
	unsigned slot = 1, online = 1;
	uint64_t t0 = now_ns();

	memset(res, 0, sizeof(*res));
	percpu_area[0].apic_id = me;
	percpu_area[0].state = CPU_ONLINE;
	for (unsigned i = 0; i < n && slot < MAX_CPUS; i++) {
		if (cpus[i].apic_id == me) {
			percpu_area[0].node = cpus[i].node;
			continue;
		}
		if (!prepare_ap(slot, slot - 1, &cpus[i]))
			break;
		slot++;
	}
	res->requested = slot - 1;
	if (res->requested && tramp) {
		install_trampoline(tramp, slot - 1);
		/* The trampoline turns paging on while running from its low
		 * page: identity-map that page for the duration. */
		if (pt_map(kernel_pml4_phys, tramp, tramp, PAGE_SIZE, 0,
			   PAGE_SIZE, &kernel_pt_alloc)) {
			kprintf("smp: no page table for the trampoline's identity map: APs left out\n");
			res->failed = res->requested;
			goto done;
		}
		if (skip_apic_id == SMP_SKIP_LAST_AP)
			skip_apic_id = percpu_area[slot - 1].apic_id;
		if (skip_apic_id == SMP_LOSE_LAST_AP) {
			records[slot - 2].apic_id = UINT32_MAX;
			skip_apic_id = UINT32_MAX;
		}
		for (unsigned s = 1; s < slot; s++)
			if (percpu_area[s].apic_id == skip_apic_id)
				percpu_area[s].state = CPU_FAILED, res->failed++;
		send_startup(1, slot, tramp, false);
		wait_online(slot, res);
		if (close_trampoline()) {
			pt_unmap(kernel_pml4_phys, tramp, PAGE_SIZE);
			write_cr3(read_cr3());
		}
		if (skip_apic_id != UINT32_MAX)
			start_late(slot, skip_apic_id, tramp);
	} else if (res->requested) {
		res->failed = res->requested;
	}
done:
	smp_set_online(0, &percpu_area[0]);
	for (unsigned s = 1; s < slot; s++)
		if (percpu_area[s].state == CPU_ONLINE)
			smp_set_online(online++, &percpu_area[s]);
	nr_cpus_online = online;
	res->online = online;
	res->ns = now_ns() - t0;
}
