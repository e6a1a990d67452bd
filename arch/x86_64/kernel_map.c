/* The kernel's final page tables (see kernel_map.h). */
#include "arch/x86_64/kernel_map.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpufeatures.h"
#include "arch/x86_64/paging.h"
#include "mm/memblock.h"
#include "lib/printf.h"
#include "lib/string.h"

#define DIRECT_FLAGS   (PTE_W | PTE_NX | PTE_G)
/* PAT entry 3 with the power-on PAT: UC. */
#define DIRECT_MMIO    (DIRECT_FLAGS | PTE_PCD | PTE_PWT)
#define DIRECT_RO      (PTE_NX | PTE_G)

extern char _text[], _etext[], _rodata[], _erodata[], _data[], _ebss[];
extern char _kernel_end[], boot_stack_guard[];

static uint64_t memblock_pt_page(void *ctx)
{
	uint64_t pa = memblock_phys_alloc(PAGE_SIZE, PAGE_SIZE, DIRECT_MAP_LOW_END);

	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static void memblock_pt_free(void *ctx, uint64_t pa)
{
	memblock_free(pa, PAGE_SIZE);
}

struct pt_alloc kernel_pt_alloc = { memblock_pt_page, memblock_pt_free, NULL, 0 };

static int map_image_range(uint64_t pml4, const char *start, const char *end,
			   uint64_t flags)
{
	uint64_t va = ALIGN_DOWN((uint64_t)start, PAGE_SIZE);
	uint64_t size = ALIGN_UP((uint64_t)end, PAGE_SIZE) - va;

	return pt_map(pml4, va, virt_to_phys((void *)va), size, flags | PTE_G,
		      PAGE_SIZE, &kernel_pt_alloc);
}

/* Maps physical [pa, end) (page-aligned) at PAGE_OFFSET + pa with the
 * largest pages that fit: a large page only where the whole of it lies in
 * the range, so it never mixes two kinds of memory. */
static int map_direct(uint64_t pml4, uint64_t pa, uint64_t end, uint64_t flags)
{
	while (pa < end) {
		uint64_t ps = PAGE_SIZE;

		if (cpu.pdpe1gb && IS_ALIGNED(pa, GPAGE_SIZE) && end - pa >= GPAGE_SIZE)
			ps = GPAGE_SIZE;
		else if (IS_ALIGNED(pa, HPAGE_SIZE) && end - pa >= HPAGE_SIZE)
			ps = HPAGE_SIZE;
		if (pt_map(pml4, PAGE_OFFSET + pa, pa, ps, flags, ps, &kernel_pt_alloc))
			return -1;
		pa += ps;
	}
	return 0;
}

/* [a, b) minus [c, d), mapped with flags: the parts before and after. */
static int map_direct_except(uint64_t pml4, uint64_t a, uint64_t b,
			     uint64_t c, uint64_t d, uint64_t flags)
{
	if (d <= a || c >= b)
		return map_direct(pml4, a, b, flags);
	return map_direct(pml4, a, MIN(b, c), flags) ?:
	       map_direct(pml4, MAX(a, d), b, flags);
}

/* RAM, write-back; the image's text and rodata read-only. */
static int map_ram(uint64_t pml4, uint64_t base, uint64_t end)
{
	uint64_t ro = ALIGN_DOWN(virt_to_phys(_text), PAGE_SIZE);
	uint64_t ro_end = ALIGN_UP(virt_to_phys(_erodata), PAGE_SIZE);

	if (map_direct_except(pml4, base, end, ro, ro_end, DIRECT_FLAGS))
		return -1;
	if (ro_end <= base || ro >= end)
		return 0;
	return map_direct(pml4, MAX(base, ro), MIN(end, ro_end), DIRECT_RO);
}

/* The direct map: RAM, the framebuffer, and every hole of the low 4 GiB
 * as MMIO (memblock's regions are sorted, page-trimmed and disjoint; the
 * framebuffer was checked not to overlap RAM). */
static int map_direct_all(uint64_t pml4, uint64_t fb, uint64_t fb_end)
{
	uint64_t hole = 0;

	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);
		uint64_t end = r->base + r->size;

		if (map_ram(pml4, r->base, end))
			return -1;
		if (hole < MIN(r->base, DIRECT_MAP_LOW_END) &&
		    map_direct_except(pml4, hole, MIN(r->base, DIRECT_MAP_LOW_END),
				      fb, fb_end, DIRECT_MMIO))
			return -1;
		hole = MAX(hole, end);
	}
	if (hole < DIRECT_MAP_LOW_END &&
	    map_direct_except(pml4, hole, DIRECT_MAP_LOW_END, fb, fb_end, DIRECT_MMIO))
		return -1;
	return fb_end > fb ? map_direct(pml4, fb, fb_end, DIRECT_FLAGS) : 0;
}

int kernel_map_init(uint64_t fb_phys, uint64_t fb_size, const char **err)
{
	uint64_t pml4 = memblock_pt_page(NULL);
	uint64_t fb = ALIGN_DOWN(fb_phys, PAGE_SIZE);
	uint64_t fb_end = fb_size ? ALIGN_UP(fb_phys + fb_size, PAGE_SIZE) : fb;
	uint64_t guard = (uint64_t)boot_stack_guard;
	int rc;

	/* entry.asm turned NXE on only when CPUID says the CPU has NX
	 * (absent on old CPUs, hidden by firmware "XD disable"). */
	paging_set_nx(rdmsr(MSR_EFER) & EFER_NXE);
	if (!pte_nx)
		kprintf("paging: NX (execute disable) is unavailable: data pages stay executable\n");
	*err = "out of memory for page tables";
	if (!pml4)
		return -1;
	rc = map_direct_all(pml4, fb, fb_end);
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
