/* kmain(): the boot script. GRUB -> boot/entry.asm (long mode) -> here:
 * consoles, CPU features, memory map, page tables, ACPI, time, CPUs,
 * hand-over to the experiment runner, exit. One step per line; the order
 * matters where a comment says so. */
#include "boot/boot.h"
#include "boot/memory.h"
#include "boot/multiboot2.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/kernel_map.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/traps.h"
#include "arch/x86_64/tsc.h"
#include "drivers/console.h"
#include "drivers/fbcon.h"
#include "drivers/power.h"
#include "drivers/serial.h"
#include "experiments/run.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "mm/memblock.h"
#include "smp/percpu.h"

#define MBI_MAX_SIZE (1ull * MiB)   /* sanity bound on total_size */

struct boot_info boot;
static struct machine machine;

/* Bad input: say what was wrong and leave with status 3. */
void __noreturn boot_fail(const char *what, const char *why)
{
	kprintf("parinit: %s: %s\n", what, why);
	kprintf("parinit: verdict FAIL\n");
	machine_exit(EXIT_FAIL);
}

static void parse_boot_info(uint32_t magic, uint64_t mbi_phys)
{
	const char *err = NULL;
	const uint32_t *hdr = phys_to_virt(mbi_phys);
	uint64_t avail;

	if (magic != MB2_BOOTLOADER_MAGIC)
		boot_fail("boot", "not started by a Multiboot2 loader");
	if (mbi_phys & (MB2_INFO_ALIGN - 1))
		boot_fail("multiboot2", "boot information is not 8-byte aligned");
	/* Read total_size only to bound the parser; it re-validates it. */
	avail = MIN((uint64_t)hdr[0], MBI_MAX_SIZE);
	if (mb2_parse(hdr, avail, &boot.mb, &err))
		boot_fail("multiboot2", err);
	boot.mbi_phys = mbi_phys;
}

static void setup_framebuffer(void)
{
	const struct mb2_framebuffer *f = &boot.mb.fb;
	struct fb_info fb;

	if (!boot.mb.has_fb || f->type != MB2_FB_RGB)
		return;
	fb = (struct fb_info){ phys_to_virt(f->addr), f->pitch, f->width,
			       f->height, f->bpp };
	boot.fb_console = fbcon_init(&fb);
}

/* What boot_memory_init() could not use as the map said (it does not
 * print: it is built into host tests). Runs just after it. */
static void report_memory_problems(void)
{
	if (boot_mem.wrapped_entries)
		kprintf("memory: %u map entries end past 2^64: usable ones ignored, reserved ones reserve to the end\n",
			boot_mem.wrapped_entries);
	if (boot_mem.reserved_overlap_bytes)
		kprintf("memory: %lu KiB listed usable are also listed reserved, ACPI or bad: left unused\n",
			boot_mem.reserved_overlap_bytes / KiB);
	if (boot_mem.ram_dropped_bytes)
		kprintf("memory: %lu MiB of RAM above the %lu TiB direct map are not used\n",
			(unsigned long)(boot_mem.ram_dropped_bytes / MiB),
			(unsigned long)(DIRECT_MAP_MAX / TiB));
}

static void setup_memory(void)
{
	const char *err = NULL;
	uint64_t fb_size;

	if (boot_memory_init(&boot.mb, boot.mbi_phys, boot.mb.total_size, &err))
		boot_fail("memory", err);
	report_memory_problems();
	if (boot.mb.has_fb && (err = boot_fb_check(&boot.mb.fb)))
		kprintf("framebuffer: at %#lx: %s: console off\n", boot.mb.fb.addr, err);
	boot.mb.has_fb = boot.mb.has_fb && !err;
	fb_size = boot.mb.has_fb ? (uint64_t)boot.mb.fb.pitch * boot.mb.fb.height : 0;
	/* Needs memblock (table pages) and CPU features (1 GiB pages). */
	if (kernel_map_init(boot.mb.fb.addr, fb_size, &err))
		boot_fail("paging", err);
}

void kmain(uint32_t magic, uint64_t mbi_phys);
void kmain(uint32_t magic, uint64_t mbi_phys)
{
	tsc_mark_boot();
	serial_init();
	cpu_features_detect();
	cpu_enable_simd();
	idt_init();                 /* exceptions report from here on */
	parse_boot_info(magic, mbi_phys);
	boot_console_option();      /* before the banner: all of it there */
	setup_memory();             /* after this, only the direct map */
	percpu_area[0].index = 0;
	percpu_prepare(&percpu_area[0]);   /* needs vmap (IST stacks) */
	percpu_install(&percpu_area[0]);
	setup_framebuffer();        /* needs the direct map */
	boot_banner();
	boot_early_options();       /* quiet, halt, reboot, exit */
	boot_platform_init();       /* ACPI, time, CPUs, nodes */
	boot_describe(&machine);
	/* Interrupts on from here, as on the APs: the boot CPU takes part in
	 * experiments, and a CPU waiting with them off would never answer
	 * another CPU's IPI (a TLB shootdown from a page-fault handler).
	 * Every source but IPIs is masked (PICs, no LAPIC timer). */
	irq_enable();
	/* The hand-over: the runner parses the command line (bad: status 3),
	 * prints the boot line and runs the experiments. */
	machine_exit(exp_main(&machine) ? EXIT_FAIL : EXIT_PASS);
}
