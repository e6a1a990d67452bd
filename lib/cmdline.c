/* Kernel command-line parser and formatter (see cmdline.h and
 * docs/cmdline.md).
 *
 * The line is checked as a whole first (length, printable ASCII), then cut
 * into whitespace-separated tokens, each split at its first '=' into key and
 * value; list values are cut at commas. Nothing is copied: spans point into
 * the caller's string, names stored in the options point into the table.
 * Every failure writes one line naming the offending token (and item) and,
 * where there is a closed set, the valid choices.
 */
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"

#define TOKEN_SHOWN 64  /* bytes of a bad token quoted in a message */

const char *const cmdline_engines[] = {
	"serial", "static", "padata", "dynamic", "steal", NULL
};

const char *const cmdline_kernels[] = {
	"movsb", "movsq", "stosb", "stosd", "stosq", "gpr", "sse2", "avx2",
	"nt", "nt-avx2", NULL
};

enum key { K_RUN, K_VARIANTS, K_THREADS, K_REPS, K_VERIFY, K_INJECT, K_SIZES,
	   K_ENGINE, K_KERNEL, K_QUIET, K_HALT, NR_KEYS };
#define FIRST_FLAG K_QUIET

static const char *const keys[NR_KEYS + 1] = {
	"run", "variants", "threads", "reps", "verify", "inject", "sizes",
	"engine", "kernel", "quiet", "halt", NULL
};

/* What each valued key expects, quoted when the value is missing. */
static const char *const usage[FIRST_FLAG] = {
	"run=<exp>[,<exp>...]|all", "variants=<v>[,<v>...]",
	"threads=<n|max>[,...]", "reps=<n>", "verify=on|off",
	"inject=<fault>[,...]", "sizes=<n[K|M|G|T]>[,...]",
	"engine=serial|static|padata|dynamic|steal",
	"kernel=<copy or fill kernel>",
};

static const char *const on_off[] = { "on", "off", NULL };

/* A view of part of the command line: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct parser {
	const struct cmdline_experiment *table;
	unsigned ntable;
	struct cmdline_opts *out;
	char *err;
	size_t errlen;
	size_t used;            /* bytes of err written so far */
	struct span variants_tok; /* the last variants= token, for messages */
};

/* --- error messages --- */

static void __printf(2, 3) emit(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->used + 1 >= ps->errlen)
		return;
	va_start(ap, fmt);
	n = kvsnprintf(ps->err + ps->used, ps->errlen - ps->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		ps->used = MIN(ps->used + (size_t)n, ps->errlen - 1);
}

/* "cmdline: <token>: " with long tokens cut short. */
static void emit_token(struct parser *ps, struct span tok)
{
	emit(ps, "cmdline: %.*s%s: ", (int)MIN(tok.n, (size_t)TOKEN_SHOWN),
	     tok.p, tok.n > TOKEN_SHOWN ? "..." : "");
}

/* " (valid: a b c)" from a NULL-terminated list (may be NULL). */
static void emit_valid(struct parser *ps, const char *const *names,
		       const char *extra)
{
	emit(ps, " (valid:");
	for (; names && *names; names++)
		emit(ps, " %s", *names);
	if (extra)
		emit(ps, " %s", extra);
	emit(ps, ")");
}

static bool in_list(const char *const *l, const char *name)
{
	for (; l && *l; l++)
		if (!strcmp(*l, name))
			return true;
	return false;
}

static const char *const *choices(const struct cmdline_experiment *e,
				  bool injects)
{
	return injects ? e->injects : e->variants;
}

/* Has an experiment before `upto` (and in `mask`) already listed name? */
static bool listed_before(const struct parser *ps, unsigned upto,
			  uint32_t mask, bool injects, const char *name)
{
	for (unsigned i = 0; i < upto; i++)
		if ((mask >> i) & 1 && in_list(choices(&ps->table[i], injects), name))
			return true;
	return false;
}

