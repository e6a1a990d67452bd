/* The experiment runner: parse the command line against the registry (bad
 * input: a message and status 3), print the boot line, run the chosen
 * experiments with the resolved thread list, then the closing table, the
 * summary and the verdict. */
#include "experiments/experiment.h"
#include "experiments/run.h"
#include "arch/x86_64/traps.h"
#include "lib/json.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/memblock.h"
#include "smp/smp.h"

static struct cmdline_experiment table[CMDLINE_MAX_EXPERIMENTS];
static struct cmdline_opts opts;
/* Online CPUs that did not run an empty call in time (answering_cpus). */
static unsigned unresponsive;

/* How long an idle CPU may take to run an empty call: an IPI and a wake
 * from hlt take microseconds, a vCPU descheduled by a loaded host some
 * milliseconds; two seconds means the CPU is hung or its IPIs are lost. */
#define CPU_ANSWER_NS (2000ul * 1000 * 1000)

/* inject= takes both kinds of an experiment's faults. */
static const char *injects[CMDLINE_MAX_EXPERIMENTS][2 * CMDLINE_MAX_INJECTS + 1];

static const char *const *all_injects(unsigned i)
{
	const struct experiment *e = experiments[i];
	unsigned n = 0;

	for (const char *const *f = e->injects; f && *f; f++)
		if (n < 2 * CMDLINE_MAX_INJECTS)
			injects[i][n++] = *f;
	for (const char *const *f = e->boot_injects; f && *f; f++)
		if (n < 2 * CMDLINE_MAX_INJECTS)
			injects[i][n++] = *f;
	injects[i][n] = NULL;
	return injects[i];
}

static void build_table(void)
{
	for (unsigned i = 0; i < nr_experiments; i++) {
		const struct experiment *e = experiments[i];

		table[i] = (struct cmdline_experiment){ e->name, e->variants,
			all_injects(i), e->params, e->in_default, e->opt_in };
	}
}

static bool opts_inject(const char *f)
{
	for (unsigned i = 0; i < opts.ninjects; i++)
		if (!strcmp(opts.injects[i], f))
			return true;
	return false;
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
	return !strcmp(cmdline_choice(&opts, "verify"), "on");
}

unsigned exp_reps(const struct exp_ctx *c)
{
	return (unsigned)cmdline_u64(&opts, "reps", 1);
}

static bool declares(const struct experiment *e, const char *name)
{
	for (const struct cmdline_param *const *p = e->params; p && *p; p++)
		if (!strcmp((*p)->name, name))
			return true;
	return false;
}

bool exp_declares(const struct exp_ctx *c, const char *name)
{
	return declares(c->e, name);
}

const struct cmdline_value *exp_param(const struct exp_ctx *c,
				      const char *name)
{
	if (!declares(c->e, name))
		panic("experiment %s asked for key %s= it does not declare",
		      c->e->name, name);
	return cmdline_get(&opts, name);
}

enum job_mode exp_engine_mode(const struct exp_ctx *c, enum job_mode dflt)
{
	const struct cmdline_value *v = cmdline_get(&opts, "engine");

	return v->set ? (enum job_mode)v->v[0] : dflt;
}

void exp_log(const struct exp_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (cmdline_flag(&opts, "quiet"))
		return;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

static void add_threads(struct exp_ctx *c, unsigned t)
{
	t = MIN(t, nr_cpus_online);
	for (unsigned i = 0; i < c->nthreads; i++)
		if (c->threads[i] == t)
			return;
	if (c->nthreads < CMDLINE_MAX_ITEMS)
		c->threads[c->nthreads++] = t;
}

/* threads= as given ("max" = all CPUs, counts above it clamped), else
 * 1, 2, 4, ... and all CPUs. */
static void resolve_threads(struct exp_ctx *c)
{
	const struct cmdline_value *v = cmdline_get(&opts, "threads");

	c->nthreads = 0;
	for (unsigned i = 0; v->set && i < v->n; i++)
		add_threads(c, v->v[i] == CMDLINE_THREADS_MAX ?
			    nr_cpus_online : (unsigned)v->v[i]);
	if (v->set)
		return;
	for (unsigned t = 1; t < nr_cpus_online; t *= 2)
		add_threads(c, t);
	add_threads(c, nr_cpus_online);
}

/* ---- the boot line and run=list -------------------------------------------- */

static uint64_t node_memory(unsigned nid)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < memblock_memory_count(); i++) {
		const struct memblock_region *r = memblock_memory_region(i);

		if (r->nid == (int)nid)
			sum += r->size;
	}
	return sum;
}

