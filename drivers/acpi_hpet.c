/* HPET ("HPET") table parser: where the HPET registers are, so the kernel
 * can use the HPET main counter to calibrate the TSC.
 *
 * IA-PC HPET (High Precision Event Timers) Specification 1.0a, section
 * 3.2.4 ("The ACPI 2.0 HPET Description Table"). The event timer block id
 * repeats the low half of the HPET's own capabilities register (2.3.4).
 */
#include "drivers/acpi.h"
#include "lib/printf.h"
#include "lib/string.h"

#define HPET_ID_REV_MASK        0xffu
#define HPET_ID_NUM_TIM_SHIFT   8u     /* bits 12:8: timers - 1 */
#define HPET_ID_NUM_TIM_MASK    0x1fu
#define HPET_ID_COUNT_SIZE_CAP  (1u << 13)
#define HPET_ID_LEG_RT_CAP      (1u << 15)
#define HPET_ID_VENDOR_SHIFT    16u

struct hpet_table {
	struct acpi_sdt_header hdr;
	uint32_t block_id;
	struct acpi_gas address;
	uint8_t hpet_number;
	uint16_t min_tick;
	uint8_t page_protection;
} __packed;

#define HPET_TABLE_LEN 56u
_Static_assert(sizeof(struct hpet_table) == HPET_TABLE_LEN, "HPET layout");

int acpi_hpet_parse(const struct acpi_sdt_header *hdr, struct acpi_hpet *hpet,
		    char *err, size_t err_size)
{
	const struct hpet_table *t = (const void *)hdr;
	uint32_t id;

	memset(hpet, 0, sizeof(*hpet));
	if (memcmp(hdr->signature, ACPI_SIG_HPET, ACPI_SIG_LEN) != 0 ||
	    hdr->length < HPET_TABLE_LEN) {
		ksnprintf(err, err_size, "HPET: bad signature or length %u",
			  hdr->length);
		return -1;
	}
	/* Linux refuses the same: the timers are memory-mapped by design. */
	if (t->address.space_id != ACPI_GAS_MEMORY || !t->address.address) {
		ksnprintf(err, err_size, "HPET: registers in space %u at 0x%llx",
			  t->address.space_id,
			  (unsigned long long)t->address.address);
		return -1;
	}
	id = t->block_id;
	hpet->address = t->address.address;
	hpet->hpet_number = t->hpet_number;
	hpet->min_tick = t->min_tick;
	hpet->hw_revision = id & HPET_ID_REV_MASK;
	hpet->comparators = ((id >> HPET_ID_NUM_TIM_SHIFT) &
			     HPET_ID_NUM_TIM_MASK) + 1;
	hpet->counter_64bit = id & HPET_ID_COUNT_SIZE_CAP;
	hpet->legacy_replacement = id & HPET_ID_LEG_RT_CAP;
	hpet->pci_vendor = (uint16_t)(id >> HPET_ID_VENDOR_SHIFT);
	return 0;
}
