/* ACPI table discovery: RSDP validation, the RSDT/XSDT walk, the table list
 * and the entry iterator the MADT and SRAT parsers share.
 *
 * ACPI 6.5 sections 5.2.5 (RSDP), 5.2.6 (SDT header), 5.2.7 (RSDT),
 * 5.2.8 (XSDT). A table is read only after it passes table_validate():
 * header mapped, printable signature, sane length, whole table mapped,
 * checksum zero. Failures of single tables are recorded as problems and
 * skipped, so one bad SSDT does not cost the MADT.
 */
#include "drivers/acpi.h"
#include "lib/printf.h"
#include "lib/string.h"

#define RSDT_ENTRY_LEN 4u   /* 32-bit physical addresses */
#define XSDT_ENTRY_LEN 8u   /* 64-bit physical addresses */

acpi_map_fn acpi_map;

static struct {
	struct acpi_table tables[ACPI_MAX_TABLES];
	size_t ntables;
	char problems[ACPI_MAX_PROBLEMS][ACPI_PROBLEM_LEN];
	size_t nproblems;
	size_t problems_dropped;
	uint8_t rsdp_revision;
	const char *root_name;
	uint64_t root_phys;
} acpi;

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum;
}

static void __printf(1, 2) problem(const char *fmt, ...)
{
	va_list ap;

	if (acpi.nproblems == ACPI_MAX_PROBLEMS) {
		acpi.problems_dropped++;
		return;
	}
	va_start(ap, fmt);
	kvsnprintf(acpi.problems[acpi.nproblems++], ACPI_PROBLEM_LEN, fmt, ap);
	va_end(ap);
}

static void __printf(3, 4) set_err(char *err, size_t err_size,
				   const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_size)
		return;
	va_start(ap, fmt);
	kvsnprintf(err, err_size, fmt, ap);
	va_end(ap);
}

/* Copies n bytes of a fixed-size firmware string for printing: stops at
 * NUL, replaces anything unprintable so a log line stays one line. */
static void copy_printable(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++)
		dst[i] = (src[i] >= ' ' && src[i] <= '~') ? src[i] : '?';
	dst[i] = '\0';
}

static bool sig_printable(const char *sig)
{
	for (unsigned i = 0; i < ACPI_SIG_LEN; i++)
		if (sig[i] < ' ' || sig[i] > '~')
			return false;
	return true;
}

/* Maps and validates the table at phys. expected is a signature it must
 * have, or NULL for any printable one. Returns the header (length bytes
 * readable) or NULL with the reason in why. */
static const struct acpi_sdt_header *table_validate(uint64_t phys,
						    const char *expected,
						    char *why, size_t why_size)
{
	const struct acpi_sdt_header *h;
	char sig[ACPI_SIG_LEN + 1];
	uint32_t len;

	h = acpi_map(phys, ACPI_SDT_HEADER_LEN);
	if (!h) {
		set_err(why, why_size, "header not mapped");
		return NULL;
	}
	/* Read the fields once: what we checked is what we use. */
	memcpy(sig, h->signature, ACPI_SIG_LEN);
	sig[ACPI_SIG_LEN] = '\0';
	len = h->length;
	if (expected ? memcmp(sig, expected, ACPI_SIG_LEN) != 0
		     : !sig_printable(sig)) {
		copy_printable(sig, h->signature, ACPI_SIG_LEN);
		set_err(why, why_size, "bad signature '%s'", sig);
		return NULL;
	}
	if (len < ACPI_SDT_HEADER_LEN || len > ACPI_TABLE_MAX_LEN) {
		set_err(why, why_size, "%s: bad length %u", sig, len);
		return NULL;
	}
	if (phys > UINT64_MAX - len) {
		set_err(why, why_size, "%s: wraps the address space", sig);
		return NULL;
	}
	h = acpi_map(phys, len);
	if (!h) {
		set_err(why, why_size, "%s: %u bytes not mapped", sig, len);
		return NULL;
	}
	if (h->length != len) {
		set_err(why, why_size, "%s: length changed while mapping", sig);
		return NULL;
	}
	if (acpi_checksum(h, len) != 0) {
		set_err(why, why_size, "%s: bad checksum", sig);
		return NULL;
	}
	return h;
}

static bool table_listed(uint64_t phys)
{
	for (size_t i = 0; i < acpi.ntables; i++)
		if (acpi.tables[i].phys == phys)
			return true;
	return false;
}

