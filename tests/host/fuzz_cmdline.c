/* libFuzzer target for lib/cmdline.c: arbitrary bytes as the command line,
 * parsed against a fixed table shaped like the kernel's registry.
 *
 * Failure must leave a NUL-terminated one-line "cmdline: ..." message (also
 * in a buffer of exactly 1..40 bytes, so ASan sees any overflow) and the
 * defaults in the options. Success must leave sane fields (names pointing
 * into the table, counts and values in range), and the canonical form from
 * cmdline_format() must parse back to the same options.
 * cmdline_fuzz_check() returns NULL or what went wrong, so the host unit
 * test replays random token soups through it as well.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cmdline.h"

#define LINE_MAX_FUZZ (CMDLINE_MAX_LEN + 16)
#define FORMAT_MAX    4096

const char *cmdline_fuzz_check(const char *line);
extern const struct cmdline_experiment cmdline_fuzz_table[];
extern const unsigned cmdline_fuzz_ntable;

static const char *const smp_v[] = { "serial", "static", "padata", "dynamic",
				     "steal", NULL };
static const char *const smp_i[] = { "smp-noap", NULL };
static const char *const memmap_v[] = { "serial", "padata", "node", "fast",
					"bound", NULL };
static const char *const memmap_i[] = { "memmap-skip", "buddy-double",
					"buddy-leak", NULL };
static const char *const copy_v[] = { "per4k", "bulk", "mt", "mt-concurrent",
				      "mt-busy", NULL };
static const char *const copy_i[] = { "copy-flip", "copy-short", NULL };
static const char *const zero_v[] = { "serial", "mt", "serial-nt", "mt-nt",
				      NULL };
static const char *const fault_v[] = { "pf", "ud", "overflow", "nx", "panic",
				       NULL };

const struct cmdline_experiment cmdline_fuzz_table[] = {
	{ "smp", smp_v, smp_i },
	{ "memmap", memmap_v, memmap_i },
	{ "copy", copy_v, copy_i },
	{ "zero", zero_v, NULL },
	{ "fault", fault_v, NULL },
};
const unsigned cmdline_fuzz_ntable = 5;

static char why[256];

#define FAIL(...) do { snprintf(why, sizeof(why), __VA_ARGS__); return why; } while (0)

static bool is_table_name(const char *p, bool injects)
{
	for (unsigned i = 0; i < cmdline_fuzz_ntable; i++) {
		const struct cmdline_experiment *e = &cmdline_fuzz_table[i];

		for (const char *const *l = injects ? e->injects : e->variants;
		     l && *l; l++)
			if (*l == p)
				return true;
	}
	return false;
}

static bool is_defaults(const struct cmdline_opts *o)
{
	return !o->run_mask && !o->run_given && !o->nvariants && !o->nthreads &&
	       o->reps == 1 && o->verify && !o->quiet && !o->halt &&
	       !o->ninjects && !o->nsizes && o->engine == -1;
}

static bool same_opts(const struct cmdline_opts *a, const struct cmdline_opts *b)
{
	return a->run_mask == b->run_mask && a->run_given == b->run_given &&
	       a->nvariants == b->nvariants &&
	       !memcmp(a->variants, b->variants, a->nvariants * sizeof(a->variants[0])) &&
	       a->nthreads == b->nthreads &&
	       !memcmp(a->threads, b->threads, a->nthreads * sizeof(a->threads[0])) &&
	       a->reps == b->reps && a->verify == b->verify &&
	       a->quiet == b->quiet && a->halt == b->halt &&
	       a->ninjects == b->ninjects &&
	       !memcmp(a->injects, b->injects, a->ninjects * sizeof(a->injects[0])) &&
	       a->nsizes == b->nsizes &&
	       !memcmp(a->sizes, b->sizes, a->nsizes * sizeof(a->sizes[0])) &&
	       a->engine == b->engine;
}

static const char *check_fields(const struct cmdline_opts *o)
{
	if (o->run_mask >> cmdline_fuzz_ntable)
		FAIL("run_mask %#x names no experiment", o->run_mask);
	if (o->run_given != (o->run_mask != 0))
		FAIL("run_given %d with run_mask %#x", o->run_given, o->run_mask);
	if (o->nvariants > CMDLINE_MAX_VARIANTS || o->ninjects > CMDLINE_MAX_INJECTS)
		FAIL("name counts out of range");
	for (unsigned i = 0; i < o->nvariants; i++) {
		if (!is_table_name(o->variants[i], false))
			FAIL("variant %u not a table string", i);
		for (unsigned k = 0; k < i; k++)
			if (o->variants[k] == o->variants[i])
				FAIL("variant '%s' twice", o->variants[i]);
	}
	for (unsigned i = 0; i < o->ninjects; i++)
		if (!is_table_name(o->injects[i], true))
			FAIL("fault %u not a table string", i);
	if (o->nthreads > CMDLINE_MAX_THREADS_LIST)
		FAIL("nthreads %u", o->nthreads);
	for (unsigned i = 0; i < o->nthreads; i++)
		if (o->threads[i] > CMDLINE_THREADS_LIMIT)
			FAIL("threads[%u] = %u", i, o->threads[i]);
	if (o->reps < 1 || o->reps > CMDLINE_REPS_LIMIT)
		FAIL("reps %u", o->reps);
	if (o->nsizes > CMDLINE_MAX_SIZES)
		FAIL("nsizes %u", o->nsizes);
	for (unsigned i = 0; i < o->nsizes; i++)
		if (o->sizes[i] < 1 || o->sizes[i] > (1ull << 40))
			FAIL("sizes[%u] = %llu", i, (unsigned long long)o->sizes[i]);
	if (o->engine < -1 || o->engine > 4)
		FAIL("engine %d", o->engine);
	return NULL;
}

/* The error message, again, in buffers of exactly n bytes. */
static const char *check_small_buffers(const char *line, const char *full)
{
	struct cmdline_opts o;

	for (size_t n = 1; n <= 40; n += 13) {
		char *e = malloc(n);

		if (cmdline_parse(line, cmdline_fuzz_table, cmdline_fuzz_ntable,
				  &o, e, n) != -1 || strlen(e) >= n ||
		    strncmp(e, full, n - 1)) {
			free(e);
			FAIL("error in a %zu-byte buffer differs", n);
		}
		free(e);
	}
	return NULL;
}

