/* The kernel's final page tables (see boot/memory.h): a direct map of
 * [0, max(4 GiB, end of RAM)) at PAGE_OFFSET with the largest pages the CPU
 * has (1 GiB with pdpe1gb, else 2 MiB), and the kernel image with 4 KiB
 * pages so each part gets its own permissions: text read-only and
 * executable, rodata read-only, data/bss writable, both NX. The page under
 * the boot stack stays unmapped (guard). The low 4 GiB stay mapped in the
 * direct map for MMIO (LAPIC, IOAPIC, HPET, framebuffer) and ACPI tables;
 * MTRRs keep the MMIO hole uncached. */
#include "boot/memory.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/paging.h"
#include "mm/memblock.h"
#include "lib/printf.h"
#include "lib/string.h"

#define DIRECT_FLAGS   (PTE_W | PTE_NX | PTE_G)

extern char _text[], _etext[], _rodata[], _erodata[], _data[], _ebss[];
extern char _kernel_end[], boot_stack_guard[];

static uint64_t boot_alloc_page(void *ctx)
{
	uint64_t pa = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE, DIRECT_MAP_LOW_END);

	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static void boot_free_page(void *ctx, uint64_t pa)
{
	memblock_free(pa, PAGE_SIZE);
}

struct pt_alloc boot_pt_alloc = { boot_alloc_page, boot_free_page, NULL, 0 };

static int map_image_range(uint64_t pml4, const char *start, const char *end,
			   uint64_t flags)
{
	uint64_t va = ALIGN_DOWN((uint64_t)start, PAGE_SIZE);
	uint64_t size = ALIGN_UP((uint64_t)end, PAGE_SIZE) - va;

	return pt_map(pml4, va, virt_to_phys((void *)va), size, flags | PTE_G,
		      PAGE_SIZE, &boot_pt_alloc);
}

static int map_direct(uint64_t pml4, uint64_t start, uint64_t end)
{
	uint64_t ps = cpu.pdpe1gb ? GPAGE_SIZE : HPAGE_SIZE;

	start = ALIGN_DOWN(start, ps);
	end = ALIGN_UP(end, ps);
	for (uint64_t pa = start; pa < end; pa += ps) {
		/* Skip what an earlier call (e.g. RAM vs framebuffer) mapped. */
		if (pt_lookup(pml4, PAGE_OFFSET + pa, NULL))
			continue;
		if (pt_map(pml4, PAGE_OFFSET + pa, pa, ps, DIRECT_FLAGS, ps,
			   &boot_pt_alloc))
			return -1;
	}
	return 0;
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

int kernel_map_init(uint64_t fb_phys, uint64_t fb_size, const char **err)
{
	uint64_t pml4 = boot_alloc_page(NULL);
	uint64_t guard = (uint64_t)boot_stack_guard;
	int rc;

	/* entry.asm turned NXE on only when CPUID says the CPU has NX
	 * (absent on old CPUs, hidden by firmware "XD disable"). */
	report_memory_problems();
	paging_set_nx(rdmsr(MSR_EFER) & EFER_NXE);
	if (!pte_nx)
		kprintf("paging: NX (execute disable) is unavailable: data pages stay executable\n");
	*err = "out of memory for page tables";
	if (!pml4)
		return -1;
	rc = map_direct(pml4, 0, MAX(DIRECT_MAP_LOW_END, boot_mem.ram_end));
	if (!rc && fb_size)
		rc = map_direct(pml4, fb_phys, fb_phys + fb_size);
	rc = rc ?: map_image_range(pml4, _text, _etext, 0);
	rc = rc ?: map_image_range(pml4, _rodata, _erodata, PTE_NX);
	rc = rc ?: map_image_range(pml4, _data, (char *)guard, PTE_W | PTE_NX);
	rc = rc ?: map_image_range(pml4, (char *)guard + PAGE_SIZE, _ebss, PTE_W | PTE_NX);
	rc = rc ?: map_image_range(pml4, _ebss, _kernel_end, PTE_NX);
	if (rc)
		return -1;
	kernel_pml4_phys = pml4;
	if (cpu.pge)
		write_cr4(read_cr4() | CR4_PGE);
	write_cr3(pml4);
	return 0;
}
