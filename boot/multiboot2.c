/* Multiboot2 boot information parser: see multiboot2.h.
 *
 * One pass over the tags. Every read is preceded by a bounds check against
 * total_size (itself checked against the bytes the caller can read), and all
 * loads go through ld32()/ld64() so that odd strides (an entry_size of 28,
 * say) never cause misaligned accesses.
 */
#include "boot/multiboot2.h"
#include "lib/printf.h"
#include "lib/string.h"

/* Offsets inside tags, from the tag's start (spec 3.6.x). */
#define STR_OFF            8   /* cmdline, loader name */
#define MODULE_STR_OFF     16  /* after mod_start, mod_end */
#define MEMINFO_LOWER      8
#define MEMINFO_UPPER      12
#define MMAP_ENTRY_SIZE    8
#define MMAP_ENTRY_VERSION 12
#define MMAP_ENTRIES       16
#define MMAP_E_BASE        0
#define MMAP_E_LEN         8
#define MMAP_E_TYPE        16
#define FB_ADDR            8
#define FB_PITCH           16
#define FB_WIDTH           20
#define FB_HEIGHT          24
#define FB_BPP             28
#define FB_TYPE            29
#define FB_COLOR_INFO      32  /* RGB: six u8 position/size pairs */
#define FB_RGB_FIELDS      6
#define ELF_NUM            8
#define ELF_ENTSIZE        12
#define ELF_SHNDX          16
#define ELF_SHDRS          20
#define EFI64_PTR          8
#define RSDP_OFF           8
#define EFI_DESC_SIZE      8
#define EFI_DESC_VERSION   12
#define EFI_DESCS          16
#define EFI_D_TYPE         0
#define EFI_D_PHYS         8
#define EFI_D_PAGES        24
#define LOAD_BASE          8
#define MIN_TOTAL_SIZE     (MB2_INFO_HEADER + MB2_TAG_HEADER) /* + end tag */

/* Smallest legal size of each known tag type, header included. */
static const uint32_t tag_min_size[MB2_TAG_TYPES] = {
	[MB2_TAG_END]            = MB2_TAG_HEADER,
	[MB2_TAG_CMDLINE]        = STR_OFF,
	[MB2_TAG_LOADER_NAME]    = STR_OFF,
	[MB2_TAG_MODULE]         = MODULE_STR_OFF,
	[MB2_TAG_BASIC_MEMINFO]  = 16,
	[MB2_TAG_BOOTDEV]        = 20,  /* biosdev, partition, sub_partition */
	[MB2_TAG_MMAP]           = MMAP_ENTRIES,
	[MB2_TAG_VBE]            = 784, /* 4 u16 + 512 + 256 bytes of VBE info */
	[MB2_TAG_FRAMEBUFFER]    = FB_COLOR_INFO,
	[MB2_TAG_ELF_SECTIONS]   = ELF_SHDRS,
	[MB2_TAG_APM]            = 28,  /* 7 u16 + u32 + ... as GRUB lays it */
	[MB2_TAG_EFI32]          = 12,
	[MB2_TAG_EFI64]          = 16,
	[MB2_TAG_SMBIOS]         = 16,  /* major, minor, 6 reserved */
	[MB2_TAG_ACPI_OLD]       = RSDP_OFF + MB2_RSDP_V1_LEN,
	[MB2_TAG_ACPI_NEW]       = RSDP_OFF + MB2_RSDP_V2_LEN,
	[MB2_TAG_NETWORK]        = MB2_TAG_HEADER,
	[MB2_TAG_EFI_MMAP]       = EFI_DESCS,
	[MB2_TAG_EFI_BS]         = MB2_TAG_HEADER,
	[MB2_TAG_EFI32_IH]       = 12,
	[MB2_TAG_EFI64_IH]       = 16,
	[MB2_TAG_LOAD_BASE_ADDR] = 12,
};

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t ld64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* Formats the error into out->errbuf, clears everything else, returns -1. */
static int __printf(3, 4) fail(struct mb2_info *out, const char **err,
			       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(out->errbuf, sizeof(out->errbuf), fmt, ap);
	va_end(ap);
	memset(out, 0, offsetof(struct mb2_info, errbuf));
	if (err)
		*err = out->errbuf;
	return -1;
}

/* The state of one tag while it is being checked. */
struct tag {
	const uint8_t *p;
	uint32_t type, size;
	size_t off;
};

#define TAG_FAIL(out, err, t, fmt, ...)                                    \
	fail(out, err, "tag %u at offset %zu: " fmt, (t)->type, (t)->off, \
	     ##__VA_ARGS__)

/* True when a NUL lies inside [p, p + n): the string ends inside its tag. */
static bool has_nul(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!p[i])
			return true;
	return false;
}

