/* kvm-unit-tests style test reporting, shared by in-kernel self-tests and
 * host unit tests.
 *
 *   report(cond, fmt, ...)   prints "PASS: prefix: msg" or "FAIL: ..." and
 *                            counts it; returns cond.
 *   report_skip(fmt, ...)    prints "SKIP: ..." and counts it.
 *   report_prefix_push/pop   a stack of prefixes ("memmap: padata: ").
 *   report_summary()         prints "SUMMARY: N tests, N failed" and returns
 *                            0 when nothing failed, 1 otherwise.
 * Safe from any CPU or thread (one lock). The output goes to
 * report_output(), which the kernel (console) and host (stdout) provide. */
#ifndef LIB_REPORT_H
#define LIB_REPORT_H
#include <stdbool.h>
#include "lib/compiler.h"

bool report(bool cond, const char *fmt, ...) __printf(2, 3);
void report_skip(const char *fmt, ...) __printf(1, 2);
void report_info(const char *fmt, ...) __printf(1, 2);
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
int report_summary(void);
unsigned report_failures(void);
/* Quiet mode prints only failures (passes are still counted). */
void report_set_quiet(bool quiet);

/* Provided by the environment: writes one complete line. */
void report_output(const char *line);
#endif
