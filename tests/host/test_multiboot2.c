/* Host unit tests for boot/multiboot2.c: a GRUB-like structure with every
 * tag the parser extracts, each rejection path with its message, odd
 * strides, truncations (in exactly-sized heap buffers, so ASan catches any
 * read past the end) and a few thousand random mutations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boot/multiboot2.h"
#include "lib/report.h"

#define BUF_BYTES 8192
#define MUTATIONS 20000

/* --- a tiny builder for boot information structures --- */
struct builder {
	uint8_t *buf;
	size_t len;
};

static uint8_t storage[BUF_BYTES] __aligned(8);

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void b_init(struct builder *b)
{
	memset(storage, 0, sizeof(storage));
	b->buf = storage;
	b->len = MB2_INFO_HEADER;
}

/* Appends a tag with `payload` bytes after its header; returns the tag. */
static uint8_t *b_tag(struct builder *b, uint32_t type, uint32_t payload)
{
	uint8_t *t = b->buf + b->len;

	put32(t, type);
	put32(t + 4, MB2_TAG_HEADER + payload);
	b->len = ALIGN_UP(b->len + MB2_TAG_HEADER + payload, MB2_INFO_ALIGN);
	return t;
}

static void b_string(struct builder *b, uint32_t type, const char *s)
{
	uint8_t *t = b_tag(b, type, strlen(s) + 1);

	memcpy(t + 8, s, strlen(s) + 1);
}

static size_t b_end(struct builder *b)
{
	b_tag(b, MB2_TAG_END, 0);
	put32(b->buf, b->len);
	return b->len;
}

struct mmap_ent {
	uint64_t base, len;
	uint32_t type;
};

static uint8_t *b_mmap(struct builder *b, const struct mmap_ent *e, size_t n,
		       uint32_t stride)
{
	uint8_t *t = b_tag(b, MB2_TAG_MMAP, 8 + n * stride);

	put32(t + 8, stride);
	put32(t + 12, 0);
	for (size_t i = 0; i < n; i++) {
		put64(t + 16 + i * stride, e[i].base);
		put64(t + 24 + i * stride, e[i].len);
		put32(t + 32 + i * stride, e[i].type);
	}
	return t;
}

/* QEMU q35 with 6 GiB: low RAM, BIOS holes, the PCI hole, RAM above 4 GiB. */
static const struct mmap_ent qemu_map[] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
	{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
	{ 0x100000, 0x7fee0000, MB2_MEM_AVAILABLE },
	{ 0x7ffe0000, 0x20000, MB2_MEM_RESERVED },
	{ 0xfeffc000, 0x4000, MB2_MEM_RESERVED },
	{ 0xfffc0000, 0x40000, MB2_MEM_RESERVED },
	{ 0x100000000ull, 0x100000000ull, MB2_MEM_AVAILABLE },
	{ 0xfd00000000ull, 0x300000000ull, MB2_MEM_RESERVED },
};

/* Parses a copy of storage in a heap buffer of exactly `avail` bytes, so
 * that ASan reports any read past what the parser was told it may read
 * (malloc returns 16-byte aligned memory). */
static int parse_copy(size_t avail, struct mb2_info *info, const char **err)
{
	void *p = malloc(avail ? avail : 1);
	int r;

	memcpy(p, storage, avail);
	r = mb2_parse(p, avail, info, err);
	free(p);
	return r;
}

static bool err_is(const char *err, const char *want)
{
	if (strcmp(err, want) == 0)
		return true;
	report_info("got \"%s\", want \"%s\"", err, want);
	return false;
}

static bool err_has(const char *err, const char *want)
{
	if (strstr(err, want))
		return true;
	report_info("got \"%s\", want it to contain \"%s\"", err, want);
	return false;
}

