/* The one result path (experiment.h): a record becomes a JSON line, a
 * PASS/FAIL/SKIP count, and a sample in the boot's closing table, whose
 * rows are experiment x variant x keys x size x threads x cold. */
#include "experiments/experiment.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"

#define TABLE_ROWS     256   /* distinct rows kept; more are counted */
#define ROW_SAMPLES    32    /* reps kept per row for the median */
#define KEY_TEXT       48    /* "kernel=avx2 page=2M" */
#define MILLI          1000u

struct table_row {
	const char *experiment, *variant;
	char keys[KEY_TEXT];
	uint64_t bytes, pages;
	unsigned threads, threads_run;
	bool cold;
	unsigned n, failed, skipped;
	uint64_t ns[ROW_SAMPLES];
};

static struct {
	struct table_row rows[TABLE_ROWS];
	unsigned nrows, dropped;
	struct json j;
} T;

struct exp_result *exp_result_key(struct exp_result *r, const char *name,
				  const char *value)
{
	for (unsigned i = 0; i < EXP_RESULT_KEYS; i++)
		if (!r->key[i].name) {
			r->key[i].name = name;
			r->key[i].value = value;
			break;
		}
	return r;
}

static unsigned threads_run(const struct exp_result *r)
{
	return r->threads_run ? r->threads_run : r->threads;
}

struct json *exp_result_begin(struct exp_ctx *c, const struct exp_result *r)
{
	struct json *j = &T.j;

	json_begin(j, c->e->name);
	json_str(j, "variant", r->variant);
	json_u64(j, "threads", r->threads);
	json_u64(j, "threads_run", threads_run(r));
	if (r->bytes || !r->pages)
		json_u64(j, "bytes", r->bytes);
	if (r->pages)
		json_u64(j, "pages", r->pages);
	json_u64(j, "ns", r->ns);
	json_bool(j, "verified", r->checked && r->verified);
	json_bool(j, "checked", r->checked);
	json_bool(j, "cold", r->cold);
	json_u64(j, "rep", r->rep);
	for (unsigned i = 0; i < EXP_RESULT_KEYS && r->key[i].name; i++)
		json_str(j, r->key[i].name, r->key[i].value);
	return j;
}

static void keys_text(const struct exp_result *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < EXP_RESULT_KEYS && r->key[i].name; i++)
		used += ksnprintf(buf + MIN(used, len), len - MIN(used, len),
				  "%s%s=%s", i ? " " : "", r->key[i].name,
				  r->key[i].value);
}

static bool same_row(const struct table_row *t, const char *exp,
		     const struct exp_result *r, const char *keys)
{
	return !strcmp(t->experiment, exp) && !strcmp(t->variant, r->variant) &&
	       !strcmp(t->keys, keys) && t->bytes == r->bytes &&
	       t->pages == r->pages && t->threads == r->threads &&
	       t->cold == r->cold;
}

static struct table_row *find_row(const char *exp, const struct exp_result *r)
{
	char keys[KEY_TEXT];
	struct table_row *t;

	keys_text(r, keys, sizeof(keys));
	for (unsigned i = 0; i < T.nrows; i++)
		if (same_row(&T.rows[i], exp, r, keys))
			return &T.rows[i];
	if (T.nrows == TABLE_ROWS)
		return NULL;
	t = &T.rows[T.nrows++];
	*t = (struct table_row){ .experiment = exp, .variant = r->variant,
		.bytes = r->bytes, .pages = r->pages, .threads = r->threads,
		.cold = r->cold };
	memcpy(t->keys, keys, sizeof(keys));
	return t;
}

static void table_add(const char *exp, const struct exp_result *r)
{
	struct table_row *t = find_row(exp, r);

	if (!t) {
		T.dropped++;
		return;
	}
	t->threads_run = threads_run(r);
	t->failed += r->checked && !r->verified;
	t->skipped += !r->checked;
	if (t->n < ROW_SAMPLES)
		t->ns[t->n++] = r->ns;
}

void exp_result_end(struct exp_ctx *c, const struct exp_result *r)
{
	char keys[KEY_TEXT + 1] = "";

	json_end(&T.j);
	table_add(c->e->name, r);
	if (r->key[0].name) {
		keys[0] = ' ';
		keys_text(r, keys + 1, sizeof(keys) - 1);
	}
	if (!r->checked)
		report_skip("%s%s threads=%u rep=%u: not verified (verify=off)",
			    r->variant, keys, r->threads, r->rep);
	else
		report(r->verified, "%s%s threads=%u rep=%u%s%s", r->variant,
		       keys, r->threads, r->rep, r->verified ? "" : ": ",
		       r->verified ? "" : r->why ? r->why : "not verified");
}

