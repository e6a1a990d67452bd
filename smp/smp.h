/* SMP: bringing up the application processors and the per-CPU mailbox
 * that runs a function on one of them (smp/on_cpus.h builds on it).
 *
 * CPU numbers: percpu_area[] slots are assigned in MADT order (slot 0 = the
 * boot CPU); CPUs that answered get dense "online" numbers 0..nr_cpus_online-1
 * (smp_cpu(n) gives the percpu of online CPU n), which is what the job
 * engine and the experiments use. */
#ifndef SMP_SMP_H
#define SMP_SMP_H
#include "smp/percpu.h"

struct smp_cpu_desc {
	uint32_t apic_id;
	unsigned node;
};

struct smp_boot_result {
	unsigned requested;    /* APs we tried to start */
	unsigned online;       /* CPUs online, the boot CPU included */
	unsigned failed;       /* APs that did not answer in time */
	uint64_t ns;           /* bring-up time */
};

/* skip_apic_id value: leave the last AP of the list unstarted. */
#define SMP_SKIP_LAST_AP 0xfffffffeu
/* skip_apic_id value: start the last AP with a boot record that does not
 * name it: it passes the trampoline's gate, finds no record and halts
 * there, so it never reaches ap_entry (both bring-up watchdogs fire). */
#define SMP_LOSE_LAST_AP 0xfffffffdu

/* Starts every CPU of cpus[0..n-1] except the calling one (matched by APIC
 * id), all at once (INIT, 10 ms, SIPI, 200 us, SIPI), and waits a bounded
 * time for each. skip_apic_id: an APIC id not to start (fault injection;
 * UINT32_MAX for none). Must run on the boot CPU after lapic_init(). */
void smp_boot_aps(const struct smp_cpu_desc *cpus, unsigned n,
		  uint64_t trampoline_phys, uint32_t skip_apic_id,
		  struct smp_boot_result *res);

/* Gives p the online number n (bring-up only, boot CPU). */
void smp_set_online(unsigned n, struct percpu *p);
/* The percpu of online CPU n (0 <= n < nr_cpus_online). */
struct percpu *smp_cpu(unsigned n);
/* The online number of the calling CPU. */
unsigned smp_this_cpu(void);

/* Asks online CPU cpu (idle, not the caller) to run fn(arg, idx). */
void smp_call_start(unsigned cpu, void (*fn)(void *arg, unsigned idx),
		    void *arg, unsigned idx);
/* Waits until cpu finished the function started on it, at most max_ns;
 * false when it did not (smp/on_cpus.h turns that into a named panic). */
bool smp_call_wait_bounded(unsigned cpu, uint64_t max_ns);
/* Whether online CPU cpu (idle, not the caller) runs an empty call within
 * max_ns: a CPU hung with interrupts off, or one whose IPIs are lost, does
 * not. A CPU that failed stays busy with the call, so callers give up on it
 * rather than call it again. */
bool smp_ping(unsigned cpu, uint64_t max_ns);
/* The loop an AP sits in between calls (hlt until an IPI). */
void __noreturn smp_idle_loop(void);
/* Installs the IPI handlers (call, stop); boot CPU, before smp_boot_aps. */
void smp_init_ipis(void);
#endif
