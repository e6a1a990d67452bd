/* MADT ("APIC") parser: CPUs, local APIC address, IO APICs and ISA
 * interrupt source overrides.
 *
 * ACPI 6.5 section 5.2.12 (Multiple APIC Description Table) and 5.2.12.2
 * ("Processor Local APIC Structure", the enabled and online-capable flags).
 * The usable-CPU rule is the one Linux applies in acpi_parse_lapic() and
 * acpi_parse_x2apic(): a CPU is usable when enabled or online capable; only
 * enabled ones are running now. We bring up the enabled ones and report the
 * online-capable ones without hot-adding them.
 */
#include "drivers/acpi.h"
#include "lib/printf.h"
#include "lib/string.h"

#define MADT_FIXED_LEN        44u  /* header + lapic address + flags */
#define MADT_PCAT_COMPAT      (1u << 0)
#define MADT_CPU_ENABLED      (1u << 0)
#define MADT_CPU_ONLINE_CAP   (1u << 1)
#define MADT_XAPIC_ID_INVALID 0xffu
#define MADT_X2APIC_ID_INVALID 0xffffffffu

enum madt_type {
	MADT_LOCAL_APIC = 0,
	MADT_IO_APIC = 1,
	MADT_IRQ_OVERRIDE = 2,
	MADT_LAPIC_OVERRIDE = 5,
	MADT_LOCAL_X2APIC = 9,
};

struct madt_fixed {
	struct acpi_sdt_header hdr;
	uint32_t lapic_address;
	uint32_t flags;
} __packed;

struct madt_lapic {            /* type 0, 8 bytes */
	uint8_t type, length;
	uint8_t acpi_id;
	uint8_t apic_id;
	uint32_t flags;
} __packed;

struct madt_ioapic {           /* type 1, 12 bytes */
	uint8_t type, length;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __packed;

struct madt_irq_override {     /* type 2, 10 bytes */
	uint8_t type, length;
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} __packed;

struct madt_lapic_override {   /* type 5, 12 bytes */
	uint8_t type, length;
	uint16_t reserved;
	uint64_t address;
} __packed;

struct madt_x2apic {           /* type 9, 16 bytes */
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t acpi_uid;
} __packed;

_Static_assert(sizeof(struct madt_fixed) == MADT_FIXED_LEN, "MADT layout");

static bool cpu_known(const struct acpi_madt *m, uint32_t apic_id)
{
	for (size_t i = 0; i < m->cpu_count; i++)
		if (m->cpus[i].apic_id == apic_id)
			return true;
	return false;
}

/* The common part of type 0 and type 9 entries: applies the usable-CPU,
 * invalid-id and duplicate rules, then stores the CPU. */
static void cpu_add(struct acpi_madt *m, uint32_t apic_id, uint32_t uid,
		    uint32_t flags, bool x2apic, uint32_t invalid_id)
{
	struct acpi_cpu *c;
	bool enabled = flags & MADT_CPU_ENABLED;
	bool online_cap = !enabled && (flags & MADT_CPU_ONLINE_CAP) &&
			  m->revision >= ACPI_MADT_REV_ONLINE_CAP;

	if (apic_id == invalid_id) {
		m->cpus_invalid_id++;
		return;
	}
	if (!enabled && !online_cap) {
		m->cpus_disabled++;
		return;
	}
	if (cpu_known(m, apic_id)) {
		m->cpus_duplicate++;
		return;
	}
	if (m->cpu_count == m->cpu_cap) {
		m->cpus_dropped++;
		return;
	}
	c = &m->cpus[m->cpu_count++];
	c->apic_id = apic_id;
	c->acpi_uid = uid;
	c->enabled = enabled;
	c->online_capable = online_cap;
	c->x2apic_entry = x2apic;
	if (enabled)
		m->cpus_enabled++;
}

static void add_ioapic(struct acpi_madt *m, const struct madt_ioapic *e)
{
	struct acpi_ioapic *io;

	if (m->ioapic_count == ACPI_MAX_IOAPICS) {
		m->dropped_entries++;
		return;
	}
	io = &m->ioapics[m->ioapic_count++];
	io->id = e->id;
	io->address = e->address;
	io->gsi_base = e->gsi_base;
}

static void add_override(struct acpi_madt *m, const struct madt_irq_override *e)
{
	struct acpi_irq_override *o;

	if (m->irq_override_count == ACPI_MAX_IRQ_OVERRIDES) {
		m->dropped_entries++;
		return;
	}
	o = &m->irq_overrides[m->irq_override_count++];
	o->bus = e->bus;
	o->source = e->source;
	o->gsi = e->gsi;
	o->flags = e->flags;
}

/* Minimum length of each entry type we read; 0 for types we skip. */
static uint8_t entry_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LOCAL_APIC:     return sizeof(struct madt_lapic);
	case MADT_IO_APIC:        return sizeof(struct madt_ioapic);
	case MADT_IRQ_OVERRIDE:   return sizeof(struct madt_irq_override);
	case MADT_LAPIC_OVERRIDE: return sizeof(struct madt_lapic_override);
	case MADT_LOCAL_X2APIC:   return sizeof(struct madt_x2apic);
	default:                  return 0;
	}
}

