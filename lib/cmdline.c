/* Kernel command-line parser (see cmdline.h and docs/cmdline.md).
 * Every failure names the offending token and the valid choices. */
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"

const char *const cmdline_engines[] = {
	"serial", "static", "padata", "dynamic", "steal", NULL
};

static const char *const keys[] = {
	"run", "variants", "threads", "reps", "verify", "inject", "sizes",
	"engine", "quiet", "halt", NULL
};

struct parser {
	const struct cmdline_experiment *table;
	unsigned ntable;
	struct cmdline_opts *out;
	char *err;
	size_t errlen;
};

/* A view of part of the command line: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

static bool span_eq(struct span s, const char *lit)
{
	return strlen(lit) == s.n && !memcmp(s.p, lit, s.n);
}

/* Appends the NULL-terminated names to buf as " a b c". */
static void list_names(char *buf, size_t len, const char *const *names)
{
	size_t used = strlen(buf);

	for (; names && *names && used < len; names++)
		used += ksnprintf(buf + used, len - used, " %s", *names);
}

static int fail(struct parser *ps, struct span tok, const char *what,
		const char *const *valid, const char *extra)
{
	int n = ksnprintf(ps->err, ps->errlen, "cmdline: %.*s: %s", (int)MIN(tok.n, 64u),
			  tok.p, what);

	if (valid || extra) {
		if (n >= 0 && (size_t)n < ps->errlen)
			ksnprintf(ps->err + n, ps->errlen - n, " (valid:");
		list_names(ps->err, ps->errlen, valid);
		if (extra) {
			size_t u = strlen(ps->err);
			ksnprintf(ps->err + u, ps->errlen - u, " %s", extra);
		}
		n = strlen(ps->err);
		if ((size_t)n + 1 < ps->errlen)
			ksnprintf(ps->err + n, ps->errlen - n, ")");
	}
	return -1;
}

/* Splits the next comma-separated element off *list; false at the end. */
static bool next_elem(struct span *list, struct span *elem)
{
	size_t i = 0;

	if (!list->p)
		return false;
	while (i < list->n && list->p[i] != ',')
		i++;
	elem->p = list->p;
	elem->n = i;
	if (i < list->n) {
		list->p += i + 1;
		list->n -= i + 1;
	} else {
		list->p = NULL;
		list->n = 0;
	}
	return true;
}

static int find_name(const char *const *names, struct span s)
{
	for (int i = 0; names && names[i]; i++)
		if (span_eq(s, names[i]))
			return i;
	return -1;
}

/* Parses a decimal integer in [lo, hi]; false on anything else. */
static bool parse_uint(struct span s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t x = 0;

	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(s.p[i] - '0');
	}
	*v = x;
	return x >= lo && x <= hi;
}

static void all_experiment_names(const struct parser *ps, const char **names)
{
	unsigned i;

	for (i = 0; i < ps->ntable; i++)
		names[i] = ps->table[i].name;
	names[i++] = "all";
	names[i] = NULL;
}

static int parse_run(struct parser *ps, struct span tok, struct span val)
{
	const char *names[CMDLINE_MAX_EXPERIMENTS + 2];
	struct span e;

	all_experiment_names(ps, names);
	ps->out->run_mask = 0;
	ps->out->run_given = true;
	while (next_elem(&val, &e)) {
		int i = find_name(names, e);

		if (i < 0)
			return fail(ps, tok, "unknown experiment", names, NULL);
		if (i == (int)ps->ntable)
			ps->out->run_mask = ps->ntable >= 32 ? UINT32_MAX :
				(1u << ps->ntable) - 1;
		else
			ps->out->run_mask |= 1u << i;
	}
	return 0;
}

/* Finds e among the names of one list field of the table (variants or
 * injects); returns the table's own string so it outlives the cmdline. */
