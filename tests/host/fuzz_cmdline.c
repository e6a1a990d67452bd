/* libFuzzer target for lib/cmdline.c: arbitrary bytes as the command line,
 * parsed against a fixture table shaped like a registry (its names read
 * like the kernel's, but it is no copy of it: nothing here learns what the
 * kernel has; tools/qemu-tests does that through run=list). Two of its
 * experiments share one sizes= and one kernel= definition. Then
 * against that table plus a probe experiment whose keys cover the
 * types the registry does not use (a choice list, a flag, a number with a
 * word), so every kind of experiment key is fuzzed.
 *
 * Failure must leave a NUL-terminated one-line "cmdline: ..." message (also
 * in a buffer of exactly 1..40 bytes, so ASan sees any overflow) and the
 * defaults in the options. Success must leave sane values, and the
 * canonical form from cmdline_format() must parse back to the same options.
 * The checks know no key by name: they walk opts.keys and judge each value
 * by its definition and against the defaults (the parse of ""), so a new
 * key is checked without touching this file.
 * cmdline_fuzz_check() returns NULL or what went wrong, so the host unit
 * test replays random token soups through it as well.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cmdline.h"
#include "lib/cmdline_scan.h"

#define LINE_MAX_FUZZ (CMDLINE_MAX_LEN + 16)
#define FORMAT_MAX    4096

const char *cmdline_fuzz_check(const char *line);
extern const struct cmdline_experiment cmdline_fuzz_table[];
extern const unsigned cmdline_fuzz_ntable;

static const char *const smp_v[] = { "serial", "static", "padata", "dynamic",
				     "steal", "barrier", "locks", NULL };
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
static const char *const zero_i[] = { "zero-skip", NULL };
static const char *const crash_v[] = { "pf", "ud", "overflow", "nx", "panic",
				       NULL };

/* One value per key name (lib/cmdline.h): copy's kernels and zero's fill
 * kernels are one choice list, and each experiment rejects the names it
 * lacks when it runs, as experiments/params.c does. */
static const char *const kernels[] = { "movsb", "movsq", "stosb", "stosd",
				       "stosq", "gpr", "sse2", "avx2", "nt",
				       "nt-avx2", NULL };

static const struct cmdline_param sizes = {
	.name = "sizes", .type = CMDLINE_SIZE, .max_items = 8,
	.lo = 4096, .hi = 1ull << 40, .align = 4096, .dflt = "2M,1G",
	.help = "bytes per measurement",
};
static const struct cmdline_param kernel = {
	.name = "kernel", .type = CMDLINE_CHOICE, .max_items = 1,
	.choices = kernels, .help = "copy or fill kernel",
};
static const struct cmdline_param *const copy_p[] = { &sizes, &kernel, NULL };
static const struct cmdline_param *const zero_p[] = { &kernel, &sizes, NULL };

#define MIRROR							\
	{ "smp", smp_v, smp_i, NULL, true, false },			\
	{ "memmap", memmap_v, memmap_i, NULL, true, false },		\
	{ "copy", copy_v, copy_i, copy_p, false, false },		\
	{ "zero", zero_v, zero_i, zero_p, false, false },		\
	{ "crash", crash_v, NULL, NULL, false, true }

const struct cmdline_experiment cmdline_fuzz_table[] = { MIRROR };
const unsigned cmdline_fuzz_ntable = ARRAY_SIZE(cmdline_fuzz_table);

static const char *const modes_c[] = { "a", "b", "c", "d", NULL };
static const struct cmdline_param probe_modes = {
	.name = "modes", .type = CMDLINE_CHOICE, .max_items = 3,
	.choices = modes_c, .dflt = "b,a", .help = "a choice list",
};
static const struct cmdline_param probe_fast = {
	.name = "fast", .type = CMDLINE_FLAG, .help = "a flag",
};
static const struct cmdline_param probe_depth = {
	.name = "depth", .type = CMDLINE_UINT, .max_items = 2, .lo = 0,
	.hi = 64, .word = "auto", .dflt = "auto", .help = "a number or auto",
};
static const struct cmdline_param *const probe_p[] = {
	&probe_modes, &probe_fast, &probe_depth, &sizes, NULL
};
static const struct cmdline_experiment wide_table[] = {
	MIRROR, { "probe", NULL, NULL, probe_p, true, false },
};

static char why[256];

#define FAIL(...) do { snprintf(why, sizeof(why), __VA_ARGS__); return why; } while (0)

