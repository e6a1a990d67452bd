/* Host tests for the ACPI parsers (drivers/acpi*.c).
 *
 * Tables are built byte by byte from the spec offsets (not from the
 * parsers' structs, so a layout mistake there shows up here) into a fake
 * physical memory, shaped like what QEMU's pc and q35 machines emit: OEM
 * "BOCHS ", RSDP revision 0 -> RSDT, FACP/APIC/HPET/MCFG/WAET, a DSDT with
 * Name(_S5, Package(4){0,0,0,0}), and SRAT/SLIT for -numa. Then the broken
 * variants: bad checksums, truncated tables and entries, lengths that
 * leave mapped memory, entry length 0.
 */
#include <stdio.h>
#include <string.h>
#include "arch/x86_64/apic_address.h"
#include "drivers/acpi.h"
#include "lib/report.h"
#include "tests/host/acpi_fake.h"

#define MEM_SIZE      (512 * 1024)
#define LOW_BASE      0x07fe0000ull     /* QEMU: tables near top of low RAM */
#define HIGH_BASE     0x123400000ull    /* above 4 GiB: only an XSDT reaches */
#define TABLE_ALIGN   16u
#define LAPIC_BASE    0xfee00000u
#define IOAPIC_BASE   0xfec00000u
#define HPET_BASE     0xfed00000u
#define QEMU_HPET_ID  0x8086a201u       /* rev 1, 3 timers, 64-bit, legacy */

static uint8_t mem[MEM_SIZE];
static size_t mem_used;
static char err[128];

/* ---- building tables -------------------------------------------------- */

struct body {
	uint8_t b[16384];
	size_t n;
};

static void put(struct body *b, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		b->b[b->n++] = (uint8_t)(v >> (8 * i));
}
#define put8(b, v)  put(b, v, 1)
#define put16(b, v) put(b, v, 2)
#define put32(b, v) put(b, v, 4)
#define put64(b, v) put(b, v, 8)

