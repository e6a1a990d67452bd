/* The kernel command line (grammar: docs/cmdline.md).
 *
 * NOTE for implementers: experiments/ and boot/ depend on this interface;
 * keep it stable.
 *
 * Tokens are separated by spaces or tabs; each is `key=value` or a bare
 * flag. Keys:
 *   run=<exp>[,<exp>...]|all     experiments to run (default: those marked
 *                                in_default in the registry)
 *   variants=<v>[,<v>...]        variants of the chosen experiments
 *                                (default all); each must belong to one
 *   threads=<n|max>[,...]        thread counts, 1..CMDLINE_THREADS_LIMIT or
 *                                max (all online CPUs)
 *   reps=<n>                     repetitions, 1..CMDLINE_REPS_LIMIT
 *   verify=on|off                self-checks after each run (default on)
 *   inject=<fault>[,...]         fault injection, names from the table
 *   sizes=<n[K|M|G|T]>[,...]     byte sizes (copy, zero)
 *   engine=serial|static|padata|dynamic|steal   job-engine mode override
 *   quiet                        only results, failures and the verdict
 *   halt                         bare metal: halt instead of powering off
 * A key given twice: the later value wins. Lists may not be empty or have
 * empty elements. Built into the kernel and into host tests/fuzzers. */
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
#define CMDLINE_ERR_LEN          256u

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
};

/* "serial", "static", "padata", "dynamic", "steal" (the job engine's modes,
 * same order as enum job_mode), NULL-terminated. */
extern const char *const cmdline_engines[];

/* Parses cmdline (NULL or "" gives the defaults) against the table of
 * experiments (at most CMDLINE_MAX_EXPERIMENTS). Returns 0 and fills *out,
 * or -1 with a message in err naming the bad token and the valid choices,
 * e.g. "cmdline: unknown key 'thread' (valid: run variants threads reps
 * verify inject sizes engine quiet halt)". Never reads past the string's
 * NUL or CMDLINE_MAX_LEN bytes. */
int cmdline_parse(const char *cmdline, const struct cmdline_experiment *table,
		  unsigned ntable, struct cmdline_opts *out, char *err,
		  size_t errlen);
#endif