struct table {
	const struct cmdline_experiment *e;
	unsigned n;
};

static bool is_table_name(const struct table *t, const char *p, bool injects)
{
	for (unsigned i = 0; i < t->n; i++)
		for (const char *const *l = injects ? t->e[i].injects
						    : t->e[i].variants;
		     l && *l; l++)
			if (*l == p)
				return true;
	return false;
}

static uint32_t owners(const struct table *t, const struct cmdline_param *def)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < t->n; i++)
		for (const struct cmdline_param *const *p = t->e[i].params;
		     p && *p; p++)
			mask |= (uint32_t)(*p == def) << i;
	return mask;
}

static const char *check_names(const struct table *t, const char *const *names,
			       unsigned n, unsigned cap, bool injects)
{
	if (n > cap)
		FAIL("%u names", n);
	for (unsigned i = 0; i < n; i++) {
		if (!is_table_name(t, names[i], injects))
			FAIL("name %u not a table string", i);
		for (unsigned k = 0; k < i; k++)
			if (names[k] == names[i])
				FAIL("name '%s' twice", names[i]);
	}
	return NULL;
}

static const char *check_run(const struct table *t, const struct cmdline_opts *o,
			     const struct cmdline_opts *d)
{
	uint32_t dflt = 0;

	for (unsigned i = 0; i < t->n; i++)
		dflt |= (uint32_t)t->e[i].in_default << i;
	if (d->run_mask != dflt || d->run_given || d->list)
		FAIL("default run_mask %#x, want %#x", d->run_mask, dflt);
	if (o->run_mask >> t->n)
		FAIL("run_mask %#x names no experiment", o->run_mask);
	if (!o->run_given && (o->list || o->run_mask != dflt))
		FAIL("run= absent but run_mask %#x list %d", o->run_mask, o->list);
	if (o->list && o->run_mask)
		FAIL("run=list with run_mask %#x", o->run_mask);
	if (o->list && !o->run_given)
		FAIL("list without run_given");
	return NULL;
}

static bool item_ok(const struct cmdline_param *p, uint64_t v)
{
	unsigned nchoices = 0;

	switch (p->type) {
	case CMDLINE_UINT:
		return (!v && p->word) || (v >= p->lo && v <= p->hi);
	case CMDLINE_SIZE:
		return v >= p->lo && v <= p->hi && (p->align < 2 || !(v % p->align));
	case CMDLINE_CHOICE:
		while (p->choices[nchoices])
			nchoices++;
		return v < nchoices;
	case CMDLINE_FLAG:
		return v == 1;
	default:
		return false;
	}
}

static bool same_items(const struct cmdline_value *a,
		       const struct cmdline_value *b)
{
	return a->n == b->n && !memcmp(a->v, b->v, a->n * sizeof(a->v[0]));
}

/* Field by field, independently of cmdline_opts_equal (checked too). */
static bool same_opts(const struct cmdline_opts *a, const struct cmdline_opts *b)
{
	if (a->run_mask != b->run_mask || a->run_given != b->run_given ||
	    a->list != b->list || a->nvariants != b->nvariants ||
	    a->ninjects != b->ninjects || a->nkeys != b->nkeys ||
	    memcmp(a->variants, b->variants, a->nvariants * sizeof(a->variants[0])) ||
	    memcmp(a->injects, b->injects, a->ninjects * sizeof(a->injects[0])))
		return false;
	for (unsigned k = 0; k < a->nkeys; k++) {
		const struct cmdline_value *x = &a->keys[k], *y = &b->keys[k];

		if (x->def != y->def || x->given != y->given ||
		    x->set != y->set || !same_items(x, y))
			return false;
	}
	return cmdline_opts_equal(a, b);
}

/* given/set/n for run=, variants=, inject=, whose values live outside
 * keys[]. */
static const char *check_global_names(const struct cmdline_opts *o,
				      const struct cmdline_value *kv)
{
	bool given = kv->def->type == CMDLINE_RUN ? o->run_given :
		     kv->def->type == CMDLINE_VARIANTS ? o->nvariants > 0 :
		     o->ninjects > 0;

	if (kv->n || kv->given != given || kv->set != given)
		FAIL("%s: n %u given %d set %d", kv->def->name, kv->n,
		     kv->given, kv->set);
	return NULL;
}