static void wr(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void mem_reset(uint64_t base)
{
	memset(mem, 0, sizeof(mem));
	mem_used = 0;
	fake_reset(mem, base, MEM_SIZE);
	acpi_map = fake_map;
}

static uint8_t *at(uint64_t phys)
{
	return mem + (phys - fake_base);
}

static uint64_t alloc(size_t len)
{
	uint64_t phys = fake_base + mem_used;

	mem_used += (len + TABLE_ALIGN - 1) / TABLE_ALIGN * TABLE_ALIGN;
	if (mem_used > MEM_SIZE)
		abort();
	return phys;
}

static void fix_checksum(uint64_t phys)
{
	uint8_t *t = at(phys);
	uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = (uint8_t)-acpi_checksum(t, len);
}

/* A table with QEMU's header values and the given body. */
static uint64_t add_table(const char *sig, uint8_t rev, const void *body,
			  size_t n)
{
	uint64_t phys = alloc(36 + n);
	uint8_t *t = at(phys);

	memcpy(t, sig, 4);
	wr(t + 4, 36 + n, 4);
	t[8] = rev;
	memcpy(t + 10, "BOCHS ", 6);
	memcpy(t + 16, "BXPC    ", 8);
	wr(t + 24, 1, 4);
	memcpy(t + 28, "BXPC", 4);
	wr(t + 32, 1, 4);
	if (n)
		memcpy(t + 36, body, n);
	fix_checksum(phys);
	return phys;
}

static uint64_t add_body(const char *sig, uint8_t rev, const struct body *b)
{
	return add_table(sig, rev, b->b, b->n);
}

static uint64_t add_root(const char *sig, const uint64_t *tables, size_t n)
{
	struct body b = { .n = 0 };
	unsigned width = sig[0] == 'X' ? 8 : 4;

	for (size_t i = 0; i < n; i++)
		put(&b, tables[i], width);
	return add_body(sig, 1, &b);
}

/* RSDP copy as the multiboot2 tag carries it; returns its length. */
static size_t make_rsdp(uint8_t r[36], uint8_t rev, uint64_t rsdt,
			uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = rev;
	wr(r + 16, rsdt, 4);
	r[8] = (uint8_t)-acpi_checksum(r, 20);
	if (rev < 2)
		return 20;
	wr(r + 20, 36, 4);
	wr(r + 24, xsdt, 8);
	r[32] = (uint8_t)-acpi_checksum(r, 36);
	return 36;
}

static int init_rsdt(const uint64_t *tables, size_t n)
{
	uint8_t r[36];
	size_t len = make_rsdp(r, 0, add_root("RSDT", tables, n), 0);

	return acpi_init(r, len, err, sizeof(err));
}

/* MADT entries, ACPI 6.5 5.2.12.x */
static void madt_begin(struct body *b, uint32_t flags)
{
	b->n = 0;
	put32(b, LAPIC_BASE);
	put32(b, flags);
}

static void madt_lapic(struct body *b, uint8_t uid, uint8_t apic, uint32_t fl)
{
	put8(b, 0); put8(b, 8); put8(b, uid); put8(b, apic); put32(b, fl);
}

static void madt_x2apic(struct body *b, uint32_t id, uint32_t fl, uint32_t uid)
{
	put8(b, 9); put8(b, 16); put16(b, 0);
	put32(b, id); put32(b, fl); put32(b, uid);
}

static void madt_ioapic(struct body *b, uint8_t id, uint32_t addr, uint32_t gsi)
{
	put8(b, 1); put8(b, 12); put8(b, id); put8(b, 0);
	put32(b, addr); put32(b, gsi);
}

static void madt_iso(struct body *b, uint8_t src, uint32_t gsi, uint16_t fl)
{
	put8(b, 2); put8(b, 10); put8(b, 0); put8(b, src);
	put32(b, gsi); put16(b, fl);
}

static void madt_lapic_nmi(struct body *b)
{
	put8(b, 4); put8(b, 6); put8(b, 0xff); put16(b, 0); put8(b, 1);
}

/* QEMU's MADT for -smp n (maxcpus: the rest are disabled entries). */
static void madt_qemu(struct body *b, unsigned n, unsigned maxcpus)
{
	madt_begin(b, 1);
	for (unsigned i = 0; i < maxcpus; i++) {
		if (i < 255)
			madt_lapic(b, (uint8_t)i, (uint8_t)i, i < n);
		else
			madt_x2apic(b, i, i < n, i);
	}
	madt_ioapic(b, 0, IOAPIC_BASE, 0);
	madt_iso(b, 0, 2, 0);
	madt_iso(b, 5, 5, 0xd);
	madt_iso(b, 9, 9, 0xd);
	madt_iso(b, 10, 10, 0xd);
	madt_iso(b, 11, 11, 0xd);
	madt_lapic_nmi(b);
}

/* SRAT entries, ACPI 6.5 5.2.16.x */
static void srat_begin(struct body *b)
{
	b->n = 0;
	put32(b, 1);   /* reserved, must be 1 */
	put64(b, 0);
}

static void srat_cpu(struct body *b, uint32_t pxm, uint8_t apic, uint32_t fl)
{
	put8(b, 0); put8(b, 16); put8(b, pxm & 0xff); put8(b, apic);
	put32(b, fl); put8(b, 0);
	put8(b, pxm >> 8); put8(b, pxm >> 16); put8(b, pxm >> 24);
	put32(b, 0);
}

static void srat_x2(struct body *b, uint32_t pxm, uint32_t id, uint32_t fl)
{
	put8(b, 2); put8(b, 24); put16(b, 0);
	put32(b, pxm); put32(b, id); put32(b, fl); put32(b, 0); put32(b, 0);
}

static void srat_mem(struct body *b, uint32_t pxm, uint64_t base, uint64_t len,
		     uint32_t fl)
{
	put8(b, 1); put8(b, 40); put32(b, pxm); put16(b, 0);
	put32(b, base); put32(b, base >> 32);
	put32(b, len); put32(b, len >> 32);
	put32(b, 0); put32(b, fl); put64(b, 0);
}

#define SRAT_EN  1u
#define SRAT_HP  2u
#define SRAT_NV  4u

static uint64_t add_slit(const uint8_t *m, uint64_t n, size_t bytes)
{
	struct body b = { .n = 0 };

	put64(&b, n);
	memcpy(b.b + b.n, m, bytes);
	b.n += bytes;
	return add_body("SLIT", 1, &b);
}

static uint64_t add_hpet(uint8_t space, uint64_t addr, size_t len)
{
	struct body b = { .n = 0 };

	put32(&b, QEMU_HPET_ID);
	put8(&b, space); put8(&b, 0); put8(&b, 0); put8(&b, 0);
	put64(&b, addr);
	put8(&b, 0);       /* hpet number */
	put16(&b, 0x80);   /* min tick */
	put8(&b, 0);       /* page protection */
	return add_table("HPET", 1, b.b, len - 36);
}

/* QEMU q35 FADT (revision 3, 244 bytes) or an ACPI 1.0 one (116). */
struct fadt_args {
	unsigned len;
	uint32_t dsdt;
	uint64_t x_dsdt;
	uint32_t pm1a_cnt, x_pm1a_cnt;
	uint32_t flags;
};

static uint64_t add_fadt(const struct fadt_args *a)
{
	uint8_t f[276] = { 0 };

	wr(f + 40, a->dsdt, 4);
	wr(f + 46, 9, 2);           /* SCI */
	wr(f + 48, 0xb2, 4);        /* SMI command port */
	f[52] = 0xf1;               /* ACPI enable */
	wr(f + 56, 0x600, 4);       /* PM1a event */
	wr(f + 64, a->pm1a_cnt, 4);
	wr(f + 76, 0x608, 4);       /* PM timer */
	f[89] = 2;                  /* PM1 control length */
	f[91] = 4;                  /* PM timer length */
	wr(f + 109, 3, 2);          /* IAPC boot arch: legacy + 8042 */
	wr(f + 112, a->flags, 4);
	f[116] = 1; f[117] = 8;     /* reset register: I/O, 8 bits */
	wr(f + 120, 0xcf9, 8);
	f[128] = 0x0f;              /* reset value */
	wr(f + 140, a->x_dsdt, 8);
	f[172] = 1; f[173] = 16;    /* X_PM1a_CNT_BLK: I/O, 16 bits */
	wr(f + 176, a->x_pm1a_cnt, 8);
	return add_table("FACP", a->len > 116 ? 3 : 1, f + 36, a->len - 36);
}

/* AML as QEMU emits: some Scope bytes, then Name(_S5, Package(4){0,0,0,0}). */
static const uint8_t qemu_s5[] = {
	0x10, 0x05, '_', 'S', 'B', '_', 0x00,       /* Scope(_SB) {} */
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};

static uint64_t add_dsdt(const uint8_t *aml, size_t n)
{
	return add_table("DSDT", 1, aml, n);
}

/* q35-like table set; returns the phys of each in *t (FACP APIC HPET MCFG WAET). */
static size_t build_q35(uint64_t *t, unsigned ncpus)
{
	struct body b;
	uint64_t dsdt = add_dsdt(qemu_s5, sizeof(qemu_s5));
	struct fadt_args fa = { .len = 244, .dsdt = (uint32_t)dsdt,
				.x_dsdt = dsdt, .pm1a_cnt = 0x604, .x_pm1a_cnt = 0x604,
				.flags = ACPI_FADT_RESET_REG_SUP |
					 ACPI_FADT_TMR_VAL_EXT };

	t[0] = add_fadt(&fa);
	madt_qemu(&b, ncpus, ncpus);
	t[1] = add_body("APIC", 1, &b);
	t[2] = add_hpet(0, HPET_BASE, 56);
	b.n = 0;
	put64(&b, 0);
	put64(&b, 0xb0000000); put16(&b, 0); put8(&b, 0); put8(&b, 0xff);
	put32(&b, 0);
	t[3] = add_body("MCFG", 1, &b);
	b.n = 0;
	put32(&b, 2);
	t[4] = add_body("WAET", 1, &b);
	return 5;
}

static bool problem_has(const char *a, const char *b)
{
	for (size_t i = 0; i < acpi_problem_count(); i++)
		if (strstr(acpi_problem(i), a) && (!b || strstr(acpi_problem(i), b)))
			return true;
	return false;
}

/* ---- RSDP and root table ---------------------------------------------- */

static void test_rsdp(void)
{
	uint8_t r[36];
	uint64_t t[8];
	size_t len;

	report_prefix_push("rsdp");
	mem_reset(LOW_BASE);
	build_q35(t, 1);
	len = make_rsdp(r, 0, add_root("RSDT", t, 5), 0);

	acpi_map = NULL;
	report(acpi_init(r, len, err, sizeof(err)) < 0 && strstr(err, "acpi_map"),
	       "no map callback: %s", err);
	acpi_map = fake_map;
	report(acpi_init(r, 19, err, sizeof(err)) < 0, "19 bytes: %s", err);
	report(acpi_init(NULL, 0, err, sizeof(err)) < 0, "NULL rejected");
	r[3] ^= 1;
	report(acpi_init(r, len, err, sizeof(err)) < 0 && strstr(err, "signature"),
	       "bad signature: %s", err);
	r[3] ^= 1;
	r[16] ^= 0x10;
	report(acpi_init(r, len, err, sizeof(err)) < 0 && strstr(err, "checksum"),
	       "bad v1 checksum: %s", err);
	r[16] ^= 0x10;
	report(acpi_init(r, len, err, sizeof(err)) == 0, "valid v1 accepted");
	report(acpi_init(r, len, NULL, 0) == 0, "err buffer optional");
	report_prefix_pop();
}

static void test_rsdt_q35(void)
{
	uint64_t t[8];
	const struct acpi_table *e;
	bool fields_ok = true;
	int rc;

	report_prefix_push("rsdt q35");
	mem_reset(LOW_BASE);
	build_q35(t, 1);
	rc = init_rsdt(t, 5);
	report(rc == 0, "init: %s", rc ? err : "ok");
	report(acpi_rsdp_revision() == 0 && !strcmp(acpi_root_name(), "RSDT"),
	       "revision 0 uses RSDT (%s)", acpi_root_name());
	report(acpi_table_count() == 6, "5 tables + DSDT: %zu",
	       acpi_table_count());
	report(acpi_problem_count() == 0, "no problems: %zu",
	       acpi_problem_count());
	for (size_t i = 0; i < 5; i++) {
		e = acpi_table_get(i);
		fields_ok &= e && e->phys == t[i] && e->revision >= 1 &&
			     !strcmp(e->oem_id, "BOCHS ") &&
			     !strcmp(e->oem_table_id, "BXPC    ") &&
			     e->length == e->hdr->length;
	}
	report(fields_ok, "iteration: phys, revision, oem ids");
	e = acpi_table_get(5);
	report(e && !strcmp(e->signature, "DSDT"), "DSDT listed last");
	report(acpi_table_get(6) == NULL, "past the end: NULL");
	report(acpi_find_table("APIC", 0) != NULL, "find APIC");
	report(acpi_find_table("APIC", 1) == NULL, "no second APIC");
	report(acpi_find_table("SRAT", 0) == NULL, "no SRAT");
	report_prefix_pop();
}

static void test_xsdt(void)
{
	uint8_t r[36];
	uint64_t t[8], rsdt, xsdt, low_apic;
	struct body b;
	size_t len;

	report_prefix_push("xsdt");
	/* Everything above 4 GiB: only 64-bit entries can reach it. */
	mem_reset(HIGH_BASE);
	build_q35(t, 2);
	xsdt = add_root("XSDT", t, 5);
	len = make_rsdp(r, 2, 0, xsdt);
	report(acpi_init(r, len, err, sizeof(err)) == 0, "init above 4 GiB");
	report(!strcmp(acpi_root_name(), "XSDT") && acpi_root_phys() == xsdt,
	       "XSDT used");
	report(acpi_find_table("APIC", 0) && acpi_table_get(1)->phys == t[1] &&
	       t[1] > 0xffffffffull, "APIC at 0x%llx found",
	       (unsigned long long)t[1]);

	/* Both roots: RSDT lists another MADT. XSDT must win. */
	mem_reset(LOW_BASE);
	build_q35(t, 2);
	madt_qemu(&b, 1, 1);
	low_apic = add_body("APIC", 1, &b);
	rsdt = add_root("RSDT", &low_apic, 1);
	xsdt = add_root("XSDT", t, 5);
	len = make_rsdp(r, 2, rsdt, xsdt);
	acpi_init(r, len, err, sizeof(err));
	report(!strcmp(acpi_root_name(), "XSDT") && acpi_table_count() == 6,
	       "XSDT preferred over RSDT");

	/* The fallbacks to the RSDT. */
	len = make_rsdp(r, 2, rsdt, 0);
	acpi_init(r, len, err, sizeof(err));
	report(!strcmp(acpi_root_name(), "RSDT"), "XSDT address 0: RSDT");
	len = make_rsdp(r, 2, rsdt, xsdt);
	acpi_init(r, 20, err, sizeof(err));
	report(!strcmp(acpi_root_name(), "RSDT") && problem_has("20 bytes", NULL),
	       "revision 2 in a 20-byte tag: RSDT, reported");
	r[32] ^= 1;
	acpi_init(r, len, err, sizeof(err));
	report(!strcmp(acpi_root_name(), "RSDT") &&
	       problem_has("extended checksum", NULL),
	       "bad extended checksum: RSDT, reported");
	r[32] ^= 1;
	wr(r + 20, 40, 4);
	r[32] = 0;
	r[32] = (uint8_t)-acpi_checksum(r, 36);
	acpi_init(r, len, err, sizeof(err));
	report(!strcmp(acpi_root_name(), "RSDT") && problem_has("length 40", NULL),
	       "RSDP length beyond the copy: RSDT");
	at(xsdt)[40] ^= 1;    /* XSDT checksum now bad */
	len = make_rsdp(r, 2, rsdt, xsdt);
	report(acpi_init(r, len, err, sizeof(err)) == 0 &&
	       !strcmp(acpi_root_name(), "RSDT") &&
	       problem_has("XSDT", "checksum"), "bad XSDT: falls back to RSDT");
	len = make_rsdp(r, 2, 0, xsdt);
	report(acpi_init(r, len, err, sizeof(err)) < 0, "bad XSDT, no RSDT: %s",
	       err);
	report(acpi_table_count() == 0, "failed init leaves no tables");
	report_prefix_pop();
}

static void test_bad_tables(void)
{
	uint64_t t[16], big, gap;
	size_t n;
	int rc;

	report_prefix_push("bad tables");
	mem_reset(LOW_BASE);
	n = build_q35(t, 1);
	at(t[1])[50] ^= 0x40;                   /* APIC checksum */
	t[n++] = 0;                             /* null entry */
	t[n++] = t[2];                          /* HPET twice */
	t[n++] = LOW_BASE + MEM_SIZE + 4096;    /* outside memory */
	t[n++] = add_table("OEMS", 1, NULL, 0);
	wr(at(t[n - 1]) + 4, 20, 4);            /* length < 36 */
	t[n++] = add_table("OEMB", 1, NULL, 0);
	wr(at(t[n - 1]) + 4, 2u << 20, 4);      /* length 2 MiB > cap */
	t[n] = add_table("OEM\x01", 1, NULL, 0);/* unprintable signature */
	n++;
	/* length runs past mapped memory: table in the last 64 bytes */
	gap = fake_base + MEM_SIZE - 64;
	memcpy(at(gap), at(t[2]), 36);
	wr(at(gap) + 4, 4096, 4);
	t[n++] = gap;
	rc = init_rsdt(t, n);
	report(rc == 0, "init survives bad entries");
	report(acpi_find_table("APIC", 0) == NULL &&
	       problem_has("APIC", "checksum"), "bad checksum skipped, reported");
	report(acpi_find_table("FACP", 0) && acpi_find_table("HPET", 0) &&
	       !acpi_find_table("HPET", 1), "good tables kept, no duplicate");
	report(problem_has("null", NULL), "null entry reported");
	report(problem_has("twice", NULL), "duplicate reported");
	report(problem_has("header not mapped", NULL), "unmapped address");
	report(problem_has("OEMS", "length 20"), "length < 36");
	report(problem_has("OEMB", "length 2097152"), "length > 1 MiB");
	report(problem_has("signature", NULL), "unprintable signature");
	report(problem_has("4096 bytes not mapped", NULL),
	       "length past mapped memory");
	report(acpi_problem_count() == 8, "8 problems: %zu", acpi_problem_count());
	for (size_t i = 0; i < acpi_problem_count(); i++)
		report_info("problem: %s", acpi_problem(i));

	/* The root table itself unreadable is fatal. */
	big = add_root("RSDT", t, 1);
	wr(at(big) + 4, MEM_SIZE, 4);    /* fails before any checksum */
	{
		uint8_t r[36];
		size_t len = make_rsdp(r, 0, big, 0);

		report(acpi_init(r, len, err, sizeof(err)) < 0 &&
		       strstr(err, "not mapped"), "RSDT past memory: %s", err);
		len = make_rsdp(r, 0, t[2], 0);
		report(acpi_init(r, len, err, sizeof(err)) < 0 &&
		       strstr(err, "signature"), "RSDT pointing at HPET: %s",
		       err);
	}
	report_prefix_pop();
}

static void test_root_limits(void)
{
	uint64_t t[ACPI_MAX_TABLES + 8], root;
	uint8_t r[36];
	size_t n = ACPI_MAX_TABLES + 4;

	report_prefix_push("root limits");
	mem_reset(LOW_BASE);
	for (size_t i = 0; i < n; i++)
		t[i] = add_table(i % 2 ? "SSDT" : "OEMX", 1, NULL, 0);
	init_rsdt(t, n);
	report(acpi_table_count() == ACPI_MAX_TABLES &&
	       problem_has("more than", NULL), "table list capped at %u",
	       ACPI_MAX_TABLES);
	report(acpi_find_table("SSDT", 1) == acpi_table_get(3)->hdr,
	       "second SSDT by index");

	/* 20 null entries: problems are capped and the rest counted. */
	memset(t, 0, sizeof(t));
	init_rsdt(t, 20);
	report(acpi_problem_count() == ACPI_MAX_PROBLEMS &&
	       acpi_problems_dropped() == 20 - ACPI_MAX_PROBLEMS,
	       "problems capped, %zu dropped", acpi_problems_dropped());
	report(acpi_problem(ACPI_MAX_PROBLEMS) == NULL, "problem past end NULL");

	/* RSDT with 2 trailing bytes after one entry. */
	t[0] = add_table("OEMX", 1, NULL, 0);
	root = add_table("RSDT", 1, "\0\0\0\0\0", 6);
	wr(at(root) + 36, t[0], 4);
	fix_checksum(root);
	make_rsdp(r, 0, root, 0);
	report(acpi_init(r, 20, err, sizeof(err)) == 0 &&
	       acpi_table_count() == 1 && problem_has("trailing", NULL),
	       "trailing bytes in RSDT reported");
	report_prefix_pop();
}

/* ---- MADT ------------------------------------------------------------- */

static struct acpi_cpu cpus[ACPI_MADT_MAX_CPUS];

/* A parser's view of a table built here: mapped at its own length. */
static const struct acpi_sdt_header *map_table(uint64_t t)
{
	return fake_map(t, at(t)[4] | at(t)[5] << 8 | at(t)[6] << 16);
}

static int parse_madt(const struct body *b, uint8_t rev, struct acpi_madt *m,
		      size_t cap)
{
	uint64_t t;

	mem_reset(LOW_BASE);     /* reuse the memory for each table */
	t = add_body("APIC", rev, b);
	*m = (struct acpi_madt){ .cpus = cpus, .cpu_cap = cap };
	return acpi_madt_parse(map_table(t), m, err, sizeof(err));
}

static void test_madt_qemu(void)
{
	struct acpi_madt m;
	struct body b;
	uint64_t t[8];
	bool ok = true;
	int n;

	report_prefix_push("madt");
	/* Through discovery, as the kernel does it. */
	mem_reset(LOW_BASE);
	build_q35(t, 1);
	init_rsdt(t, 5);
	m = (struct acpi_madt){ .cpus = cpus, .cpu_cap = ACPI_MADT_MAX_CPUS };
	n = acpi_madt_parse(acpi_find_table("APIC", 0), &m, err, sizeof(err));
	report(n == 1 && cpus[0].apic_id == 0 && cpus[0].enabled,
	       "1 CPU: %d", n);
	report(m.lapic_address == LAPIC_BASE && !m.lapic_address_override &&
	       m.pcat_compat, "local APIC 0x%llx, PCAT_COMPAT",
	       (unsigned long long)m.lapic_address);
	report(m.ioapic_count == 1 && m.ioapics[0].address == IOAPIC_BASE &&
	       m.ioapics[0].gsi_base == 0, "IO APIC");
	report(m.irq_override_count == 5 && m.irq_overrides[0].source == 0 &&
	       m.irq_overrides[0].gsi == 2 && m.irq_overrides[2].source == 9 &&
	       m.irq_overrides[2].flags == 0xd, "IRQ0->GSI2, SCI level");
	report(m.entries == 8 && m.bad_entries == 0, "NMI entry skipped");

	/* -smp 3: all enabled. */
	madt_qemu(&b, 3, 3);
	n = parse_madt(&b, 1, &m, ACPI_MADT_MAX_CPUS);
	report(n == 3 && m.cpus_enabled == 3, "3 CPUs");

	/* -smp 255: ids 0..254 through type 0 entries. */
	madt_qemu(&b, 255, 255);
	n = parse_madt(&b, 1, &m, ACPI_MADT_MAX_CPUS);
	for (int i = 0; i < n; i++)
		ok &= cpus[i].apic_id == (uint32_t)i &&
		      cpus[i].acpi_uid == (uint32_t)i && !cpus[i].x2apic_entry;
	report(n == 255 && ok, "255 CPUs in order");

	/* -smp 288: the ids past 254 come as x2APIC entries. */
	madt_qemu(&b, 288, 288);
	n = parse_madt(&b, 1, &m, ACPI_MADT_MAX_CPUS);
	report(n == 288 && cpus[287].apic_id == 287 && cpus[287].x2apic_entry &&
	       cpus[287].acpi_uid == 287, "288 CPUs, x2APIC beyond 254");
	n = parse_madt(&b, 1, &m, 256);
	report(n == 256 && m.cpus_dropped == 32, "capacity 256: %zu dropped",
	       m.cpus_dropped);
	report_prefix_pop();
}

static void test_madt_rules(void)
{
	struct acpi_madt m;
	struct body b;
	int n;

	report_prefix_push("madt rules");
	/* -smp 2,maxcpus=4: QEMU lists the hot-pluggable ones disabled. */
	madt_qemu(&b, 2, 4);
	n = parse_madt(&b, 1, &m, ACPI_MADT_MAX_CPUS);
	report(n == 2 && m.cpus_disabled == 2, "disabled entries not usable");

	/* Online capable counts only from revision 5. */
	madt_begin(&b, 0);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 1, 2);           /* online capable */
	madt_lapic(&b, 2, 2, 0);           /* not usable */
	madt_x2apic(&b, 300, 2, 7);        /* online capable, x2APIC */
	n = parse_madt(&b, 5, &m, ACPI_MADT_MAX_CPUS);
	report(n == 3 && m.cpus_enabled == 1 && m.cpus_disabled == 1 &&
	       !cpus[1].enabled && cpus[1].online_capable &&
	       cpus[2].apic_id == 300 && cpus[2].online_capable,
	       "revision 5: online capable reported, not enabled");
	report(!m.pcat_compat, "no PCAT_COMPAT");
	n = parse_madt(&b, 4, &m, ACPI_MADT_MAX_CPUS);
	report(n == 1 && m.cpus_disabled == 3,
	       "revision 4: bit 1 reserved, ignored");

	/* Duplicates across entry types, invalid ids. */
	madt_begin(&b, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 3, 1);
	madt_x2apic(&b, 3, 1, 1);          /* same CPU again as x2APIC */
	madt_lapic(&b, 2, 0, 1);           /* same APIC id, other uid */
	madt_lapic(&b, 9, 0xff, 1);        /* invalid xAPIC id */
	madt_x2apic(&b, 0xffffffff, 1, 9); /* invalid x2APIC id */
	madt_x2apic(&b, 0x12345, 1, 10);
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == 3 && m.cpus_duplicate == 2 && m.cpus_invalid_id == 2 &&
	       cpus[1].apic_id == 3 && !cpus[1].x2apic_entry &&
	       cpus[2].apic_id == 0x12345 && cpus[2].acpi_uid == 10,
	       "duplicates and invalid ids skipped");

	/* Type 5 override. */
	madt_begin(&b, 1);
	put8(&b, 5); put8(&b, 12); put16(&b, 0); put64(&b, 0x1fee00000ull);
	madt_lapic(&b, 0, 0, 1);
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == 1 && m.lapic_address_override &&
	       m.lapic_address == 0x1fee00000ull, "64-bit APIC address override");
	report_prefix_pop();
}