/* --- the full structure --- */
static size_t build_full(struct builder *b, bool new_rsdp_first)
{
	uint8_t *t;

	b_init(b);
	b_string(b, MB2_TAG_CMDLINE, "run=memmap threads=1,2,max");
	b_string(b, MB2_TAG_LOADER_NAME, "GRUB 2.06-13+deb12u1");
	t = b_tag(b, MB2_TAG_MODULE, 8 + 7);
	put32(t + 8, 0x200000);
	put32(t + 12, 0x201000);
	memcpy(t + 16, "initrd", 7);
	t = b_tag(b, MB2_TAG_BASIC_MEMINFO, 8);
	put32(t + 8, 639);
	put32(t + 12, 2096000);
	b_mmap(b, qemu_map, ARRAY_SIZE(qemu_map), MB2_MMAP_ENTRY_MIN);
	t = b_tag(b, MB2_TAG_FRAMEBUFFER, 24 + 6);
	put64(t + 8, 0xfd000000);
	put32(t + 16, 4096);
	put32(t + 20, 1024);
	put32(t + 24, 768);
	t[28] = 32;
	t[29] = MB2_FB_RGB;
	memcpy(t + 32, "\x10\x08\x08\x08\x00\x08", 6);
	t = b_tag(b, MB2_TAG_ELF_SECTIONS, 12 + 3 * 64);
	put32(t + 8, 3);
	put32(t + 12, 64);
	put32(t + 16, 2);
	t = b_tag(b, MB2_TAG_EFI64, 8);
	put64(t + 8, 0x7f9ee018);
	if (new_rsdp_first) {
		t = b_tag(b, MB2_TAG_ACPI_NEW, MB2_RSDP_V2_LEN);
		memcpy(t + 8, "RSD PTR 2", 9);
	}
	t = b_tag(b, MB2_TAG_ACPI_OLD, MB2_RSDP_V1_LEN);
	memcpy(t + 8, "RSD PTR 1", 9);
	if (!new_rsdp_first) {
		t = b_tag(b, MB2_TAG_ACPI_NEW, MB2_RSDP_V2_LEN);
		memcpy(t + 8, "RSD PTR 2", 9);
	}
	t = b_tag(b, MB2_TAG_EFI_MMAP, 8 + 2 * 48);
	put32(t + 8, 48);
	put32(t + 12, 1);
	put32(t + 16, MB2_EFI_CONVENTIONAL);
	put64(t + 24, 0x100000);
	put64(t + 40, 0x7000);
	put32(t + 64, MB2_EFI_ACPI_NVS);
	put64(t + 72, 0x7f000000);
	put64(t + 88, 0x10);
	b_tag(b, MB2_TAG_EFI_BS, 0);
	t = b_tag(b, MB2_TAG_LOAD_BASE_ADDR, 4);
	put32(t + 8, 0x100000);
	t = b_tag(b, 99, 5);    /* unknown: skipped, counted */
	b_tag(b, MB2_TAG_SMBIOS, 8 + 31); /* known, not extracted */
	return b_end(b);
}

