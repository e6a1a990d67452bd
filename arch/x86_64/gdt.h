/* Per-CPU GDT and TSS (Intel SDM vol. 3A, 3.4.5 and 8.7). */
#ifndef ARCH_X86_64_GDT_H
#define ARCH_X86_64_GDT_H
#include "lib/compiler.h"

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18
#define GDT_ENTRIES     5      /* null, code, data, TSS (two slots) */

#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_COUNT        3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct cpu_gdt {
	uint64_t entries[GDT_ENTRIES];
	struct tss tss;
} __aligned(16);

/* Fills gdt (with IST stack tops ist_top[0..IST_COUNT-1]) and loads it,
 * reloading segment registers and the task register. */
void gdt_load(struct cpu_gdt *gdt, const uintptr_t ist_top[IST_COUNT]);
#endif