/* " (valid: ...)" listing, once each, the variants (or faults) of the
 * experiments in mask. */
static void emit_valid_choices(struct parser *ps, uint32_t mask, bool injects)
{
	emit(ps, " (valid:");
	for (unsigned i = 0; i < ps->ntable; i++) {
		const char *const *l = choices(&ps->table[i], injects);

		for (; (mask >> i) & 1 && l && *l; l++)
			if (!listed_before(ps, i, mask, injects, *l))
				emit(ps, " %s", *l);
	}
	emit(ps, ")");
}

static void emit_experiments(struct parser *ps)
{
	emit(ps, " (valid:");
	for (unsigned i = 0; i < ps->ntable; i++)
		emit(ps, " %s", ps->table[i].name);
	emit(ps, " all)");
}

/* --- spans, lists, numbers --- */

static bool span_eq(struct span s, const char *lit)
{
	return strlen(lit) == s.n && !memcmp(s.p, lit, s.n);
}

static int find_name(const char *const *names, struct span s)
{
	for (int i = 0; names && names[i]; i++)
		if (span_eq(s, names[i]))
			return i;
	return -1;
}

/* Splits the next comma-separated element off *list; false at the end.
 * An empty list yields one empty element. */
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

static bool has_empty_elem(struct span val)
{
	struct span e;

	while (next_elem(&val, &e))
		if (!e.n)
			return true;
	return false;
}

/* A decimal integer in [lo, hi]: digits only, no sign, no overflow. */
static bool parse_uint(struct span s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	uint64_t x = 0;

	if (!s.n)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return x >= lo && x <= hi;
}

/* --- the keys --- */

static int parse_run(struct parser *ps, struct span tok, struct span val)
{
	uint32_t all = ps->ntable >= 32 ? UINT32_MAX : (1u << ps->ntable) - 1;
	struct span e;

	ps->out->run_mask = 0;
	ps->out->run_given = true;
	while (next_elem(&val, &e)) {
		int i = -1;

		for (unsigned k = 0; k < ps->ntable && i < 0; k++)
			if (span_eq(e, ps->table[k].name))
				i = (int)k;
		if (i >= 0) {
			ps->out->run_mask |= 1u << i;
		} else if (span_eq(e, "all")) {
			ps->out->run_mask = all;
		} else {
			emit_token(ps, tok);
			emit(ps, "unknown experiment '%.*s'", (int)e.n, e.p);
			emit_experiments(ps);
			return -1;
		}
	}
	return 0;
}

/* The table's own copy of a variant (or fault) name, so that the options
 * outlive the command line; NULL if no experiment has it. */
static const char *table_name(const struct parser *ps, struct span e,
			      bool injects)
{
	for (unsigned i = 0; i < ps->ntable; i++) {
		const char *const *l = choices(&ps->table[i], injects);
		int k = find_name(l, e);

		if (k >= 0)
			return l[k];
	}
	return NULL;
}

/* variants= and inject=: names from the table, duplicates dropped. */
static int parse_names(struct parser *ps, struct span tok, struct span val,
		       bool injects)
{
	const char **dst = injects ? ps->out->injects : ps->out->variants;
	unsigned *n = injects ? &ps->out->ninjects : &ps->out->nvariants;
	unsigned cap = injects ? CMDLINE_MAX_INJECTS : CMDLINE_MAX_VARIANTS;
	struct span e;

	*n = 0;
	if (!injects)
		ps->variants_tok = tok;
	while (next_elem(&val, &e)) {
		const char *name = table_name(ps, e, injects);
		bool dup = false;

		if (!name) {
			emit_token(ps, tok);
			emit(ps, "unknown %s '%.*s'", injects ? "fault" : "variant",
			     (int)e.n, e.p);
			emit_valid_choices(ps, UINT32_MAX, injects);
			return -1;
		}
		for (unsigned k = 0; k < *n; k++)
			dup |= dst[k] == name;
		if (dup)
			continue;
		if (*n >= cap) {
			emit_token(ps, tok);
			emit(ps, "more than %u names", cap);
			return -1;
		}
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
		if (ps->out->nthreads >= CMDLINE_MAX_THREADS_LIST) {
			emit_token(ps, tok);
			emit(ps, "more than %u thread counts",
			     CMDLINE_MAX_THREADS_LIST);
			return -1;
		}
		if (span_eq(e, "max")) {
			v = CMDLINE_THREADS_MAX;
		} else if (!parse_uint(e, 1, CMDLINE_THREADS_LIMIT, &v)) {
			emit_token(ps, tok);
			emit(ps, "'%.*s': thread counts are integers 1..%u or max",
			     (int)e.n, e.p, CMDLINE_THREADS_LIMIT);
			return -1;
		}
		ps->out->threads[ps->out->nthreads++] = (unsigned)v;
	}
	return 0;
}

