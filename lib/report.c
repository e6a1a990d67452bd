/* report(): see report.h. */
#include "lib/report.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define REPORT_PREFIX_MAX 256
#define REPORT_LINE_MAX   512

static struct spinlock report_lock = SPINLOCK_INIT;
static char prefixes[REPORT_PREFIX_MAX];
static unsigned tests, failures, skips;
static bool quiet;

static void emit(const char *tag, const char *fmt, va_list ap)
{
	char line[REPORT_LINE_MAX];
	int n = ksnprintf(line, sizeof(line), "%s: %s", tag, prefixes);

	if (n < (int)sizeof(line))
		kvsnprintf(line + n, sizeof(line) - n, fmt, ap);
	report_output(line);
}

bool report(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spin_lock(&report_lock);
	tests++;
	if (!cond)
		failures++;
	if (!cond || !quiet)
		emit(cond ? "PASS" : "FAIL", fmt, ap);
	spin_unlock(&report_lock);
	va_end(ap);
	return cond;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spin_lock(&report_lock);
	skips++;
	emit("SKIP", fmt, ap);
	spin_unlock(&report_lock);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	spin_lock(&report_lock);
	if (!quiet)
		emit("INFO", fmt, ap);
	spin_unlock(&report_lock);
	va_end(ap);
}

void report_prefix_push(const char *prefix)
{
	size_t n;

	spin_lock(&report_lock);
	n = strlen(prefixes);
	ksnprintf(prefixes + n, sizeof(prefixes) - n, "%s: ", prefix);
	spin_unlock(&report_lock);
}

void report_prefix_pop(void)
{
	size_t n;

	spin_lock(&report_lock);
	n = strlen(prefixes);
	/* Drop the trailing ": " and then back up to the previous one. */
	if (n >= 2)
		n -= 2;
	while (n >= 2 && !(prefixes[n - 2] == ':' && prefixes[n - 1] == ' '))
		n--;
	if (n < 2)
		n = 0;
	prefixes[n] = 0;
	spin_unlock(&report_lock);
}

void report_set_quiet(bool q)
{
	quiet = q;
}

unsigned report_failures(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED);
}

int report_summary(void)
{
	char line[REPORT_LINE_MAX];

	spin_lock(&report_lock);
	ksnprintf(line, sizeof(line), "SUMMARY: %u tests, %u failed, %u skipped",
		  tests, failures, skips);
	report_output(line);
	spin_unlock(&report_lock);
	return failures ? 1 : 0;
}
