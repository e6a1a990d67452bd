/* ACPI table discovery and parsing: RSDP, RSDT/XSDT, MADT, SRAT, SLIT, HPET,
 * FADT (reset register, PM1 control) and the \_S5 sleep type in the DSDT.
 *
 * Follows the ACPI 6.5 specification, chapter 5.2 ("ACPI System Description
 * Tables"); section numbers are given next to each table below.
 *
 * Pure C, no printing, no allocation. Physical memory is reached only
 * through the acpi_map callback, which the environment sets before
 * acpi_init(): the kernel over its direct map (checked against the RAM and
 * ACPI ranges of the memory map), host tests and the fuzzer over a synthetic
 * buffer at a fake physical base. Every table is validated (signature,
 * 36 <= length <= ACPI_TABLE_MAX_LEN, mapped, checksum) before anything else
 * reads it, and no parser reads past a table's validated length.
 * See docs/acpi.md for what is parsed and the rules for usable CPUs and
 * NUMA node numbering.
 *
 * Every (err, err_size) pair is a caller buffer that receives a one-line
 * message on failure, always NUL-terminated; err may be NULL when err_size
 * is 0. Not thread-safe: discovery runs once, on the boot CPU.
 */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H
#include "lib/compiler.h"

/* ------------------------------------------------------------------------
 * Physical memory access
 * ------------------------------------------------------------------------ */

/* Returns a pointer through which [phys, phys + len) can be read, or NULL
 * when any part of that range is not mapped or not a valid place for ACPI
 * tables. The pointer must stay valid until the next acpi_init(): table
 * pointers handed out by this module point into such mappings. */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len);
extern acpi_map_fn acpi_map;

/* ------------------------------------------------------------------------
 * Common layouts (5.2.3 GAS, 5.2.5 RSDP, 5.2.6 SDT header)
 * ------------------------------------------------------------------------ */

#define ACPI_SIG_LEN         4u
#define ACPI_OEM_ID_LEN      6u
#define ACPI_OEM_TABLE_LEN   8u
#define ACPI_RSDP_SIG        "RSD PTR "
#define ACPI_RSDP_SIG_LEN    8u
#define ACPI_RSDP_V1_LEN     20u   /* ACPI 1.0: checksum covers these */
#define ACPI_RSDP_V2_LEN     36u   /* ACPI 2.0+: adds length, XSDT */
#define ACPI_RSDP_REV_XSDT   2u    /* first revision with the XSDT */
#define ACPI_SDT_HEADER_LEN  36u
/* Sanity cap on one table. Real DSDTs are tens to a few hundred KiB; a
 * larger length is a corrupt header, not a table. */
#define ACPI_TABLE_MAX_LEN   (1u << 20)

struct acpi_rsdp {
	char signature[ACPI_RSDP_SIG_LEN];
	uint8_t checksum;          /* over the first 20 bytes */
	char oem_id[ACPI_OEM_ID_LEN];
	uint8_t revision;          /* 0: ACPI 1.0, 2: ACPI 2.0 and later */
	uint32_t rsdt_address;
	/* revision >= 2 only */
	uint32_t length;           /* of the whole RSDP */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over length bytes */
	uint8_t reserved[3];
} __packed;

struct acpi_sdt_header {
	char signature[ACPI_SIG_LEN];
	uint32_t length;           /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum;          /* all length bytes sum to 0 mod 256 */
	char oem_id[ACPI_OEM_ID_LEN];
	char oem_table_id[ACPI_OEM_TABLE_LEN];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __packed;

/* Generic Address Structure: where a register lives. */
#define ACPI_GAS_MEMORY      0u
#define ACPI_GAS_IO          1u
#define ACPI_GAS_PCI_CONFIG  2u
struct acpi_gas {
	uint8_t space_id;          /* ACPI_GAS_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;       /* 0 undefined, 1 byte .. 4 qword */
	uint64_t address;
} __packed;

_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN, "RSDP layout");
_Static_assert(sizeof(struct acpi_sdt_header) == ACPI_SDT_HEADER_LEN,
	       "SDT header layout");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS layout");

/* Sum of len bytes mod 256; a valid table or RSDP sums to 0. */
uint8_t acpi_checksum(const void *p, size_t len);

/* ------------------------------------------------------------------------
 * Discovery (acpi.c)
 * ------------------------------------------------------------------------ */

