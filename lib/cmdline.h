/* The kernel command line (grammar: docs/cmdline.md).
 *
 * The parser knows no key by heart: it is generic over a table of global
 * keys (cmdline_globals[], this file) and the key tables each experiment
 * declares in its own file (struct cmdline_param, below). Usage text,
 * error messages ("valid: ..."), the canonical form printed on the boot
 * line, `run=list` and docs/cmdline.md's key list all come from those
 * tables, so a new key cannot be forgotten in any of them.
 *
 * Tokens are separated by whitespace (space, tab, CR, LF); each is
 * `key=value` or a bare flag. GRUB's multiboot2 loader passes only what
 * follows the kernel path, so every token is an argument. The global keys:
 *   run=<exp>[,<exp>...]|all|list  experiments to run (default: those
 *                                marked in_default); `list` prints the
 *                                registry as JSON and runs nothing
 *   variants=<v>[,<v>...]        variants of the chosen experiments
 *   threads=<n|max>[,...]        thread counts
 *   reps=<n>  verify=on|off  inject=<fault>[,...]  engine=<mode>
 *   quiet  halt                  flags
 * Experiment keys (sizes=, kernel=, ...) are valid when an experiment that
 * will run declares them.
 *
 * A key given twice: the later value wins (lists are replaced, not merged);
 * repeated names inside one list count once. Lists may not be empty or
 * have empty elements. Errors: unknown keys or names, a value given to a
 * flag, a key without a value, an empty value or list element, non-digits,
 * numbers out of range or overflowing, sizes not a multiple of the key's
 * alignment, too many list entries, a key no chosen experiment declares, a
 * token longer than CMDLINE_MAX_TOKEN, a line of CMDLINE_MAX_LEN bytes or
 * more, and bytes that are not printable ASCII. Built into the kernel and
 * into host tests/fuzzers. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H
#include "lib/compiler.h"

#define CMDLINE_MAX_LEN          4096u
#define CMDLINE_MAX_TOKEN        512u
#define CMDLINE_MAX_EXPERIMENTS  32u
#define CMDLINE_MAX_VARIANTS     32u
#define CMDLINE_MAX_INJECTS      8u
#define CMDLINE_MAX_ITEMS        16u     /* entries of one list value */
#define CMDLINE_MAX_KEYS         48u     /* global + distinct experiment keys */
#define CMDLINE_THREADS_MAX      0u      /* threads list entry meaning "max" */
#define CMDLINE_THREADS_LIMIT    4096u
#define CMDLINE_REPS_LIMIT       1000u
#define CMDLINE_ERR_LEN          512u

enum cmdline_type {
	CMDLINE_UINT,      /* decimal integers lo..hi; `word` (if set) = 0 */
	CMDLINE_SIZE,      /* n[K|M|G|T] (powers of 1024), lo..hi, multiple
			    * of align */
	CMDLINE_CHOICE,    /* a name from choices[]; stored as its index */
	CMDLINE_FLAG,      /* bare word, no value; stored as 1 */
	/* Global keys only: names from the experiment table. */
	CMDLINE_RUN,
	CMDLINE_VARIANTS,
	CMDLINE_INJECT,
};

/* One key. Experiments list theirs as a NULL-terminated array of pointers;
 * two experiments may share a key only by pointing at the same definition
 * (e.g. copy and zero share sizes=), which the parser checks. The global
 * table cmdline_globals[] is an array of definitions, name-NULL-terminated. */
struct cmdline_param {
	const char *name;
	enum cmdline_type type;
	unsigned max_items;          /* 1: one value; more: a comma list */
	uint64_t lo, hi;             /* UINT, SIZE: inclusive range */
	uint64_t align;              /* SIZE: values are multiples (0: any) */
	const char *word;            /* UINT: a word meaning 0 ("max") */
	const char *const *choices;  /* CHOICE: NULL-terminated */
	const char *dflt;            /* default in command-line form, parsed
				      * like a given value; NULL: none (the
				      * experiment decides, e.g. measures) */
	const char *help;            /* one line, for usage and docs */
};

