/* Kernel command-line parser and formatter (see cmdline.h and
 * docs/cmdline.md).
 *
 * No key is known by heart: each is a struct cmdline_param, from
 * cmdline_globals[] below or from an experiment's own table, and parsing,
 * messages, usage text and the canonical form all follow its type. A key's
 * default is its dflt string parsed by the same code as the line, so a
 * default cannot mean anything a user could not write.
 *
 * The line is checked as a whole first (length, printable ASCII), then cut
 * into whitespace-separated tokens, each split at its first '=' into key and
 * value; list values are cut at commas. Nothing is copied: spans point into
 * the caller's string, names stored in the options point into the tables.
 * Every failure writes one line naming the offending token (and item) and,
 * where there is a closed set, the valid choices.
 */
#include "lib/cmdline.h"
#include "lib/printf.h"
#include "lib/string.h"

#define TOKEN_SHOWN 64  /* bytes of a bad token quoted in a message */

static const char *const on_off[] = { "on", "off", NULL };

const char *const cmdline_engines[] = {
	"serial", "static", "padata", "dynamic", "steal", NULL
};

const char *const cmdline_consoles[] = {
	"ttyS0", "ttyS1", "ttyS2", "ttyS3", NULL
};

const char *const cmdline_exits[] = { "auto", "port", "acpi", NULL };

const struct cmdline_param cmdline_globals[] = {
	{ .name = "run", .type = CMDLINE_RUN,
	  .max_items = CMDLINE_MAX_EXPERIMENTS,
	  .help = "experiments to run; list: print the registry as JSON" },
	{ .name = "variants", .type = CMDLINE_VARIANTS,
	  .max_items = CMDLINE_MAX_VARIANTS,
	  .help = "variants of the chosen experiments (default: all)" },
	{ .name = "threads", .type = CMDLINE_UINT, .max_items = CMDLINE_MAX_ITEMS,
	  .lo = 1, .hi = CMDLINE_THREADS_LIMIT, .word = "max",
	  .help = "thread counts; max: all online CPUs" },
	{ .name = "reps", .type = CMDLINE_UINT, .max_items = 1,
	  .lo = 1, .hi = CMDLINE_REPS_LIMIT, .dflt = "1",
	  .help = "repetitions of each measurement" },
	{ .name = "verify", .type = CMDLINE_CHOICE, .max_items = 1,
	  .choices = on_off, .dflt = "on",
	  .help = "self-checks after each run" },
	{ .name = "inject", .type = CMDLINE_INJECT,
	  .max_items = CMDLINE_MAX_INJECTS,
	  .help = "deliberate faults, names from the experiments" },
	{ .name = "engine", .type = CMDLINE_CHOICE, .max_items = 1,
	  .choices = cmdline_engines,
	  .help = "job-engine mode instead of the experiment's" },
	{ .name = "quiet", .type = CMDLINE_FLAG, .max_items = 1,
	  .help = "print only results, failures and the verdict" },
	{ .name = "halt", .type = CMDLINE_FLAG, .max_items = 1,
	  .help = "bare metal: halt at the end instead of powering off" },
	{ .name = "reboot", .type = CMDLINE_FLAG, .max_items = 1,
	  .help = "bare metal: restart after the verdict (several cold boots)" },
	{ .name = "console", .type = CMDLINE_CHOICE, .max_items = 1,
	  .choices = cmdline_consoles, .dflt = "ttyS0",
	  .help = "serial port of the console (COM1..COM4)" },
	{ .name = "exit", .type = CMDLINE_CHOICE, .max_items = 1,
	  .choices = cmdline_exits, .dflt = "auto",
	  .help = "QEMU exit port: under a hypervisor, always, or never (ACPI)" },
	{ .name = NULL },
};

/* A view of part of the command line: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

/* Text into a fixed buffer: error messages and the canonical form. */
struct fmt {
	char *buf;
	size_t len, used;   /* used may pass len: the length wanted */
};

