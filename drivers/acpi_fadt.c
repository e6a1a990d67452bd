/* FADT ("FACP") parser and the \_S5 scan of the DSDT: what the kernel
 * needs to reboot (reset register) and power off (PM1 control + SLP_TYP)
 * without an AML interpreter.
 *
 * ACPI 6.5 section 5.2.9 (Fixed ACPI Description Table, table 5.9 for the
 * layout), 4.8.3.2 (PM1 control: SLP_TYP bits 12:10, SLP_EN bit 13),
 * 7.4.2 (\_Sx objects: Package {SLP_TYPa, SLP_TYPb, ...}) and 20.2 (AML
 * grammar: NameOp 0x08, PackageOp 0x12, PkgLength, ZeroOp, OneOp,
 * BytePrefix 0x0A). The FADT grew with each ACPI version, so every field
 * past the ACPI 1.0 size is read only if the table's length covers it.
 */
#include "drivers/acpi.h"
#include "lib/printf.h"
#include "lib/string.h"

struct fadt {
	struct acpi_sdt_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved1;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved2;
	uint32_t flags;                 /* ACPI 1.0 ends here: 116 bytes */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
} __packed;

#define FADT_V1_LEN 116u
_Static_assert(__builtin_offsetof(struct fadt, reset_reg) == FADT_V1_LEN,
	       "FADT layout");
_Static_assert(__builtin_offsetof(struct fadt, x_dsdt) == 140, "FADT layout");
_Static_assert(sizeof(struct fadt) == 196, "FADT layout");

/* Does a table of len bytes hold the whole field? */
#define FADT_HAS(len, field) \
	((len) >= __builtin_offsetof(struct fadt, field) + \
		  sizeof(((struct fadt *)0)->field))

uint64_t acpi_fadt_dsdt_address(const struct acpi_sdt_header *hdr)
{
	const struct fadt *f = (const void *)hdr;
	uint32_t len = hdr->length;

	if (FADT_HAS(len, x_dsdt) && f->x_dsdt)
		return f->x_dsdt;
	if (FADT_HAS(len, dsdt))
		return f->dsdt;
	return 0;
}

/* X_PM1x_CNT_BLK when the table has it and it names an I/O port, else the
 * 32-bit block. */
static uint32_t pm1_cnt_port(const struct acpi_gas *x, bool has_x,
			     uint32_t legacy)
{
	if (has_x && x->address && x->space_id == ACPI_GAS_IO &&
	    x->address <= UINT32_MAX)
		return (uint32_t)x->address;
	return legacy;
}

int acpi_fadt_parse(const struct acpi_sdt_header *hdr, struct acpi_fadt *out,
		    char *err, size_t err_size)
{
	const struct fadt *f = (const void *)hdr;
	uint32_t len = hdr->length;

	memset(out, 0, sizeof(*out));
	if (memcmp(hdr->signature, ACPI_SIG_FADT, ACPI_SIG_LEN) != 0 ||
	    len < FADT_V1_LEN) {
		ksnprintf(err, err_size, "FADT: bad signature or length %u", len);
		return -1;
	}
	out->revision = hdr->revision;
	out->flags = f->flags;
	out->sci_irq = f->sci_int;
	out->smi_cmd = f->smi_cmd;
	out->acpi_enable = f->acpi_enable;
	out->pm1_cnt_len = f->pm1_cnt_len;
	out->pm_timer = f->pm_tmr_blk;
	out->pm_timer_32bit = f->flags & ACPI_FADT_TMR_VAL_EXT;
	out->iapc_boot_arch = f->iapc_boot_arch;
	out->pm1a_cnt = pm1_cnt_port(&f->x_pm1a_cnt_blk,
				     FADT_HAS(len, x_pm1a_cnt_blk),
				     f->pm1a_cnt_blk);
	out->pm1b_cnt = pm1_cnt_port(&f->x_pm1b_cnt_blk,
				     FADT_HAS(len, x_pm1b_cnt_blk),
				     f->pm1b_cnt_blk);
	out->dsdt = acpi_fadt_dsdt_address(hdr);
	if (FADT_HAS(len, reset_value) && (f->flags & ACPI_FADT_RESET_REG_SUP) &&
	    f->reset_reg.address) {
		out->reset_supported = true;
		out->reset_reg = f->reset_reg;
		out->reset_value = f->reset_value;
	}
	return 0;
}

/* --- \_S5 byte-pattern scan --- */

