/* Host unit tests for boot/memory.c, the glue from the boot information's
 * memory map to memblock: reserved, ACPI and bad-RAM entries inside
 * available ones (in either order) are never handed out, EFI page counts
 * that wrap, RAM above the direct map counted in ram_dropped_bytes, and the
 * AP trampoline page never on the kernel or the boot information. */
#include <stdio.h>
#include "boot/memory.h"
#include "arch/x86_64/mmu.h"
#include "mm/memblock.h"
#include "lib/report.h"
#include "tests/host/memory_fake.h"

#define KERNEL_BASE (2 * MiB)
#define KERNEL_END  (4 * MiB)

static const struct boot_memory_layout layout = {
	KERNEL_BASE, KERNEL_END, 0x10000, 0x2000
};

static int build(struct fake_map *f, const struct boot_memory_layout *l,
		 const char **err)
{
	*err = NULL;
	return boot_memory_build(fake_map_info(f), l, err);
}

/* No free byte of [base, base + len) may be handed out: allocate all of
 * free memory page by page and check none of it falls inside. */
static bool never_allocated(uint64_t base, uint64_t len)
{
	struct memblock_iter it;
	uint64_t b, e;

	for_each_free_range(it, b, e)
		if (b < base + len && base < e)
			return false;
	return !memblock_is_memory(base) && !memblock_is_memory(base + len - 1);
}

static void test_reserved_inside_available(bool efi, bool reserved_first)
{
	struct fake_map f;
	const char *err = NULL;
	int rc;
	uint32_t rsv = efi ? MB2_EFI_MMIO : MB2_MEM_RESERVED;
	uint32_t bad = efi ? MB2_EFI_UNUSABLE : MB2_MEM_BADRAM;
	uint32_t acpi = efi ? MB2_EFI_ACPI_RECLAIM : MB2_MEM_ACPI_RECLAIMABLE;
	uint32_t avail = efi ? MB2_EFI_CONVENTIONAL : MB2_MEM_AVAILABLE;

	report_prefix_push(efi ? "efi" : "mmap");
	report_prefix_push(reserved_first ? "reserved first" : "available first");
	fake_map_init(&f, efi);
	if (reserved_first) {
		fake_map_add(&f, 16 * MiB, 64 * KiB, rsv);
		fake_map_add(&f, 32 * MiB, 4 * KiB, bad);
		fake_map_add(&f, 1 * GiB - 1 * MiB, 1 * MiB, acpi);
	}
	fake_map_add(&f, 0, 640 * KiB, avail);
	fake_map_add(&f, 1 * MiB, 1 * GiB - 1 * MiB, avail);
	if (!reserved_first) {
		fake_map_add(&f, 16 * MiB, 64 * KiB, rsv);
		fake_map_add(&f, 32 * MiB, 4 * KiB, bad);
		fake_map_add(&f, 1 * GiB - 1 * MiB, 1 * MiB, acpi);
	}
	rc = build(&f, &layout, &err);
	report(rc == 0, "builds (%s)", err ? err : "ok");
	report(never_allocated(16 * MiB, 64 * KiB), "reserved range never free");
	report(never_allocated(32 * MiB, 4 * KiB), "bad RAM never free");
	report(never_allocated(1 * GiB - 1 * MiB, 1 * MiB), "ACPI range never free");
	report(boot_mem.reserved_overlap_bytes == 68 * KiB + 1 * MiB,
	       "overlap counted: %lu KiB",
	       (unsigned long)(boot_mem.reserved_overlap_bytes / KiB));
	report(boot_mem.ram_end == 1 * GiB - 1 * MiB, "RAM ends below the ACPI range");
	report(memblock_check() == NULL, "memblock invariant");
	report_prefix_pop();
	report_prefix_pop();
}

static void test_efi_wrap(void)
{
	struct fake_map f;
	const char *err = NULL;
	int rc;

	report_prefix_push("efi wrap");
	fake_map_init(&f, true);
	fake_map_add(&f, 0, 640 * KiB, MB2_EFI_CONVENTIONAL);
	fake_map_add(&f, 1 * MiB, 255 * MiB, MB2_EFI_CONVENTIONAL);
	/* 2^52 + 1 pages: pages * 4096 wraps to 4096 */
	fake_map_add_pages(&f, 512 * MiB, (1ull << 52) + 1, MB2_EFI_CONVENTIONAL);
	/* a reserved one that wraps reserves up to the end */
	fake_map_add_pages(&f, 200 * MiB, UINT64_MAX / 4096, MB2_EFI_RESERVED);
	rc = build(&f, &layout, &err);
	report(rc == 0, "builds (%s)", err ? err : "ok");
	report(boot_mem.wrapped_entries == 2, "2 wrapped entries counted (%u)",
	       boot_mem.wrapped_entries);
	report(!memblock_is_memory(512 * MiB), "wrapping usable entry dropped");
	report(boot_mem.ram_end == 200 * MiB, "wrapping reserved entry reserves to the end");
	report_prefix_pop();
}

static void test_above_direct_map(void)
{
	struct fake_map f;
	const char *err = NULL;
	int rc;

	report_prefix_push("above 64 TiB");
	fake_map_init(&f, false);
	fake_map_add(&f, 1 * MiB, 1 * GiB, MB2_MEM_AVAILABLE);
	fake_map_add(&f, DIRECT_MAP_MAX - 1 * GiB, 3 * GiB, MB2_MEM_AVAILABLE);
	rc = build(&f, &layout, &err);
	report(rc == 0, "builds (%s)", err ? err : "ok");
	report(boot_mem.ram_dropped_bytes == 2 * GiB, "2 GiB dropped and counted");
	report(boot_mem.ram_end == DIRECT_MAP_MAX, "RAM ends at the direct map's end");
	report_prefix_pop();
}