/* One key=value being parsed: a token of the line, or a table default. */
struct tok {
	struct span all;                     /* quoted in messages */
	struct span val;
	const struct cmdline_param *dflt_of; /* a default: whose, for messages */
};

struct parser {
	const struct cmdline_experiment *table;
	unsigned ntable;
	unsigned nglobals;      /* keys[0..nglobals) are cmdline_globals[] */
	struct cmdline_opts *out;
	struct fmt err;
	/* Each key's last token: checks at the end of the line quote it. */
	struct span tok[CMDLINE_MAX_KEYS];
};

/* --- output --- */

static void vput(struct fmt *f, const char *fmt, va_list ap)
{
	size_t room = f->used < f->len ? f->len - f->used : 0;
	int n = kvsnprintf(room ? f->buf + f->used : NULL, room, fmt, ap);

	f->used += n > 0 ? (size_t)n : 0;
}

static void __printf(2, 3) put(struct fmt *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(f, fmt, ap);
	va_end(ap);
}

static void __printf(2, 3) emit(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(&ps->err, fmt, ap);
	va_end(ap);
}

/* A span cut at TOKEN_SHOWN bytes, so one long token cannot fill a
 * message. */
static void put_span(struct fmt *f, struct span s)
{
	put(f, "%.*s%s", (int)MIN(s.n, (size_t)TOKEN_SHOWN), s.p,
	    s.n > TOKEN_SHOWN ? "..." : "");
}

static void put_quoted(struct fmt *f, struct span s)
{
	put(f, "'");
	put_span(f, s);
	put(f, "'");
}

/* Up to n of names[] (stops at NULL; names may be NULL), the first after
 * `first`, the others after `sep`. */
static void put_names(struct fmt *f, const char *const *names, unsigned n,
		      const char *first, const char *sep)
{
	for (unsigned i = 0; names && i < n && names[i]; i++)
		put(f, "%s%s", i ? sep : first, names[i]);
}

/* With the largest suffix that divides it exactly: 2M, 3, 1T. */
static void put_size(struct fmt *f, uint64_t v)
{
	static const char suffixes[] = "TGMK";
	uint64_t unit = TiB;

	for (const char *s = suffixes; *s; s++, unit /= KiB) {
		if (v && v % unit == 0) {
			put(f, "%llu%c", (unsigned long long)(v / unit), *s);
			return;
		}
	}
	put(f, "%llu", (unsigned long long)v);
}

/* How to write key p: run=<exp>[,<exp>...]|all|list, reps=<n>, quiet. */
static void put_usage(struct fmt *f, const struct cmdline_param *p)
{
	put(f, "%s", p->name);
	switch (p->type) {
	case CMDLINE_RUN:
		put(f, "=<exp>[,<exp>...]|all|list");
		return;
	case CMDLINE_VARIANTS:
		put(f, "=<v>[,<v>...]");
		return;
	case CMDLINE_INJECT:
		put(f, "=<fault>[,...]");
		return;
	case CMDLINE_UINT:
		put(f, "=<n%s%s>", p->word ? "|" : "", p->word ? p->word : "");
		break;
	case CMDLINE_SIZE:
		put(f, "=<n[K|M|G|T]>");
		break;
	case CMDLINE_CHOICE:
		put_names(f, p->choices, ~0u, "=", "|");
		break;
	default:	/* CMDLINE_FLAG */
		return;
	}
	if (p->max_items > 1)
		put(f, "[,...]");
}

/* --- error messages --- */

/* "cmdline: <token>: " (or "cmdline: default <key>=<value>: "). */
static void emit_token(struct parser *ps, const struct tok *t)
{
	emit(ps, "cmdline: ");
	if (t->dflt_of)
		emit(ps, "default %s=", t->dflt_of->name);
	put_span(&ps->err, t->all);
	emit(ps, ": ");
}

/* emit_token, then the bad item when the key takes a list (a single
 * value is the whole token, quoted already). */