#define AML_ZERO_OP     0x00
#define AML_ONE_OP      0x01
#define AML_NAME_OP     0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_PACKAGE_OP  0x12
#define AML_ROOT_CHAR   '\\'
#define AML_PKGLEN_FOLLOW_SHIFT 6  /* lead byte bits 7:6: extra bytes */
#define AML_PKGLEN_LEAD_BITS    6  /* lead byte bits 5:0 with no extras */
#define AML_PKGLEN_LOW_NIBBLE   0x0f /* lead byte bits 3:0 with extras */
#define AML_NAMESEG_LEN 4u
#define S5_NAME         "_S5_"

/* Bytes [pos, end) of the AML stream; reads past end fail. */
struct aml_cursor {
	const uint8_t *p;
	uint32_t pos, end;
};

static bool aml_byte(struct aml_cursor *c, uint8_t *v)
{
	if (c->pos >= c->end)
		return false;
	*v = c->p[c->pos++];
	return true;
}

/* PkgLength (20.2.4): counts from its own first byte. */
static bool aml_pkg_length(struct aml_cursor *c, uint32_t *len)
{
	uint8_t lead, b;
	unsigned follow;

	if (!aml_byte(c, &lead))
		return false;
	follow = lead >> AML_PKGLEN_FOLLOW_SHIFT;
	if (!follow) {
		*len = lead & ((1u << AML_PKGLEN_LEAD_BITS) - 1);
		return true;
	}
	*len = lead & AML_PKGLEN_LOW_NIBBLE;
	for (unsigned i = 0; i < follow; i++) {
		if (!aml_byte(c, &b))
			return false;
		*len |= (uint32_t)b << (4 + 8 * i);
	}
	return true;
}

/* A small integer: ZeroOp, OneOp or BytePrefix n; the forms \_S5 uses. */
static bool aml_small_int(struct aml_cursor *c, uint8_t *v)
{
	uint8_t op;

	if (!aml_byte(c, &op))
		return false;
	if (op == AML_ZERO_OP || op == AML_ONE_OP) {
		*v = op;
		return true;
	}
	return op == AML_BYTE_PREFIX && aml_byte(c, v);
}

/* Tries the package that should follow "_S5_" at name_end. */
static bool s5_package(const uint8_t *aml, uint32_t name_end, uint32_t len,
		       uint8_t *a, uint8_t *b)
{
	struct aml_cursor c = { aml, name_end, len };
	uint32_t pkg_start, pkg_len;
	uint8_t op, count;

	if (!aml_byte(&c, &op) || op != AML_PACKAGE_OP)
		return false;
	pkg_start = c.pos;
	if (!aml_pkg_length(&c, &pkg_len) || pkg_len > len - pkg_start)
		return false;
	c.end = pkg_start + pkg_len;  /* stay inside the package */
	if (!aml_byte(&c, &count) || count < 2)
		return false;
	if (!aml_small_int(&c, a) || !aml_small_int(&c, b))
		return false;
	return *a <= ACPI_SLP_TYP_MAX && *b <= ACPI_SLP_TYP_MAX;
}

/* Is the name at i declared by NameOp, directly or as \_S5_? */
static bool s5_named(const uint8_t *aml, uint32_t i, uint32_t start)
{
	if (i > start && aml[i - 1] == AML_NAME_OP)
		return true;
	return i > start + 1 && aml[i - 1] == AML_ROOT_CHAR &&
	       aml[i - 2] == AML_NAME_OP;
}

int acpi_dsdt_find_s5(const struct acpi_sdt_header *dsdt, uint8_t *slp_typa,
		      uint8_t *slp_typb)
{
	const uint8_t *aml = (const uint8_t *)dsdt;
	uint32_t len = dsdt->length;
	uint8_t a, b;

	if (memcmp(dsdt->signature, ACPI_SIG_DSDT, ACPI_SIG_LEN) != 0 ||
	    len < ACPI_SDT_HEADER_LEN + AML_NAMESEG_LEN)
		return -1;
	for (uint32_t i = ACPI_SDT_HEADER_LEN; i <= len - AML_NAMESEG_LEN; i++) {
		if (memcmp(aml + i, S5_NAME, AML_NAMESEG_LEN) != 0 ||
		    !s5_named(aml, i, ACPI_SDT_HEADER_LEN))
			continue;
		if (s5_package(aml, i + AML_NAMESEG_LEN, len, &a, &b)) {
			*slp_typa = a;
			*slp_typb = b;
			return 0;
		}
	}
	return -1;
}