/* x2APIC ids >= 255 on a local APIC in xAPIC mode: dropped and counted,
 * never aliased onto the boot CPU (0x100 -> 0) or the broadcast (0x1ff). */
static void test_madt_limits(void)
{
	struct acpi_madt m;
	struct acpi_cpu_limits l;
	struct body b;
	size_t enabled = 0;
	bool aliased = false;

	report_prefix_push("madt limits");
	madt_begin(&b, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic(&b, 1, 1, 1);
	madt_x2apic(&b, 0x100, 1, 2);
	madt_x2apic(&b, 0x1ff, 1, 3);
	madt_x2apic(&b, 0xff, 1, 4);    /* type 9 may carry 0xff: broadcast */
	madt_x2apic(&b, 0xfe, 1, 5);
	parse_madt(&b, 4, &m, ACPI_MADT_MAX_CPUS);
	acpi_madt_limit_cpus(&m, ACPI_XAPIC_MAX_ID, 0, 256, &l);
	for (size_t i = 0; i < m.cpu_count; i++) {
		enabled += m.cpus[i].enabled;
		aliased |= m.cpus[i].enabled && m.cpus[i].apic_id > 0xfe;
	}
	report(l.unaddressable == 3 && l.total == 3, "xAPIC: 3 unaddressable (%zu)",
	       l.unaddressable);
	report(enabled == 3 && m.cpus_enabled == 3 && !aliased,
	       "xAPIC: ids 0, 1, 0xfe left enabled (%zu)", enabled);
	parse_madt(&b, 4, &m, ACPI_MADT_MAX_CPUS);
	acpi_madt_limit_cpus(&m, ACPI_X2APIC_MAX_ID, 0, 256, &l);
	report(l.total == 0 && m.cpus_enabled == 6, "x2APIC mode: all 6 kept");

	/* 300 CPUs, cap 256, the boot CPU listed last: it stays. */
	madt_begin(&b, 1);
	for (uint32_t i = 1; i <= 300; i++)
		madt_x2apic(&b, i, 1, i);
	madt_x2apic(&b, 0, 1, 0);
	parse_madt(&b, 4, &m, ACPI_MADT_MAX_CPUS);
	acpi_madt_limit_cpus(&m, ACPI_X2APIC_MAX_ID, 0, 256, &l);
	report(l.over_cap == 45 && l.total == 45 && m.cpus_enabled == 256,
	       "301 CPUs, cap 256: 45 over the cap (%zu), 256 kept", l.over_cap);
	report(m.cpus[300].apic_id == 0 && m.cpus[300].enabled,
	       "the boot CPU, listed last, is kept");
	/* cpus[] storage full: counted too. */
	parse_madt(&b, 4, &m, 100);
	acpi_madt_limit_cpus(&m, ACPI_X2APIC_MAX_ID, 0, 256, &l);
	report(l.table_full == 201 && l.total == 201, "table full: 201 counted (%zu)",
	       l.table_full);
	report_prefix_pop();
}

/* The rule lapic_set_base() applies to the MADT's local APIC address. */
static void test_lapic_address(void)
{
	report_prefix_push("lapic address");
	report(lapic_address_usable(0xfee00000, false), "0xfee00000 (QEMU, PCs) usable");
	report(!lapic_address_usable(0, false), "0 refused");
	report(!lapic_address_usable(0xfee00800, false), "unaligned refused");
	report(!lapic_address_usable(0x100000000ull, false), "at 4 GiB refused");
	report(!lapic_address_usable(1ull << 40, false), "at 1 TiB refused");
	report(!lapic_address_usable(0x1000000, true), "RAM refused");
	report(lapic_address_usable(DIRECT_MAP_LOW_END - PAGE_SIZE, false),
	       "last page below 4 GiB usable");
	report_prefix_pop();
}

static void test_madt_truncated(void)
{
	struct acpi_madt m;
	struct body b;
	int n;

	report_prefix_push("madt truncated");
	madt_begin(&b, 1);
	madt_lapic(&b, 0, 0, 1);
	put8(&b, 0); put8(&b, 0);          /* entry length 0 */
	madt_lapic(&b, 1, 1, 1);
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == -1 && m.cpu_count == 1 && strstr(err, "length 0"),
	       "length 0 stops: %s", err);

	madt_begin(&b, 1);
	madt_lapic(&b, 0, 0, 1);
	put8(&b, 9); put8(&b, 1);          /* length 1 */
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == -1, "length 1 stops: %s", err);

	madt_begin(&b, 1);
	madt_lapic(&b, 0, 0, 1);
	put8(&b, 0); put8(&b, 8); put8(&b, 1); put8(&b, 1); /* 4 of 8 bytes */
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == -1 && m.cpu_count == 1 && strstr(err, "4 bytes left"),
	       "entry past table end: %s", err);

	madt_begin(&b, 1);
	madt_lapic(&b, 0, 0, 1);
	put8(&b, 0);                       /* 1 byte: no entry header */
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == -1 && strstr(err, "header truncated"), "%s", err);

	madt_begin(&b, 1);
	put8(&b, 0); put8(&b, 6); put32(&b, 0x01000100); /* type 0, short */
	put8(&b, 9); put8(&b, 12); put16(&b, 0); put64(&b, 0); /* type 9, short */
	madt_lapic(&b, 1, 1, 1);
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == 1 && m.bad_entries == 2 && cpus[0].apic_id == 1,
	       "entries shorter than their type skipped");

	b.n = 4;                           /* only the APIC address */
	n = parse_madt(&b, 3, &m, ACPI_MADT_MAX_CPUS);
	report(n == -1, "40-byte MADT rejected: %s", err);
	report_prefix_pop();
}

