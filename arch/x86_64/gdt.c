/* GDT and TSS setup (see gdt.h). */
#include "arch/x86_64/gdt.h"
#include "lib/string.h"

#define SEG_CODE64 0x00af9a000000ffffull  /* present, ring 0, L=1, exec/read */
#define SEG_DATA   0x00cf92000000ffffull  /* present, ring 0, read/write */
#define TSS_TYPE_AVAILABLE 0x89ull        /* present, 64-bit TSS available */

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

static void set_tss_descriptor(uint64_t *slot, const struct tss *tss)
{
	uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  (TSS_TYPE_AVAILABLE << 40) | (((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_load(struct cpu_gdt *gdt, const uintptr_t ist_top[IST_COUNT])
{
	struct gdt_ptr ptr = { sizeof(gdt->entries) - 1, (uint64_t)gdt->entries };

	memset(gdt, 0, sizeof(*gdt));
	gdt->entries[GDT_KERNEL_CODE / 8] = SEG_CODE64;
	gdt->entries[GDT_KERNEL_DATA / 8] = SEG_DATA;
	set_tss_descriptor(&gdt->entries[GDT_TSS / 8], &gdt->tss);
	for (int i = 0; i < IST_COUNT; i++)
		gdt->tss.ist[i] = ist_top[i];
	gdt->tss.iomap_base = sizeof(gdt->tss);

	asm volatile("lgdt %0" :: "m"(ptr));
	/* Reload CS with a far return, then the data segments and TR. */
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w1, %%ds\n\t"
		     "movw %w1, %%es\n\t"
		     "movw %w1, %%ss\n\t"
		     "ltr %w2"
		     :: "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(GDT_TSS)
		     : "rax", "memory");
}