#define ACPI_MAX_TABLES      128u  /* tables kept; the rest are reported */
#define ACPI_MAX_PROBLEMS    16u   /* problem messages kept */
#define ACPI_PROBLEM_LEN     112u  /* bytes per message, NUL included */

/* One validated table, for lookups and the boot log. The strings are
 * NUL-terminated copies with unprintable bytes replaced by '?'. */
struct acpi_table {
	const struct acpi_sdt_header *hdr; /* mapped; length bytes readable */
	uint64_t phys;
	uint32_t length;
	uint8_t revision;
	char signature[ACPI_SIG_LEN + 1];
	char oem_id[ACPI_OEM_ID_LEN + 1];
	char oem_table_id[ACPI_OEM_TABLE_LEN + 1];
};

/* Validates the RSDP copy (the multiboot2 ACPI tag payload: 20 bytes from
 * the old tag, 36 or more from the new one) and walks the root table:
 * the XSDT when revision >= 2, its extended checksum holds and its address
 * is nonzero, else the RSDT (also when the XSDT itself fails validation and
 * an RSDT exists). Every table the root lists is validated; one that fails
 * (unmapped, bad signature, length < 36 or > ACPI_TABLE_MAX_LEN, bad
 * checksum) is skipped and described in the problem list. The DSDT, which
 * the FADT points to rather than the root table, is validated and listed
 * the same way. Resets all state from a previous call.
 * Returns 0, or -1 with a message in err (if err_size > 0) when nothing is
 * usable: acpi_map unset, RSDP too short, bad signature or checksum, or no
 * valid root table. */
int acpi_init(const void *rsdp, size_t rsdp_len, char *err, size_t err_size);

/* Revision from the RSDP and which root table was used ("XSDT"/"RSDT"),
 * with its physical address. Valid after a successful acpi_init(). */
uint8_t acpi_rsdp_revision(void);
const char *acpi_root_name(void);
uint64_t acpi_root_phys(void);

/* The index-th (from 0) validated table with signature sig (4 characters,
 * e.g. "APIC", "SSDT"), or NULL. The header is followed by length - 36
 * readable bytes. */
const struct acpi_sdt_header *acpi_find_table(const char *sig, size_t index);

/* Iteration for the boot log: tables in discovery order, i < count. */
size_t acpi_table_count(void);
const struct acpi_table *acpi_table_get(size_t i);

/* Non-fatal problems found by acpi_init() (skipped tables, fallbacks), as
 * printable messages; problems_dropped counts those beyond ACPI_MAX_PROBLEMS. */
size_t acpi_problem_count(void);
const char *acpi_problem(size_t i);
size_t acpi_problems_dropped(void);

/* Iterator over the {u8 type, u8 length, ...} entries that follow a fixed
 * part in the MADT and SRAT (shared by both parsers). */
struct acpi_entry_iter {
	const uint8_t *table;
	uint32_t length;           /* validated table length */
	uint32_t offset;           /* of the next entry */
};
#define ACPI_ENTRY_HEADER_LEN 2u
void acpi_entry_iter_init(struct acpi_entry_iter *it,
			  const struct acpi_sdt_header *hdr, uint32_t first);
/* Returns 1 and sets *entry, *type, *len (len >= 2, the entry lies inside
 * the table); 0 at the end; -1 with err filled when an entry is truncated,
 * has length < 2 or runs past the table end (the walk cannot continue). */
int acpi_entry_next(struct acpi_entry_iter *it, const uint8_t **entry,
		    uint8_t *type, uint8_t *len, char *err, size_t err_size);

/* ------------------------------------------------------------------------
 * MADT, signature "APIC" (5.2.12): CPUs, IO APICs, interrupt overrides
 * ------------------------------------------------------------------------ */

#define ACPI_SIG_MADT            "APIC"
#define ACPI_MADT_MAX_CPUS       1024u /* a suggested cpus[] capacity */
#define ACPI_MAX_IOAPICS         16u
#define ACPI_MAX_IRQ_OVERRIDES   32u
#define ACPI_MADT_REV_ONLINE_CAP 5u    /* flags bit 1 defined from here */