/* ---- SRAT and SLIT ---------------------------------------------------- */

static struct acpi_srat_cpu scpus[64];
static struct acpi_srat_mem smems[64];

static int parse_srat(const struct body *b, uint8_t rev, struct acpi_numa *nm)
{
	uint64_t t;

	mem_reset(LOW_BASE);
	t = add_body("SRAT", rev, b);
	*nm = (struct acpi_numa){ .cpus = scpus, .cpu_cap = 64,
				  .mems = smems, .mem_cap = 64 };
	return acpi_srat_parse(map_table(t), nm, err, sizeof(err));
}

static struct acpi_numa numa;

static void test_srat_two_nodes(void)
{
	struct body b;
	int n;

	report_prefix_push("srat 2 nodes");
	/* q35 -m 4G -smp 4 -numa node,mem=1G,cpus=0 -numa node,mem=3G,cpus=1-3:
	 * 2 GiB below the PCI hole, 2 GiB above 4 GiB. */
	srat_begin(&b);
	srat_cpu(&b, 0, 0, SRAT_EN);
	for (uint8_t i = 1; i < 4; i++)
		srat_cpu(&b, 1, i, SRAT_EN);
	srat_mem(&b, 0, 0, 0xa0000, SRAT_EN);
	srat_mem(&b, 0, 0x100000, 0x40000000 - 0x100000, SRAT_EN);
	srat_mem(&b, 1, 0x40000000, 0x40000000, SRAT_EN);
	srat_mem(&b, 1, 0x100000000ull, 0x80000000, SRAT_EN);
	srat_mem(&b, 0, 0, 0, 0);          /* QEMU's disabled padding entry */
	n = parse_srat(&b, 3, &numa);
	report(n == 2 && numa.cpu_count == 4 && numa.mem_count == 4,
	       "2 nodes, 4 CPUs, 4 ranges: %d %s", n, n < 0 ? err : "");
	report(acpi_numa_apic_to_node(&numa, 0) == 0 &&
	       acpi_numa_apic_to_node(&numa, 3) == 1 &&
	       acpi_numa_apic_to_node(&numa, 4) == ACPI_NO_NODE, "CPU -> node");
	report(acpi_numa_addr_to_node(&numa, 0x5000) == 0 &&
	       acpi_numa_addr_to_node(&numa, 0xb0000) == ACPI_NO_NODE &&
	       acpi_numa_addr_to_node(&numa, 0x50000000) == 1 &&
	       acpi_numa_addr_to_node(&numa, 0x17fffffffull) == 1 &&
	       acpi_numa_addr_to_node(&numa, 0x180000000ull) == ACPI_NO_NODE,
	       "address -> node, holes have none");
	report(numa.disabled_entries == 1 && numa.bad_entries == 0,
	       "disabled entry ignored");
	report(!numa.have_slit && numa.distance[0][0] == 10 &&
	       numa.distance[0][1] == 20, "default distances 10/20");
	report_prefix_pop();
}