static const char *table_name(const struct parser *ps, struct span e, bool injects)
{
	for (unsigned i = 0; i < ps->ntable; i++) {
		const char *const *l = injects ? ps->table[i].injects : ps->table[i].variants;
		int k = find_name(l, e);

		if (k >= 0)
			return l[k];
	}
	return NULL;
}

static void table_names(const struct parser *ps, bool injects, const char **out,
			size_t cap)
{
	size_t n = 0;

	for (unsigned i = 0; i < ps->ntable; i++) {
		const char *const *l = injects ? ps->table[i].injects : ps->table[i].variants;

		for (; l && *l && n + 1 < cap; l++) {
			bool dup = false;

			for (size_t k = 0; k < n; k++)
				dup |= !strcmp(out[k], *l);
			if (!dup)
				out[n++] = *l;
		}
	}
	out[n] = NULL;
}

static int parse_names(struct parser *ps, struct span tok, struct span val,
		       bool injects)
{
	const char **dst = injects ? ps->out->injects : ps->out->variants;
	unsigned *n = injects ? &ps->out->ninjects : &ps->out->nvariants;
	unsigned cap = injects ? CMDLINE_MAX_INJECTS : CMDLINE_MAX_VARIANTS;
	const char *valid[64];
	struct span e;

	*n = 0;
	while (next_elem(&val, &e)) {
		const char *name = table_name(ps, e, injects);

		if (!name) {
			table_names(ps, injects, valid, ARRAY_SIZE(valid));
			return fail(ps, tok, injects ? "unknown fault" :
				    "unknown variant", valid, NULL);
		}
		if (*n >= cap)
			return fail(ps, tok, "too many names", NULL, NULL);
		dst[(*n)++] = name;
	}
	return 0;
}

static int parse_threads(struct parser *ps, struct span tok, struct span val)
{
	struct span e;
	uint64_t v;

	ps->out->nthreads = 0;
	while (next_elem(&val, &e)) {
		if (ps->out->nthreads >= CMDLINE_MAX_THREADS_LIST)
			return fail(ps, tok, "too many thread counts (at most 16)",
				    NULL, NULL);
		if (span_eq(e, "max"))
			v = CMDLINE_THREADS_MAX;
		else if (!parse_uint(e, 1, CMDLINE_THREADS_LIMIT, &v))
			return fail(ps, tok, "thread counts are integers 1..4096 or max",
				    NULL, NULL);
		ps->out->threads[ps->out->nthreads++] = (unsigned)v;
	}
	return 0;
}

/* Sizes with an optional K/M/G/T suffix (powers of 1024), 1 byte to 1 TiB. */
static int parse_sizes(struct parser *ps, struct span tok, struct span val)
{
	static const char suffix[] = "KMGT";
	struct span e;

	ps->out->nsizes = 0;
	while (next_elem(&val, &e)) {
		uint64_t v, mult = 1;
		const char *s = e.n ? strchr(suffix, e.p[e.n - 1]) : NULL;

		if (s && *s) {
			for (const char *q = suffix; q <= s; q++)
				mult *= KiB;
			e.n--;
		}
		if (ps->out->nsizes >= CMDLINE_MAX_SIZES)
			return fail(ps, tok, "too many sizes (at most 8)", NULL, NULL);
		if (!parse_uint(e, 1, TiB / mult, &v))
			return fail(ps, tok, "sizes are integers with an optional "
				    "K, M, G or T suffix, from 1 byte to 1T", NULL, NULL);
		ps->out->sizes[ps->out->nsizes++] = v * mult;
	}
	return 0;
}

static int parse_value(struct parser *ps, int key, struct span tok,
		       struct span val)
{
	static const char *const on_off[] = { "on", "off", NULL };
	uint64_t v;
	int i;

