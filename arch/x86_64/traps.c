/* IDT, trap dispatch and the panic report (see traps.h). */
#include "arch/x86_64/traps.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/paging.h"
#include "drivers/console.h"
#include "drivers/power.h"
#include "lib/printf.h"
#include "smp/percpu.h"

#define IDT_VECTORS 256
#define IDT_INTERRUPT_GATE 0x8e   /* present, ring 0, 64-bit interrupt gate */
#define BACKTRACE_MAX_DEPTH 32
#define KERNEL_TEXT_BASE 0xffffffff80000000ull
/* No kernel stack is larger than this (KSTACK_SIZE is 32 KiB): a saved
 * frame pointer further up than this belongs to no stack we know. */
#define BACKTRACE_MAX_FRAME (64 * 1024)
#define EARLY_IST_SIZE 4096

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

extern const uint64_t isr_stub_table[IDT_VECTORS];
extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_names[];
extern const char ksyms_strtab[];
extern const char _text[], _etext[];

static struct idt_entry idt[IDT_VECTORS] __aligned(16);
static trap_handler_t handlers[IDT_VECTORS];
void (*panic_stop_others)(void);

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 floating point",
	"#AC alignment check", "#MC machine check", "#XM SIMD floating point",
	"#VE virtualization", "#CP control protection",
};

static void idt_set(unsigned v, uint64_t handler, uint8_t ist)
{
	idt[v] = (struct idt_entry){
		.offset_lo = handler & 0xffff,
		.selector = GDT_KERNEL_CODE,
		.ist = ist,
		.type = IDT_INTERRUPT_GATE,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = handler >> 32,
	};
}

/* The boot CPU's GDT, TSS and IST stacks until percpu_install() gives it
 * its own: #DF, NMI and #MC use IST stacks, and an IST gate without a
 * loaded TSS is itself a fault, so without these an early #DF (or an NMI
 * from the firmware's watchdog) would triple-fault instead of reporting. */
static struct cpu_gdt early_gdt;
static uint8_t early_ist[IST_COUNT][EARLY_IST_SIZE] __aligned(16);

static void early_tss_load(void)
{
	uintptr_t top[IST_COUNT];

	for (int i = 0; i < IST_COUNT; i++)
		top[i] = (uintptr_t)early_ist[i] + EARLY_IST_SIZE;
	gdt_load(&early_gdt, top);
}

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		idt_set(v, isr_stub_table[v], 0);
	idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
	idt[VEC_NMI].ist = IST_NMI;
	idt[VEC_MACHINE_CHECK].ist = IST_MACHINE_CHECK;
	early_tss_load();      /* before the IST gates can be taken */
	idt_load();
}

void idt_load(void)
{
	struct idt_ptr ptr = { sizeof(idt) - 1, (uint64_t)idt };

	asm volatile("lidt %0" :: "m"(ptr));
}

void trap_set_handler(unsigned vector, trap_handler_t fn)
{
	handlers[vector] = fn;
}

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t lo = 0, hi = ksyms_count;

	if (!ksyms_count || addr < (uint64_t)_text || addr >= (uint64_t)_etext)
		return NULL;
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;

		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addrs[lo];
	return &ksyms_strtab[ksyms_names[lo]];
}

static void print_symbol(uint64_t addr)
{
	uint64_t off;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		kprintf("  [<%016lx>] %s+0x%lx\n", addr, name, off);
	else
		kprintf("  [<%016lx>] ?\n", addr);
}

/* True when [va, va+16) is mapped in the current page tables: a frame
 * pointer is read only then, so a corrupt one ends the walk instead of
 * faulting inside the panic report. */
static bool frame_readable(uint64_t va)
{
	uint64_t root = read_cr3() & PTE_ADDR_MASK;

	return pt_lookup(root, va, NULL) && pt_lookup(root, va + 15, NULL);
}

/* Frames are trusted only while they lie in the kernel half, are aligned,
 * mapped, and grow upwards by less than a stack: a corrupt chain ends the
 * walk instead of faulting. */
