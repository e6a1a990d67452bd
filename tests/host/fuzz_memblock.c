/* libFuzzer target for mm/memblock.c: the input is a sequence of operations.
 *
 * Byte 0 picks the mode:
 *   model mode (even)  addresses are units of 2^shift bytes in a space of
 *                      MODEL_UNITS units, and a brute-force model (one node
 *                      id and one reserved bit per unit) predicts the exact
 *                      regions, free ranges, totals, allocation results and
 *                      capacity failures after every operation;
 *   raw mode (odd)     arguments are arbitrary 64-bit values (edges near 0
 *                      and 2^64 favoured); only invariants and the effects
 *                      each call promises are checked.
 * memblock_fuzz_run() returns NULL or what went wrong, so the host unit test
 * (tests/host/test_memblock.c) replays random inputs through it too.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mm/memblock.h"

#define MODEL_UNITS 2048
#define NOT_MEM     (-2)   /* model: unit is not memory */
#define MAX_OPS     64     /* per input, to keep each run fast */
#define NIDS        4      /* node ids -1..2 */
#define ALIGN_LOGS  24

const char *memblock_fuzz_run(const uint8_t *data, size_t size);

enum op { OP_ADD, OP_ADD_NODE, OP_REMOVE, OP_RESERVE, OP_FREE, OP_SET_NODE,
	  OP_TRIM, OP_ALLOC, OP_ALLOC_RANGE, OP_COUNT };

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t in_u8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t in_bytes(struct input *in, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = v << 8 | in_u8(in);
	return v;
}

static char msg[256];

#define FAIL(...) do { snprintf(msg, sizeof(msg), __VA_ARGS__); return msg; } while (0)

/* --- model mode --- */

struct model {
	int8_t nid[MODEL_UNITS];
	uint8_t resv[MODEL_UNITS];
};

static struct model cur, nxt;
static unsigned shift;

static uint64_t A(size_t u)
{
	return (uint64_t)u << shift;
}

static size_t mem_runs(const struct model *m)
{
	size_t n = 0;

	for (size_t u = 0; u < MODEL_UNITS; u++)
		n += m->nid[u] != NOT_MEM && (!u || m->nid[u - 1] != m->nid[u]);
	return n;
}

static size_t resv_runs(const struct model *m)
{
	size_t n = 0;

	for (size_t u = 0; u < MODEL_UNITS; u++)
		n += m->resv[u] && (!u || !m->resv[u - 1]);
	return n;
}

static bool is_free(const struct model *m, size_t u)
{
	return m->nid[u] != NOT_MEM && !m->resv[u];
}

static void model_trim(struct model *m)
{
	const uint64_t mask = MEMBLOCK_PAGE_SIZE - 1;

	for (size_t s = 0, e; s < MODEL_UNITS; s = e) {
		e = s + 1;
		if (m->nid[s] == NOT_MEM)
			continue;
		while (e < MODEL_UNITS && m->nid[e] == m->nid[s])
			e++;
		uint64_t nb = (A(s) + mask) & ~mask, ne = A(e) & ~mask;

		for (size_t u = s; u < e; u++)
			if (A(u) < nb || A(u + 1) > ne)
				m->nid[u] = NOT_MEM;
	}
}

/* Length of the free same-node run starting at each unit. */
static void free_run_lengths(const struct model *m, uint32_t *len)
{
	for (size_t u = MODEL_UNITS; u-- > 0;) {
		bool cont = u + 1 < MODEL_UNITS && is_free(m, u + 1) &&
			    m->nid[u + 1] == m->nid[u];

		len[u] = is_free(m, u) ? 1 + (cont ? len[u + 1] : 0) : 0;
	}
}

/* The unit memblock should allocate, or 0 for none (unit 0 is address 0,
 * which is never returned). */
static size_t model_alloc(const struct model *m, size_t units, uint64_t align,
			  size_t lo, size_t hi, bool top_down)
{
	static uint32_t len[MODEL_UNITS];
	size_t best = 0;

	free_run_lengths(m, len);
	for (size_t u = MAX(lo, 1); u + units <= hi; u++) {
		if (A(u) % align || len[u] < units)
			continue;
		best = u;
		if (!top_down)
			break;
	}
	return best;
}