static void emit_item(struct parser *ps, const struct cmdline_param *p,
		      const struct tok *t, struct span e)
{
	emit_token(ps, t);
	if (p->max_items > 1) {
		put_quoted(&ps->err, e);
		emit(ps, ": ");
	}
}

/* "needs a value (reps=<n>)" and the like. */
static int bad_value(struct parser *ps, const struct tok *t,
		     const struct cmdline_param *p, const char *why)
{
	emit_token(ps, t);
	emit(ps, "%s (", why);
	put_usage(&ps->err, p);
	emit(ps, ")");
	return -1;
}

/* " (valid: a b c)" from a NULL-terminated list (may be NULL). */
static void emit_valid(struct parser *ps, const char *const *names)
{
	emit(ps, " (valid:");
	put_names(&ps->err, names, ~0u, " ", " ");
	emit(ps, ")");
}

/* " a b" for the experiments in mask. */
static void emit_experiments(struct parser *ps, uint32_t mask)
{
	for (unsigned i = 0; i < ps->ntable; i++)
		if ((mask >> i) & 1)
			emit(ps, " %s", ps->table[i].name);
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

/* --- spans, lists, numbers --- */

static struct span span_of(const char *s)
{
	return (struct span){ s, strlen(s) };
}

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

static unsigned count_names(const char *const *names)
{
	unsigned n = 0;

	while (names && names[n])
		n++;
	return n;
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

/* The next item of a value. A single-valued key takes the whole value as
 * its one item, so "reps=1,2" is a bad number rather than a list. */
static bool next_item(const struct cmdline_param *p, struct span *list,
		      struct span *elem)
{
	if (p->max_items > 1)
		return next_elem(list, elem);
	if (!list->p)
		return false;
	*elem = *list;
	list->p = NULL;
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

/* What run=all selects: every experiment but the opt-in ones. */
static uint32_t all_mask(const struct cmdline_experiment *table,
			 unsigned ntable)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < ntable; i++)
		if (!table[i].opt_in)
			mask |= 1u << i;
	return mask;
}

/* --- run=, variants=, inject=: names from the experiment table --- */

static int find_experiment(const struct parser *ps, struct span e)
{
	for (unsigned i = 0; i < ps->ntable; i++)
		if (span_eq(e, ps->table[i].name))
			return (int)i;
	return -1;
}

static int unknown_experiment(struct parser *ps, const struct tok *t,
			      struct span e)
{
	emit_token(ps, t);
	emit(ps, "unknown experiment ");
	put_quoted(&ps->err, e);
	emit(ps, " (valid:");
	emit_experiments(ps, UINT32_MAX);
	emit(ps, " all list)");
	return -1;
}

/* Experiment names win over the words all and list, as they always did. */
static int parse_run(struct parser *ps, const struct tok *t)
{
	struct cmdline_opts *o = ps->out;
	struct span list = t->val, e;
	bool named = false;

	o->run_mask = 0;
	o->run_given = true;
	o->list = false;
	while (next_elem(&list, &e)) {
		int i = find_experiment(ps, e);

		if (i < 0 && span_eq(e, "list")) {
			o->list = true;
			continue;
		}
		if (i >= 0)
			o->run_mask |= 1u << i;
		else if (span_eq(e, "all"))
			o->run_mask |= all_mask(ps->table, ps->ntable);
		else
			return unknown_experiment(ps, t, e);
		named = true;
	}
	if (o->list && named) {
		/* list runs nothing: an experiment beside it is a mistake */
		emit_token(ps, t);
		emit(ps, "'list' cannot be combined with experiments");
		return -1;
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
static int parse_names(struct parser *ps, const struct tok *t, bool injects)
{
	const char **dst = injects ? ps->out->injects : ps->out->variants;
	unsigned *n = injects ? &ps->out->ninjects : &ps->out->nvariants;
	unsigned cap = injects ? CMDLINE_MAX_INJECTS : CMDLINE_MAX_VARIANTS;
	struct span list = t->val, e;

	*n = 0;
	while (next_elem(&list, &e)) {
		const char *name = table_name(ps, e, injects);
		bool dup = false;

		if (!name) {
			emit_token(ps, t);
			emit(ps, "unknown %s ", injects ? "fault" : "variant");
			put_quoted(&ps->err, e);
			emit_valid_choices(ps, UINT32_MAX, injects);
			return -1;
		}
		for (unsigned k = 0; k < *n; k++)
			dup |= dst[k] == name;
		if (dup)
			continue;
		if (*n >= cap) {
			emit_token(ps, t);
			emit(ps, "more than %u names", cap);
			return -1;
		}
		dst[(*n)++] = name;
	}
	return 0;
}

/* --- UINT, SIZE, CHOICE items --- */

/* "must be an integer" for one value, "<key> are integers" for a list
 * (whose bad item emit_item quoted). */
static void emit_integers(struct parser *ps, const struct cmdline_param *p)
{
	if (p->max_items > 1)
		emit(ps, "%s are integers", p->name);
	else
		emit(ps, "must be an integer");
}

static int parse_uint_item(struct parser *ps, const struct cmdline_param *p,
			   const struct tok *t, struct span e, uint64_t *v)
{
	if (p->word && span_eq(e, p->word)) {
		*v = 0;
		return 0;
	}
	if (parse_uint(e, p->lo, p->hi, v))
		return 0;
	emit_item(ps, p, t, e);
	emit_integers(ps, p);
	emit(ps, " %llu..%llu%s%s", (unsigned long long)p->lo,
	     (unsigned long long)p->hi, p->word ? " or " : "",
	     p->word ? p->word : "");
	return -1;
}

/* n[K|M|G|T], powers of 1024. Alignment is checked before the range, so
 * that sizes=1 against a 4K minimum says what would fix it. */
static int parse_size_item(struct parser *ps, const struct cmdline_param *p,
			   const struct tok *t, struct span e, uint64_t *v)
{
	static const char suffixes[] = "KMGT";
	const char *s = memchr(suffixes, e.p[e.n - 1], sizeof(suffixes) - 1);
	struct span digits = { e.p, e.n - (s != NULL) };
	uint64_t mult = 1, n = 0;
	bool ok;

	for (const char *q = suffixes; s && q <= s; q++)
		mult *= KiB;
	ok = parse_uint(digits, 0, UINT64_MAX / mult, &n);
	*v = n * mult;
	if (ok && p->align > 1 && *v % p->align) {
		emit_item(ps, p, t, e);
		emit(ps, "must be a multiple of ");
		put_size(&ps->err, p->align);
		return -1;
	}
	if (ok && *v >= p->lo && *v <= p->hi)
		return 0;
	emit_item(ps, p, t, e);
	emit_integers(ps, p);
	emit(ps, " with an optional K, M, G or T suffix, ");
	put_size(&ps->err, p->lo);
	emit(ps, " to ");
	put_size(&ps->err, p->hi);
	return -1;
}

static int parse_choice_item(struct parser *ps, const struct cmdline_param *p,
			     const struct tok *t, struct span e, uint64_t *v)
{
	int i = find_name(p->choices, e);

	if (i >= 0) {
		*v = (uint64_t)i;
		return 0;
	}
	if (count_names(p->choices) == 2) {	/* reads better: on or off */
		emit_item(ps, p, t, e);
		emit(ps, "must be %s or %s", p->choices[0], p->choices[1]);
	} else {
		emit_token(ps, t);
		emit(ps, "unknown %s ", p->name);
		put_quoted(&ps->err, e);
	}
	emit_valid(ps, p->choices);
	return -1;
}

static int parse_item(struct parser *ps, const struct cmdline_param *p,
		      const struct tok *t, struct span e, uint64_t *v)
{
	switch (p->type) {
	case CMDLINE_UINT:
		return parse_uint_item(ps, p, t, e, v);
	case CMDLINE_SIZE:
		return parse_size_item(ps, p, t, e, v);
	case CMDLINE_CHOICE:
		return parse_choice_item(ps, p, t, e, v);
	default:	/* check_param lets no other type get here */
		return -1;
	}
}

static bool has_item(const struct cmdline_value *kv, uint64_t v)
{
	for (unsigned i = 0; i < kv->n; i++)
		if (kv->v[i] == v)
			return true;
	return false;
}

static int parse_items(struct parser *ps, struct cmdline_value *kv,
		       const struct tok *t)
{
	const struct cmdline_param *p = kv->def;
	struct span list = t->val, e;
	uint64_t v;

	kv->n = 0;
	while (next_item(p, &list, &e)) {
		if (parse_item(ps, p, t, e, &v))
			return -1;
		if (p->type == CMDLINE_CHOICE && has_item(kv, v))
			continue;	/* a repeated name counts once */
		if (kv->n >= p->max_items) {
			emit_token(ps, t);
			emit(ps, "more than %u values", p->max_items);
			return -1;
		}
		kv->v[kv->n++] = v;
	}
	return 0;
}

/* --- keys and tokens --- */

/* A value of key kv->def, from the line or from its default. */
static int parse_value(struct parser *ps, struct cmdline_value *kv,
		       const struct tok *t)
{
	if (!t->val.n)
		return bad_value(ps, t, kv->def, "empty value");
	if (has_empty_elem(t->val))
		return bad_value(ps, t, kv->def,
				 "empty list element (stray comma?)");
	switch (kv->def->type) {
	case CMDLINE_RUN:
		return parse_run(ps, t);
	case CMDLINE_VARIANTS:
		return parse_names(ps, t, false);
	case CMDLINE_INJECT:
		return parse_names(ps, t, true);
	default:
		return parse_items(ps, kv, t);
	}
}

static int parse_default(struct parser *ps, struct cmdline_value *kv)
{
	struct tok t = { .dflt_of = kv->def };

	if (!kv->def->dflt)
		return 0;
	t.all = t.val = span_of(kv->def->dflt);
	if (parse_value(ps, kv, &t))
		return -1;
	kv->set = true;
	return 0;
}

static int find_key(const struct cmdline_opts *o, struct span name)
{
	for (unsigned k = 0; k < o->nkeys; k++)
		if (span_eq(name, o->keys[k].def->name))
			return (int)k;
	return -1;
}

static int unknown_key(struct parser *ps, struct span key)
{
	emit(ps, "cmdline: unknown key ");
	put_quoted(&ps->err, key);
	emit(ps, " (valid:");
	for (unsigned k = 0; k < ps->out->nkeys; k++)
		emit(ps, " %s", ps->out->keys[k].def->name);
	emit(ps, ")");
	return -1;
}

static int parse_token(struct parser *ps, struct span s)
{
	struct tok t = { .all = s };
	struct span key = s;
	const char *eq = memchr(s.p, '=', s.n);
	struct cmdline_value *kv;
	int k;

	if (s.n > CMDLINE_MAX_TOKEN) {
		emit_token(ps, &t);
		emit(ps, "token longer than %u bytes", CMDLINE_MAX_TOKEN);
		return -1;
	}
	if (eq) {
		key.n = eq - s.p;
		t.val = (struct span){ eq + 1, s.n - key.n - 1 };
	}
	k = find_key(ps->out, key);
	if (k < 0)
		return unknown_key(ps, key);
	kv = &ps->out->keys[k];
	if (kv->def->type == CMDLINE_FLAG && eq) {
		emit_token(ps, &t);
		emit(ps, "%s is a flag and takes no value", kv->def->name);
		return -1;
	}
	if (kv->def->type == CMDLINE_FLAG) {
		kv->n = 1;
		kv->v[0] = 1;
	} else if (!eq) {
		return bad_value(ps, &t, kv->def, "needs a value");
	} else if (parse_value(ps, kv, &t)) {
		return -1;
	}
	kv->given = true;
	ps->tok[k] = s;
	return 0;
}

/* --- checks at the end of the line (run= may come last) --- */

/* With run= given, each variant must belong to a chosen experiment. */
static int check_variants(struct parser *ps)
{
	const struct cmdline_opts *o = ps->out;
	struct tok t = { .all = { NULL, 0 } };

	for (unsigned k = 0; k < o->nkeys; k++)
		if (o->keys[k].def->type == CMDLINE_VARIANTS)
			t.all = ps->tok[k];
	for (unsigned v = 0; v < o->nvariants && o->run_given; v++) {
		bool found = false;

		for (unsigned i = 0; i < ps->ntable; i++)
			if ((o->run_mask >> i) & 1)
				found |= in_list(ps->table[i].variants, o->variants[v]);
		if (!found) {
			emit_token(ps, &t);
			emit(ps, "'%s' is not a variant of the experiments in run=",
			     o->variants[v]);
			emit_valid_choices(ps, o->run_mask, false);
			return -1;
		}
	}
	return 0;
}

/* The experiments whose tables hold def. */
static uint32_t owners(const struct parser *ps, const struct cmdline_param *def)
{
	uint32_t mask = 0;

	for (unsigned i = 0; i < ps->ntable; i++)
		for (const struct cmdline_param *const *p = ps->table[i].params;
		     p && *p; p++)
			if (*p == def)
				mask |= 1u << i;
	return mask;
}

/* An experiment key given to no experiment that runs would be silently
 * ignored: a typo in run= or a key meant for another experiment. */
static int check_experiment_keys(struct parser *ps)
{
	const struct cmdline_opts *o = ps->out;

	for (unsigned k = ps->nglobals; k < o->nkeys; k++) {
		const struct cmdline_param *def = o->keys[k].def;
		uint32_t mask = owners(ps, def);
		struct tok t = { .all = ps->tok[k] };

		if (!o->keys[k].given || (mask & o->run_mask))
			continue;
		emit_token(ps, &t);
		emit(ps, "no experiment in run= takes %s (it belongs to:",
		     def->name);
		emit_experiments(ps, mask);
		emit(ps, ")");
		return -1;
	}
	return 0;
}

static bool same_items(const struct cmdline_value *a,
		       const struct cmdline_value *b)
{
	return a->n == b->n && !memcmp(a->v, b->v, a->n * sizeof(a->v[0]));
}

static bool is_default(struct parser *ps, const struct cmdline_value *kv)
{
	struct cmdline_value d = { .def = kv->def };

	/* Parsed once already when the keys were set up: cannot fail. */
	return kv->def->dflt && !parse_default(ps, &d) && same_items(&d, kv);
}

/* A value equal to its default was not really given: leaving it out of
 * the canonical form keeps that short and makes it round-trip. */
static void settle(struct parser *ps)
{
	for (unsigned k = 0; k < ps->out->nkeys; k++) {
		struct cmdline_value *kv = &ps->out->keys[k];

		kv->given = kv->given && !is_default(ps, kv);
		kv->set = kv->given || kv->n;
	}
}

/* --- the table --- */

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

/* What the parser relies on in an experiment's key. */
static int check_param(struct parser *ps, const struct cmdline_experiment *e,
		       const struct cmdline_param *p)
{
	const char *why = NULL;

	if (!p->name || !p->name[0])
		why = "has no name";
	else if ((unsigned)p->type > CMDLINE_FLAG)
		why = "has a type only global keys may have";
	else if (p->type == CMDLINE_FLAG && p->dflt)
		why = "is a flag with a default";
	else if (p->type != CMDLINE_FLAG &&
		 (!p->max_items || p->max_items > CMDLINE_MAX_ITEMS))
		why = "has max_items outside 1..CMDLINE_MAX_ITEMS";
	if (!why)
		return 0;
	emit(ps, "cmdline: experiment '%s': key '%s' %s", e->name,
	     p->name ? p->name : "", why);
	return -1;
}

/* Appends key p, at its default. */
static int add_key(struct parser *ps, const struct cmdline_param *p)
{
	struct cmdline_opts *o = ps->out;

	if (o->nkeys == CMDLINE_MAX_KEYS) {
		emit(ps, "cmdline: more than %u keys", CMDLINE_MAX_KEYS);
		return -1;
	}
	o->keys[o->nkeys].def = p;
	return parse_default(ps, &o->keys[o->nkeys++]);
}

/* One value per key name: experiments share a key by pointing at one
 * definition, and may not redefine a global one. */
static int clash(struct parser *ps, const struct cmdline_experiment *e,
		 unsigned k)
{
	const struct cmdline_param *old = ps->out->keys[k].def;
	uint32_t mask = owners(ps, old);

	emit(ps, "cmdline: experiment '%s' declares %s=", e->name, old->name);
	if (k < ps->nglobals)
		emit(ps, ", a global key");
	else
		emit(ps, " differently from '%s' (share one definition)",
		     ps->table[__builtin_ctz(mask)].name);
	return -1;
}

static int add_params(struct parser *ps, const struct cmdline_experiment *e)
{
	for (const struct cmdline_param *const *p = e->params; p && *p; p++) {
		int k;

		if (check_param(ps, e, *p))
			return -1;
		k = find_key(ps->out, span_of((*p)->name));
		if (k >= 0 && ps->out->keys[k].def == *p)
			continue;	/* shared with an earlier experiment */
		if (k >= 0)
			return clash(ps, e, (unsigned)k);
		if (add_key(ps, *p))
			return -1;
	}
	return 0;
}

static int set_defaults(struct parser *ps)
{
	struct cmdline_opts *o = ps->out;

	memset(o, 0, sizeof(*o));
	for (const struct cmdline_param *p = cmdline_globals; p->name; p++)
		if (add_key(ps, p))
			return -1;
	ps->nglobals = o->nkeys;
	for (unsigned i = 0; i < ps->ntable; i++) {
		if (add_params(ps, &ps->table[i]))
			return -1;
		if (ps->table[i].in_default)
			o->run_mask |= 1u << i;
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
	if (check_variants(ps) || check_experiment_keys(ps))
		return -1;
	settle(ps);
	return 0;
}

int cmdline_parse(const char *cmdline, const struct cmdline_experiment *table,
		  unsigned ntable, struct cmdline_opts *out, char *err,
		  size_t errlen)
{
	struct parser ps = { .table = table, .ntable = ntable, .out = out,
			     .err = { err, errlen, 0 } };
	size_t len = cmdline ? strnlen(cmdline, CMDLINE_MAX_LEN) : 0;

	if (errlen)
		err[0] = 0;
	if (check_table(&ps) || set_defaults(&ps)) {
		memset(out, 0, sizeof(*out));	/* a wrong table has no defaults */
		return -1;
	}
	if (len == CMDLINE_MAX_LEN)
		emit(&ps, "cmdline: longer than %u bytes", CMDLINE_MAX_LEN - 1);
	else if (!parse_line(&ps, cmdline, len))
		return 0;
	set_defaults(&ps);	/* worked a moment ago: cannot fail now */
	return -1;
}

/* --- formatting and queries --- */

static void put_item(struct fmt *f, const struct cmdline_param *p, uint64_t v)
{
	if (p->type == CMDLINE_SIZE)
		put_size(f, v);
	else if (p->type == CMDLINE_CHOICE)
		put(f, "%s", p->choices[v]);
	else if (!v && p->word)
		put(f, "%s", p->word);
	else
		put(f, "%llu", (unsigned long long)v);
}

static void put_run(struct fmt *f, const struct cmdline_opts *o,
		    const struct cmdline_experiment *table, unsigned ntable)
{
	uint32_t all = all_mask(table, ntable), mask = o->run_mask;
	unsigned n = 0;

	if (o->list) {
		put(f, "=list");
		return;
	}
	/* "all", then the opt-in experiments run=all leaves out; a mask of 0
	 * comes only from run=all with nothing but opt-in experiments */
	if (!mask || (all && (mask & all) == all)) {
		put(f, "=all");
		mask &= ~all;
		n++;
	}
	for (unsigned i = 0; i < ntable; i++)
		if ((mask >> i) & 1)
			put(f, "%s%s", n++ ? "," : "=", table[i].name);
}

/* " key=value" (no space first), or " flag". */
static void put_key(struct fmt *f, const struct cmdline_opts *o,
		    const struct cmdline_value *kv,
		    const struct cmdline_experiment *table, unsigned ntable)
{
	const struct cmdline_param *p = kv->def;

	put(f, "%s%s", f->used ? " " : "", p->name);
	switch (p->type) {
	case CMDLINE_FLAG:
		return;
	case CMDLINE_RUN:
		put_run(f, o, table, ntable);
		return;
	case CMDLINE_VARIANTS:
		put_names(f, o->variants, o->nvariants, "=", ",");
		return;
	case CMDLINE_INJECT:
		put_names(f, o->injects, o->ninjects, "=", ",");
		return;
	default:
		for (unsigned i = 0; i < kv->n; i++) {
			put(f, i ? "," : "=");
			put_item(f, p, kv->v[i]);
		}
	}
}

int cmdline_format(const struct cmdline_opts *o,
		   const struct cmdline_experiment *table, unsigned ntable,
		   char *buf, size_t len)
{
	struct fmt f = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	for (unsigned k = 0; k < o->nkeys; k++)
		if (o->keys[k].given)
			put_key(&f, o, &o->keys[k], table, ntable);
	return f.used < len ? (int)f.used : -1;
}

bool cmdline_opts_equal(const struct cmdline_opts *a,
			const struct cmdline_opts *b)
{
	if (a->run_mask != b->run_mask || a->run_given != b->run_given ||
	    a->list != b->list || a->nvariants != b->nvariants ||
	    a->ninjects != b->ninjects || a->nkeys != b->nkeys ||
	    memcmp(a->variants, b->variants, a->nvariants * sizeof(a->variants[0])) ||
	    memcmp(a->injects, b->injects, a->ninjects * sizeof(a->injects[0])))
		return false;
	for (unsigned k = 0; k < a->nkeys; k++)
		if (a->keys[k].def != b->keys[k].def ||
		    a->keys[k].given != b->keys[k].given ||
		    !same_items(&a->keys[k], &b->keys[k]))
			return false;
	return true;
}

const struct cmdline_value *cmdline_get(const struct cmdline_opts *o,
					const char *name)
{
	int k = find_key(o, span_of(name));

	return k < 0 ? NULL : &o->keys[k];
}

uint64_t cmdline_u64(const struct cmdline_opts *o, const char *name,
		     uint64_t dflt)
{
	const struct cmdline_value *v = cmdline_get(o, name);

	return v && v->n ? v->v[0] : dflt;
}

const char *cmdline_choice(const struct cmdline_opts *o, const char *name)
{
	const struct cmdline_value *v = cmdline_get(o, name);

	if (!v || !v->n || v->def->type != CMDLINE_CHOICE)
		return NULL;
	return v->def->choices[v->v[0]];
}

bool cmdline_flag(const struct cmdline_opts *o, const char *name)
{
	return cmdline_u64(o, name, 0) != 0;
}

const char *cmdline_usage(const struct cmdline_param *p, char *buf, size_t len)
{
	struct fmt f = { buf, len, 0 };

	if (len)
		buf[0] = 0;
	put_usage(&f, p);
	return buf;
}