void exp_result(struct exp_ctx *c, const struct exp_result *r)
{
	exp_result_begin(c, r);
	exp_result_end(c, r);
}

/* ---- the closing table ------------------------------------------------------ */

static uint64_t median(const struct table_row *t)
{
	uint64_t v[ROW_SAMPLES];
	unsigned n = t->n;

	memcpy(v, t->ns, n * sizeof(v[0]));
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k && v[k - 1] > v[k]; k--) {
			uint64_t x = v[k];

			v[k] = v[k - 1];
			v[k - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The row that t is compared with: same experiment, size and cold, and
 * either variant "bound" with the same threads (bound) or t's variant and
 * keys with one thread (speedup). */
static const struct table_row *partner(const struct table_row *t, bool bound)
{
	for (unsigned i = 0; i < T.nrows; i++) {
		const struct table_row *p = &T.rows[i];

		if (!p->n || strcmp(p->experiment, t->experiment) ||
		    p->bytes != t->bytes || p->pages != t->pages ||
		    p->cold != t->cold)
			continue;
		if (bound && !strcmp(p->variant, "bound") &&
		    p->threads == t->threads)
			return p;
		if (!bound && !strcmp(p->variant, t->variant) &&
		    !strcmp(p->keys, t->keys) && p->threads == 1)
			return p;
	}
	return NULL;
}

static const char *size_text(const struct table_row *t, char *buf, size_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	uint64_t v = t->pages ? t->pages : t->bytes;
	unsigned u = 0;

	if (!v)
		return "-";
	if (t->pages) {
		ksnprintf(buf, n, "%lu pg", v);
		return buf;
	}
	while (u + 1 < ARRAY_SIZE(units) && v >= KiB && v % KiB == 0) {
		v /= KiB;
		u++;
	}
	ksnprintf(buf, n, "%lu %s", v, units[u]);
	return buf;
}

/* GB/s for bytes (bytes per ns), M pages/s for pages, 3 decimals. */
static const char *rate_text(const struct table_row *t, uint64_t ns,
			     char *buf, size_t n)
{
	char num[24];

	ns = MAX(ns, 1);
	if (!t->pages && !t->bytes)
		return "-";
	if (t->pages)
		ksnprintf(buf, n, "%s Mpg/s",
			  kfmt_fixed(num, sizeof(num), t->pages * MILLI * MILLI / ns, 3));
	else
		ksnprintf(buf, n, "%s GB/s",
			  kfmt_fixed(num, sizeof(num), t->bytes * MILLI / ns, 3));
	return buf;
}

static const char *ratio_text(uint64_t num, uint64_t den, char *buf, size_t n)
{
	if (!den)
		return "-";
	return kfmt_fixed(buf, n, num * 100 / den, 2);
}

static const char *status_text(const struct table_row *t)
{
	return t->failed ? "FAIL" : t->skipped ? "unchecked" : "ok";
}

static void print_row(const struct table_row *t)
{
	const struct table_row *s = partner(t, false), *b = partner(t, true);
	uint64_t med = median(t);
	char ms[24], size[24], rate[32], sp[16], xb[16];

	kprintf("%-7s %-13s %-20s %9s %3u %3u %-4s %4u %11s %16s %7s %7s %s\n",
		t->experiment, t->variant, t->keys[0] ? t->keys : "-",
		size_text(t, size, sizeof(size)), t->threads, t->threads_run,
		t->cold ? "cold" : "warm", t->n,
		kfmt_fixed(ms, sizeof(ms), med / MILLI, 3),
		rate_text(t, med, rate, sizeof(rate)),
		s ? ratio_text(median(s), med, sp, sizeof(sp)) : "-",
		b ? ratio_text(med, median(b), xb, sizeof(xb)) : "-",
		status_text(t));
}

void exp_table_print(void)
{
	if (!T.nrows)
		return;
	kprintf("parinit: results, median of reps; speedup = 1-thread time / "
		"time; x bound = time / bound time (1.00 = at the bound, above "
		"= slower)\n");
	kprintf("%-7s %-13s %-20s %9s %3s %3s %-4s %4s %11s %16s %7s %7s %s\n",
		"exp", "variant", "keys", "size", "thr", "ran", "run", "reps",
		"ms", "rate", "speedup", "x bound", "status");
	for (unsigned i = 0; i < T.nrows; i++)
		print_row(&T.rows[i]);
	if (T.dropped)
		kprintf("parinit: %u results beyond the table's %u rows are in "
			"the JSON lines only\n", T.dropped, TABLE_ROWS);
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
