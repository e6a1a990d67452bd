/* x86-64 instruction wrappers: port I/O, MSRs, control registers, CPUID,
 * interrupts. Intel SDM vol. 2 for each instruction. */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H
#include "lib/compiler.h"

#define MSR_EFER          0xc0000080
#define MSR_FS_BASE       0xc0000100
#define MSR_GS_BASE       0xc0000101
#define MSR_KERNEL_GS     0xc0000102
#define MSR_APIC_BASE     0x0000001b
#define MSR_TSC_DEADLINE  0x000006e0
#define MSR_PAT           0x00000277
#define EFER_NXE          (1u << 11)

#define CR0_MP  (1ul << 1)
#define CR0_EM  (1ul << 2)
#define CR0_TS  (1ul << 3)
#define CR0_WP  (1ul << 16)
#define CR4_PAE        (1ul << 5)
#define CR4_PGE        (1ul << 7)
#define CR4_OSFXSR     (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_OSXSAVE    (1ul << 18)
#define RFLAGS_IF      (1ul << 9)

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* rdtsc ordered after earlier loads (lfence), for timing intervals. */
static inline uint64_t rdtsc_ordered(void)
{
	asm volatile("lfence" ::: "memory");
	return rdtsc();
}

#define DEFINE_CR(n) \
	static inline uint64_t read_cr##n(void) { uint64_t v; asm volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(uint64_t v) { asm volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void xsetbv(uint32_t reg, uint64_t v)
{
	asm volatile("xsetbv" :: "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void invlpg(const void *va) { asm volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void irq_disable(void) { asm volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { asm volatile("sti" ::: "memory"); }
static inline void halt(void) { asm volatile("hlt" ::: "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* Saves and disables interrupts; irq_restore() puts the flag back. */
static inline uint64_t irq_save(void)
{
	uint64_t f = read_rflags();

	irq_disable();
	return f;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		irq_enable();
}

static inline void __noreturn halt_forever(void)
{
	for (;;) {
		irq_disable();
		halt();
	}
}
#endif
