/* libFuzzer target for the ACPI parsers (drivers/acpi*.c).
 *
 * The input is physical memory at FUZZ_BASE. Its first bytes also steer
 * the harness:
 *   byte 0      bit 0: RSDP revision 2 (XSDT) instead of 0
 *               bit 1: fix the checksums of the root table, the tables it
 *                      lists and the FADT's DSDT, so mutations get past
 *                      validation into the parsers
 *               bit 2: leave the RSDP checksum wrong
 *               bit 3: chain mode: the bytes after the control bytes are
 *                      tables back to back (lengths clamped to the input);
 *                      the harness appends a root table listing them and
 *                      points the FADT at the first DSDT, so blind
 *                      mutation reaches the parsers through discovery
 *   bytes 1-2   RSDT offset into the input (mod its size)
 *   bytes 3-4   XSDT offset into the input (mod its size)
 * Then acpi_init() runs on a correct RSDP built from those, every table it
 * found goes through its parser, and finally the whole input, relabelled
 * as each table type, goes straight into each parser. fake_map() hands out
 * exact-size copies, so AddressSanitizer catches any read past a mapped or
 * validated length. Invariants the parsers promise are checked with
 * abort().
 *
 * A QEMU-shaped chain-mode image (FACP, DSDT with \_S5, MADT, SRAT, SLIT,
 * HPET) is built at start-up; the custom mutator now and then starts from
 * it instead of the current input, so even an empty corpus reaches every
 * parser through discovery within seconds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86_64/apic_address.h"
#include "drivers/acpi.h"
#include "tests/host/acpi_fake.h"

#define FUZZ_BASE       0x1000ull
#define CTL_LEN         5u
#define CTL_REV2        1u
#define CTL_FIX_SUMS    2u
#define CTL_BAD_RSDP    4u
#define CTL_CHAIN       8u
#define CHAIN_MAX       64u   /* tables chain mode lists */
#define FADT_DSDT_OFF   40u
#define SEED_ONE_IN     64u   /* mutations that restart from the seed */
#define FUZZ_CPUS       8u    /* small, so the capacity limits are hit */
#define FUZZ_MEMS       4u