static unsigned node_cpus(unsigned nid)
{
	unsigned n = 0;

	for (unsigned c = 0; c < nr_cpus_online; c++)
		n += smp_cpu(c)->node == nid;
	return n;
}

static void json_nodes(struct json *j, const struct machine *m)
{
	json_array_begin(j, "node_info");
	for (unsigned n = 0; n < m->nodes; n++) {
		json_object_begin(j);
		json_u64(j, "node", n);
		json_u64(j, "cpus", node_cpus(n));
		json_u64(j, "mem_bytes", node_memory(n));
		json_object_end(j);
	}
	json_array_end(j);
}

/* {"experiment":"boot",...}: the machine and the options, the first
 * result line of every boot. */
static void print_boot_line(const struct machine *m, const char *options)
{
	struct json j;

	for (unsigned n = 0; n < m->nodes; n++)
		kprintf("numa: node %u: %u CPUs, %lu MiB\n", n, node_cpus(n),
			node_memory(n) / MiB);
	json_begin(&j, "boot");
	json_u64(&j, "cpus", m->cpus);
	json_u64(&j, "nodes", m->nodes);
	json_u64(&j, "ram_bytes", m->ram_bytes);
	json_u64(&j, "usable_bytes", m->usable_bytes);
	json_u64(&j, "tsc_hz", m->tsc_hz);
	json_str(&j, "tsc_source", m->tsc_source);
	json_bool(&j, "tsc_invariant", m->tsc_invariant);
	json_u64(&j, "ns", m->ready_ns);
	json_u64(&j, "ap_boot_ns", m->ap_boot_ns);
	json_u64(&j, "cpus_failed", m->cpus_failed);
	json_str(&j, "firmware", m->firmware);
	json_str(&j, "loader", m->loader);
	json_str(&j, "memory_map", m->memory_map);
	json_str(&j, "options", options);
	json_str(&j, "build_id", m->build_id);
	json_str(&j, "cpu_vendor", m->cpu_vendor);
	json_str(&j, "cpu_brand", m->cpu_brand);
	json_bool(&j, "acpi", m->acpi);
	json_bool(&j, "x2apic", m->x2apic);
	json_bool(&j, "fb_console", m->fb_console);
	json_bool(&j, "pdpe1gb", m->pdpe1gb);
	json_bool(&j, "avx2", m->avx2);
	json_bool(&j, "nx", m->nx);
	json_u64(&j, "ram_dropped_bytes", m->ram_dropped_bytes);
	json_u64(&j, "cpus_dropped", m->cpus_dropped);
	json_u64(&j, "numa_entries_dropped", m->numa_entries_dropped);
	json_u64(&j, "cpus_late", m->cpus_late);
	json_u64(&j, "cpus_unresponsive", unresponsive);
	json_nodes(&j, m);
	json_end(&j);
}

static const char *type_name(enum cmdline_type t)
{
	static const char *const names[] = { "uint", "size", "choice", "flag",
					     "run", "variants", "inject" };

	return t < ARRAY_SIZE(names) ? names[t] : "?";
}

static void json_param(struct json *j, const struct cmdline_param *p)
{
	char usage[128];

	json_object_begin(j);
	json_str(j, "name", p->name);
	json_str(j, "type", type_name(p->type));
	json_str(j, "usage", cmdline_usage(p, usage, sizeof(usage)));
	json_str(j, "default", p->dflt ? p->dflt : "");
	json_str(j, "help", p->help);
	json_object_end(j);
}