/* Sizes with an optional K/M/G/T suffix (powers of 1024), 1 byte to 1 TiB. */
static int parse_sizes(struct parser *ps, struct span tok, struct span val)
{
	static const char suffixes[] = "KMGT";
	struct span e;

	ps->out->nsizes = 0;
	while (next_elem(&val, &e)) {
		struct span digits = e;
		uint64_t v, mult = 1;
		const char *s = memchr(suffixes, e.p[e.n - 1], sizeof(suffixes) - 1);

		if (ps->out->nsizes >= CMDLINE_MAX_SIZES) {
			emit_token(ps, tok);
			emit(ps, "more than %u sizes", CMDLINE_MAX_SIZES);
			return -1;
		}
		if (s) {
			for (const char *q = suffixes; q <= s; q++)
				mult *= KiB;
			digits.n--;
		}
		if (!parse_uint(digits, 1, TiB / mult, &v)) {
			emit_token(ps, tok);
			emit(ps, "'%.*s': sizes are integers with an optional K, M, "
			     "G or T suffix, 1 to 1T", (int)e.n, e.p);
			return -1;
		}
		ps->out->sizes[ps->out->nsizes++] = v * mult;
	}
	return 0;
}

static int parse_choice(struct parser *ps, struct span tok, struct span val,
			const char *const *names, const char *what, int *out)
{
	int i = find_name(names, val);

	if (i < 0) {
		emit_token(ps, tok);
		emit(ps, "%s", what);
		emit_valid(ps, names, NULL);
		return -1;
	}
	*out = i;
	return 0;
}

static int parse_value(struct parser *ps, enum key key, struct span tok,
		       struct span val)
{
	uint64_t v;
	int i;

	switch (key) {
	case K_RUN:
		return parse_run(ps, tok, val);
	case K_VARIANTS:
		return parse_names(ps, tok, val, false);
	case K_THREADS:
		return parse_threads(ps, tok, val);
	case K_REPS:
		if (!parse_uint(val, 1, CMDLINE_REPS_LIMIT, &v)) {
			emit_token(ps, tok);
			emit(ps, "must be an integer 1..%u", CMDLINE_REPS_LIMIT);
			return -1;
		}
		ps->out->reps = (unsigned)v;
		return 0;
	case K_VERIFY:
		if (parse_choice(ps, tok, val, on_off, "must be on or off", &i))
			return -1;
		ps->out->verify = i == 0;
		return 0;
	case K_INJECT:
		return parse_names(ps, tok, val, true);
	case K_SIZES:
		return parse_sizes(ps, tok, val);
	case K_ENGINE:
		return parse_choice(ps, tok, val, cmdline_engines,
				    "unknown engine mode", &ps->out->engine);
	case K_KERNEL:
		return parse_choice(ps, tok, val, cmdline_kernels,
				    "unknown copy/fill kernel", &ps->out->kernel);
	default:
		return -1;
	}
}