const char *cmdline_fuzz_check(const char *line)
{
	struct cmdline_opts o, again;
	char err[CMDLINE_ERR_LEN], err2[CMDLINE_ERR_LEN];
	static char canon[FORMAT_MAX];
	const char *w;
	int n;

	if (cmdline_parse(line, cmdline_fuzz_table, cmdline_fuzz_ntable, &o, err,
			  sizeof(err))) {
		if (strncmp(err, "cmdline: ", 9) || strlen(err) < 12 ||
		    strchr(err, '\n'))
			FAIL("bad error message \"%.160s\"", err);
		if (!is_defaults(&o))
			FAIL("options not reset after \"%.160s\"", err);
		return check_small_buffers(line, err);
	}
	if ((w = check_fields(&o)))
		return w;
	n = cmdline_format(&o, cmdline_fuzz_table, cmdline_fuzz_ntable, canon,
			   sizeof(canon));
	if (n < 0 || (size_t)n != strlen(canon))
		FAIL("format returned %d", n);
	if (cmdline_parse(canon, cmdline_fuzz_table, cmdline_fuzz_ntable, &again,
			  err2, sizeof(err2)))
		FAIL("canonical \"%.100s\" does not parse: %.100s", canon, err2);
	if (!same_opts(&o, &again))
		FAIL("canonical \"%.160s\" parses to different options", canon);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[LINE_MAX_FUZZ + 1];
	const char *w;

	size = size < LINE_MAX_FUZZ ? size : LINE_MAX_FUZZ;
	memcpy(line, data, size);
	line[size] = 0;
	if ((w = cmdline_fuzz_check(line))) {
		fprintf(stderr, "cmdline fuzz: %s\n", w);
		__builtin_trap();
	}
	return 0;
}
