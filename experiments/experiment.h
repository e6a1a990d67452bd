/* Experiments: drivers that run an algorithm from mm/ or smp/ over the
 * variants and thread counts the command line chose, time it, verify it
 * and print one JSON line per measurement. An experiment never contains the
 * algorithm itself.
 *
 * Registry: experiments/registry.c lists them; `run=` picks by name. */
#ifndef EXPERIMENTS_EXPERIMENT_H
#define EXPERIMENTS_EXPERIMENT_H
#include "lib/compiler.h"
#include "lib/cmdline.h"
#include "smp/job.h"

struct exp_ctx;

struct experiment {
	const char *name;
	const char *summary;
	const char *const *variants;   /* NULL-terminated */
	const char *const *injects;    /* NULL-terminated, may be NULL */
	bool in_default;               /* run when the command line names none */
	/* Returns 0 when every measurement verified, -1 otherwise. */
	int (*run)(struct exp_ctx *ctx);
};

struct exp_ctx {
	const struct experiment *e;
	const struct cmdline_opts *opts;
	unsigned threads[CMDLINE_MAX_THREADS_LIST];  /* resolved, deduplicated */
	unsigned nthreads;
};

extern const struct experiment *const experiments[];
extern const unsigned nr_experiments;

/* Whether the command line selected variant v (default: all). */
bool exp_variant_on(const struct exp_ctx *c, const char *v);
/* Whether variants= names v explicitly (for opt-in variants). */
bool exp_variant_named(const struct exp_ctx *c, const char *v);
/* Whether the command line asked for fault f. */
bool exp_inject(const struct exp_ctx *c, const char *f);
bool exp_verify(const struct exp_ctx *c);
unsigned exp_reps(const struct exp_ctx *c);
/* Prints a human line unless `quiet`. */
void exp_log(const struct exp_ctx *c, const char *fmt, ...) __printf(2, 3);

/* engine= when given, else the experiment's own default mode. */
enum job_mode exp_engine_mode(const struct exp_ctx *c, enum job_mode dflt);
/* Appends "threads_detail":[{cpu,node,chunks,units,busy_ns,wait_ns,
 * t_start,t_end}...] for every thread of a finished job. */
struct json;
struct job_stats;
void exp_json_job_threads(struct json *j, const struct job_stats *s);

/* The cmdline table built from the registry. */
const struct cmdline_experiment *exp_cmdline_table(unsigned *n);
#endif
