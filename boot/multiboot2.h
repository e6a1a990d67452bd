/* Multiboot2 boot information: constants and a validating parser.
 *
 * Follows the Multiboot2 specification, version 2.0, section 3.6 ("Boot
 * information format"), with the field layouts GRUB 2 actually emits where
 * the two disagree (ELF sections use u32 fields; the framebuffer common part
 * ends in a u16 reserved field, 32 bytes in all).
 *
 * The structure is:  u32 total_size, u32 reserved, then tags. Every tag is
 * {u32 type, u32 size, payload}, starts on an 8-byte boundary, and size
 * counts the 8-byte header but not the padding after it. A tag of type 0 and
 * size 8 ends the list.
 *
 * mb2_parse() checks every length before it reads anything, so a truncated or
 * hostile structure produces an error message, never an out-of-bounds read.
 * It builds both into the kernel and into host tests/fuzzers unchanged.
 */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H
#include "lib/compiler.h"

/* --- constants the boot assembly uses (NASM cannot include this file: keep
 *     the assembly's %defines in step with these values) --- */
#define MB2_HEADER_MAGIC        0xe85250d6u /* in the kernel's header */
#define MB2_BOOTLOADER_MAGIC    0x36d76289u /* in EAX at entry */
#define MB2_HEADER_ARCH_I386    0u          /* 32-bit protected mode entry */
#define MB2_HEADER_ALIGN        8u          /* header must be 8-aligned... */
#define MB2_HEADER_SEARCH_BYTES 32768u      /* ...in the first 32 KiB */

/* Header tag types (spec 3.1.3 onwards). */
#define MB2_HEADER_TAG_END                 0u
#define MB2_HEADER_TAG_INFO_REQUEST        1u
#define MB2_HEADER_TAG_ADDRESS             2u
#define MB2_HEADER_TAG_ENTRY_ADDRESS       3u
#define MB2_HEADER_TAG_CONSOLE_FLAGS       4u
#define MB2_HEADER_TAG_FRAMEBUFFER         5u
#define MB2_HEADER_TAG_MODULE_ALIGN        6u
#define MB2_HEADER_TAG_EFI_BS              7u
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI32 8u
#define MB2_HEADER_TAG_ENTRY_ADDRESS_EFI64 9u
#define MB2_HEADER_TAG_RELOCATABLE         10u
#define MB2_HEADER_TAG_OPTIONAL            1u  /* flags bit: may be ignored */

/* --- boot information --- */
#define MB2_INFO_ALIGN   8u   /* the structure and every tag */
#define MB2_INFO_HEADER  8u   /* total_size + reserved */
#define MB2_TAG_HEADER   8u   /* type + size */

/* Boot information tag types (spec 3.6.x). */
#define MB2_TAG_END              0u
#define MB2_TAG_CMDLINE          1u
#define MB2_TAG_LOADER_NAME      2u
#define MB2_TAG_MODULE           3u
#define MB2_TAG_BASIC_MEMINFO    4u
#define MB2_TAG_BOOTDEV          5u
#define MB2_TAG_MMAP             6u
#define MB2_TAG_VBE              7u
#define MB2_TAG_FRAMEBUFFER      8u
#define MB2_TAG_ELF_SECTIONS     9u
#define MB2_TAG_APM              10u
#define MB2_TAG_EFI32            11u
#define MB2_TAG_EFI64            12u
#define MB2_TAG_SMBIOS           13u
#define MB2_TAG_ACPI_OLD         14u
#define MB2_TAG_ACPI_NEW         15u
#define MB2_TAG_NETWORK          16u
#define MB2_TAG_EFI_MMAP         17u
#define MB2_TAG_EFI_BS           18u  /* boot services not terminated */
#define MB2_TAG_EFI32_IH         19u
#define MB2_TAG_EFI64_IH         20u
#define MB2_TAG_LOAD_BASE_ADDR   21u
#define MB2_TAG_TYPES            22u  /* one past the last known type */

/* Memory map entry types (tag 6). */
#define MB2_MEM_AVAILABLE        1u
#define MB2_MEM_RESERVED         2u
#define MB2_MEM_ACPI_RECLAIMABLE 3u
#define MB2_MEM_NVS              4u
#define MB2_MEM_BADRAM           5u

#define MB2_MMAP_ENTRY_MIN       24u  /* u64 base, u64 len, u32 type, u32 0 */
#define MB2_EFI_DESC_MIN         40u  /* EFI_MEMORY_DESCRIPTOR, UEFI 2.x */
#define MB2_EFI_PAGE_SIZE        4096u

/* EFI memory types (UEFI spec 7.2, EFI_MEMORY_TYPE) found in tag 17. */
#define MB2_EFI_RESERVED          0u
#define MB2_EFI_LOADER_CODE       1u
#define MB2_EFI_LOADER_DATA       2u
#define MB2_EFI_BOOT_CODE         3u
#define MB2_EFI_BOOT_DATA         4u
#define MB2_EFI_RUNTIME_CODE      5u
#define MB2_EFI_RUNTIME_DATA      6u
#define MB2_EFI_CONVENTIONAL      7u
#define MB2_EFI_UNUSABLE          8u
#define MB2_EFI_ACPI_RECLAIM      9u
#define MB2_EFI_ACPI_NVS          10u
#define MB2_EFI_MMIO              11u
#define MB2_EFI_MMIO_PORT         12u
#define MB2_EFI_PAL_CODE          13u
#define MB2_EFI_PERSISTENT        14u