static int parse_string(struct mb2_info *out, const char **err,
			const struct tag *t, uint32_t str_off, const char **dst)
{
	if (!has_nul(t->p + str_off, t->size - str_off))
		return TAG_FAIL(out, err, t, "string not NUL-terminated");
	if (dst)
		*dst = (const char *)(t->p + str_off);
	return 0;
}

static int parse_mmap(struct mb2_info *out, const char **err,
		      const struct tag *t)
{
	uint32_t esize = ld32(t->p + MMAP_ENTRY_SIZE);

	if (esize < MB2_MMAP_ENTRY_MIN)
		return TAG_FAIL(out, err, t, "entry_size %u smaller than %u",
				esize, MB2_MMAP_ENTRY_MIN);
	out->mmap = t->p + MMAP_ENTRIES;
	out->mmap_stride = esize;
	out->mmap_version = ld32(t->p + MMAP_ENTRY_VERSION);
	out->mmap_count = (t->size - MMAP_ENTRIES) / esize;
	return 0;
}

static void parse_framebuffer(struct mb2_info *out, const struct tag *t)
{
	struct mb2_framebuffer *fb = &out->fb;
	const uint8_t *c = t->p + FB_COLOR_INFO;

	memset(fb, 0, sizeof(*fb));
	out->has_fb = true;
	fb->addr = ld64(t->p + FB_ADDR);
	fb->pitch = ld32(t->p + FB_PITCH);
	fb->width = ld32(t->p + FB_WIDTH);
	fb->height = ld32(t->p + FB_HEIGHT);
	fb->bpp = t->p[FB_BPP];
	fb->type = t->p[FB_TYPE];
	/* GRUB sends the RGB layout only for direct-colour modes. */
	if (fb->type != MB2_FB_RGB || t->size < FB_COLOR_INFO + FB_RGB_FIELDS)
		return;
	fb->has_rgb = true;
	fb->red_pos = c[0];
	fb->red_size = c[1];
	fb->green_pos = c[2];
	fb->green_size = c[3];
	fb->blue_pos = c[4];
	fb->blue_size = c[5];
}

static int parse_elf(struct mb2_info *out, const char **err,
		     const struct tag *t)
{
	uint32_t num = ld32(t->p + ELF_NUM), entsize = ld32(t->p + ELF_ENTSIZE);

	if ((uint64_t)num * entsize > t->size - ELF_SHDRS)
		return TAG_FAIL(out, err, t, "%u section headers of %u bytes "
				"exceed the tag", num, entsize);
	out->elf_shdrs = t->p + ELF_SHDRS;
	out->elf_num = num;
	out->elf_entsize = entsize;
	out->elf_shndx = ld32(t->p + ELF_SHNDX);
	return 0;
}

static int parse_efi_mmap(struct mb2_info *out, const char **err,
			  const struct tag *t)
{
	uint32_t dsize = ld32(t->p + EFI_DESC_SIZE);

	if (dsize < MB2_EFI_DESC_MIN)
		return TAG_FAIL(out, err, t, "descriptor size %u smaller than %u",
				dsize, MB2_EFI_DESC_MIN);
	out->efi_mmap = t->p + EFI_DESCS;
	out->efi_desc_size = dsize;
	out->efi_desc_version = ld32(t->p + EFI_DESC_VERSION);
	out->efi_mmap_count = (t->size - EFI_DESCS) / dsize;
	return 0;
}

/* Records one tag whose size is already known to be inside the structure
 * and at least tag_min_size[type]. The RSDP tags go to old and new so that the
 * caller can prefer the ACPI 2.0 one whatever the tag order. */
static int parse_tag(struct mb2_info *out, const char **err,
		     const struct tag *t, const uint8_t **old, const uint8_t **new)
{
	switch (t->type) {
	case MB2_TAG_CMDLINE:
		return parse_string(out, err, t, STR_OFF, &out->cmdline);
	case MB2_TAG_LOADER_NAME:
		return parse_string(out, err, t, STR_OFF, &out->loader_name);
	case MB2_TAG_MODULE:
		return parse_string(out, err, t, MODULE_STR_OFF, NULL);
	case MB2_TAG_BASIC_MEMINFO:
		out->has_meminfo = true;
		out->mem_lower_kib = ld32(t->p + MEMINFO_LOWER);
		out->mem_upper_kib = ld32(t->p + MEMINFO_UPPER);
		return 0;
	case MB2_TAG_MMAP:
		return parse_mmap(out, err, t);
	case MB2_TAG_FRAMEBUFFER:
		parse_framebuffer(out, t);
		return 0;
	case MB2_TAG_ELF_SECTIONS:
		return parse_elf(out, err, t);
	case MB2_TAG_EFI64:
		out->has_efi64_systab = true;
		out->efi64_systab = ld64(t->p + EFI64_PTR);
		return 0;
	case MB2_TAG_ACPI_OLD:
		*old = t->p;
		return 0;
	case MB2_TAG_ACPI_NEW:
		*new = t->p;
		return 0;
	case MB2_TAG_EFI_MMAP:
		return parse_efi_mmap(out, err, t);
	case MB2_TAG_EFI_BS:
		out->efi_bs_active = true;
		return 0;
	case MB2_TAG_LOAD_BASE_ADDR:
		out->has_load_base = true;
		out->load_base = ld32(t->p + LOAD_BASE);
		return 0;
	default:
		if (t->type >= MB2_TAG_TYPES)
			out->nunknown++;
		return 0;
	}
}