/* Domains 5, 2, 9 (sparse), 9 has memory but no CPUs. Built for revision
 * rev; a disabled CPU in domain 7 comes first and must not get a node. */
static void srat_three(struct body *b)
{
	srat_begin(b);
	srat_cpu(b, 7, 9, 0);
	srat_cpu(b, 5, 0, SRAT_EN);
	srat_cpu(b, 5, 1, SRAT_EN);
	srat_x2(b, 2, 256, SRAT_EN);
	srat_x2(b, 2, 257, SRAT_EN);
	srat_x2(b, 2, 258, 0);
	srat_mem(b, 5, 0, 0x80000000, SRAT_EN);
	srat_mem(b, 9, 0x100000000ull, 0x40000000, SRAT_EN);
	srat_mem(b, 2, 0x140000000ull, 0x100000000ull,
		 SRAT_EN | SRAT_HP | SRAT_NV);
}

static void test_srat_three_nodes(void)
{
	struct body b;
	int n;

	report_prefix_push("srat 3 nodes");
	srat_three(&b);
	n = parse_srat(&b, 3, &numa);
	report(n == 3 && numa.node_pxm[0] == 5 && numa.node_pxm[1] == 2 &&
	       numa.node_pxm[2] == 9, "domains 5,2,9 -> nodes 0,1,2");
	report(acpi_numa_pxm_to_node(&numa, 7) == ACPI_NO_NODE &&
	       numa.disabled_entries == 2, "disabled entries get no node");
	report(numa.node_has_cpus[0] && numa.node_has_cpus[1] &&
	       !numa.node_has_cpus[2] && numa.node_has_memory[2],
	       "node 2: memory, no CPUs");
	report(numa.cpu_count == 4 && scpus[2].apic_id == 256 &&
	       scpus[2].x2apic_entry && scpus[2].node == 1 && scpus[2].pxm == 2,
	       "x2APIC affinity");
	report(numa.mem_count == 3 && smems[2].hotpluggable &&
	       smems[2].nonvolatile && !smems[0].hotpluggable &&
	       smems[2].length == 0x100000000ull, "memory flags and 64-bit length");

	/* Revision 1: only the low 8 bits of a type 0 domain count. */
	srat_begin(&b);
	srat_cpu(&b, 0xabcdef01, 0, SRAT_EN);
	srat_mem(&b, 0x301, 0, 0x1000, SRAT_EN);
	n = parse_srat(&b, 1, &numa);
	report(n == 1 && scpus[0].pxm == 1 && smems[0].pxm == 1,
	       "revision 1: 8-bit domains");
	n = parse_srat(&b, 2, &numa);
	report(n == 2 && scpus[0].pxm == 0xabcdef01 && smems[0].pxm == 0x301,
	       "revision 2: 32-bit domains");
	report_prefix_pop();
}