/* An experiment as the parser sees it. */
struct cmdline_experiment {
	const char *name;
	const char *const *variants;   /* NULL-terminated; may be NULL */
	const char *const *injects;    /* NULL-terminated; may be NULL */
	/* Its keys: NULL-terminated array of pointers (so that experiments
	 * share a key by pointing at one definition); may be NULL. */
	const struct cmdline_param *const *params;
	bool in_default;               /* runs when run= is absent */
	bool opt_in;                   /* left out of run=all: only when named */
};

/* The value of one key (global or experiment), given or its default. */
struct cmdline_value {
	const struct cmdline_param *def;
	bool given;          /* on the line, and different from the default */
	bool set;            /* given, or a default exists (n > 0) */
	unsigned n;          /* items */
	uint64_t v[CMDLINE_MAX_ITEMS];  /* CHOICE: index in def->choices */
};

struct cmdline_opts {
	uint32_t run_mask;       /* bit i = table[i]: what runs (the default
				  * set when run= is absent) */
	bool run_given;
	bool list;               /* run=list */
	const char *variants[CMDLINE_MAX_VARIANTS];  /* point into the table */
	unsigned nvariants;      /* 0: all variants */
	const char *injects[CMDLINE_MAX_INJECTS];    /* point into the table */
	unsigned ninjects;
	/* Every key of cmdline_globals[] and of the table's experiments,
	 * each once, globals first, in table order. */
	struct cmdline_value keys[CMDLINE_MAX_KEYS];
	unsigned nkeys;
};

/* The global keys, name-NULL-terminated: run variants threads reps verify
 * inject engine quiet halt reboot console exit. */
extern const struct cmdline_param cmdline_globals[];
/* The job engine's modes in enum job_mode order (engine= choices). */
extern const char *const cmdline_engines[];
/* console= choices, ttyS<i> at index i (drivers/serial.h port order). */
extern const char *const cmdline_consoles[];
/* exit= choices in enum qemu_exit_mode order (drivers/qemu_exit.h). */
extern const char *const cmdline_exits[];

/* Parses cmdline (NULL or "" gives the defaults) against the table of
 * experiments (at most CMDLINE_MAX_EXPERIMENTS, each with a name). Returns
 * 0 and fills *out, or -1 with *out at the defaults and a one-line message
 * in err (NUL-terminated when errlen > 0, truncated to fit) naming the bad
 * token and the valid choices, e.g.
 *   cmdline: unknown key 'thread' (valid: run variants threads ... sizes)
 *   cmdline: run=foo: unknown experiment 'foo' (valid: smp memmap ... all)
 *   cmdline: reps=0: must be an integer 1..1000
 * A table that is itself wrong (no name, a key declared twice differently,
 * a default that does not parse) fails the same way. Never reads past the
 * string's NUL or CMDLINE_MAX_LEN bytes. */
int cmdline_parse(const char *cmdline, const struct cmdline_experiment *table,
		  unsigned ntable, struct cmdline_opts *out, char *err,
		  size_t errlen);

/* Writes the canonical command line for *opts (parsed against the same
 * table): only keys with given set, globals first, then experiment keys in
 * table order; sizes with the largest exact suffix. The defaults give "".
 * Parsing the result gives *opts back (cmdline_opts_equal). Returns the
 * length, or -1 if it did not fit in buf[0..len) (the output is then
 * truncated but NUL-terminated). */
int cmdline_format(const struct cmdline_opts *opts,
		   const struct cmdline_experiment *table, unsigned ntable,
		   char *buf, size_t len);

/* Whether two parses of the same table mean the same thing. */
bool cmdline_opts_equal(const struct cmdline_opts *a,
			const struct cmdline_opts *b);

/* The value of key `name` (global or declared by any experiment of the
 * table), or NULL when no such key exists. */
const struct cmdline_value *cmdline_get(const struct cmdline_opts *o,
					const char *name);
/* Shorthands for single-valued keys: item 0, or dflt when unset. */
uint64_t cmdline_u64(const struct cmdline_opts *o, const char *name,
		     uint64_t dflt);
/* CHOICE: the chosen name, or NULL when unset. */
const char *cmdline_choice(const struct cmdline_opts *o, const char *name);
bool cmdline_flag(const struct cmdline_opts *o, const char *name);

/* "sizes=<n[K|M|G|T]>[,...]" etc.: how to write key p, for messages and
 * usage. Returns buf. */
const char *cmdline_usage(const struct cmdline_param *p, char *buf, size_t len);
#endif