static void set_rsdp(struct mb2_info *out, const uint8_t *tag, uint8_t type)
{
	out->rsdp = tag + RSDP_OFF;
	out->rsdp_len = ld32(tag + sizeof(uint32_t)) - RSDP_OFF;
	out->rsdp_tag = type;
}

/* Checks the fixed header, then walks the tags up to the end tag. */
int mb2_parse(const void *info, size_t avail_bytes, struct mb2_info *out,
	      const char **err)
{
	const uint8_t *base = info, *old = NULL, *new = NULL;
	struct tag t;
	uint32_t total;

	memset(out, 0, sizeof(*out));
	if (!base)
		return fail(out, err, "no boot information (NULL pointer)");
	if ((uintptr_t)base % MB2_INFO_ALIGN)
		return fail(out, err, "boot information at %p not %u-byte aligned",
			    info, MB2_INFO_ALIGN);
	if (avail_bytes < MB2_INFO_HEADER)
		return fail(out, err, "available %zu bytes smaller than header %u",
			    avail_bytes, MB2_INFO_HEADER);
	total = ld32(base);
	if (total < MIN_TOTAL_SIZE)
		return fail(out, err, "total_size %u smaller than minimum %u",
			    total, MIN_TOTAL_SIZE);
	if (total > avail_bytes)
		return fail(out, err, "total_size %u exceeds available %zu",
			    total, avail_bytes);
	out->base = base;
	out->total_size = total;

	for (t.off = MB2_INFO_HEADER;; t.off = ALIGN_UP(t.off + t.size,
						       MB2_INFO_ALIGN)) {
		if (t.off + MB2_TAG_HEADER > total)
			return fail(out, err, "missing end tag");
		t.p = base + t.off;
		t.type = ld32(t.p);
		t.size = ld32(t.p + sizeof(uint32_t));
		if (t.size < MB2_TAG_HEADER)
			return TAG_FAIL(out, err, &t, "size %u smaller than header %u",
					t.size, MB2_TAG_HEADER);
		if (t.size > total - t.off)
			return TAG_FAIL(out, err, &t, "size %u runs past total_size %u",
					t.size, total);
		if (t.type == MB2_TAG_END)
			break;
		if (t.type < MB2_TAG_TYPES && t.size < tag_min_size[t.type])
			return TAG_FAIL(out, err, &t, "size %u smaller than header %u",
					t.size, tag_min_size[t.type]);
		if (parse_tag(out, err, &t, &old, &new))
			return -1;
		out->ntags++;
	}
	if (new)
		set_rsdp(out, new, MB2_TAG_ACPI_NEW);
	else if (old)
		set_rsdp(out, old, MB2_TAG_ACPI_OLD);
	return 0;
}

size_t mb2_mmap_count(const struct mb2_info *info)
{
	return info->mmap ? info->mmap_count : 0;
}

bool mb2_mmap_entry(const struct mb2_info *info, size_t i, uint64_t *base,
		    uint64_t *len, uint32_t *type)
{
	const uint8_t *e;

	if (i >= mb2_mmap_count(info))
		return false;
	e = info->mmap + i * info->mmap_stride;
	if (base)
		*base = ld64(e + MMAP_E_BASE);
	if (len)
		*len = ld64(e + MMAP_E_LEN);
	if (type)
		*type = ld32(e + MMAP_E_TYPE);
	return true;
}

size_t mb2_efi_mmap_count(const struct mb2_info *info)
{
	return info->efi_mmap ? info->efi_mmap_count : 0;
}

bool mb2_efi_mmap_entry(const struct mb2_info *info, size_t i, uint32_t *type,
			uint64_t *phys_start, uint64_t *pages)
{
	const uint8_t *d;

	if (i >= mb2_efi_mmap_count(info))
		return false;
	d = info->efi_mmap + i * info->efi_desc_size;
	if (type)
		*type = ld32(d + EFI_D_TYPE);
	if (phys_start)
		*phys_start = ld64(d + EFI_D_PHYS);
	if (pages)
		*pages = ld64(d + EFI_D_PAGES);
	return true;
}

const char *mb2_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE:
		return "available";
	case MB2_MEM_RESERVED:
		return "reserved";
	case MB2_MEM_ACPI_RECLAIMABLE:
		return "ACPI reclaimable";
	case MB2_MEM_NVS:
		return "ACPI NVS";
	case MB2_MEM_BADRAM:
		return "bad RAM";
	default:
		return "unknown";
	}
}