static void test_srat_bad(void)
{
	struct body b;
	int n;

	report_prefix_push("srat bad");
	srat_begin(&b);
	srat_mem(&b, 0, 0, 0x2000, SRAT_EN);
	srat_mem(&b, 0, 0x1000, 0x2000, SRAT_EN);   /* same node: fine */
	srat_mem(&b, 1, 0x2fff, 0x10, SRAT_EN);     /* other node: conflict */
	n = parse_srat(&b, 3, &numa);
	report(n == -1 && strstr(err, "overlap"), "%s", err);

	srat_begin(&b);
	srat_mem(&b, 0, 0, 0, SRAT_EN);                    /* empty */
	srat_mem(&b, 0, 0xfffffffffffff000ull, 0x2000, SRAT_EN); /* wraps */
	srat_mem(&b, 1, 0xfffffffffffff000ull, 0x1000, SRAT_EN); /* ends at 2^64 */
	srat_mem(&b, 2, 0x1000, 0x1000, SRAT_EN);
	srat_cpu(&b, 0, 0, SRAT_EN);
	srat_cpu(&b, 0, 0, SRAT_EN);                       /* duplicate */
	put8(&b, 0); put8(&b, 10); put64(&b, 0);           /* short type 0 */
	put8(&b, 3); put8(&b, 12); put64(&b, 0); put16(&b, 0); /* unknown type */
	n = parse_srat(&b, 3, &numa);
	report(n == 3 && numa.bad_entries == 3 && numa.mem_count == 2 &&
	       numa.cpus_duplicate == 1 && numa.cpu_count == 1,
	       "empty/wrapping ranges, duplicates, short entries: %d %s", n,
	       n < 0 ? err : "");

	srat_begin(&b);
	for (uint32_t d = 0; d < ACPI_MAX_NODES + 3; d++)
		srat_mem(&b, d, (uint64_t)d << 20, 1 << 20, SRAT_EN);
	n = parse_srat(&b, 3, &numa);
	report(n == ACPI_MAX_NODES && numa.pxm_dropped == 3 &&
	       numa.mem_count == ACPI_MAX_NODES,
	       "more than %u domains dropped", ACPI_MAX_NODES);

	srat_begin(&b);
	srat_cpu(&b, 0, 0, SRAT_EN);
	put8(&b, 1); put8(&b, 40); put32(&b, 0);           /* 6 of 40 bytes */
	n = parse_srat(&b, 3, &numa);
	report(n == -1 && numa.cpu_count == 1, "truncated entry: %s", err);
	b.n = 8;
	n = parse_srat(&b, 3, &numa);
	report(n == -1, "44-byte SRAT rejected: %s", err);
	report_prefix_pop();
}