/* The low memory has one free page besides the boot information's: the
 * trampoline must take that one, not the boot information's. */
static void test_trampoline_after_boot_info(void)
{
	struct fake_map f;
	const char *err = NULL;
	int rc;
	struct boot_memory_layout l = layout;

	report_prefix_push("trampoline");
	l.mbi_phys = 0x9e000 + 0x10;   /* unaligned start, two pages */
	l.mbi_size = 0x1000;
	fake_map_init(&f, false);
	fake_map_add(&f, 0x9d000, 0x2000 + 0x400, MB2_MEM_AVAILABLE);
	fake_map_add(&f, 1 * MiB, 63 * MiB, MB2_MEM_AVAILABLE);
	rc = build(&f, &l, &err);
	report(rc == 0, "builds (%s)", err ? err : "ok");
	report(boot_mem.trampoline_phys == 0 ||
	       boot_mem.trampoline_phys + PAGE_SIZE <= ALIGN_DOWN(l.mbi_phys, PAGE_SIZE) ||
	       boot_mem.trampoline_phys >= l.mbi_phys + l.mbi_size,
	       "trampoline %#lx is not on the boot information",
	       (unsigned long)boot_mem.trampoline_phys);
	/* Only 0x9d000 is left once the boot information holds 0x9e000-0x9f000. */
	report(boot_mem.trampoline_phys == 0x9d000, "trampoline takes the free page");
	l.mbi_phys = 0x9d000;
	l.mbi_size = 0x2000;
	report(build(&f, &l, &err) == 0 && boot_mem.trampoline_phys == 0,
	       "no free low page: trampoline 0 (APs left out), not overlapping");
	report_prefix_pop();
}

static void test_rejections(void)
{
	struct fake_map f;
	struct mb2_info none = { 0 };
	const char *err = NULL;
	int rc;

	report_prefix_push("reject");
	rc = boot_memory_build(&none, &layout, &err);
	report(rc < 0 && err,
	       "no map at all: %s", err ? err : "(no message)");
	fake_map_init(&f, false);
	fake_map_add(&f, 0, 1 * GiB, MB2_MEM_RESERVED);
	rc = build(&f, &layout, &err);
	report(rc < 0 && err,
	       "only reserved memory: %s", err ? err : "(no message)");
	fake_map_init(&f, false);
	fake_map_add(&f, 1 * MiB, 1 * GiB, MB2_MEM_AVAILABLE);
	fake_map_add(&f, KERNEL_BASE + 4 * KiB, 4 * KiB, MB2_MEM_BADRAM);
	rc = build(&f, &layout, &err);
	report(rc < 0 && err,
	       "bad RAM under the kernel: %s", err ? err : "(no message)");
	report_prefix_pop();
}

static void test_framebuffer(void)
{
	struct fake_map f;
	const char *err = NULL;
	struct mb2_framebuffer ok = { .addr = 0xfd000000, .pitch = 4096,
		.width = 1024, .height = 768, .bpp = 32, .type = MB2_FB_RGB };
	struct mb2_framebuffer fb;

	report_prefix_push("framebuffer");
	fake_map_init(&f, false);
	fake_map_add(&f, 1 * MiB, 2 * GiB, MB2_MEM_AVAILABLE);
	fake_map_add(&f, 4 * GiB, 4 * GiB, MB2_MEM_AVAILABLE);
	report(build(&f, &layout, &err) == 0, "builds");
	report(boot_fb_check(&ok) == NULL, "MMIO below 4 GiB accepted");
	fb = ok, fb.addr = 64 * MiB;
	report(boot_fb_check(&fb) != NULL, "in low RAM: %s", boot_fb_check(&fb));
	fb = ok, fb.addr = 2 * GiB + 1 * MiB - 4096;
	report(boot_fb_check(&fb) != NULL, "straddling RAM's end: %s",
	       boot_fb_check(&fb));
	fb = ok, fb.addr = 6 * GiB;
	report(boot_fb_check(&fb) != NULL, "in high RAM");
	fb = ok, fb.addr = DIRECT_MAP_MAX - 4096;
	report(boot_fb_check(&fb) != NULL, "across 64 TiB: %s", boot_fb_check(&fb));
	fb = ok, fb.addr = UINT64_MAX - 4095;
	report(boot_fb_check(&fb) != NULL, "wrapping: %s", boot_fb_check(&fb));
	fb = ok, fb.pitch = 1024;
	report(boot_fb_check(&fb) != NULL, "pitch too short: %s", boot_fb_check(&fb));
	fb = ok, fb.height = 0;
	report(boot_fb_check(&fb) != NULL, "empty: %s", boot_fb_check(&fb));
	report_prefix_pop();
}

int main(void)
{
	report_prefix_push("memory");
	for (int efi = 0; efi <= 1; efi++) {
		test_reserved_inside_available(efi, false);
		test_reserved_inside_available(efi, true);
	}
	test_efi_wrap();
	test_above_direct_map();
	test_trampoline_after_boot_info();
	test_rejections();
	test_framebuffer();
	report_prefix_pop();
	return report_summary();
}