void backtrace_print(uint64_t rip, uint64_t rbp)
{
	kprintf("Backtrace:\n");
	print_symbol(rip);
	for (int depth = 0; depth < BACKTRACE_MAX_DEPTH; depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret;

		if (rbp < KERNEL_TEXT_BASE && (rbp >> 47) != 0x1ffff)
			break;
		if (!rbp || (rbp & 7) || !frame_readable(rbp))
			break;
		ret = frame[1];
		if (ret < (uint64_t)_text || ret >= (uint64_t)_etext)
			break;
		print_symbol(ret);
		if (frame[0] <= rbp || frame[0] - rbp > BACKTRACE_MAX_FRAME)
			break;
		rbp = frame[0];
	}
}

static void dump_frame(const struct trap_frame *f)
{
	kprintf("RIP %016lx  RSP %016lx  RFLAGS %016lx  CS %lx SS %lx\n",
		f->rip, f->rsp, f->rflags, f->cs, f->ss);
	kprintf("RAX %016lx  RBX %016lx  RCX %016lx  RDX %016lx\n",
		f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("RSI %016lx  RDI %016lx  RBP %016lx  R8  %016lx\n",
		f->rsi, f->rdi, f->rbp, f->r8);
	kprintf("R9  %016lx  R10 %016lx  R11 %016lx  R12 %016lx\n",
		f->r9, f->r10, f->r11, f->r12);
	kprintf("R13 %016lx  R14 %016lx  R15 %016lx\n", f->r13, f->r14, f->r15);
	kprintf("CR0 %016lx  CR2 %016lx  CR3 %016lx  CR4 %016lx\n",
		read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static unsigned panic_cpu(void)
{
	/* GS may not be set up yet on a very early fault. */
	return rdmsr(MSR_GS_BASE) ? this_cpu() : 0;
}

static volatile int panic_owner = -1;
static volatile unsigned panic_nesting;
static volatile bool panic_fault_injected;
static volatile uint64_t *volatile panic_fault_target;   /* NULL: page 0 */

void panic_inject_nested_fault(void)
{
	panic_fault_injected = true;
}

/* A fault while the report is being printed: the report cannot be
 * trusted to finish, so leave now with what is on the console. One line,
 * serial only (the framebuffer may be what faulted); a fault while
 * printing even that line exits without a word. */
static void __noreturn panic_nested(void)
{
	if (__atomic_add_fetch(&panic_nesting, 1, __ATOMIC_RELAXED) == 1) {
		console_set_fb(false);
		kprintf("\n*** parinit: fault inside the panic report, exiting\n"
			"parinit: verdict CRASH\n");
	}
	machine_exit(EXIT_CRASH);
}

/* Only the first CPU to panic reports; the others stop quietly. The
 * reporting CPU coming back here faulted inside its own report. */
static void panic_enter(void)
{
	int me = (int)panic_cpu(), expected = -1;

	irq_disable();
	if (!__atomic_compare_exchange_n(&panic_owner, &expected, me, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		if (expected == me)
			panic_nested();
		halt_forever();
	}
	console_panic_mode();
	if (panic_stop_others)
		panic_stop_others();
}

static void __noreturn exception_panic(struct trap_frame *f)
{
	const char *name = f->vector < 32 && exception_names[f->vector] ?
		exception_names[f->vector] : "interrupt";

	panic_enter();
	kprintf("\n*** parinit PANIC on CPU %u: %s (vector %lu, error code 0x%lx)\n",
		panic_cpu(), name, f->vector, f->error);
	if (f->vector == VEC_PAGE_FAULT)
		kprintf("page fault at address %016lx (%s, %s, %s)\n", read_cr2(),
			f->error & 1 ? "protection" : "not present",
			f->error & 2 ? "write" : "read",
			f->error & 16 ? "instruction fetch" : "data");
	dump_frame(f);
	backtrace_print(f->rip, f->rbp);
	kprintf("parinit: verdict CRASH\n");
	machine_exit(EXIT_CRASH);
}

void trap_dispatch(struct trap_frame *frame)
{
	trap_handler_t h = handlers[frame->vector];

	if (h && h(frame))
		return;
	exception_panic(frame);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	uint64_t rbp;

	panic_enter();
	kprintf("\n*** parinit PANIC on CPU %u: ", panic_cpu());
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	if (panic_fault_injected)
		*panic_fault_target = 0;   /* page 0 is never mapped */
	asm volatile("mov %%rbp, %0" : "=r"(rbp));
	backtrace_print((uint64_t)__builtin_return_address(0), rbp);
	kprintf("parinit: verdict CRASH\n");
	machine_exit(EXIT_CRASH);
}