/* run=list: the registry as one JSON line, for tests and tools that must
 * not keep a copy of the names. */
static void print_list(void)
{
	struct json j;

	json_begin(&j, "list");
	json_array_begin(&j, "keys");
	for (const struct cmdline_param *p = cmdline_globals; p->name; p++)
		json_param(&j, p);
	json_array_end(&j);
	json_array_begin(&j, "experiments");
	for (unsigned i = 0; i < nr_experiments; i++) {
		const struct experiment *e = experiments[i];

		json_object_begin(&j);
		json_str(&j, "name", e->name);
		json_str(&j, "summary", e->summary);
		json_bool(&j, "in_default", e->in_default);
		json_bool(&j, "opt_in", e->opt_in);
		json_str_list(&j, "variants", e->variants);
		json_str_list(&j, "injects", e->injects);
		json_str_list(&j, "boot_injects", e->boot_injects);
		json_array_begin(&j, "keys");
		for (const struct cmdline_param *const *p = e->params; p && *p; p++)
			json_param(&j, *p);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_end(&j);
}

/* ---- the run ------------------------------------------------------------------ */

static int parse_options(const struct machine *m, char *canon, size_t len)
{
	char err[CMDLINE_ERR_LEN];

	build_table();
	if (cmdline_parse(m->cmdline, table, nr_experiments, &opts, err,
			  sizeof(err))) {
		kprintf("%s\n", err);
		kprintf("parinit: command line: rejected (grammar: docs/cmdline.md)\n");
		return -1;
	}
	if (cmdline_flag(&opts, "halt") && cmdline_flag(&opts, "reboot")) {
		kprintf("cmdline: 'halt' and 'reboot' exclude each other (after "
			"the verdict: stay halted, or restart)\n");
		kprintf("parinit: command line: rejected (grammar: docs/cmdline.md)\n");
		return -1;
	}
	report_set_quiet(cmdline_flag(&opts, "quiet"));
	cmdline_format(&opts, table, nr_experiments, canon, len);
	return 0;
}

/* Every online CPU must answer before experiments hand it work: one that
 * is hung (interrupts off, stuck in a loop) would otherwise surface as a
 * watchdog panic minutes into an experiment. Named on the console; the
 * boot then fails with status 3. */
static void answering_cpus(void)
{
	unsigned self = smp_this_cpu();

	for (unsigned c = 0; c < nr_cpus_online; c++) {
		if (c == self || smp_ping(c, CPU_ANSWER_NS))
			continue;
		kprintf("parinit: CPU %u (APIC id %u) did not run a call within "
			"%lu ms: hung, or its IPIs are lost; no experiment runs\n",
			c, smp_cpu(c)->apic_id, CPU_ANSWER_NS / 1000000);
		unresponsive++;
	}
}

static void run_one(struct exp_ctx *ctx, const struct experiment *e)
{
	ctx->e = e;
	exp_log(ctx, "=== %s: %s\n", e->name, e->summary);
	report_prefix_push(e->name);
	e->run(ctx);
	report_prefix_pop();
}

int exp_main(const struct machine *m)
{
	static char canon[CMDLINE_MAX_LEN];
	struct exp_ctx ctx = { .m = m, .opts = &opts };
	int rc;

	if (parse_options(m, canon, sizeof(canon))) {
		kprintf("parinit: verdict FAIL\n");
		return -1;
	}
	answering_cpus();
	print_boot_line(m, canon);
	if (unresponsive) {
		kprintf("parinit: verdict FAIL\n");
		return -1;
	}
	if (opts.list) {
		print_list();
		kprintf("parinit: verdict PASS\n");
		return 0;
	}
	resolve_threads(&ctx);
	for (unsigned i = 0; i < nr_experiments; i++)
		if ((opts.run_mask >> i) & 1)
			run_one(&ctx, experiments[i]);
	exp_table_print();
	rc = report_summary() ? -1 : 0;
	kprintf("parinit: verdict %s\n", rc ? "FAIL" : "PASS");
	return rc;
}