static void test_full(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err = NULL;
	size_t total = build_full(&b, false);
	uint64_t base, len, phys, pages;
	uint32_t type;
	bool all_ok = true;

	report_prefix_push("full");
	report(mb2_parse(storage, sizeof(storage), &mi, &err) == 0,
	       "parses (%s)", err ? err : "no error");
	report(mi.total_size == total && mi.base == storage, "total_size %u",
	       mi.total_size);
	report(mi.ntags == 15 && mi.nunknown == 1, "15 tags, 1 unknown (%u, %u)",
	       mi.ntags, mi.nunknown);
	report(mi.cmdline && !strcmp(mi.cmdline, "run=memmap threads=1,2,max"),
	       "cmdline");
	report(mi.loader_name && !strcmp(mi.loader_name, "GRUB 2.06-13+deb12u1"),
	       "loader name");
	report(mi.has_meminfo && mi.mem_lower_kib == 639 &&
	       mi.mem_upper_kib == 2096000, "basic meminfo");

	report(mb2_mmap_count(&mi) == ARRAY_SIZE(qemu_map) &&
	       mi.mmap_stride == 24, "mmap count %zu", mb2_mmap_count(&mi));
	for (size_t i = 0; i < ARRAY_SIZE(qemu_map); i++) {
		all_ok &= mb2_mmap_entry(&mi, i, &base, &len, &type);
		all_ok &= base == qemu_map[i].base && len == qemu_map[i].len &&
			  type == qemu_map[i].type;
	}
	report(all_ok, "mmap entries match");
	report(!mb2_mmap_entry(&mi, ARRAY_SIZE(qemu_map), &base, NULL, NULL),
	       "mmap index past the end refused");
	report(mb2_mmap_entry(&mi, 0, NULL, NULL, NULL), "NULL outputs allowed");

	report(mi.has_fb && mi.fb.addr == 0xfd000000 && mi.fb.pitch == 4096 &&
	       mi.fb.width == 1024 && mi.fb.height == 768 && mi.fb.bpp == 32 &&
	       mi.fb.type == MB2_FB_RGB, "framebuffer");
	report(mi.fb.has_rgb && mi.fb.red_pos == 16 && mi.fb.red_size == 8 &&
	       mi.fb.green_pos == 8 && mi.fb.blue_pos == 0 &&
	       mi.fb.blue_size == 8, "framebuffer RGB layout");
	report(mi.elf_shdrs && mi.elf_num == 3 && mi.elf_entsize == 64 &&
	       mi.elf_shndx == 2, "ELF sections");
	report(mi.has_efi64_systab && mi.efi64_systab == 0x7f9ee018, "EFI64");
	report(mi.rsdp && mi.rsdp_tag == MB2_TAG_ACPI_NEW &&
	       mi.rsdp_len == MB2_RSDP_V2_LEN &&
	       !memcmp(mi.rsdp, "RSD PTR 2", 9), "new RSDP preferred (after old)");

	report(mb2_efi_mmap_count(&mi) == 2 && mi.efi_desc_size == 48 &&
	       mi.efi_desc_version == 1, "EFI mmap count");
	report(mb2_efi_mmap_entry(&mi, 1, &type, &phys, &pages) &&
	       type == MB2_EFI_ACPI_NVS && phys == 0x7f000000 && pages == 0x10,
	       "EFI mmap descriptor 1");
	report(mb2_efi_mmap_entry(&mi, 0, &type, &phys, &pages) &&
	       type == MB2_EFI_CONVENTIONAL && phys == 0x100000 &&
	       pages == 0x7000, "EFI mmap descriptor 0");
	report(!mb2_efi_mmap_entry(&mi, 2, &type, &phys, &pages),
	       "EFI index past the end refused");
	report(mi.efi_bs_active, "EFI boot services flag");
	report(mi.has_load_base && mi.load_base == 0x100000, "load base");

	build_full(&b, true);
	report(mb2_parse(storage, total, &mi, &err) == 0 &&
	       mi.rsdp_tag == MB2_TAG_ACPI_NEW, "new RSDP preferred (before old)");
	report(mb2_parse(storage, total, &mi, NULL) == 0, "err may be NULL");
	report_prefix_pop();
}

static void test_minimal(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err = NULL;
	uint8_t *t;
	size_t total;

	report_prefix_push("minimal");
	b_init(&b);
	total = b_end(&b);
	report(total == 16 && mb2_parse(storage, total, &mi, &err) == 0,
	       "header + end tag parses");
	report(!mi.cmdline && !mi.loader_name && !mi.has_meminfo && !mi.has_fb &&
	       !mi.rsdp && !mi.elf_shdrs && !mi.efi_bs_active &&
	       !mi.has_load_base && !mi.has_efi64_systab && mi.ntags == 0,
	       "every tag absent");
	report(mb2_mmap_count(&mi) == 0 && !mb2_mmap_entry(&mi, 0, NULL, NULL, NULL),
	       "no mmap entries");
	report(mb2_efi_mmap_count(&mi) == 0 &&
	       !mb2_efi_mmap_entry(&mi, 0, NULL, NULL, NULL), "no EFI entries");

	/* Only the old RSDP, and an empty command line. */
	b_init(&b);
	b_string(&b, MB2_TAG_CMDLINE, "");
	t = b_tag(&b, MB2_TAG_ACPI_OLD, MB2_RSDP_V1_LEN);
	memcpy(t + 8, "RSD PTR ", 8);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == 0 && mi.cmdline &&
	       mi.cmdline[0] == 0, "empty cmdline");
	report(mi.rsdp == t + 8 && mi.rsdp_len == MB2_RSDP_V1_LEN &&
	       mi.rsdp_tag == MB2_TAG_ACPI_OLD, "old RSDP alone used");

	/* Tags after the end tag are never looked at. */
	b_init(&b);
	total = b_end(&b);
	b_tag(&b, MB2_TAG_MMAP, 2);  /* malformed, but after the end */
	put32(storage, b.len);
	report(mb2_parse(storage, b.len, &mi, &err) == 0 && !mi.mmap,
	       "tags after the end tag ignored");

	/* The end tag may be followed by slack inside total_size. */
	b_init(&b);
	total = b_end(&b);
	put32(storage, total + 64);
	report(mb2_parse(storage, total + 64, &mi, &err) == 0,
	       "slack after the end tag accepted");
	report_prefix_pop();
}

