/* ACPI power-off (S5: write SLP_TYPa/b | SLP_EN to PM1a/b control, ACPI
 * 6.4 section 7.4.2 and 4.8.3.2) and reset (FADT reset register, 4.8.3.6).
 * SLP_TYP values come from the DSDT's \_S5 package (byte-pattern scan). */
#include "drivers/power.h"
#include "drivers/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mmu.h"

#define ACPI_ERR_LEN 96
#define SCI_EN 1u
#define ACPI_ENABLE_WAIT 1000000

static bool fadt_get(struct acpi_fadt *fadt)
{
	const struct acpi_sdt_header *h = acpi_find_table(ACPI_SIG_FADT, 0);
	char err[ACPI_ERR_LEN];

	return h && !acpi_fadt_parse(h, fadt, err, sizeof(err));
}

/* Hands the hardware to ACPI mode if the firmware left it in legacy mode. */
static void acpi_enable_mode(const struct acpi_fadt *f)
{
	if (!f->smi_cmd || !f->acpi_enable || (inw(f->pm1a_cnt) & SCI_EN))
		return;
	outb(f->smi_cmd, f->acpi_enable);
	for (int i = 0; i < ACPI_ENABLE_WAIT && !(inw(f->pm1a_cnt) & SCI_EN); i++)
		cpu_relax();
}

bool acpi_poweroff(void)
{
	struct acpi_fadt f;
	const struct acpi_sdt_header *dsdt;
	uint8_t a, b;

	if (!acpi_map || !fadt_get(&f) || !f.pm1a_cnt)
		return false;
	dsdt = acpi_find_table(ACPI_SIG_DSDT, 0);   /* validated by acpi_init */
	if (!dsdt || acpi_dsdt_find_s5(dsdt, &a, &b))
		return false;
	acpi_enable_mode(&f);
	outw(f.pm1a_cnt, (inw(f.pm1a_cnt) & ~ACPI_PM1_SLP_TYP_MASK) |
	     acpi_pm1_sleep_bits(a));
	if (f.pm1b_cnt)
		outw(f.pm1b_cnt, (inw(f.pm1b_cnt) & ~ACPI_PM1_SLP_TYP_MASK) |
		     acpi_pm1_sleep_bits(b));
	return true;
}

void acpi_reset(void)
{
	struct acpi_fadt f;

	if (!acpi_map || !fadt_get(&f) || !f.reset_supported)
		return;
	if (f.reset_reg.space_id == ACPI_GAS_IO)
		outb(f.reset_reg.address, f.reset_value);
	else if (f.reset_reg.space_id == ACPI_GAS_MEMORY &&
		 f.reset_reg.address < DIRECT_MAP_LOW_END)
		*(volatile uint8_t *)phys_to_virt(f.reset_reg.address) =
			f.reset_value;
}