static void table_add(const struct acpi_sdt_header *h, uint64_t phys)
{
	struct acpi_table *t = &acpi.tables[acpi.ntables++];

	t->hdr = h;
	t->phys = phys;
	t->length = h->length;
	t->revision = h->revision;
	copy_printable(t->signature, h->signature, ACPI_SIG_LEN);
	copy_printable(t->oem_id, h->oem_id, ACPI_OEM_ID_LEN);
	copy_printable(t->oem_table_id, h->oem_table_id, ACPI_OEM_TABLE_LEN);
}

/* Validates and lists the table one root entry points to. */
static void root_entry_add(const char *root, uint32_t i, uint64_t phys)
{
	const struct acpi_sdt_header *h;
	char why[ACPI_PROBLEM_LEN / 2];

	if (!phys) {
		problem("%s entry %u: null address, skipped", root, i);
		return;
	}
	if (table_listed(phys)) {
		problem("%s entry %u: 0x%llx listed twice, skipped", root, i,
			(unsigned long long)phys);
		return;
	}
	h = table_validate(phys, NULL, why, sizeof(why));
	if (!h) {
		problem("%s entry %u at 0x%llx: %s, skipped", root, i,
			(unsigned long long)phys, why);
		return;
	}
	table_add(h, phys);
}

static uint64_t read_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = (v << 8) | p[bytes];
	return v;
}

/* Walks a validated RSDT or XSDT and lists every valid table in it. */
static void root_walk(const struct acpi_sdt_header *root, unsigned entry_len)
{
	const uint8_t *entries = (const uint8_t *)root + ACPI_SDT_HEADER_LEN;
	uint32_t bytes = root->length - ACPI_SDT_HEADER_LEN;
	uint32_t n = bytes / entry_len;

	if (bytes % entry_len)
		problem("%s: %u trailing bytes ignored", acpi.root_name,
			bytes % entry_len);
	for (uint32_t i = 0; i < n; i++) {
		if (acpi.ntables == ACPI_MAX_TABLES) {
			problem("%s: more than %u tables, %u ignored",
				acpi.root_name, ACPI_MAX_TABLES, n - i);
			return;
		}
		root_entry_add(acpi.root_name, i,
			       read_le(entries + i * entry_len, entry_len));
	}
}

/* The DSDT hangs off the FADT, not the root table: list it too so that
 * acpi_find_table("DSDT", 0) and the boot log see it. */
static void dsdt_add(void)
{
	const struct acpi_sdt_header *fadt = acpi_find_table(ACPI_SIG_FADT, 0);
	const struct acpi_sdt_header *h;
	char why[ACPI_PROBLEM_LEN / 2];
	uint64_t phys;

	if (!fadt)
		return;
	phys = acpi_fadt_dsdt_address(fadt);
	if (!phys || table_listed(phys))
		return;
	if (acpi.ntables == ACPI_MAX_TABLES) {
		problem("DSDT: table list full, ignored");
		return;
	}
	h = table_validate(phys, ACPI_SIG_DSDT, why, sizeof(why));
	if (!h) {
		problem("DSDT at 0x%llx: %s, skipped",
			(unsigned long long)phys, why);
		return;
	}
	table_add(h, phys);
}

/* Which root tables the RSDP offers, in order of preference. */
struct rsdp_roots {
	uint64_t xsdt;   /* 0: none or not trustworthy */
	uint64_t rsdt;
};

static int rsdp_check(const void *bytes, size_t len, struct rsdp_roots *roots,
		      char *err, size_t err_size)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	if (!bytes || len < ACPI_RSDP_V1_LEN) {
		set_err(err, err_size, "RSDP too short: %zu bytes", len);
		return -1;
	}
	/* The copy in the multiboot2 tag may be unaligned: work on our own. */
	memcpy(&r, bytes, MIN(len, sizeof(r)));
	if (memcmp(r.signature, ACPI_RSDP_SIG, ACPI_RSDP_SIG_LEN) != 0) {
		set_err(err, err_size, "RSDP: bad signature");
		return -1;
	}
	if (acpi_checksum(bytes, ACPI_RSDP_V1_LEN) != 0) {
		set_err(err, err_size, "RSDP: bad checksum");
		return -1;
	}
	acpi.rsdp_revision = r.revision;
	roots->rsdt = r.rsdt_address;
	roots->xsdt = 0;
	if (r.revision < ACPI_RSDP_REV_XSDT)
		return 0;
	if (len < ACPI_RSDP_V2_LEN)
		problem("RSDP revision %u but only %zu bytes: using RSDT",
			r.revision, len);
	else if (r.length < ACPI_RSDP_V2_LEN || r.length > len)
		problem("RSDP: length %u outside 36..%zu: using RSDT",
			r.length, len);
	else if (acpi_checksum(bytes, r.length) != 0)
		problem("RSDP: bad extended checksum: using RSDT");
	else
		roots->xsdt = r.xsdt_address;
	return 0;
}