/* Framebuffer types (tag 8). */
#define MB2_FB_INDEXED           0u
#define MB2_FB_RGB               1u
#define MB2_FB_EGA_TEXT          2u

#define MB2_RSDP_V1_LEN          20u  /* ACPI 1.0 RSDP */
#define MB2_RSDP_V2_LEN          36u  /* ACPI 2.0+ XSDP */
#define MB2_ERR_MAX              96u

struct mb2_framebuffer {
	uint64_t addr;          /* physical */
	uint32_t pitch;         /* bytes per line */
	uint32_t width, height; /* pixels, or characters for EGA text */
	uint8_t bpp;
	uint8_t type;           /* MB2_FB_* */
	/* Valid only when type == MB2_FB_RGB and the tag carried them. */
	bool has_rgb;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* What mb2_parse() found. Pointers point into the caller's buffer, which
 * must stay mapped while they are used. A has_* flag or a NULL pointer says
 * the tag was absent. If a tag appears twice, the last one wins. */
struct mb2_info {
	const uint8_t *base;        /* the structure itself */
	uint32_t total_size;
	uint32_t ntags;             /* tags before the end tag */
	uint32_t nunknown;          /* of those, types the spec does not define */

	const char *cmdline;        /* type 1, NUL-terminated */
	const char *loader_name;    /* type 2, NUL-terminated */

	bool has_meminfo;           /* type 4 */
	uint32_t mem_lower_kib;     /* below 1 MiB */
	uint32_t mem_upper_kib;     /* from 1 MiB to the first hole */

	const uint8_t *mmap;        /* type 6: first entry */
	uint32_t mmap_count;        /* entries */
	uint32_t mmap_stride;       /* entry_size, >= MB2_MMAP_ENTRY_MIN */
	uint32_t mmap_version;

	bool has_fb;                /* type 8 */
	struct mb2_framebuffer fb;

	const uint8_t *elf_shdrs;   /* type 9: section headers, or NULL */
	uint32_t elf_num, elf_entsize, elf_shndx;

	bool has_efi64_systab;      /* type 12 */
	uint64_t efi64_systab;      /* physical address of EFI_SYSTEM_TABLE */

	const uint8_t *rsdp;        /* copy of the RSDP: type 15 if present, */
	uint32_t rsdp_len;          /* else type 14; NULL if neither */
	uint8_t rsdp_tag;           /* MB2_TAG_ACPI_NEW or MB2_TAG_ACPI_OLD */

	const uint8_t *efi_mmap;    /* type 17: first descriptor */
	uint32_t efi_mmap_count;
	uint32_t efi_desc_size;     /* stride, >= MB2_EFI_DESC_MIN */
	uint32_t efi_desc_version;

	bool efi_bs_active;         /* type 18: ExitBootServices not called */

	bool has_load_base;         /* type 21 */
	uint32_t load_base;         /* physical address the image was loaded */

	char errbuf[MB2_ERR_MAX];   /* where *err points after a failure */
};

/* Parses the boot information at info, of which avail_bytes are readable.
 * Returns 0 and fills *out, or returns -1 and sets *err (if err is not NULL)
 * to a message such as "tag 6 at offset 120: size 12 smaller than header 16";
 * the message lives in out->errbuf. Rejects: info not 8-byte aligned,
 * total_size < 16 or > avail_bytes, a tag header or body past total_size, a
 * tag smaller than its type's fixed part, no end tag, a memory map entry
 * size < 24, an EFI descriptor size < 40, an ELF section table or RSDP
 * outside its tag, and strings not NUL-terminated inside their tag.
 * Trailing bytes that do not fill a whole map entry are ignored. Unknown
 * tag types are skipped. Never reads outside [info, info + total_size). */
int mb2_parse(const void *info, size_t avail_bytes, struct mb2_info *out,
	      const char **err);

/* Memory map (tag 6) entries; mb2_mmap_entry returns false when i is out of
 * range, otherwise stores the entry's fields (any pointer may be NULL). */
size_t mb2_mmap_count(const struct mb2_info *info);
bool mb2_mmap_entry(const struct mb2_info *info, size_t i, uint64_t *base,
		    uint64_t *len, uint32_t *type);

/* EFI memory map (tag 17) descriptors, same contract; pages are 4 KiB. */
size_t mb2_efi_mmap_count(const struct mb2_info *info);
bool mb2_efi_mmap_entry(const struct mb2_info *info, size_t i, uint32_t *type,
			uint64_t *phys_start, uint64_t *pages);

/* Short names for printing: "available", "reserved", "ACPI reclaimable",
 * "ACPI NVS", "bad RAM", or "unknown". */
const char *mb2_mem_type_name(uint32_t type);
#endif