/* One key's value, judged by its definition and its default d. */
static const char *check_value(const struct cmdline_value *kv,
			       const struct cmdline_value *d)
{
	const struct cmdline_param *p = kv->def;

	if (kv->n > (p->type == CMDLINE_FLAG ? 1 : p->max_items) ||
	    kv->n > CMDLINE_MAX_ITEMS)
		FAIL("%s: %u items", p->name, kv->n);
	for (unsigned i = 0; i < kv->n; i++) {
		if (!item_ok(p, kv->v[i]))
			FAIL("%s: item %u = %llu", p->name, i,
			     (unsigned long long)kv->v[i]);
		for (unsigned k = 0; p->type == CMDLINE_CHOICE && k < i; k++)
			if (kv->v[k] == kv->v[i])
				FAIL("%s: choice %llu twice", p->name,
				     (unsigned long long)kv->v[i]);
	}
	if (kv->set != (kv->given || kv->n > 0))
		FAIL("%s: set %d given %d n %u", p->name, kv->set, kv->given, kv->n);
	if (d->given || (p->dflt != NULL) != (d->n > 0))
		FAIL("%s: default given %d n %u", p->name, d->given, d->n);
	if (kv->given ? !kv->n || same_items(kv, d) : !same_items(kv, d))
		FAIL("%s: given %d but the value %s the default", p->name,
		     kv->given, kv->given ? "is" : "is not");
	return NULL;
}

static const char *check_accessors(const struct cmdline_opts *o,
				   const struct cmdline_value *kv)
{
	const struct cmdline_param *p = kv->def;
	const char *c = cmdline_choice(o, p->name);

	if (cmdline_get(o, p->name) != kv)
		FAIL("cmdline_get(%s) is not its key", p->name);
	if (cmdline_u64(o, p->name, 12345) != (kv->n ? kv->v[0] : 12345))
		FAIL("cmdline_u64(%s)", p->name);
	if (p->type == CMDLINE_CHOICE ? c != (kv->n ? p->choices[kv->v[0]] : NULL)
				      : c != NULL)
		FAIL("cmdline_choice(%s)", p->name);
	if (cmdline_flag(o, p->name) != (kv->n && kv->v[0]))
		FAIL("cmdline_flag(%s)", p->name);
	return NULL;
}

/* Every key, in the order the defaults (and so the table) fix. */
static const char *check_keys(const struct table *t, const struct cmdline_opts *o,
			      const struct cmdline_opts *d)
{
	const char *w;

	if (o->nkeys != d->nkeys || !o->nkeys || o->nkeys > CMDLINE_MAX_KEYS)
		FAIL("nkeys %u, defaults %u", o->nkeys, d->nkeys);
	for (unsigned k = 0; k < o->nkeys; k++) {
		const struct cmdline_value *kv = &o->keys[k];
		bool names = kv->def->type >= CMDLINE_RUN;

		if (kv->def != d->keys[k].def)
			FAIL("key %u is %s, defaults have %s", k, kv->def->name,
			     d->keys[k].def->name);
		if ((w = names ? check_global_names(o, kv)
			       : check_value(kv, &d->keys[k])) ||
		    (w = check_accessors(o, kv)))
			return w;
		if (kv->given && owners(t, kv->def) &&
		    !(owners(t, kv->def) & o->run_mask))
			FAIL("%s given, but no experiment in run_mask takes it",
			     kv->def->name);
	}
	return NULL;
}

static const char *check_fields(const struct table *t,
				const struct cmdline_opts *o,
				const struct cmdline_opts *d)
{
	const char *w;

	if ((w = check_run(t, o, d)) ||
	    (w = check_names(t, o->variants, o->nvariants,
			     CMDLINE_MAX_VARIANTS, false)) ||
	    (w = check_names(t, o->injects, o->ninjects,
			     CMDLINE_MAX_INJECTS, true)))
		return w;
	return check_keys(t, o, d);
}

/* The error message, again, in buffers of exactly n bytes. */
static const char *check_small_buffers(const struct table *t, const char *line,
				       const char *full)
{
	struct cmdline_opts o;

	for (size_t n = 1; n <= 40; n += 13) {
		char *e = malloc(n);
		bool bad = cmdline_parse(line, t->e, t->n, &o, e, n) != -1 ||
			   strlen(e) >= n || strncmp(e, full, n - 1);

		free(e);
		if (bad)
			FAIL("error in a %zu-byte buffer differs", n);
	}
	return NULL;
}

/* The canonical form: parses back to o, formats to itself, and a buffer
 * one byte short gets -1 and a NUL-terminated prefix. */