static void test_header_errors(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err = NULL;
	size_t total;

	report_prefix_push("header");
	b_init(&b);
	total = b_end(&b);
	memmove(storage + 4, storage, total);
	report(mb2_parse(storage + 4, total, &mi, &err) == -1 &&
	       err_has(err, "not 8-byte aligned"), "misaligned pointer: %s", err);
	report(mb2_parse(NULL, 64, &mi, &err) == -1 && err_has(err, "NULL"),
	       "NULL pointer: %s", err);

	b_init(&b);
	total = b_end(&b);
	report(mb2_parse(storage, 4, &mi, &err) == -1 &&
	       err_is(err, "available 4 bytes smaller than header 8"),
	       "avail 4: %s", err);
	put32(storage, 99999);
	report(mb2_parse(storage, 4096, &mi, &err) == -1 &&
	       err_is(err, "total_size 99999 exceeds available 4096"),
	       "total_size > avail: %s", err);
	report(mi.total_size == 0 && !mi.base, "fields cleared after failure");
	put32(storage, 8);
	report(mb2_parse(storage, 4096, &mi, &err) == -1 &&
	       err_is(err, "total_size 8 smaller than minimum 16"),
	       "total_size 8: %s", err);
	put32(storage, 0);
	report(mb2_parse(storage, 4096, &mi, &err) == -1, "total_size 0");
	put32(storage, 16);
	report(mb2_parse(storage, 15, &mi, &err) == -1 &&
	       err_has(err, "exceeds available 15"), "avail one short: %s", err);
	report_prefix_pop();
}

static void test_tag_errors(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err = NULL;
	size_t total;
	uint8_t *t;

	report_prefix_push("tags");
	/* Tags that fill total_size exactly, with no end tag. */
	b_init(&b);
	b_string(&b, MB2_TAG_CMDLINE, "quiet");
	put32(storage, b.len);
	report(mb2_parse(storage, b.len, &mi, &err) == -1 &&
	       err_is(err, "missing end tag"), "no end tag: %s", err);

	/* An end tag cut in half by total_size. */
	b_init(&b);
	b_string(&b, MB2_TAG_CMDLINE, "quiet");
	total = b_end(&b);
	put32(storage, total - 4);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_is(err, "missing end tag"), "half an end tag: %s", err);

	/* Memory map tag shorter than its fixed part (the brief's example). */
	b_init(&b);
	t = b_tag(&b, 99, 120 - 16);           /* puts the mmap at offset 120 */
	t = b_tag(&b, MB2_TAG_MMAP, 4);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_is(err, "tag 6 at offset 120: size 12 smaller than header 16"),
	       "short mmap: %s", err);

	b_init(&b);
	t = b_tag(&b, MB2_TAG_CMDLINE, 0);
	put32(t + 4, 4);
	b.len = 16;
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_is(err, "tag 1 at offset 8: size 4 smaller than header 8"),
	       "tag size 4: %s", err);

	b_init(&b);
	t = b_tag(&b, MB2_TAG_LOADER_NAME, 8);
	total = b_end(&b);
	put32(t + 4, 1000);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_is(err, "tag 2 at offset 8: size 1000 runs past total_size 32"),
	       "tag past total_size: %s", err);

	b_init(&b);
	t = b_tag(&b, MB2_TAG_END, 0);
	put32(t + 4, 0);
	put32(storage, 16);
	report(mb2_parse(storage, 16, &mi, &err) == -1 &&
	       err_has(err, "size 0 smaller than header 8"), "end tag size 0: %s",
	       err);

	b_init(&b);
	t = b_tag(&b, MB2_TAG_ACPI_OLD, MB2_RSDP_V1_LEN - 1);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_is(err, "tag 14 at offset 8: size 27 smaller than header 28"),
	       "short RSDP: %s", err);

	b_init(&b);
	b_tag(&b, MB2_TAG_FRAMEBUFFER, 20);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_has(err, "size 28 smaller than header 32"), "short fb: %s", err);

	b_init(&b);
	b_tag(&b, MB2_TAG_VBE, 100);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_has(err, "tag 7 at offset 8"), "short VBE (known, unused): %s",
	       err);
	report_prefix_pop();
}