struct acpi_cpu {
	uint32_t apic_id;          /* local APIC or x2APIC id */
	uint32_t acpi_uid;         /* ACPI processor id (type 0) or uid (9) */
	bool enabled;              /* present and usable now: bring it up */
	bool online_capable;       /* not enabled, can be hot-added later */
	bool x2apic_entry;         /* came from a type 9 entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;          /* physical MMIO base */
	uint32_t gsi_base;         /* first global system interrupt */
};

struct acpi_irq_override {
	uint8_t bus;               /* 0: ISA */
	uint8_t source;            /* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;            /* MPS INTI flags: polarity, trigger mode */
};

/* Caller fills the storage fields; acpi_madt_parse() resets the rest. */
struct acpi_madt {
	struct acpi_cpu *cpus;     /* storage: usable CPUs, table order */
	size_t cpu_cap;
	/* results */
	size_t cpu_count;          /* entries in cpus[] */
	size_t cpus_enabled;       /* of those, enabled */
	size_t cpus_disabled;      /* neither enabled nor online capable */
	size_t cpus_duplicate;     /* APIC id already in cpus[] */
	size_t cpus_invalid_id;    /* 0xff (type 0) or 0xffffffff (type 9) */
	size_t cpus_dropped;       /* usable but cpus[] was full */
	uint8_t revision;
	uint64_t lapic_address;    /* the 32-bit field, or the type 5 override */
	bool lapic_address_override;
	bool pcat_compat;          /* dual 8259 PICs present: mask them */
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	size_t ioapic_count;
	struct acpi_irq_override irq_overrides[ACPI_MAX_IRQ_OVERRIDES];
	size_t irq_override_count;
	size_t entries;            /* entries walked */
	size_t bad_entries;        /* shorter than their type: skipped */
	size_t dropped_entries;    /* IO APICs/overrides beyond the arrays */
};

/* Parses a validated MADT (from acpi_find_table(ACPI_SIG_MADT, 0)).
 * A CPU entry (type 0 local APIC, type 9 local x2APIC) is usable when its
 * enabled flag is set or, from MADT revision 5 on, its online-capable flag
 * (earlier revisions reserve that bit, so it is ignored there). Usable
 * CPUs go into cpus[] once per APIC id (the first entry wins); only the
 * enabled ones should be brought up. Entries with the invalid ids 0xff
 * (type 0) or 0xffffffff (type 9) are ignored.
 * Returns cpu_count, or -1 with err filled when the table is shorter than
 * 44 bytes, has the wrong signature, or an entry is truncated (length 0/1
 * or past the table end); the fields then hold what was parsed before the
 * bad entry. */
int acpi_madt_parse(const struct acpi_sdt_header *hdr, struct acpi_madt *madt,
		    char *err, size_t err_size);

/* CPUs of a parsed MADT that this kernel cannot start (counts). */
struct acpi_cpu_limits {
	size_t unaddressable;  /* APIC id above what the local APIC can name */
	size_t over_cap;       /* enabled CPUs past the kernel's CPU limit */
	size_t table_full;     /* madt->cpus_dropped: cpus[] was full */
	size_t total;          /* the sum: CPUs the machine has, not started */
};

#define ACPI_XAPIC_MAX_ID  0xfeu        /* 0xff is the xAPIC broadcast */
#define ACPI_X2APIC_MAX_ID 0xfffffffeu  /* 0xffffffff is x2APIC broadcast */

/* Clears `enabled` on every enabled CPU of madt the kernel must not start,
 * so a later walk over the enabled ones sees only startable CPUs:
 *  - an APIC id above max_apic_id (ACPI_XAPIC_MAX_ID when the local APIC
 *    is in xAPIC mode: its ICR destination is 8 bits, and id 0x100 would
 *    become 0 - the boot CPU - and 0x1ff the broadcast 0xff);
 *  - enabled CPUs past the first cap (the CPU with boot_apic_id is always
 *    kept, and counts towards cap).
 * Fills *out (table_full from madt->cpus_dropped). */
void acpi_madt_limit_cpus(struct acpi_madt *madt, uint32_t max_apic_id,
			  uint32_t boot_apic_id, size_t cap,
			  struct acpi_cpu_limits *out);

/* ------------------------------------------------------------------------
 * SRAT "SRAT" (5.2.16) and SLIT "SLIT" (5.2.17): NUMA topology
 * ------------------------------------------------------------------------ */

