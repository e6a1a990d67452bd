/* The machine as kmain() hands it to the experiment runner: everything
 * boot learnt (CPUs, nodes, memory, features, firmware, ACPI), read-only.
 * Experiments read it from their context (c->m); nothing under
 * experiments/ includes boot/. */
#ifndef EXPERIMENTS_MACHINE_H
#define EXPERIMENTS_MACHINE_H
#include "lib/compiler.h"

struct machine {
	const char *cmdline;         /* as the loader passed it ("" if none) */
	const char *build_id;        /* the source commit the kernel was built from */
	const char *firmware;        /* "bios" or "uefi" */
	const char *loader;          /* the loader's name, "" if unknown */
	const char *memory_map;      /* which boot information tag it came from */
	const char *cpu_vendor, *cpu_brand;
	unsigned cpus;               /* online, the boot CPU included */
	unsigned cpus_requested;     /* APs the bring-up tried to start */
	unsigned cpus_failed;        /* APs that did not answer */
	unsigned nodes;              /* NUMA nodes (>= 1) */
	uint64_t ram_bytes;          /* RAM in the memory map */
	uint64_t usable_bytes;       /* free for experiments at the hand-over */
	uint64_t tsc_hz;
	const char *tsc_source;
	bool tsc_invariant;          /* CPUID 0x80000007 EDX bit 8 */
	uint64_t ready_ns;           /* kernel entry -> all CPUs online */
	uint64_t ap_boot_ns;         /* the AP bring-up alone */
	bool acpi, x2apic, fb_console, pdpe1gb, avx2;
	bool nx;                     /* page tables may use the NX bit */
	/* What the machine described but this kernel left out (each said
	 * with a message at boot): RAM past the direct map, CPUs the local
	 * APIC cannot address or past MAX_CPUS, SRAT entries past the tables,
	 * APs that answered after the bring-up closed (parked). */
	uint64_t ram_dropped_bytes;
	unsigned cpus_dropped, numa_entries_dropped, cpus_late;
};
#endif