static void check(bool ok)
{
	if (!ok)
		abort();
}

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static void wr(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Makes the table at off sum to zero if its length fits in the input;
 * returns that length or 0. */
static uint32_t fix_sum(uint8_t *m, size_t size, uint64_t phys)
{
	uint64_t off = phys - FUZZ_BASE;
	uint32_t len;

	if (phys < FUZZ_BASE || off >= size || size - off < ACPI_SDT_HEADER_LEN)
		return 0;
	len = (uint32_t)rd(m + off + 4, 4);
	if (len < ACPI_SDT_HEADER_LEN || len > size - off)
		return 0;
	m[off + 9] = 0;
	m[off + 9] = (uint8_t)-acpi_checksum(m + off, len);
	return len;
}

static void fix_sums(uint8_t *m, size_t size, uint64_t root, unsigned width)
{
	uint32_t len = fix_sum(m, size, root);
	uint64_t off = root - FUZZ_BASE;

	for (uint32_t e = ACPI_SDT_HEADER_LEN; len && e + width <= len; e += width) {
		uint64_t t = rd(m + off + e, width);
		uint32_t tlen = fix_sum(m, size, t);

		if (tlen >= FADT_DSDT_OFF + 4 &&
		    !memcmp(m + t - FUZZ_BASE, "FACP", 4))
			fix_sum(m, size, rd(m + t - FUZZ_BASE + FADT_DSDT_OFF, 4));
	}
	fix_sum(m, size, root);   /* last: the loop may have written into it */
}

/* xAPIC mode, 8 CPUs at most, boot CPU id 0: whatever the table says,
 * no enabled CPU is left that an xAPIC cannot address, at most 8 remain,
 * and every CPU taken out is counted. */
static void limit_cpus(struct acpi_madt *m)
{
	struct acpi_cpu_limits l;
	size_t before = m->cpus_enabled, after = 0;

	acpi_madt_limit_cpus(m, ACPI_XAPIC_MAX_ID, 0, 8, &l);
	for (size_t i = 0; i < m->cpu_count; i++) {
		check(!m->cpus[i].enabled || m->cpus[i].apic_id <= ACPI_XAPIC_MAX_ID);
		after += m->cpus[i].enabled;
	}
	check(after == m->cpus_enabled && after <= 8);
	check(before - after == l.unaddressable + l.over_cap);
	check(l.total == l.unaddressable + l.over_cap + m->cpus_dropped);
}

static void parse_madt(const struct acpi_sdt_header *h)
{
	static struct acpi_cpu cpus[FUZZ_CPUS];
	struct acpi_madt m = { .cpus = cpus, .cpu_cap = FUZZ_CPUS };
	char err[64];
	int n = acpi_madt_parse(h, &m, err, sizeof(err));

	check(m.cpu_count <= FUZZ_CPUS && m.cpus_enabled <= m.cpu_count);
	/* whatever the table says, the kernel's rule never takes an address
	 * it cannot map or that is not a register page */
	if (lapic_address_usable(m.lapic_address, false))
		check(m.lapic_address && !(m.lapic_address & 0xfff) &&
		      m.lapic_address < (4ull << 30));
	check(n < 0 || (size_t)n == m.cpu_count);
	check(m.ioapic_count <= ACPI_MAX_IOAPICS &&
	      m.irq_override_count <= ACPI_MAX_IRQ_OVERRIDES);
	for (size_t i = 0; i < m.cpu_count; i++) {
		check(cpus[i].enabled != cpus[i].online_capable);
		for (size_t j = 0; j < i; j++)
			check(cpus[i].apic_id != cpus[j].apic_id);
	}
	limit_cpus(&m);
}

static void parse_numa(const struct acpi_sdt_header *srat,
		       const struct acpi_sdt_header *slit)
{
	static struct acpi_srat_cpu cpus[FUZZ_CPUS];
	static struct acpi_srat_mem mems[FUZZ_MEMS];
	static struct acpi_numa numa;
	char err[64];
	int n;

	numa = (struct acpi_numa){ .cpus = cpus, .cpu_cap = FUZZ_CPUS,
				   .mems = mems, .mem_cap = FUZZ_MEMS };
	n = acpi_srat_parse(srat, &numa, err, sizeof(err));
	check(numa.node_count <= ACPI_MAX_NODES);
	check(n < 0 || (size_t)n == numa.node_count);
	for (size_t i = 0; i < numa.cpu_count; i++)
		check(cpus[i].node < numa.node_count);
	for (size_t i = 0; i < numa.mem_count; i++)
		check(mems[i].node < numa.node_count && mems[i].length);
	if (!slit || n < 0)
		return;
	if (acpi_slit_parse(slit, &numa, err, sizeof(err)) == 0)
		for (size_t i = 0; i < numa.node_count; i++)
			check(numa.distance[i][i] == ACPI_LOCAL_DISTANCE);
}

static void parse_misc(const struct acpi_sdt_header *hpet,
		       const struct acpi_sdt_header *fadt,
		       const struct acpi_sdt_header *dsdt)
{
	struct acpi_hpet hp;
	struct acpi_fadt f;
	char err[64];
	uint8_t a, b;

	if (hpet && acpi_hpet_parse(hpet, &hp, err, sizeof(err)) == 0)
		check(hp.address && hp.comparators >= 1 && hp.comparators <= 32);
	if (fadt)
		acpi_fadt_parse(fadt, &f, err, sizeof(err));
	if (dsdt && acpi_dsdt_find_s5(dsdt, &a, &b) == 0)
		check(a <= ACPI_SLP_TYP_MAX && b <= ACPI_SLP_TYP_MAX);
}

/* Chain mode: m (size bytes, room for a root table after them) holds
 * tables back to back from CTL_LEN; lists them in a root table appended
 * at offset size. Returns the new memory size. */
static size_t chain_build(uint8_t *m, size_t size)
{
	unsigned width = m[0] & CTL_REV2 ? 8 : 4;
	uint64_t list[CHAIN_MAX], dsdt = 0;
	size_t n = 0, off, len, facp = 0;

	for (off = CTL_LEN; off + ACPI_SDT_HEADER_LEN <= size && n < CHAIN_MAX;
	     off += len) {
		len = rd(m + off + 4, 4);
		if (len < ACPI_SDT_HEADER_LEN || len > size - off) {
			len = size - off;
			wr(m + off + 4, len, 4);
		}
		/* Like firmware: the DSDT is reached through the FADT only. */
		if (!dsdt && !memcmp(m + off, "DSDT", 4)) {
			dsdt = FUZZ_BASE + off;
			continue;
		}
		if (!facp && len >= FADT_DSDT_OFF + 4 && !memcmp(m + off, "FACP", 4))
			facp = off;
		list[n++] = FUZZ_BASE + off;
	}
	if (facp && dsdt)
		wr(m + facp + FADT_DSDT_OFF, dsdt, 4);
	for (size_t i = 0; i < n && (m[0] & CTL_FIX_SUMS); i++)
		fix_sum(m, size, list[i]);
	if (dsdt && (m[0] & CTL_FIX_SUMS))
		fix_sum(m, size, dsdt);
	memcpy(m + size, width == 8 ? "XSDT" : "RSDT", 4);
	wr(m + size + 4, ACPI_SDT_HEADER_LEN + n * width, 4);
	for (size_t i = 0; i < n; i++)
		wr(m + size + ACPI_SDT_HEADER_LEN + i * width, list[i], width);
	len = ACPI_SDT_HEADER_LEN + n * width;
	fix_sum(m, size + len, FUZZ_BASE + size);
	return size + len;
}

/* ---- the built-in seed ---- */

static uint8_t seed[1024];
static size_t seed_len;

static void seed_table(const char *sig, const uint8_t *body, size_t n)
{
	uint8_t *t = seed + seed_len;

	memcpy(t, sig, 4);
	wr(t + 4, ACPI_SDT_HEADER_LEN + n, 4);
	t[8] = 5;   /* revision: MADT online-capable bit and 32-bit domains */
	memcpy(t + ACPI_SDT_HEADER_LEN, body, n);
	seed_len += ACPI_SDT_HEADER_LEN + n;
}

/* Bodies (after the 36-byte header), offsets from the ACPI 6.5 layouts. */
static void seed_build(void)
{
	static const uint8_t fadt[244 - 36] = {
		[64 - 36] = 0x04, [65 - 36] = 0x06,    /* PM1a_CNT_BLK 0x604 */
		[77 - 36] = 0x04,                      /* flags: RESET_REG_SUP */
		[80 - 36] = 1, [81 - 36] = 8,          /* reset reg: I/O byte */
		[84 - 36] = 0xf9, [85 - 36] = 0x0c,    /* at 0xcf9 */
		[92 - 36] = 0x0f,                      /* reset value */
	};
	static const uint8_t dsdt[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
		0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
	};
	static const uint8_t madt[] = {
		0x00, 0x00, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00, /* LAPIC, PCAT */
		0, 8, 0, 0, 1, 0, 0, 0,                 /* CPU 0 enabled */
		0, 8, 1, 1, 2, 0, 0, 0,                 /* CPU 1 online cap */
		9, 16, 0, 0, 0x2c, 1, 0, 0, 1, 0, 0, 0, 0x2c, 1, 0, 0, /* 300 */
		1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0, /* IO APIC */
		2, 10, 0, 0, 2, 0, 0, 0, 0, 0,          /* IRQ0 -> GSI 2 */
		5, 12, 0, 0, 0, 0, 0xe0, 0xfe, 0, 0, 0, 0, /* LAPIC override */
	};
	static const uint8_t srat[] = {
		1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     /* reserved */
		0, 16, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* apic 0 pxm 0 */
		2, 24, 0, 0, 1, 0, 0, 0, 0x2c, 1, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,                 /* x2apic 300 pxm 1 */
		1, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,                 /* [0, 1G) pxm 0 */
		1, 40, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0,
		0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,                 /* [1G, 2G) pxm 2 */
	};
	static const uint8_t slit[] = {
		3, 0, 0, 0, 0, 0, 0, 0,
		10, 16, 22, 16, 10, 16, 22, 16, 10,
	};
	static const uint8_t hpet[] = {
		0x01, 0xa2, 0x86, 0x80, 0, 0, 0, 0,
		0x00, 0x00, 0xd0, 0xfe, 0, 0, 0, 0, 0, 0x80, 0, 0,
	};

	seed[0] = CTL_REV2 | CTL_FIX_SUMS | CTL_CHAIN;
	seed_len = CTL_LEN;
	seed_table("FACP", fadt, sizeof(fadt));
	seed_table("DSDT", dsdt, sizeof(dsdt));
	seed_table("APIC", madt, sizeof(madt));
	seed_table("SRAT", srat, sizeof(srat));
	seed_table("SLIT", slit, sizeof(slit));
	seed_table("HPET", hpet, sizeof(hpet));
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int rnd);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	seed_build();
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int rnd)
{
	if (rnd % SEED_ONE_IN == 0 && seed_len <= max_size) {
		memcpy(data, seed, seed_len);
		size = seed_len;
	}
	return LLVMFuzzerMutate(data, size, max_size);
}