static const char *compare(const struct model *m)
{
	size_t i = 0, s, e;
	const struct memblock_region *r;
	struct memblock_iter it;
	uint64_t fb, fe, memsum = 0, ressum = 0, freesum = 0;
	const char *why = memblock_check();

	if (why)
		FAIL("invariant: %s", why);
	for (s = 0; s < MODEL_UNITS; s = e) {
		e = s + 1;
		if (m->nid[s] == NOT_MEM)
			continue;
		while (e < MODEL_UNITS && m->nid[e] == m->nid[s])
			e++;
		r = memblock_memory_region(i++);
		if (!r || r->base != A(s) || r->size != A(e) - A(s) ||
		    r->nid != m->nid[s])
			FAIL("memory region %zu differs from model [%zu,%zu) nid %d",
			     i - 1, s, e, m->nid[s]);
		memsum += A(e) - A(s);
	}
	if (i != memblock_memory_count())
		FAIL("memory count %zu, model %zu", memblock_memory_count(), i);
	for (i = 0, s = 0; s < MODEL_UNITS; s = e) {
		e = s + 1;
		if (!m->resv[s])
			continue;
		while (e < MODEL_UNITS && m->resv[e])
			e++;
		r = memblock_reserved_region(i++);
		if (!r || r->base != A(s) || r->size != A(e) - A(s))
			FAIL("reserved region %zu differs from model", i - 1);
		ressum += A(e) - A(s);
	}
	if (i != memblock_reserved_count())
		FAIL("reserved count %zu, model %zu", memblock_reserved_count(), i);
	it = (struct memblock_iter)MEMBLOCK_ITER_INIT;
	for (s = 0; s < MODEL_UNITS; s = e) {
		e = s + 1;
		if (!is_free(m, s))
			continue;
		while (e < MODEL_UNITS && is_free(m, e) && m->nid[e] == m->nid[s])
			e++;
		if (!memblock_next_free(&it, &fb, &fe) || fb != A(s) ||
		    fe != A(e) || it.nid != m->nid[s])
			FAIL("free range differs from model [%zu,%zu)", s, e);
		freesum += A(e) - A(s);
	}
	if (memblock_next_free(&it, &fb, &fe))
		FAIL("extra free range [%#llx,%#llx)", (unsigned long long)fb,
		     (unsigned long long)fe);
	if (memblock_memory_bytes() != memsum || memblock_reserved_bytes() != ressum ||
	    memblock_free_bytes() != freesum)
		FAIL("totals differ from model");
	return NULL;
}

/* Applies op to nxt (a copy of cur) and runs it on memblock; checks that
 * memblock failed exactly when the model needs more than the capacity. */