#define ACPI_SIG_SRAT         "SRAT"
#define ACPI_SIG_SLIT         "SLIT"
#define ACPI_MAX_NODES        64u
#define ACPI_NO_NODE          (-1)
#define ACPI_LOCAL_DISTANCE   10u  /* SLIT: a node to itself */
#define ACPI_REMOTE_DISTANCE  20u  /* default between nodes without SLIT */
#define ACPI_NO_DISTANCE      255u /* SLIT: unreachable */

struct acpi_srat_cpu {
	uint32_t apic_id;
	uint32_t pxm;              /* proximity domain */
	uint32_t node;             /* dense node id */
	bool x2apic_entry;         /* came from a type 2 entry */
};

struct acpi_srat_mem {
	uint64_t base, length;     /* bytes */
	uint32_t pxm;
	uint32_t node;
	bool hotpluggable;
	bool nonvolatile;
};

/* Caller fills the storage fields; acpi_srat_parse() resets the rest. */
struct acpi_numa {
	struct acpi_srat_cpu *cpus;   /* storage: enabled CPU affinities */
	size_t cpu_cap;
	struct acpi_srat_mem *mems;   /* storage: enabled memory ranges */
	size_t mem_cap;
	/* results */
	size_t cpu_count, mem_count;
	size_t cpus_dropped, mems_dropped; /* did not fit in the storage */
	size_t cpus_duplicate;        /* APIC id listed again: ignored */
	size_t disabled_entries;      /* enabled flag clear: ignored */
	size_t bad_entries;           /* too short, empty/wrapping range */
	size_t pxm_dropped;           /* entries of domains past ACPI_MAX_NODES */
	size_t mems_unassigned;       /* set by the boot code: memblock_set_node failed */
	uint8_t revision;
	size_t node_count;
	uint32_t node_pxm[ACPI_MAX_NODES];    /* node -> proximity domain */
	bool node_has_cpus[ACPI_MAX_NODES];
	bool node_has_memory[ACPI_MAX_NODES];
	/* distance[i][j] between nodes i and j: 10 on the diagonal and 20
	 * elsewhere until acpi_slit_parse() succeeds */
	bool have_slit;
	uint8_t distance[ACPI_MAX_NODES][ACPI_MAX_NODES];
};

/* Parses a validated SRAT: processor local APIC affinity (type 0), memory
 * affinity (type 1), processor local x2APIC affinity (type 2); other types
 * are skipped. Entries whose enabled flag is clear are ignored entirely.
 * Proximity domains get dense node ids 0..n-1 in order of first appearance
 * among the enabled entries, in table order. SRAT revision 1 defined only
 * the low 8 bits of the domain, so the rest is masked off there.
 * Returns node_count, or -1 with err filled when the table is shorter than
 * 48 bytes, has the wrong signature, an entry is truncated, or two memory
 * ranges of different nodes overlap (then use no NUMA information). */
int acpi_srat_parse(const struct acpi_sdt_header *hdr, struct acpi_numa *numa,
		    char *err, size_t err_size);

/* Node of a proximity domain / APIC id / physical address, or ACPI_NO_NODE. */
int acpi_numa_pxm_to_node(const struct acpi_numa *numa, uint32_t pxm);
int acpi_numa_apic_to_node(const struct acpi_numa *numa, uint32_t apic_id);
int acpi_numa_addr_to_node(const struct acpi_numa *numa, uint64_t addr);

/* Parses a validated SLIT into numa->distance, after acpi_srat_parse().
 * The SLIT is indexed by proximity domain (ACPI 6.5 5.2.17: "entry i,j
 * is the distance from proximity domain i to j"), so distance[a][b] =
 * matrix[node_pxm[a]][node_pxm[b]]. Checks: length >= 44 + N*N, the
 * diagonal is 10 and other entries > 10 (as Linux does), every node's
 * domain is < N. Returns 0, or -1 with err filled and the distances left
 * at their defaults. */
int acpi_slit_parse(const struct acpi_sdt_header *hdr, struct acpi_numa *numa,
		    char *err, size_t err_size);

/* ------------------------------------------------------------------------
 * HPET "HPET" (IA-PC HPET specification 1.0a, section 3.2.4)
 * ------------------------------------------------------------------------ */

#define ACPI_SIG_HPET "HPET"