/* Discovery, then each table found through its parser. */
static void run_discovery(uint8_t flags, uint64_t rsdt, uint64_t xsdt)
{
	uint8_t r[ACPI_RSDP_V2_LEN] = "RSD PTR ";
	size_t len = flags & CTL_REV2 ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN;
	char err[64];

	r[15] = flags & CTL_REV2 ? 2 : 0;
	memcpy(r + 16, &(uint32_t){ (uint32_t)rsdt }, 4);
	memcpy(r + 20, &(uint32_t){ ACPI_RSDP_V2_LEN }, 4);
	memcpy(r + 24, &xsdt, 8);
	r[8] = (uint8_t)(-acpi_checksum(r, ACPI_RSDP_V1_LEN) +
			 (flags & CTL_BAD_RSDP ? 1 : 0));
	r[32] = (uint8_t)-acpi_checksum(r, ACPI_RSDP_V2_LEN);
	if (acpi_init(r, len, err, sizeof(err)) < 0)
		return;
	check(acpi_table_count() <= ACPI_MAX_TABLES);
	check(acpi_problem_count() <= ACPI_MAX_PROBLEMS);
	for (size_t i = 0; i < acpi_problem_count(); i++)
		check(strlen(acpi_problem(i)) < ACPI_PROBLEM_LEN);
	check(acpi_root_phys() == (acpi_root_name()[0] == 'X' ? xsdt : rsdt));
	for (size_t i = 0; i < acpi_table_count(); i++) {
		const struct acpi_table *t = acpi_table_get(i);

		check(t->length >= ACPI_SDT_HEADER_LEN &&
		      t->length <= ACPI_TABLE_MAX_LEN &&
		      acpi_checksum(t->hdr, t->length) == 0);
	}
	if (acpi_find_table("APIC", 0))
		parse_madt(acpi_find_table("APIC", 0));
	if (acpi_find_table("SRAT", 0))
		parse_numa(acpi_find_table("SRAT", 0),
			   acpi_find_table("SLIT", 0));
	parse_misc(acpi_find_table("HPET", 0), acpi_find_table("FACP", 0),
		   acpi_find_table("DSDT", 0));
}

