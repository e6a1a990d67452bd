/* Interrupts and exceptions: the IDT, handler registration and the panic
 * report. Every exception without a registered handler panics: the report
 * (vector, error code, RIP, CR2, registers, symbolized frame-pointer
 * backtrace) goes to the console and the kernel exits with status "crash". */
#ifndef ARCH_X86_64_TRAPS_H
#define ARCH_X86_64_TRAPS_H
#include "lib/compiler.h"

#define VEC_DIVIDE        0
#define VEC_NMI           2
#define VEC_DOUBLE_FAULT  8
#define VEC_GP            13
#define VEC_PAGE_FAULT    14
#define VEC_MACHINE_CHECK 18
#define VEC_FIRST_IRQ     32
#define VEC_IPI_CALL      0xf0   /* smp/call.c: run a function */
#define VEC_IPI_STOP      0xf1   /* panic: stop the other CPUs */
#define VEC_IPI_TLB       0xf2   /* smp/tlb.c: flush the TLB */
#define VEC_IPI_WAKE      0xf3   /* smp/wake.c: end a halt, nothing else */
#define VEC_WAKE_TIMER    0xf4   /* smp/wake.c: a halt's bound expired */
#define VEC_SPURIOUS      0xff

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

/* A handler returns true when it handled the trap (execution resumes at
 * frame->rip, which it may change); false falls through to panic. */
typedef bool (*trap_handler_t)(struct trap_frame *frame);

/* Builds the IDT (once, on the boot CPU). */
void idt_init(void);
/* Loads the IDT on the calling CPU. */
void idt_load(void);
void trap_set_handler(unsigned vector, trap_handler_t fn);
/* Called by isr.asm. */
void trap_dispatch(struct trap_frame *frame);

/* Set by SMP code: stops the other CPUs when one panics (NULL before). */
extern void (*panic_stop_others)(void);
/* Prints a panic report and exits with status "crash" (never returns). */
void __noreturn panic(const char *fmt, ...) __printf(1, 2);
/* Test hook: the next panic() faults (a write to page 0) after printing
 * its message, to show that a fault inside the report exits with status
 * "crash" and the line "fault inside the panic report" instead of looping. */
void panic_inject_nested_fault(void);
/* Symbol name containing addr, with the offset; NULL when none. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
/* Prints a frame-pointer backtrace starting at rbp. */
void backtrace_print(uint64_t rip, uint64_t rbp);
#endif
