/* The command line and the experiment loop: parse the options against the
 * registry (bad input: message + status 3), then run the chosen
 * experiments with the resolved thread list, and print the verdict. */
#include "experiments/experiment.h"
#include "experiments/json.h"
#include "boot/boot.h"
#include "drivers/console.h"
#include "drivers/power.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "smp/smp.h"

static struct cmdline_experiment table[CMDLINE_MAX_EXPERIMENTS];
static struct cmdline_opts opts;

const struct cmdline_experiment *exp_cmdline_table(unsigned *n)
{
	for (unsigned i = 0; i < nr_experiments; i++)
		table[i] = (struct cmdline_experiment){ experiments[i]->name,
			experiments[i]->variants, experiments[i]->injects };
	*n = nr_experiments;
	return table;
}

void boot_parse_options(void)
{
	char err[CMDLINE_ERR_LEN];
	unsigned n;
	const struct cmdline_experiment *t = exp_cmdline_table(&n);

	if (cmdline_parse(boot.mb.cmdline, t, n, &opts, err, sizeof(err))) {
		kprintf("%s\n", err);
		boot_fail("command line", "rejected (grammar: docs/cmdline.md)");
	}
	power_set_halt(opts.halt);
	report_set_quiet(opts.quiet);
	if (opts.quiet)
		console_set_fb(false);
}

const char *run_opts_canonical(void)
{
	static char buf[CMDLINE_MAX_LEN];
	unsigned n;
	const struct cmdline_experiment *t = exp_cmdline_table(&n);

	cmdline_format(&opts, t, n, buf, sizeof(buf));
	return buf;
}

static bool opts_inject(const char *f)
{
	for (unsigned i = 0; i < opts.ninjects; i++)
		if (!strcmp(opts.injects[i], f))
			return true;
	return false;
}

/* inject=smp-noap: leave the last MADT CPU that is not us unstarted. */
uint32_t run_opts_skip_apic_id(void)
{
	return opts_inject("smp-noap") ? SMP_SKIP_LAST_AP : UINT32_MAX;
}

bool exp_variant_on(const struct exp_ctx *c, const char *v)
{
	if (!opts.nvariants)
		return true;
	for (unsigned i = 0; i < opts.nvariants; i++)
		if (!strcmp(opts.variants[i], v))
			return true;
	return false;
}

bool exp_variant_named(const struct exp_ctx *c, const char *v)
{
	return opts.nvariants && exp_variant_on(c, v);
}

bool exp_inject(const struct exp_ctx *c, const char *f)
{
	return opts_inject(f);
}

bool exp_verify(const struct exp_ctx *c)
{
	return opts.verify;
}

unsigned exp_reps(const struct exp_ctx *c)
{
	return opts.reps;
}

void exp_log(const struct exp_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (opts.quiet)
		return;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

enum job_mode exp_engine_mode(const struct exp_ctx *c, enum job_mode dflt)
{
	return opts.engine >= 0 ? (enum job_mode)opts.engine : dflt;
}

void exp_json_job_threads(struct json *j, const struct job_stats *s)
{
	json_array_begin(j, "threads_detail");
	for (unsigned t = 0; t < s->nthreads; t++) {
		const struct job_thread_stats *ts = &s->thread[t];

		json_object_begin(j);
		json_u64(j, "cpu", ts->cpu);
		json_u64(j, "node", ts->node);
		json_u64(j, "chunks", ts->chunks);
		json_u64(j, "units", ts->units);
		json_u64(j, "busy_ns", ts->busy_ns);
		json_u64(j, "wait_ns", ts->wait_ns);
		json_u64(j, "t_start", ts->t_start_ns);
		json_u64(j, "t_end", ts->t_end_ns);
		json_object_end(j);
	}
	json_array_end(j);
}

static void add_threads(struct exp_ctx *c, unsigned t)
{
	t = MIN(t, nr_cpus_online);
	for (unsigned i = 0; i < c->nthreads; i++)
		if (c->threads[i] == t)
			return;
	if (c->nthreads < CMDLINE_MAX_THREADS_LIST)
		c->threads[c->nthreads++] = t;
}

/* threads= as given ("max" = all CPUs, counts above it clamped), else
 * 1, 2, 4, ... and all CPUs. */
static void resolve_threads(struct exp_ctx *c)
{
	c->nthreads = 0;
	for (unsigned i = 0; i < opts.nthreads; i++)
		add_threads(c, opts.threads[i] == CMDLINE_THREADS_MAX ?
			    nr_cpus_online : opts.threads[i]);
	if (opts.nthreads)
		return;
	for (unsigned t = 1; t < nr_cpus_online; t *= 2)
		add_threads(c, t);
	add_threads(c, nr_cpus_online);
}

static bool selected(unsigned i)
{
	return opts.run_given ? (opts.run_mask >> i) & 1 : experiments[i]->in_default;
}

int boot_run_experiments(void)
{
	struct exp_ctx ctx = { .opts = &opts };
	int rc = 0;

	resolve_threads(&ctx);
	for (unsigned i = 0; i < nr_experiments; i++) {
		if (!selected(i))
			continue;
		ctx.e = experiments[i];
		exp_log(&ctx, "=== %s: %s\n", ctx.e->name, ctx.e->summary);
		report_prefix_push(ctx.e->name);
		if (ctx.e->run(&ctx))
			rc = -1;
		report_prefix_pop();
	}
	if (report_summary())
		rc = -1;
	kprintf("parinit: verdict %s\n", rc ? "FAIL" : "PASS");
	return rc;
}