static int parse_slit(const uint8_t *m, uint64_t n, size_t bytes)
{
	uint64_t t = add_slit(m, n, bytes);

	return acpi_slit_parse(map_table(t), &numa, err, sizeof(err));
}

static void test_slit(void)
{
	/* Rows are "from" domains; asymmetric so a transpose shows. */
	static const uint8_t m3[9] = { 10, 12, 13, 21, 10, 23, 31, 32, 10 };
	uint8_t bad[9];
	struct body b;
	int rc;

	report_prefix_push("slit");
	/* Domains in order of appearance 0, 2, 1: nodes 0, 1, 2. */
	srat_begin(&b);
	srat_cpu(&b, 0, 0, SRAT_EN);
	srat_cpu(&b, 2, 1, SRAT_EN);
	srat_mem(&b, 1, 0, 0x1000, SRAT_EN);
	parse_srat(&b, 3, &numa);
	rc = parse_slit(m3, 3, 9);
	report(rc == 0 && numa.have_slit, "3x3 parsed: %s", rc ? err : "ok");
	report(numa.distance[0][1] == 13 && numa.distance[1][2] == 32 &&
	       numa.distance[2][1] == 23 && numa.distance[1][0] == 31 &&
	       numa.distance[2][2] == 10, "indexed by domain, mapped to nodes");

	parse_srat(&b, 3, &numa);
	report(parse_slit(m3, 3, 8) < 0 && !numa.have_slit &&
	       numa.distance[0][1] == 20, "44 + N*N > length: %s", err);
	report(parse_slit(m3, 0xffffffffffffffffull, 9) < 0,
	       "huge N, no overflow: %s", err);
	report(parse_slit(m3, 0, 9) < 0, "N = 0 rejected");
	report(parse_slit(m3, 2, 9) < 0 && strstr(err, "outside"),
	       "domain 2 outside a 2x2 SLIT: %s", err);
	memcpy(bad, m3, 9);
	bad[4] = 0;
	report(parse_slit(bad, 3, 9) < 0, "diagonal not 10: %s", err);
	memcpy(bad, m3, 9);
	bad[5] = 10;
	report(parse_slit(bad, 3, 9) < 0, "remote distance 10: %s", err);
	memcpy(bad, m3, 9);
	bad[5] = ACPI_NO_DISTANCE;
	report(parse_slit(bad, 3, 9) == 0 && numa.distance[2][1] == 255,
	       "255 (unreachable) accepted");

	numa.node_count = 0;
	report(parse_slit(m3, 3, 9) < 0, "no SRAT nodes: %s", err);
	report_prefix_pop();
}

/* The full NUMA path through discovery: XSDT -> SRAT + SLIT. */
static void test_numa_discovery(void)
{
	static const uint8_t m3[9] = { 10, 16, 22, 16, 10, 16, 22, 16, 10 };
	struct body b;
	uint64_t t[8];
	uint8_t r[36];
	size_t n, len;

	report_prefix_push("numa discovery");
	mem_reset(LOW_BASE);
	n = build_q35(t, 4);
	srat_begin(&b);
	srat_cpu(&b, 0, 0, SRAT_EN);
	srat_cpu(&b, 0, 1, SRAT_EN);
	srat_cpu(&b, 1, 2, SRAT_EN);
	srat_cpu(&b, 1, 3, SRAT_EN);
	srat_mem(&b, 0, 0, 0x40000000, SRAT_EN);
	srat_mem(&b, 1, 0x40000000, 0x80000000, SRAT_EN);
	srat_mem(&b, 2, 0x100000000ull, 0x40000000, SRAT_EN);
	t[n++] = add_body("SRAT", 3, &b);
	t[n++] = add_slit(m3, 3, 9);
	len = make_rsdp(r, 2, 0, add_root("XSDT", t, n));
	acpi_init(r, len, err, sizeof(err));
	numa = (struct acpi_numa){ .cpus = scpus, .cpu_cap = 64,
				   .mems = smems, .mem_cap = 64 };
	report(acpi_srat_parse(acpi_find_table("SRAT", 0), &numa, err,
			       sizeof(err)) == 3, "SRAT: 3 nodes");
	report(acpi_slit_parse(acpi_find_table("SLIT", 0), &numa, err,
			       sizeof(err)) == 0 && numa.distance[0][2] == 22,
	       "SLIT: node 0 -> 2 is 22");
	report_prefix_pop();
}

/* ---- HPET, FADT, \_S5 ------------------------------------------------- */

