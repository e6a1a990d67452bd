/* Parallel buffer fill and check (par_buffer.h). */
#include "experiments/par_buffer.h"
#include "mm/copy.h"
#include "smp/on_cpus.h"

void piece_range(uint64_t bytes, uint64_t align, unsigned idx, unsigned n,
		uint64_t *a, uint64_t *b)
{
	uint64_t units = DIV_ROUND_UP(bytes, align);

	*a = MIN(units * idx / n * align, bytes);
	*b = idx + 1 == n ? bytes : MIN(units * (idx + 1) / n * align, bytes);
}

struct par_buf {
	unsigned char *buf;
	uint64_t bytes;
	uint64_t value;		/* seed or fill pattern */
	uint64_t bad;		/* lowest wrong offset found, BUFFER_MATCH if none */
	void (*block_fn)(struct par_buf *p, uint64_t off, uint64_t len,
			 uint64_t block);
};

static void par_piece(void *arg, unsigned idx, unsigned n)
{
	struct par_buf *p = arg;
	uint64_t a, b;

	piece_range(p->bytes, PAR_PATTERN_BLOCK, idx, n, &a, &b);
	for (uint64_t off = a; off < b; off += PAR_PATTERN_BLOCK)
		p->block_fn(p, off, MIN(PAR_PATTERN_BLOCK, b - off),
			    off / PAR_PATTERN_BLOCK);
}

/* Runs p->block_fn over every block of the buffer, on all online CPUs. */
static void par_run(struct par_buf *p)
{
	unsigned cpus[MAX_CPUS];
	struct on_cpus w = { .fn = par_piece, .arg = p, .cpus = cpus,
			     .what = "its share of a buffer fill or check" };

	w.n = cpu_set_all(cpus, true);
	p->bad = BUFFER_MATCH;
	on_cpus_run(&w);
}

static void record_bad(struct par_buf *p, uint64_t off)
{
	uint64_t cur = __atomic_load_n(&p->bad, __ATOMIC_RELAXED);

	while (off < cur && !__atomic_compare_exchange_n(&p->bad, &cur, off,
			false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void blk_pattern(struct par_buf *p, uint64_t off, uint64_t len,
			uint64_t block)
{
	buffer_fill_pattern(p->buf + off, len, p->value + block);
}

static void blk_check_pattern(struct par_buf *p, uint64_t off, uint64_t len,
			      uint64_t block)
{
	size_t bad = buffer_check_pattern(p->buf + off, len, p->value + block);

	if (bad != BUFFER_MATCH)
		record_bad(p, off + bad);
}

/* Fills use the general-register stosq kernel: vector-free, correct for any
 * pattern, and never the kernel being measured. */
static void blk_fill(struct par_buf *p, uint64_t off, uint64_t len,
		     uint64_t block)
{
	fill_stosq(p->buf + off, p->value, len);
}

static void blk_check_zero(struct par_buf *p, uint64_t off, uint64_t len,
			   uint64_t block)
{
	size_t bad = buffer_check_zero(p->buf + off, len);

	if (bad != BUFFER_MATCH)
		record_bad(p, off + bad);
}

void par_fill_pattern(void *buf, uint64_t bytes, uint64_t seed)
{
	struct par_buf p = { buf, bytes, seed, 0, blk_pattern };

	par_run(&p);
}

uint64_t par_check_pattern(const void *buf, uint64_t bytes, uint64_t seed)
{
	struct par_buf p = { (void *)buf, bytes, seed, 0, blk_check_pattern };

	par_run(&p);
	return p.bad;
}

void par_fill(void *buf, uint64_t bytes, uint64_t pattern64)
{
	struct par_buf p = { buf, bytes, pattern64, 0, blk_fill };

	par_run(&p);
}

uint64_t par_check_zero(const void *buf, uint64_t bytes)
{
	struct par_buf p = { (void *)buf, bytes, 0, 0, blk_check_zero };

	par_run(&p);
	return p.bad;
}