static void test_strings(void)
{
	static const uint32_t types[] = { MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME };
	struct builder b;
	struct mb2_info mi;
	const char *err = NULL;
	size_t total;
	uint8_t *t;

	report_prefix_push("strings");
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		b_init(&b);
		t = b_tag(&b, types[i], 5);
		memcpy(t + 8, "abcde", 5);
		t[13] = 0;  /* padding after the tag is NUL: must not count */
		total = b_end(&b);
		report(mb2_parse(storage, total, &mi, &err) == -1 &&
		       err_has(err, "string not NUL-terminated"),
		       "type %u unterminated: %s", types[i], err);
		b_init(&b);
		b_tag(&b, types[i], 0);
		total = b_end(&b);
		report(mb2_parse(storage, total, &mi, &err) == -1,
		       "type %u with no bytes at all", types[i]);
	}
	b_init(&b);
	t = b_tag(&b, MB2_TAG_MODULE, 8 + 3);
	memcpy(t + 16, "abc", 3);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_has(err, "tag 3 at offset 8: string not NUL"),
	       "module string unterminated: %s", err);

	/* A NUL in the middle is fine: the string ends there. */
	b_init(&b);
	t = b_tag(&b, MB2_TAG_CMDLINE, 6);
	memcpy(t + 8, "ab\0cd", 6);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == 0 &&
	       !strcmp(mi.cmdline, "ab"), "embedded NUL ends the string");
	report_prefix_pop();
}

static void test_mmap_shapes(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err = NULL;
	size_t total;
	uint64_t base, len;
	uint32_t type;
	uint8_t *t;
	bool ok = true;

	report_prefix_push("mmap");
	b_init(&b);
	t = b_mmap(&b, qemu_map, 2, 16);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_is(err, "tag 6 at offset 8: entry_size 16 smaller than 24"),
	       "entry_size 16: %s", err);
	put32(t + 8, 0);
	report(mb2_parse(storage, total, &mi, &err) == -1, "entry_size 0");

	/* Odd stride: entries start at 4-byte boundaries (UBSan checks that
	 * the parser does not do misaligned 8-byte loads). */
	b_init(&b);
	b_mmap(&b, qemu_map, ARRAY_SIZE(qemu_map), 28);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == 0 &&
	       mb2_mmap_count(&mi) == ARRAY_SIZE(qemu_map) &&
	       mi.mmap_stride == 28, "stride 28 count");
	for (size_t i = 0; i < ARRAY_SIZE(qemu_map); i++) {
		ok &= mb2_mmap_entry(&mi, i, &base, &len, &type);
		ok &= base == qemu_map[i].base && len == qemu_map[i].len &&
		      type == qemu_map[i].type;
	}
	report(ok, "stride 28 entries read back");

	/* Bytes that do not fill a whole entry are ignored. */
	b_init(&b);
	t = b_mmap(&b, qemu_map, 3, 24);
	put32(t + 4, 16 + 3 * 24 + 20);
	b.len = ALIGN_UP(8 + 16 + 3 * 24 + 20, 8);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == 0 &&
	       mb2_mmap_count(&mi) == 3, "partial trailing entry ignored (%zu)",
	       mb2_mmap_count(&mi));

	b_init(&b);
	b_mmap(&b, qemu_map, 0, 24);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == 0 &&
	       mb2_mmap_count(&mi) == 0 && mi.mmap, "empty map");

	/* EFI descriptors smaller than the UEFI structure. */
	b_init(&b);
	t = b_tag(&b, MB2_TAG_EFI_MMAP, 8 + 32);
	put32(t + 8, 32);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_is(err, "tag 17 at offset 8: descriptor size 32 smaller than 40"),
	       "EFI descriptor 32: %s", err);
	report_prefix_pop();
}