static void test_hpet(void)
{
	struct acpi_hpet h;

	report_prefix_push("hpet");
	mem_reset(LOW_BASE);
	report(acpi_hpet_parse(map_table(add_hpet(0, HPET_BASE, 56)), &h, err,
			       sizeof(err)) == 0, "QEMU HPET parsed");
	report(h.address == HPET_BASE && h.comparators == 3 && h.counter_64bit &&
	       h.legacy_replacement && h.pci_vendor == 0x8086 &&
	       h.hw_revision == 1 && h.min_tick == 0x80,
	       "base 0x%llx, %u timers, vendor %04x",
	       (unsigned long long)h.address, h.comparators, h.pci_vendor);
	report(acpi_hpet_parse(map_table(add_hpet(1, 0x1000, 56)), &h, err,
			       sizeof(err)) < 0, "I/O space rejected: %s", err);
	report(acpi_hpet_parse(map_table(add_hpet(0, 0, 56)), &h, err,
			       sizeof(err)) < 0, "address 0 rejected");
	report(acpi_hpet_parse(map_table(add_hpet(0, HPET_BASE, 52)), &h, err,
			       sizeof(err)) < 0, "52 bytes rejected: %s", err);
	report_prefix_pop();
}

static void test_fadt(void)
{
	struct fadt_args fa = { .len = 244, .pm1a_cnt = 0x604,
				.x_pm1a_cnt = 0x604,
				.flags = ACPI_FADT_RESET_REG_SUP |
					 ACPI_FADT_TMR_VAL_EXT };
	struct acpi_fadt f;
	uint64_t dsdt, t[2];
	int rc;

	report_prefix_push("fadt");
	mem_reset(LOW_BASE);
	dsdt = add_dsdt(qemu_s5, sizeof(qemu_s5));
	fa.dsdt = 0x1234;         /* bogus: X_DSDT must win */
	fa.x_dsdt = dsdt;
	t[0] = add_fadt(&fa);
	rc = init_rsdt(t, 1);
	report(rc == 0 && acpi_find_table("DSDT", 0) &&
	       acpi_table_get(1)->phys == dsdt, "DSDT found through X_DSDT");
	rc = acpi_fadt_parse(acpi_find_table("FACP", 0), &f, err, sizeof(err));
	report(rc == 0 && f.pm1a_cnt == 0x604 && f.pm1b_cnt == 0 &&
	       f.pm1_cnt_len == 2 && f.sci_irq == 9 && f.smi_cmd == 0xb2 &&
	       f.acpi_enable == 0xf1 && f.iapc_boot_arch == 3 && f.dsdt == dsdt,
	       "PM1a control 0x%x, SCI %u", f.pm1a_cnt, f.sci_irq);
	report(f.reset_supported && f.reset_reg.space_id == ACPI_GAS_IO &&
	       f.reset_reg.address == 0xcf9 && f.reset_value == 0x0f,
	       "reset register 0xcf9 <- 0x0f");
	report(f.pm_timer == 0x608 && f.pm_timer_32bit, "PM timer 0x608, 32-bit");

	fa.x_pm1a_cnt = 0x1004;
	fa.flags = 0;
	rc = acpi_fadt_parse(map_table(add_fadt(&fa)), &f, err, sizeof(err));
	report(rc == 0 && f.pm1a_cnt == 0x1004 && !f.reset_supported,
	       "X_PM1a_CNT_BLK preferred; no RESET_REG_SUP, no reset");

	/* ACPI 1.0 FADT: 116 bytes, the flag alone must not enable reset. */
	fa = (struct fadt_args){ .len = 116, .dsdt = (uint32_t)dsdt,
				 .pm1a_cnt = 0xb004, .x_pm1a_cnt = 0x604,
				 .flags = ACPI_FADT_RESET_REG_SUP };
	rc = acpi_fadt_parse(map_table(add_fadt(&fa)), &f, err, sizeof(err));
	report(rc == 0 && f.revision == 1 && f.pm1a_cnt == 0xb004 &&
	       !f.reset_supported && f.dsdt == dsdt, "ACPI 1.0 FADT");
	fa.len = 100;
	rc = acpi_fadt_parse(map_table(add_fadt(&fa)), &f, err, sizeof(err));
	report(rc < 0, "100-byte FADT rejected: %s", err);

	/* A DSDT with a bad checksum is reported, not listed. */
	fa = (struct fadt_args){ .len = 244, .x_dsdt = dsdt };
	at(dsdt)[40] ^= 1;
	t[0] = add_fadt(&fa);
	init_rsdt(t, 1);
	report(!acpi_find_table("DSDT", 0) && problem_has("DSDT", "checksum"),
	       "bad DSDT reported");
	report_prefix_pop();
}

static int s5(const uint8_t *aml, size_t n, uint8_t *a, uint8_t *b)
{
	return acpi_dsdt_find_s5(map_table(add_dsdt(aml, n)), a, b);
}

static void test_s5(void)
{
	static const uint8_t byteprefix[] = {
		0x0d, '_', 'S', '5', '_', 0x00,         /* a string: decoy */
		0x08, '_', 'S', '5', '_', 0x0a, 0x05,   /* Name(_S5, 5): decoy */
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
		0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
	};
	static const uint8_t pkglen2[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x48, 0x00, 0x04,
		0x01, 0x0a, 0x03, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t truncated[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00,
	};
	static const uint8_t short_pkg[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x04, 0x0a, 0x05, 0x00,
	};
	static const uint8_t too_big[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a, 0x09, 0x00, 0x00,
	};
	static const uint8_t at_end[] = { 0x08, '_', 'S', '5' };
	uint8_t a = 0xee, b = 0xee;

	report_prefix_push("s5");
	mem_reset(LOW_BASE);
	report(s5(qemu_s5, sizeof(qemu_s5), &a, &b) == 0 && a == 0 && b == 0,
	       "QEMU Package(4){0,0,0,0}");
	report(s5(byteprefix, sizeof(byteprefix), &a, &b) == 0 && a == 5 &&
	       b == 7, "BytePrefix after decoys: %u %u", a, b);
	report(s5(pkglen2, sizeof(pkglen2), &a, &b) == 0 && a == 1 && b == 3,
	       "2-byte PkgLength, OneOp");
	a = b = 0xee;
	report(s5(truncated, sizeof(truncated), &a, &b) < 0 && a == 0xee,
	       "package past table end");
	report(s5(short_pkg, sizeof(short_pkg), &a, &b) < 0,
	       "values past package end");
	report(s5(too_big, sizeof(too_big), &a, &b) < 0, "SLP_TYP 9 rejected");
	report(s5(at_end, sizeof(at_end), &a, &b) < 0, "partial name at end");
	report(acpi_pm1_sleep_bits(5) == 0x3400, "PM1 bits for SLP_TYP 5");
	report_prefix_pop();
}

int main(void)
{
	report_prefix_push("acpi");
	test_rsdp();
	test_rsdt_q35();
	test_xsdt();
	test_bad_tables();
	test_root_limits();
	test_madt_qemu();
	test_madt_rules();
	test_madt_truncated();
	test_madt_limits();
	test_lapic_address();
	test_srat_two_nodes();
	test_srat_three_nodes();
	test_srat_bad();
	test_slit();
	test_numa_discovery();
	test_hpet();
	test_fadt();
	test_s5();
	fake_reset(NULL, 0, 0);
	report_prefix_pop();
	return report_summary();
}