static const char *model_step(struct input *in)
{
	enum op op = in_u8(in) % OP_COUNT;
	size_t b = in_bytes(in, 2) % MODEL_UNITS;
	size_t e = b + in_bytes(in, 2) % (MODEL_UNITS - b + 1);
	int nid = (int)(in_u8(in) % NIDS) - 1, rc = 0;
	uint8_t al = in_u8(in);
	uint64_t align = al & 0x80 ? 3ull << (al % ALIGN_LOGS) : 1ull << (al % ALIGN_LOGS);
	size_t want = 0;
	uint64_t got = 0;

	nxt = cur;
	for (size_t u = b; u < e; u++) {
		if ((op == OP_ADD || op == OP_ADD_NODE) && nxt.nid[u] == NOT_MEM)
			nxt.nid[u] = op == OP_ADD ? MEMBLOCK_NID_NONE : nid;
		else if (op == OP_REMOVE)
			nxt.nid[u] = NOT_MEM;
		else if (op == OP_RESERVE)
			nxt.resv[u] = 1;
		else if (op == OP_FREE)
			nxt.resv[u] = 0;
		else if (op == OP_SET_NODE && nxt.nid[u] != NOT_MEM)
			nxt.nid[u] = nid;
	}
	switch (op) {
	case OP_ADD:       rc = memblock_add(A(b), A(e) - A(b)); break;
	case OP_ADD_NODE:  rc = memblock_add_node(A(b), A(e) - A(b), nid); break;
	case OP_REMOVE:    rc = memblock_remove(A(b), A(e) - A(b)); break;
	case OP_RESERVE:   rc = memblock_reserve(A(b), A(e) - A(b)); break;
	case OP_FREE:      rc = memblock_free(A(b), A(e) - A(b)); break;
	case OP_SET_NODE:  rc = memblock_set_node(A(b), A(e) - A(b), nid); break;
	case OP_TRIM:
		model_trim(&nxt);
		memblock_trim_to_pages();
		break;
	case OP_ALLOC:
	case OP_ALLOC_RANGE: {
		/* Units: size = e - b (at least 1), limit/min from b and nid. */
		size_t units = MAX(e - b, 1), lo = 0, hi = MODEL_UNITS;
		uint64_t limit = 0;
		bool valid = (align & (align - 1)) == 0;

		if (op == OP_ALLOC && nid >= 0) {
			hi = b;  /* a limit below which the block must end */
			limit = A(b);
			if (!limit)  /* 0 would mean no limit */
				hi = MODEL_UNITS;
		} else if (op == OP_ALLOC_RANGE) {
			lo = MAX(b, 1);  /* memblock never returns 0 */
			hi = nid >= 0 ? MODEL_UNITS - (size_t)nid * 100 : MODEL_UNITS;
		}
		if (valid)
			want = model_alloc(&cur, units, align, lo, hi,
					   op == OP_ALLOC);
		if (op == OP_ALLOC)
			got = memblock_phys_alloc(A(units), align, limit);
		else
			got = memblock_phys_alloc_range(A(units), align, A(lo),
				hi == MODEL_UNITS ? 0 : A(hi));
		for (size_t u = want; want && u < want + units; u++)
			nxt.resv[u] = 1;
		if (want && resv_runs(&nxt) > MEMBLOCK_MAX_REGIONS)
			want = 0, nxt = cur;
		if (got != A(want))
			FAIL("alloc(%zu units, align %#llx, [%zu,%zu)) = %#llx, "
			     "model %#llx", units, (unsigned long long)align, lo,
			     hi, (unsigned long long)got,
			     (unsigned long long)A(want));
		break;
	}
	default:
		break;
	}
	if (mem_runs(&nxt) > MEMBLOCK_MAX_REGIONS ||
	    resv_runs(&nxt) > MEMBLOCK_MAX_REGIONS) {
		if (rc != MEMBLOCK_E_FULL)
			FAIL("op %d: expected E_FULL, got %d", op, rc);
		return compare(&cur);   /* unchanged */
	}
	if (rc)
		FAIL("op %d [%zu,%zu) nid %d failed: %d", op, b, e, nid, rc);
	cur = nxt;
	return compare(&cur);
}

static const char *run_model(struct input *in)
{
	static const unsigned shifts[] = { 0, 3, 9, 12, 21, 40 };
	const char *why;

	shift = shifts[in_u8(in) % ARRAY_SIZE(shifts)];
	memset(cur.nid, NOT_MEM, sizeof(cur.nid));
	memset(cur.resv, 0, sizeof(cur.resv));
	for (int i = 0; i < MAX_OPS && in->n; i++)
		if ((why = model_step(in)))
			return why;
	return NULL;
}

/* --- raw mode --- */

/* A 64-bit value, biased toward the edges where bugs live. */
static uint64_t raw_value(struct input *in)
{
	switch (in_u8(in) % 4) {
	case 0:  return in_bytes(in, 8);
	case 1:  return in_bytes(in, 2) << 12;
	case 2:  return MEMBLOCK_ADDR_MAX - in_bytes(in, 2);
	default: return in_u8(in);
	}
}

static const char *raw_invariants(void)
{
	struct memblock_iter it;
	uint64_t b, e, sum = 0, prev_end = 0;
	const char *why = memblock_check();

	if (why)
		FAIL("invariant: %s", why);
	for_each_free_range(it, b, e) {
		if (b >= e || b < prev_end)
			FAIL("free ranges empty or out of order");
		if (!memblock_is_memory(b) || !memblock_is_memory(e - 1) ||
		    memblock_is_reserved(b) || memblock_is_reserved(e - 1))
			FAIL("free range [%#llx,%#llx) not free",
			     (unsigned long long)b, (unsigned long long)e);
		sum += e - b;
		prev_end = e;
	}
	if (sum != memblock_free_bytes() || sum > memblock_memory_bytes())
		FAIL("free bytes inconsistent");
	return NULL;
}

