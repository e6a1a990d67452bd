/* run=crash: deliberately crash, to prove the crash path works: the panic
 * report (vector, error code, RIP, CR2, registers, symbolized backtrace)
 * and the exit status "crash". Opt-in: never part of the default run or
 * of run=all, only when named. Variants:
 *   pf        write through a NULL pointer (#PF, not present)
 *   ud        an undefined instruction (#UD)
 *   overflow  unbounded recursion into the stack's guard page (#PF that
 *             cannot push its frame: #DF, reported from the IST stack)
 *   nx        jump into the direct map, which is mapped NX (#PF, fetch)
 *   text-write  write to this function's own code through the direct
 *             map, whose alias of text and rodata is read-only (#PF,
 *             protection, write): a stray pointer cannot patch code
 *   bad-frame an undefined instruction with the frame pointer aimed at
 *             a forged frame whose saved frame pointer leads to unmapped
 *             memory: the backtrace must stop, not fault in the report
 *   panic     an explicit panic()
 *   panic-nested  a panic() whose report itself faults: exit 5 at once,
 *             with what was printed so far */
#include "experiments/experiment.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/mmu.h"
#include "lib/report.h"

static const char *const crash_variants[] = {
	"pf", "ud", "overflow", "nx", "text-write", "bad-frame", "panic",
	"panic-nested", NULL
};

static volatile uint64_t *volatile null_ptr;

/* Each frame keeps a buffer alive so the recursion eats the stack fast. */
static volatile uint64_t recursion_limit = UINT64_MAX;

static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
	volatile uint64_t pad[64];

	pad[0] = depth;
	if (depth >= recursion_limit)   /* never: keeps the compiler honest */
		return depth;
	return recurse(depth + 1) + pad[0];
}

/* A forged frame: [0] the caller's frame pointer, [1] the return address.
 * The saved pointer lies in the kernel half, above this frame (as a real
 * one would), unmapped. */
static uint64_t forged_frame[2] __aligned(16);

static void __noreturn crash_bad_frame(void)
{
	forged_frame[0] = VMAP_BASE + VMAP_SIZE - 4096;
	forged_frame[1] = (uint64_t)crash_bad_frame + 1;
	/* rbp is not restored: the #UD never returns. */
	asm volatile("mov %0, %%rbp\n\tud2" :: "r"(forged_frame) : "memory");
	__builtin_unreachable();
}

static void crash_run(struct exp_ctx *c)
{
	if (exp_variant_on(c, "pf"))
		*null_ptr = 1;
	if (exp_variant_on(c, "ud"))
		asm volatile("ud2");
	if (exp_variant_on(c, "overflow"))
		report_info("unreachable: recursed %lu", recurse(0));
	if (exp_variant_on(c, "nx"))
		((void (*)(void))phys_to_virt(1ull * MiB))();
	if (exp_variant_on(c, "bad-frame"))
		crash_bad_frame();
	if (exp_variant_on(c, "text-write"))
		*(volatile uint8_t *)phys_to_virt(virt_to_phys((void *)crash_run)) = 0xcc;
	if (exp_variant_named(c, "panic-nested")) {
		panic_inject_nested_fault();
		panic("run=crash variants=panic-nested: deliberate");
	}
	if (exp_variant_on(c, "panic"))
		panic("run=crash variants=panic: deliberate");
	report(false, "no variant crashed");
}

const struct experiment exp_crash = {
	.name = "crash",
	.summary = "deliberate crash: checks the panic report and exit status",
	.variants = crash_variants,
	.opt_in = true,
	.run = crash_run,
};