static int parse_token(struct parser *ps, struct span tok)
{
	struct span k = tok, val = { NULL, 0 };
	const char *eq = memchr(tok.p, '=', tok.n);
	int key;

	if (tok.n > CMDLINE_MAX_TOKEN) {
		emit_token(ps, tok);
		emit(ps, "token longer than %u bytes", CMDLINE_MAX_TOKEN);
		return -1;
	}
	if (eq) {
		k.n = eq - tok.p;
		val.p = eq + 1;
		val.n = tok.n - k.n - 1;
	}
	key = find_name(keys, k);
	if (key < 0) {
		emit(ps, "cmdline: unknown key '%.*s'", (int)MIN(k.n,
		     (size_t)TOKEN_SHOWN), k.p);
		emit_valid(ps, keys, NULL);
		return -1;
	}
	if (key >= FIRST_FLAG) {
		if (eq) {
			emit_token(ps, tok);
			emit(ps, "%s is a flag and takes no value", keys[key]);
			return -1;
		}
		*(key == K_QUIET ? &ps->out->quiet : &ps->out->halt) = true;
		return 0;
	}
	if (!eq || !val.n || has_empty_elem(val)) {
		emit_token(ps, tok);
		emit(ps, "%s (%s)", !eq ? "needs a value" : !val.n ? "empty value" :
		     "empty list element (stray comma?)", usage[key]);
		return -1;
	}
	return parse_value(ps, (enum key)key, tok, val);
}

/* With run= given, each variant must belong to a chosen experiment (run=
 * may come after variants=, so this waits for the whole line). */
static int check_variants(struct parser *ps)
{
	const struct cmdline_opts *o = ps->out;

	for (unsigned v = 0; v < o->nvariants && o->run_given; v++) {
		bool found = false;

		for (unsigned i = 0; i < ps->ntable; i++)
			if ((o->run_mask >> i) & 1)
				found |= in_list(ps->table[i].variants, o->variants[v]);
		if (!found) {
			emit_token(ps, ps->variants_tok);
			emit(ps, "'%s' is not a variant of the experiments in run=",
			     o->variants[v]);
			emit_valid_choices(ps, o->run_mask, false);
			return -1;
		}
	}
	return 0;
}

/* --- the line --- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_graph(char c)
{
	return c > ' ' && c < 0x7f;
}

static void set_defaults(struct cmdline_opts *out)
{
	memset(out, 0, sizeof(*out));
	out->reps = 1;
	out->verify = true;
	out->engine = -1;
	out->kernel = -1;
}

static int check_table(struct parser *ps)
{
	if (ps->ntable > CMDLINE_MAX_EXPERIMENTS) {
		emit(ps, "cmdline: %u experiments in the table (at most %u)",
		     ps->ntable, CMDLINE_MAX_EXPERIMENTS);
		return -1;
	}
	for (unsigned i = 0; i < ps->ntable; i++) {
		if (!ps->table || !ps->table[i].name || !ps->table[i].name[0]) {
			emit(ps, "cmdline: experiment %u in the table has no name", i);
			return -1;
		}
	}
	return 0;
}

static int parse_line(struct parser *ps, const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!is_space(line[i]) && !is_graph(line[i])) {
			emit(ps, "cmdline: byte 0x%02x at offset %zu is not "
			     "printable ASCII", (unsigned char)line[i], i);
			return -1;
		}
	}
	for (size_t i = 0; i < len;) {
		struct span tok;

		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;
		tok.p = line + i;
		while (i < len && !is_space(line[i]))
			i++;
		tok.n = line + i - tok.p;
		if (parse_token(ps, tok))
			return -1;
	}
	return check_variants(ps);
}

int cmdline_parse(const char *cmdline, const struct cmdline_experiment *table,
		  unsigned ntable, struct cmdline_opts *out, char *err,
		  size_t errlen)
{
	struct parser ps = { .table = table, .ntable = ntable, .out = out,
			     .err = err, .errlen = errlen };
	size_t len = cmdline ? strnlen(cmdline, CMDLINE_MAX_LEN) : 0;
	int rc;

	set_defaults(out);
	if (errlen)
		err[0] = 0;
	if (len == CMDLINE_MAX_LEN) {
		emit(&ps, "cmdline: longer than %u bytes", CMDLINE_MAX_LEN - 1);
		return -1;
	}
	rc = check_table(&ps) ? -1 : parse_line(&ps, cmdline, len);
	if (rc)
		set_defaults(out);
	return rc;
}

/* --- formatting --- */