/* Validates the preferred root table, falling back from XSDT to RSDT. */
static const struct acpi_sdt_header *root_pick(const struct rsdp_roots *roots,
					       unsigned *entry_len,
					       char *err, size_t err_size)
{
	const struct acpi_sdt_header *h;
	char why[ACPI_PROBLEM_LEN / 2];

	if (roots->xsdt) {
		h = table_validate(roots->xsdt, "XSDT", why, sizeof(why));
		if (h) {
			acpi.root_name = "XSDT";
			acpi.root_phys = roots->xsdt;
			*entry_len = XSDT_ENTRY_LEN;
			return h;
		}
		problem("XSDT at 0x%llx: %s: trying RSDT",
			(unsigned long long)roots->xsdt, why);
	}
	if (!roots->rsdt) {
		set_err(err, err_size, "no usable root table (RSDT address 0)");
		return NULL;
	}
	h = table_validate(roots->rsdt, "RSDT", why, sizeof(why));
	if (!h) {
		set_err(err, err_size, "RSDT at 0x%llx: %s",
			(unsigned long long)roots->rsdt, why);
		return NULL;
	}
	acpi.root_name = "RSDT";
	acpi.root_phys = roots->rsdt;
	*entry_len = RSDT_ENTRY_LEN;
	return h;
}

int acpi_init(const void *rsdp, size_t rsdp_len, char *err, size_t err_size)
{
	const struct acpi_sdt_header *root;
	struct rsdp_roots roots;
	unsigned entry_len;

	memset(&acpi, 0, sizeof(acpi));
	acpi.root_name = "none";
	if (!acpi_map) {
		set_err(err, err_size, "acpi_map is not set");
		return -1;
	}
	if (rsdp_check(rsdp, rsdp_len, &roots, err, err_size))
		return -1;
	root = root_pick(&roots, &entry_len, err, err_size);
	if (!root)
		return -1;
	root_walk(root, entry_len);
	dsdt_add();
	return 0;
}

uint8_t acpi_rsdp_revision(void)
{
	return acpi.rsdp_revision;
}

const char *acpi_root_name(void)
{
	return acpi.root_name ? acpi.root_name : "none";
}

uint64_t acpi_root_phys(void)
{
	return acpi.root_phys;
}

const struct acpi_sdt_header *acpi_find_table(const char *sig, size_t index)
{
	for (size_t i = 0; i < acpi.ntables; i++) {
		if (memcmp(acpi.tables[i].hdr->signature, sig, ACPI_SIG_LEN))
			continue;
		if (index-- == 0)
			return acpi.tables[i].hdr;
	}
	return NULL;
}

size_t acpi_table_count(void)
{
	return acpi.ntables;
}

const struct acpi_table *acpi_table_get(size_t i)
{
	return i < acpi.ntables ? &acpi.tables[i] : NULL;
}

size_t acpi_problem_count(void)
{
	return acpi.nproblems;
}

const char *acpi_problem(size_t i)
{
	return i < acpi.nproblems ? acpi.problems[i] : NULL;
}

size_t acpi_problems_dropped(void)
{
	return acpi.problems_dropped;
}

void acpi_entry_iter_init(struct acpi_entry_iter *it,
			  const struct acpi_sdt_header *hdr, uint32_t first)
{
	it->table = (const uint8_t *)hdr;
	it->length = hdr->length;
	it->offset = first;
}

int acpi_entry_next(struct acpi_entry_iter *it, const uint8_t **entry,
		    uint8_t *type, uint8_t *len, char *err, size_t err_size)
{
	uint32_t left;

	if (it->offset >= it->length)
		return 0;
	left = it->length - it->offset;
	if (left < ACPI_ENTRY_HEADER_LEN) {
		set_err(err, err_size, "entry at offset %u: header truncated",
			it->offset);
		return -1;
	}
	*entry = it->table + it->offset;
	*type = (*entry)[0];
	*len = (*entry)[1];
	/* A length below the header would never advance: stop, do not spin. */
	if (*len < ACPI_ENTRY_HEADER_LEN || *len > left) {
		set_err(err, err_size,
			"entry at offset %u (type %u): length %u, %u bytes left",
			it->offset, *type, *len, left);
		return -1;
	}
	it->offset += *len;
	return 1;
}