static const char *check_canonical(const struct table *t,
				   const struct cmdline_opts *o)
{
	static char canon[FORMAT_MAX], again_s[FORMAT_MAX];
	static struct cmdline_opts again;
	char err[CMDLINE_ERR_LEN];
	int n = cmdline_format(o, t->e, t->n, canon, sizeof(canon));

	if (n < 0 || (size_t)n != strlen(canon))
		FAIL("format returned %d", n);
	if (cmdline_parse(canon, t->e, t->n, &again, err, sizeof(err)))
		FAIL("canonical \"%.100s\" does not parse: %.100s", canon, err);
	if (!same_opts(o, &again))
		FAIL("canonical \"%.160s\" parses to different options", canon);
	if (cmdline_format(&again, t->e, t->n, again_s, sizeof(again_s)) != n ||
	    strcmp(canon, again_s))
		FAIL("canonical \"%.100s\" formats as \"%.100s\"", canon, again_s);
	if (n && (cmdline_format(o, t->e, t->n, again_s, (size_t)n) != -1 ||
		  strlen(again_s) != (size_t)n - 1 ||
		  strncmp(again_s, canon, (size_t)n - 1)))
		FAIL("canonical \"%.100s\" in %d bytes: \"%.100s\"", canon, n,
		     again_s);
	return NULL;
}

/* Boot reads halt, quiet, reboot, console=, exit= and inject= itself
 * (lib/cmdline_scan.h) before the runner parses the line: on every line the
 * parser accepts, the scan must see the same flags, choices and faults. */
static const struct cmdline_param *find_global(const char *name)
{
	for (const struct cmdline_param *p = cmdline_globals; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	abort();   /* a key this fuzzer names is gone from the table */
}

static const char *check_scan(const struct table *t, const char *line,
			      const struct cmdline_opts *o)
{
	static const char *const flags[] = { "quiet", "halt", "reboot" };
	static const char *const choices[] = { "console", "exit" };

	for (unsigned i = 0; i < ARRAY_SIZE(flags); i++)
		if (cmdline_scan_has(line, flags[i], NULL) !=
		    cmdline_flag(o, flags[i]))
			FAIL("scan and parse disagree on %s", flags[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(choices); i++) {
		const char *parsed = cmdline_choice(o, choices[i]);
		const char *scanned = NULL;
		const struct cmdline_param *p = find_global(choices[i]);

		for (const char *const *c = p->choices; *c; c++)
			if (cmdline_scan_has(line, choices[i], *c))
				scanned = *c;
		/* Boot falls back to the default when nothing is scanned. */
		if (strcmp(scanned ? scanned : p->dflt, parsed))
			FAIL("scan and parse disagree on %s", choices[i]);
	}
	for (unsigned e = 0; e < t->n; e++)
		for (const char *const *f = t->e[e].injects; f && *f; f++) {
			bool parsed = false;

			for (unsigned k = 0; k < o->ninjects; k++)
				parsed |= !strcmp(o->injects[k], *f);
			if (cmdline_scan_has(line, "inject", *f) != parsed)
				FAIL("scan and parse disagree on inject=%s", *f);
		}
	return NULL;
}

static const char *check_table(const struct table *t, const char *line)
{
	static struct cmdline_opts o, d;
	char err[CMDLINE_ERR_LEN];
	const char *w;

	if (cmdline_parse("", t->e, t->n, &d, err, sizeof(err)))
		FAIL("the table is rejected: %.160s", err);
	if (cmdline_parse(line, t->e, t->n, &o, err, sizeof(err))) {
		if (strncmp(err, "cmdline: ", 9) || strlen(err) < 12 ||
		    strchr(err, '\n'))
			FAIL("bad error message \"%.160s\"", err);
		if (!same_opts(&o, &d))
			FAIL("options not reset after \"%.160s\"", err);
		return check_small_buffers(t, line, err);
	}
	if ((w = check_fields(t, &o, &d)) || (w = check_fields(t, &d, &d)) ||
	    (w = check_scan(t, line, &o)))
		return w;
	return check_canonical(t, &o);
}

const char *cmdline_fuzz_check(const char *line)
{
	static const struct table mirror = {
		cmdline_fuzz_table, ARRAY_SIZE(cmdline_fuzz_table)
	};
	static const struct table wide = { wide_table, ARRAY_SIZE(wide_table) };
	const char *w = check_table(&mirror, line);

	return w ? w : check_table(&wide, line);
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