	switch (key) {
	case 0: return parse_run(ps, tok, val);
	case 1: return parse_names(ps, tok, val, false);
	case 2: return parse_threads(ps, tok, val);
	case 3:
		if (!parse_uint(val, 1, CMDLINE_REPS_LIMIT, &v))
			return fail(ps, tok, "must be an integer 1..1000", NULL, NULL);
		ps->out->reps = (unsigned)v;
		return 0;
	case 4:
		i = find_name(on_off, val);
		if (i < 0)
			return fail(ps, tok, "bad value", on_off, NULL);
		ps->out->verify = i == 0;
		return 0;
	case 5: return parse_names(ps, tok, val, true);
	case 6: return parse_sizes(ps, tok, val);
	case 7:
		i = find_name(cmdline_engines, val);
		if (i < 0)
			return fail(ps, tok, "unknown engine mode", cmdline_engines, NULL);
		ps->out->engine = i;
		return 0;
	}
	return -1;
}

static bool has_empty_elem(struct span val)
{
	struct span e;

	if (!val.n)
		return true;
	while (next_elem(&val, &e))
		if (!e.n)
			return true;
	return false;
}

static int parse_token(struct parser *ps, struct span tok)
{
	struct span k = tok, val = { NULL, 0 };
	const char *eq = memchr(tok.p, '=', tok.n);
	int key;

	if (tok.n > CMDLINE_MAX_TOKEN)
		return fail(ps, tok, "token too long", NULL, NULL);
	if (eq) {
		k.n = eq - tok.p;
		val.p = eq + 1;
		val.n = tok.n - k.n - 1;
	}
	key = find_name(keys, k);
	if (key < 0)
		return fail(ps, k, "unknown key", keys, NULL);
	if (key >= 8) {   /* flags */
		if (eq)
			return fail(ps, tok, "is a flag and takes no value", NULL, NULL);
		if (key == 8)
			ps->out->quiet = true;
		else
			ps->out->halt = true;
		return 0;
	}
	if (!eq || has_empty_elem(val))
		return fail(ps, tok, "needs a value without empty list elements",
			    NULL, NULL);
	return parse_value(ps, key, tok, val);
}

static bool in_list(const char *const *l, const char *name)
{
	for (; l && *l; l++)
		if (!strcmp(*l, name))
			return true;
	return false;
}

/* With run= given, each variant must belong to a chosen experiment. */
static int check_variants(struct parser *ps)
{
	for (unsigned v = 0; v < ps->out->nvariants && ps->out->run_given; v++) {
		bool found = false;
		struct span tok = { ps->out->variants[v], strlen(ps->out->variants[v]) };

		for (unsigned i = 0; i < ps->ntable; i++)
			if ((ps->out->run_mask >> i) & 1)
				found |= in_list(ps->table[i].variants, tok.p);
		if (!found)
			return fail(ps, tok, "not a variant of the experiments in run=",
				    NULL, NULL);
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmdline_parse(const char *cmdline, const struct cmdline_experiment *table,
		  unsigned ntable, struct cmdline_opts *out, char *err,
		  size_t errlen)
{
	struct parser ps = { table, ntable, out, err, errlen };
	size_t len = cmdline ? strnlen(cmdline, CMDLINE_MAX_LEN) : 0;

	memset(out, 0, sizeof(*out));
	out->reps = 1;
	out->verify = true;
	out->engine = -1;
	if (errlen)
		err[0] = 0;
	if (ntable > CMDLINE_MAX_EXPERIMENTS) {
		ksnprintf(err, errlen, "cmdline: too many experiments in the table");
		return -1;
	}
	if (len == CMDLINE_MAX_LEN) {
		ksnprintf(err, errlen, "cmdline: longer than %u bytes", CMDLINE_MAX_LEN - 1);
		return -1;
	}
	for (size_t i = 0; i < len;) {
		struct span tok;

		while (i < len && is_space(cmdline[i]))
			i++;
		if (i == len)
			break;
		tok.p = cmdline + i;
		while (i < len && !is_space(cmdline[i]))
			i++;
		tok.n = cmdline + i - tok.p;
		if (parse_token(&ps, tok))
			return -1;
	}
	return check_variants(&ps);
}