static const char *raw_alloc(enum op op, uint64_t size, uint64_t align,
			     uint64_t lo, uint64_t hi)
{
	uint64_t before = memblock_free_bytes(), r;
	bool valid = (align & (align - 1)) == 0;

	if (op == OP_ALLOC)
		r = memblock_phys_alloc(size, align, hi);
	else
		r = memblock_phys_alloc_range(size, align, lo, hi);
	if (!r)
		return NULL;
	if (!valid || !size || (align && r % align) ||
	    (hi && (r > hi || hi - r < size)) ||
	    (op == OP_ALLOC_RANGE && r < lo))
		FAIL("alloc returned %#llx outside its constraints",
		     (unsigned long long)r);
	if (memblock_free_bytes() != before - size || !memblock_is_reserved(r) ||
	    !memblock_is_reserved(r + size - 1))
		FAIL("alloc at %#llx did not reserve exactly its range",
		     (unsigned long long)r);
	return NULL;
}

static const char *raw_step(struct input *in)
{
	enum op op = in_u8(in) % OP_COUNT;
	uint64_t base = raw_value(in), size = raw_value(in);
	int nid = (int)(in_u8(in) % NIDS) - 1, rc = 0;
	bool inside = size && base != MEMBLOCK_ADDR_MAX;
	const struct memblock_region *r;

	switch (op) {
	case OP_ADD:
	case OP_ADD_NODE:
		rc = op == OP_ADD ? memblock_add(base, size) :
				    memblock_add_node(base, size, nid);
		if (!rc && inside && !memblock_is_memory(base))
			FAIL("added %#llx is not memory", (unsigned long long)base);
		break;
	case OP_REMOVE:
		rc = memblock_remove(base, size);
		if (!rc && inside && memblock_is_memory(base))
			FAIL("removed %#llx is memory", (unsigned long long)base);
		break;
	case OP_RESERVE:
		rc = memblock_reserve(base, size);
		if (!rc && inside && !memblock_is_reserved(base))
			FAIL("reserved %#llx is not", (unsigned long long)base);
		break;
	case OP_FREE:
		rc = memblock_free(base, size);
		if (!rc && inside && memblock_is_reserved(base))
			FAIL("freed %#llx is reserved", (unsigned long long)base);
		break;
	case OP_SET_NODE:
		rc = memblock_set_node(base, size, nid);
		for (size_t i = 0; !rc && inside &&
		     (r = memblock_memory_region(i)); i++)
			if (base >= r->base && base - r->base < r->size &&
			    r->nid != nid)
				FAIL("set_node did not set node %d", nid);
		break;
	case OP_TRIM:
		memblock_trim_to_pages();
		for (size_t i = 0; (r = memblock_memory_region(i)); i++)
			if (r->base % MEMBLOCK_PAGE_SIZE || r->size % MEMBLOCK_PAGE_SIZE)
				FAIL("trim left an unaligned region");
		break;
	default: {
		uint8_t al = in_u8(in);
		uint64_t align = al & 0x80 ? al & 0x7f : 1ull << (al % 64);

		rc = 0;
		if (raw_alloc(op, size, align, base, raw_value(in)))
			return msg;
		break;
	}
	}
	if (rc && rc != MEMBLOCK_E_FULL)
		FAIL("op %d returned %d", op, rc);
	return raw_invariants();
}

const char *memblock_fuzz_run(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	const char *why = NULL;

	memblock_reset();
	if (in_u8(&in) % 2 == 0)
		return run_model(&in);
	for (int i = 0; i < MAX_OPS && in.n && !why; i++)
		why = raw_step(&in);
	return why;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = memblock_fuzz_run(data, size);

	if (why) {
		fprintf(stderr, "memblock fuzz: %s\n", why);
		__builtin_trap();
	}
	return 0;
}
