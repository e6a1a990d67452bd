/* The kernel command line (grammar: docs/cmdline.md).
 *
 * NOTE for implementers: experiments/ and boot/ depend on this interface;
 * keep it stable.
 *
 * Tokens are separated by whitespace (space, tab, CR, LF); each is
 * `key=value` or a bare flag. GRUB's multiboot2 loader passes only what
 * follows the kernel path, so every token is an argument. Keys:
 *   run=<exp>[,<exp>...]|all     experiments to run (default: those marked
 *                                in_default in the registry)
 *   variants=<v>[,<v>...]        variants of the chosen experiments
 *                                (default all); each must belong to one
 *                                (to any experiment when run= is absent)
 *   threads=<n|max>[,...]        thread counts, 1..CMDLINE_THREADS_LIMIT or
 *                                max (all online CPUs), at most
 *                                CMDLINE_MAX_THREADS_LIST entries
 *   reps=<n>                     repetitions, 1..CMDLINE_REPS_LIMIT
 *   verify=on|off                self-checks after each run (default on)
 *   inject=<fault>[,...]         fault injection, names from the table
 *   sizes=<n[K|M|G|T]>[,...]     byte sizes (copy, zero), 1 byte to 1 TiB,
 *                                suffixes are powers of 1024
 *   engine=serial|static|padata|dynamic|steal   job-engine mode override
 *   kernel=<name>                copy/fill kernel instead of the measured best
 *   quiet                        only results, failures and the verdict
 *   halt                         bare metal: halt instead of powering off
 * A key given twice: the later value wins (lists are replaced, not merged);
 * repeated names inside one list count once. Lists may not be empty or
 * have empty elements. Errors: unknown keys or names, a value given to a
 * flag, a key without a value, an empty value or list element, non-digits,
 * numbers out of range or overflowing, too many list entries, a token
 * longer than CMDLINE_MAX_TOKEN, a line of CMDLINE_MAX_LEN bytes or more,
 * and bytes that are not printable ASCII. Built into the kernel and into
 * host tests/fuzzers. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H
#include "lib/compiler.h"

#define CMDLINE_MAX_LEN          4096u
#define CMDLINE_MAX_TOKEN        512u
#define CMDLINE_MAX_EXPERIMENTS  32u
#define CMDLINE_MAX_VARIANTS     32u
#define CMDLINE_MAX_THREADS_LIST 16u
#define CMDLINE_MAX_SIZES        8u
#define CMDLINE_MAX_INJECTS      8u
#define CMDLINE_THREADS_MAX      0u      /* threads list entry meaning "max" */
#define CMDLINE_THREADS_LIMIT    4096u
#define CMDLINE_REPS_LIMIT       1000u
#define CMDLINE_ERR_LEN          512u

struct cmdline_experiment {
	const char *name;
	const char *const *variants;   /* NULL-terminated; may be NULL */
	const char *const *injects;    /* NULL-terminated; may be NULL */
};

struct cmdline_opts {
	uint32_t run_mask;       /* bit i = table[i]; valid when run_given */
	bool run_given;
	const char *variants[CMDLINE_MAX_VARIANTS];  /* point into the table */
	unsigned nvariants;      /* 0: all variants */
	unsigned threads[CMDLINE_MAX_THREADS_LIST];  /* CMDLINE_THREADS_MAX = max */
	unsigned nthreads;       /* 0: not given */
	unsigned reps;           /* default 1 */
	bool verify;             /* default true */
	bool quiet, halt;
	const char *injects[CMDLINE_MAX_INJECTS];    /* point into the table */
	unsigned ninjects;
	uint64_t sizes[CMDLINE_MAX_SIZES];
	unsigned nsizes;         /* 0: not given */
	int engine;              /* -1: not given, else index in cmdline_engines */
	int kernel;              /* -1: measure, else index in cmdline_kernels */
};

/* "serial", "static", "padata", "dynamic", "steal" (the job engine's modes,
 * same order as enum job_mode), NULL-terminated. */
extern const char *const cmdline_engines[];
/* Names of the copy and fill kernels (mm/copy.h) kernel= may force; an
 * experiment rejects one it does not have (e.g. stosb for a copy). */
extern const char *const cmdline_kernels[];

/* Parses cmdline (NULL or "" gives the defaults) against the table of
 * experiments (at most CMDLINE_MAX_EXPERIMENTS, each with a name). Returns
 * 0 and fills *out, or -1 with *out at the defaults and a one-line message
 * in err (NUL-terminated when errlen > 0, truncated to fit) naming the bad
 * token and the valid choices, e.g.
 *   cmdline: unknown key 'thread' (valid: run variants threads reps verify
 *            inject sizes engine kernel quiet halt)
 *   cmdline: run=foo: unknown experiment 'foo' (valid: smp memmap ... all)
 *   cmdline: reps=0: must be an integer 1..1000
 * Never reads past the string's NUL or CMDLINE_MAX_LEN bytes. */
int cmdline_parse(const char *cmdline, const struct cmdline_experiment *table,
		  unsigned ntable, struct cmdline_opts *out, char *err,
		  size_t errlen);

/* Writes the canonical command line for *opts (parsed against the same
 * table): options at their defaults are left out, so the defaults give "".
 * Parsing the result gives *opts back; drivers print it so a result line
 * says exactly what ran. Returns the length, or -1 if it did not fit in
 * buf[0..len) (the output is then truncated but NUL-terminated). */
int cmdline_format(const struct cmdline_opts *opts,
		   const struct cmdline_experiment *table, unsigned ntable,
		   char *buf, size_t len);
#endif