static void test_elf_and_fb(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err = NULL;
	size_t total;
	uint8_t *t;

	report_prefix_push("elf/fb");
	b_init(&b);
	t = b_tag(&b, MB2_TAG_ELF_SECTIONS, 12 + 2 * 64);
	put32(t + 8, 3);
	put32(t + 12, 64);
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == -1 &&
	       err_has(err, "3 section headers of 64 bytes exceed the tag"),
	       "ELF table past tag: %s", err);
	/* num * entsize overflows 32 bits: must not wrap into "fits". */
	put32(t + 8, 0x10000);
	put32(t + 12, 0x10000);
	report(mb2_parse(storage, total, &mi, &err) == -1, "ELF 2^32 bytes");

	b_init(&b);
	t = b_tag(&b, MB2_TAG_FRAMEBUFFER, 24);
	put64(t + 8, 0xb8000);
	put32(t + 20, 80);
	put32(t + 24, 25);
	t[28] = 16;
	t[29] = MB2_FB_EGA_TEXT;
	total = b_end(&b);
	report(mb2_parse(storage, total, &mi, &err) == 0 && mi.has_fb &&
	       mi.fb.type == MB2_FB_EGA_TEXT && !mi.fb.has_rgb &&
	       mi.fb.width == 80 && mi.fb.addr == 0xb8000, "EGA text framebuffer");
	t[29] = MB2_FB_RGB;  /* RGB without its colour fields */
	report(mb2_parse(storage, total, &mi, &err) == 0 && !mi.fb.has_rgb,
	       "RGB without colour info: has_rgb false");
	report_prefix_pop();
}

/* Every shorter total_size, with the buffer cut to match: the parser must
 * fail cleanly (or succeed, if an end tag still fits) and never overread. */
static void test_truncations(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err;
	size_t total = build_full(&b, false);
	unsigned failed = 0, bad = 0;

	for (size_t n = 8; n < total; n += 8) {
		put32(storage, n);
		err = NULL;
		if (parse_copy(n, &mi, &err) == 0)
			bad++;
		else
			failed += err && err[0];
	}
	report(bad == 0 && failed == total / 8 - 1,
	       "truncations: all %zu fail with a message", total / 8 - 1);
	put32(storage, total);
	report(parse_copy(total, &mi, &err) == 0, "untruncated copy parses");
}

/* Random byte mutations of the full structure, parsed from an exactly-sized
 * buffer: no crash, no overread, and every success is self-consistent. */
static void test_mutations(void)
{
	struct builder b;
	struct mb2_info mi;
	const char *err;
	size_t total;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned ok = 0, consistent = 0;
	uint8_t *p;

	for (int it = 0; it < MUTATIONS; it++) {
		total = build_full(&b, it & 1);
		for (int k = 0; k < 1 + it % 4; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			storage[(seed >> 33) % total] ^= (uint8_t)(seed >> 20) | 1;
		}
		p = malloc(total);
		memcpy(p, storage, total);
		if (mb2_parse(p, total, &mi, &err) == 0) {
			uint64_t base, len;
			bool c = mi.total_size <= total;

			ok++;
			for (size_t i = 0; i < mb2_mmap_count(&mi); i++)
				c &= mb2_mmap_entry(&mi, i, &base, &len, NULL);
			c &= !mi.cmdline || strlen(mi.cmdline) < total;
			c &= !mi.rsdp || mi.rsdp + mi.rsdp_len <= p + total;
			consistent += c;
		}
		free(p);
	}
	report(ok > 0 && consistent == ok,
	       "mutations: %u of %d parsed, all consistent", ok, MUTATIONS);
}

static void test_type_names(void)
{
	report(!strcmp(mb2_mem_type_name(MB2_MEM_AVAILABLE), "available") &&
	       !strcmp(mb2_mem_type_name(MB2_MEM_BADRAM), "bad RAM") &&
	       !strcmp(mb2_mem_type_name(77), "unknown"), "type names");
}

int main(void)
{
	report_prefix_push("multiboot2");
	test_full();
	test_minimal();
	test_header_errors();
	test_tag_errors();
	test_strings();
	test_mmap_shapes();
	test_elf_and_fb();
	test_truncations();
	test_mutations();
	test_type_names();
	return report_summary();
}