/* The whole input as one table of each type, checksum ignored: exercises
 * the entry walks without the 1/256 checksum filter. */
static void run_direct(const uint8_t *data, size_t size)
{
	uint8_t *t;

	if (size < ACPI_SDT_HEADER_LEN || size > ACPI_TABLE_MAX_LEN)
		return;
	t = malloc(size);
	if (!t)
		abort();
	memcpy(t, data, size);
	memcpy(t + 4, &(uint32_t){ (uint32_t)size }, 4);
	memcpy(t, "APIC", 4);
	parse_madt((const void *)t);
	{
		/* SLIT from a second exact-size copy, so SRAT then SLIT. */
		uint8_t *s = malloc(size);

		if (!s)
			abort();
		memcpy(s, t, size);
		memcpy(t, "SRAT", 4);
		memcpy(s, "SLIT", 4);
		parse_numa((const void *)t, (const void *)s);
		free(s);
	}
	memcpy(t, "HPET", 4);
	parse_misc((const void *)t, NULL, NULL);
	memcpy(t, "FACP", 4);
	parse_misc(NULL, (const void *)t, NULL);
	memcpy(t, "DSDT", 4);
	parse_misc(NULL, NULL, (const void *)t);
	free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t msize = size;
	uint64_t rsdt, xsdt;
	uint8_t *m;

	if (size < CTL_LEN)
		return 0;
	m = malloc(size + ACPI_SDT_HEADER_LEN + CHAIN_MAX * 8);
	if (!m)
		abort();
	memcpy(m, data, size);
	rsdt = FUZZ_BASE + rd(m + 1, 2) % size;
	xsdt = FUZZ_BASE + rd(m + 3, 2) % size;
	if (m[0] & CTL_CHAIN) {
		msize = chain_build(m, size);
		rsdt = xsdt = FUZZ_BASE + size;
	} else if (m[0] & CTL_FIX_SUMS) {
		fix_sums(m, size, rsdt, 4);
		if (m[0] & CTL_REV2)
			fix_sums(m, size, xsdt, 8);
	}
	fake_reset(m, FUZZ_BASE, msize);
	acpi_map = fake_map;
	run_discovery(m[0], rsdt, xsdt);
	fake_reset(NULL, 0, 0);
	run_direct(data, size);
	free(m);
	return 0;
}