struct fmt {
	char *buf;
	size_t len, used;   /* used may pass len: the length wanted */
};

static void __printf(2, 3) fmt_add(struct fmt *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(f->buf + MIN(f->used, f->len),
		       f->len - MIN(f->used, f->len), fmt, ap);
	va_end(ap);
	f->used += n > 0 ? (size_t)n : 0;
}

/* " key=" before the first item of a list, "," before the others. */
static void fmt_sep(struct fmt *f, const char *key, unsigned i)
{
	if (i)
		fmt_add(f, ",");
	else
		fmt_add(f, "%s%s=", f->used ? " " : "", key);
}

static void fmt_size(struct fmt *f, uint64_t v)
{
	static const char suffixes[] = "TGMK";
	uint64_t unit = TiB;

	for (const char *s = suffixes; *s; s++, unit /= KiB) {
		if (v % unit == 0) {
			fmt_add(f, "%llu%c", (unsigned long long)(v / unit), *s);
			return;
		}
	}
	fmt_add(f, "%llu", (unsigned long long)v);
}

static void fmt_names(struct fmt *f, const char *key, const char *const *names,
		      unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		fmt_sep(f, key, i);
		fmt_add(f, "%s", names[i]);
	}
}

int cmdline_format(const struct cmdline_opts *o,
		   const struct cmdline_experiment *table, unsigned ntable,
		   char *buf, size_t len)
{
	uint32_t all = ntable >= 32 ? UINT32_MAX : (1u << ntable) - 1;
	struct fmt f = { buf, len, 0 };
	unsigned n = 0;

	if (len)
		buf[0] = 0;
	if (o->run_given && o->run_mask == all)
		fmt_add(&f, "run=all");
	for (unsigned i = 0; o->run_given && o->run_mask != all && i < ntable; i++) {
		if ((o->run_mask >> i) & 1) {
			fmt_sep(&f, "run", n++);
			fmt_add(&f, "%s", table[i].name);
		}
	}
	fmt_names(&f, "variants", o->variants, o->nvariants);
	for (unsigned i = 0; i < o->nthreads; i++) {
		fmt_sep(&f, "threads", i);
		if (o->threads[i] == CMDLINE_THREADS_MAX)
			fmt_add(&f, "max");
		else
			fmt_add(&f, "%u", o->threads[i]);
	}
	if (o->reps != 1)
		fmt_add(&f, "%sreps=%u", f.used ? " " : "", o->reps);
	if (!o->verify)
		fmt_add(&f, "%sverify=off", f.used ? " " : "");
	fmt_names(&f, "inject", o->injects, o->ninjects);
	for (unsigned i = 0; i < o->nsizes; i++) {
		fmt_sep(&f, "sizes", i);
		fmt_size(&f, o->sizes[i]);
	}
	if (o->engine >= 0)
		fmt_add(&f, "%sengine=%s", f.used ? " " : "",
			cmdline_engines[o->engine]);
	if (o->kernel >= 0)
		fmt_add(&f, "%skernel=%s", f.used ? " " : "",
			cmdline_kernels[o->kernel]);
	if (o->quiet)
		fmt_add(&f, "%squiet", f.used ? " " : "");
	if (o->halt)
		fmt_add(&f, "%shalt", f.used ? " " : "");
	return f.used < len ? (int)f.used : -1;
}