static void entry_handle(struct acpi_madt *m, const uint8_t *e, uint8_t type)
{
	const struct madt_lapic *la = (const void *)e;
	const struct madt_x2apic *x2 = (const void *)e;
	const struct madt_lapic_override *lo = (const void *)e;

	switch (type) {
	case MADT_LOCAL_APIC:
		cpu_add(m, la->apic_id, la->acpi_id, la->flags, false,
			MADT_XAPIC_ID_INVALID);
		break;
	case MADT_LOCAL_X2APIC:
		cpu_add(m, x2->x2apic_id, x2->acpi_uid, x2->flags, true,
			MADT_X2APIC_ID_INVALID);
		break;
	case MADT_IO_APIC:
		add_ioapic(m, (const void *)e);
		break;
	case MADT_IRQ_OVERRIDE:
		add_override(m, (const void *)e);
		break;
	case MADT_LAPIC_OVERRIDE:
		m->lapic_address = lo->address;
		m->lapic_address_override = true;
		break;
	}
}

/* Clears the results, keeps the caller's storage. */
static void madt_reset(struct acpi_madt *m)
{
	struct acpi_cpu *cpus = m->cpus;
	size_t cap = cpus ? m->cpu_cap : 0;

	memset(m, 0, sizeof(*m));
	m->cpus = cpus;
	m->cpu_cap = cap;
}

int acpi_madt_parse(const struct acpi_sdt_header *hdr, struct acpi_madt *m,
		    char *err, size_t err_size)
{
	const struct madt_fixed *f = (const void *)hdr;
	struct acpi_entry_iter it;
	const uint8_t *e;
	uint8_t type, len;
	int r;

	madt_reset(m);
	if (memcmp(hdr->signature, ACPI_SIG_MADT, ACPI_SIG_LEN) != 0 ||
	    hdr->length < MADT_FIXED_LEN) {
		ksnprintf(err, err_size, "MADT: bad signature or length %u",
			  hdr->length);
		return -1;
	}
	m->revision = hdr->revision;
	m->lapic_address = f->lapic_address;
	m->pcat_compat = f->flags & MADT_PCAT_COMPAT;
	acpi_entry_iter_init(&it, hdr, MADT_FIXED_LEN);
	while ((r = acpi_entry_next(&it, &e, &type, &len, err, err_size)) > 0) {
		m->entries++;
		if (len < entry_min_len(type)) {
			m->bad_entries++;
			continue;
		}
		entry_handle(m, e, type);
	}
	return r < 0 ? -1 : (int)m->cpu_count;
}

/* Is c kept? Counts the reason when not. */
static bool cpu_startable(const struct acpi_cpu *c, uint32_t max_apic_id,
			  uint32_t boot_apic_id, size_t *kept, size_t cap,
			  struct acpi_cpu_limits *out)
{
	if (c->apic_id > max_apic_id) {
		out->unaddressable++;
		return false;
	}
	/* One slot stays free for the boot CPU wherever it is listed. */
	if (c->apic_id != boot_apic_id && *kept + 1 >= cap) {
		out->over_cap++;
		return false;
	}
	if (c->apic_id != boot_apic_id)
		(*kept)++;
	return true;
}

void acpi_madt_limit_cpus(struct acpi_madt *m, uint32_t max_apic_id,
			  uint32_t boot_apic_id, size_t cap,
			  struct acpi_cpu_limits *out)
{
	size_t kept = 0;   /* enabled APs kept so far */

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->cpu_count; i++) {
		struct acpi_cpu *c = &m->cpus[i];

		if (!c->enabled)
			continue;
		if (!cpu_startable(c, max_apic_id, boot_apic_id, &kept, cap, out)) {
			c->enabled = false;
			m->cpus_enabled--;
		}
	}
	out->table_full = m->cpus_dropped;
	out->total = out->unaddressable + out->over_cap + out->table_full;
}