struct acpi_hpet {
	uint64_t address;          /* physical MMIO base of the registers */
	uint8_t hpet_number;       /* sequence number of this timer block */
	uint16_t min_tick;         /* minimum periodic tick, in counter ticks */
	uint8_t comparators;       /* number of timers */
	bool counter_64bit;
	bool legacy_replacement;   /* can take over IRQ0/IRQ8 */
	uint16_t pci_vendor;
	uint8_t hw_revision;
};

/* Parses a validated HPET table. Returns 0, or -1 with err filled when it
 * is shorter than 56 bytes, has the wrong signature, or the registers are
 * not in system memory space or at address 0. */
int acpi_hpet_parse(const struct acpi_sdt_header *hdr, struct acpi_hpet *hpet,
		    char *err, size_t err_size);

/* ------------------------------------------------------------------------
 * FADT "FACP" (5.2.9) and \_S5 in the DSDT (7.4.2): reboot and power-off
 * ------------------------------------------------------------------------ */

#define ACPI_SIG_FADT          "FACP"
#define ACPI_SIG_DSDT          "DSDT"
#define ACPI_FADT_RESET_REG_SUP (1u << 10) /* flags: reset_reg is valid */
#define ACPI_FADT_TMR_VAL_EXT   (1u << 8)  /* flags: PM timer is 32-bit */
#define ACPI_PM1_SLP_TYP_SHIFT  10u        /* PM1 control: SLP_TYPx */
#define ACPI_PM1_SLP_TYP_MASK   (7u << ACPI_PM1_SLP_TYP_SHIFT)
#define ACPI_PM1_SLP_EN         (1u << 13) /* PM1 control: enter sleep */
#define ACPI_SLP_TYP_MAX        7u         /* SLP_TYP is a 3-bit field */

struct acpi_fadt {
	uint8_t revision;
	uint32_t flags;
	uint16_t sci_irq;
	uint32_t smi_cmd;          /* I/O port; 0: already in ACPI mode */
	uint8_t acpi_enable;       /* value to write to smi_cmd */
	uint32_t pm1a_cnt;         /* I/O port of PM1a control, 0 if none */
	uint32_t pm1b_cnt;         /* I/O port of PM1b control, 0 if none */
	uint8_t pm1_cnt_len;
	uint32_t pm_timer;         /* I/O port of the 3.579545 MHz PM timer */
	bool pm_timer_32bit;
	uint16_t iapc_boot_arch;   /* bit 0 legacy devices, bit 1 8042 */
	bool reset_supported;      /* RESET_REG_SUP and the fields exist */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint64_t dsdt;             /* X_DSDT if set, else DSDT; 0 if none */
};

/* Parses a validated FADT; fields the table is too short to hold (an ACPI
 * 1.0 FADT is 116 bytes) stay 0/false. The 64-bit X_PM1x_CNT_BLK fields
 * take precedence over the 32-bit ones when present, nonzero and in I/O
 * space. Returns 0, or -1 with err filled when it is shorter than 116 bytes
 * or has the wrong signature. */
int acpi_fadt_parse(const struct acpi_sdt_header *hdr, struct acpi_fadt *fadt,
		    char *err, size_t err_size);

/* Physical address of the DSDT named by a validated FADT, 0 if none. */
uint64_t acpi_fadt_dsdt_address(const struct acpi_sdt_header *hdr);

/* Finds SLP_TYPa and SLP_TYPb of the \_S5 (soft-off) object in a validated
 * DSDT by the byte-pattern scan hobby kernels use instead of an AML
 * interpreter: NameOp [RootChar] "_S5_" PackageOp PkgLength NumElements,
 * then two integers each encoded as ZeroOp, OneOp or BytePrefix + byte.
 * Everything is bounds-checked against the table length; a match must fit
 * inside its package. Does not search SSDTs, evaluate methods or handle
 * other integer encodings. Returns 0 and the two values (<= 7), or -1. */
int acpi_dsdt_find_s5(const struct acpi_sdt_header *dsdt, uint8_t *slp_typa,
		      uint8_t *slp_typb);

/* The PM1 control bits that enter sleep state slp_typ. The caller keeps the
 * other bits of the register: new = (old & ~ACPI_PM1_SLP_TYP_MASK) | this. */
static inline uint16_t acpi_pm1_sleep_bits(uint8_t slp_typ)
{
	return (uint16_t)(((slp_typ & ACPI_SLP_TYP_MAX) << ACPI_PM1_SLP_TYP_SHIFT)
			  | ACPI_PM1_SLP_EN);
}

#endif
