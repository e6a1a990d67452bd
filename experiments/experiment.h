/* Experiments: drivers that run an algorithm from mm/, smp/ or lib/ over
 * the variants, parameters and thread counts the command line chose, time
 * it, verify it and hand the framework one result record per measurement.
 * An experiment never contains the algorithm itself.
 *
 * Adding one (docs/writing-an-experiment.md): `tools/new-experiment NAME`
 * writes experiments/NAME.c from the template and adds one line to
 * experiments/registry.c; nothing else lists experiments.
 *
 * The framework (experiments/run.c, experiments/result.c) parses the
 * command line against the registry, prints the boot line, runs the chosen
 * experiments, prints every record as one JSON line, counts pass, fail and
 * skip through lib/report.h, and prints one closing table for the boot. */
#ifndef EXPERIMENTS_EXPERIMENT_H
#define EXPERIMENTS_EXPERIMENT_H
#include "experiments/machine.h"
#include "lib/cmdline.h"
#include "lib/compiler.h"
#include "lib/json.h"
#include "smp/job.h"

struct exp_ctx;

struct experiment {
	const char *name;
	const char *summary;           /* one line */
	const char *const *variants;   /* NULL-terminated */
	/* Faults injected into its own work (inject=): the verification must
	 * catch each, so the boot fails (a generated QEMU case checks it).
	 * NULL-terminated, may be NULL. */
	const char *const *injects;
	/* Faults the boot acts on before the experiments run (e.g. a CPU left
	 * unstarted): degrade the machine, need cases of their own. */
	const char *const *boot_injects;
	/* Its own keys, NULL-terminated; a key several experiments take is
	 * defined once (experiments/params.h) and pointed at by each. */
	const struct cmdline_param *const *params;
	bool in_default;               /* runs when run= is absent */
	bool opt_in;                   /* never in run=all: only when named */
	/* Runs the experiment; failures are results or report()s. */
	void (*run)(struct exp_ctx *ctx);
};

/* What an experiment is handed: read-only. */
struct exp_ctx {
	const struct experiment *e;
	const struct machine *m;
	const struct cmdline_opts *opts;
	unsigned threads[CMDLINE_MAX_ITEMS];  /* resolved, deduplicated */
	unsigned nthreads;
};

/* The registry (experiments/registry.c), in run order. */
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
/* Whether the running experiment declares key `name`. */
bool exp_declares(const struct exp_ctx *c, const char *name);
/* The value of one of the experiment's keys (given or its default); the
 * key must be in the experiment's params (a bug otherwise: panics). */
const struct cmdline_value *exp_param(const struct exp_ctx *c,
				      const char *name);
/* engine= when given, else the experiment's own default mode. */
enum job_mode exp_engine_mode(const struct exp_ctx *c, enum job_mode dflt);
/* Prints a human line unless `quiet`. */
void exp_log(const struct exp_ctx *c, const char *fmt, ...) __printf(2, 3);

/* ---- results --------------------------------------------------------------
 * One record per measurement:
 *
 *   struct exp_result r = { .variant = "mt", .threads = t, .threads_run = n,
 *                           .bytes = bytes, .ns = ns, .verified = ok,
 *                           .checked = exp_verify(c) };
 *   exp_result_key(&r, "kernel", k->name);
 *   struct json *j = exp_result_begin(c, &r);
 *   json_u64(j, "chunks", chunks);       (fields of its own)
 *   exp_result_end(c, &r);
 *
 * exp_result_begin() starts the JSON line with the contract's fields
 * (experiment, variant, threads, threads_run, bytes or pages, ns,
 * verified, cold, rep and the keys); exp_result_end() prints it, adds the
 * record to the boot's closing table and counts it: PASS when verified,
 * FAIL when checked but not verified (naming r.why), SKIP when not checked
 * (verify=off). A bound is the variant "bound"; `x bound` in the table is
 * time / the bound's time with the same size and threads. */
#define EXP_RESULT_KEYS 2

struct exp_result {
	const char *variant;
	/* Parameters that tell rows apart beyond variant, size and threads
	 * (the kernel's name, a page size): printed in JSON and the table. */
	struct { const char *name, *value; } key[EXP_RESULT_KEYS];
	unsigned threads;       /* asked */
	unsigned threads_run;   /* that ran (0: same as asked) */
	uint64_t bytes;         /* bytes moved, or 0 */
	uint64_t pages;         /* pages handled, or 0 */
	uint64_t ns;
	unsigned rep;
	bool cold;              /* first touch of its memory since boot */
	bool checked;           /* verification ran */
	bool verified;          /* ... and passed */
	const char *why;        /* when checked and not verified */
};

/* Sets the next free key of r; returns r. */
struct exp_result *exp_result_key(struct exp_result *r, const char *name,
				  const char *value);
struct json *exp_result_begin(struct exp_ctx *c, const struct exp_result *r);
void exp_result_end(struct exp_ctx *c, const struct exp_result *r);
/* begin + end, for records without fields of their own. */
void exp_result(struct exp_ctx *c, const struct exp_result *r);

/* Appends "threads_detail":[{cpu,node,chunks,units,busy_ns,wait_ns,
 * t_start,t_end}...] for every thread of a finished job. */
struct job_stats;
void exp_json_job_threads(struct json *j, const struct job_stats *s);

/* The framework's side, for experiments/run.c. */
void exp_table_print(void);
#endif
