/* Host unit tests for lib/cmdline.c: every key with good and bad values,
 * the exact wording of the main error messages, grammar edge cases
 * (whitespace, empty values and elements, overlong tokens and lines,
 * non-ASCII bytes, flags with values, repeated keys), table limits, the
 * canonical formatter, and random token soups through the fuzzer's
 * checker (tests/host/fuzz_cmdline.c, which also provides the table). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cmdline.h"
#include "lib/report.h"

#define SOUPS      20000
#define SOUP_TOKENS 4

const char *cmdline_fuzz_check(const char *line);
extern const struct cmdline_experiment cmdline_fuzz_table[];
extern const unsigned cmdline_fuzz_ntable;

static struct cmdline_opts o;
static char err[CMDLINE_ERR_LEN];

static int parse(const char *line)
{
	return cmdline_parse(line, cmdline_fuzz_table, cmdline_fuzz_ntable, &o,
			     err, sizeof(err));
}

/* Parses line, expecting failure with a message that equals `want` (or,
 * when want starts with '~', contains the rest). */
static bool rejects(const char *line, const char *want)
{
	if (parse(line) != -1) {
		report_info("'%s' was accepted", line);
		return false;
	}
	if (want[0] == '~' ? !strstr(err, want + 1) : strcmp(err, want) != 0) {
		report_info("'%s': got \"%s\"", line, err);
		return false;
	}
	return true;
}

static bool accepts(const char *line)
{
	if (parse(line) == 0)
		return true;
	report_info("'%s' rejected: %s", line, err);
	return false;
}

static bool is_defaults(void)
{
	return !o.run_given && !o.run_mask && !o.nvariants && !o.nthreads &&
	       o.reps == 1 && o.verify && !o.quiet && !o.halt && !o.ninjects &&
	       !o.nsizes && o.engine == -1;
}

static void test_defaults(void)
{
	report_prefix_push("defaults");
	report(accepts(NULL) && is_defaults(), "NULL line");
	report(accepts("") && is_defaults(), "empty line");
	report(accepts(" \t\r\n  ") && is_defaults(), "whitespace only");
	report(accepts("\tquiet\n\nhalt\r") && o.quiet && o.halt && o.reps == 1,
	       "tabs, CR and LF separate tokens");
	report_prefix_pop();
}

static void test_run(void)
{
	report_prefix_push("run");
	report(accepts("run=memmap") && o.run_given && o.run_mask == 2,
	       "one experiment");
	report(accepts("run=fault,smp,copy") && o.run_mask == 0x15,
	       "a list, in any order");
	report(accepts("run=all") && o.run_mask == 0x1f, "all");
	report(accepts("run=copy,all") && o.run_mask == 0x1f, "all in a list");
	report(accepts("run=copy,copy") && o.run_mask == 4, "repeats");
	report(accepts("run=copy run=smp") && o.run_mask == 1, "the later wins");
	report(rejects("run=foo", "cmdline: run=foo: unknown experiment 'foo' "
		       "(valid: smp memmap copy zero fault all)"),
	       "unknown experiment, exact message");
	report(rejects("run=memmap,Copy", "~unknown experiment 'Copy'"),
	       "names are case-sensitive");
	report(rejects("run=", "cmdline: run=: empty value "
		       "(run=<exp>[,<exp>...]|all)"), "empty value");
	report(rejects("run", "cmdline: run: needs a value "
		       "(run=<exp>[,<exp>...]|all)"), "missing value");
	report(rejects("run=copy,", "~empty list element (stray comma?)") &&
	       rejects("run=,copy", "~empty list element") &&
	       rejects("run=copy,,zero", "~empty list element") &&
	       rejects("run=,", "~empty list element"), "stray commas");
	report(rejects("run=copy=1", "~unknown experiment 'copy=1'"),
	       "a second '=' belongs to the value");
	report_prefix_pop();
}

static void test_variants(void)
{
	report_prefix_push("variants");
	report(accepts("variants=padata") && o.nvariants == 1 &&
	       !strcmp(o.variants[0], "padata"), "a variant of some experiment");
	report(o.variants[0] == cmdline_fuzz_table[0].variants[2],
	       "points into the table, not the line");
	report(accepts("run=copy variants=bulk,mt") && o.nvariants == 2 &&
	       !strcmp(o.variants[1], "mt"), "variants of the chosen one");
	report(accepts("variants=bulk run=copy"), "run= may come after");
	report(accepts("variants=serial,serial,padata,serial") &&
	       o.nvariants == 2, "repeats count once");
	report(rejects("run=copy variants=padata",
		       "cmdline: variants=padata: 'padata' is not a variant of "
		       "the experiments in run= (valid: per4k bulk mt "
		       "mt-concurrent mt-busy)"), "not in the chosen experiment");
	report(rejects("variants=bulk run=memmap,zero",
		       "cmdline: variants=bulk: 'bulk' is not a variant of the "
		       "experiments in run= (valid: serial padata node fast bound "
		       "mt serial-nt mt-nt)"),
	       "checked after the whole line; valid list without repeats");
	report(rejects("variants=nope", "~unknown variant 'nope' (valid: serial "
		       "static padata dynamic steal node fast bound per4k"),
	       "unknown variant lists every variant once");
	report(rejects("variants=serial variants=bulk run=smp", "~'bulk' is not"),
	       "the later variants= is the one checked");
	report(accepts("variants=bulk variants=serial run=smp") &&
	       o.nvariants == 1, "the later variants= wins");
	report_prefix_pop();
}

static void test_threads(void)
{
	char line[256];

	report_prefix_push("threads");
	report(accepts("threads=1,2,max") && o.nthreads == 3 && o.threads[0] == 1 &&
	       o.threads[1] == 2 && o.threads[2] == CMDLINE_THREADS_MAX,
	       "1,2,max");
	report(accepts("threads=max") && o.nthreads == 1 &&
	       o.threads[0] == CMDLINE_THREADS_MAX, "max alone");
	report(accepts("threads=4096,007") && o.threads[0] == 4096 &&
	       o.threads[1] == 7, "4096 and leading zeros");
	report(accepts("threads=2,2") && o.nthreads == 2, "repeats kept");
	report(rejects("threads=0", "cmdline: threads=0: '0': thread counts are "
		       "integers 1..4096 or max"), "0");
	report(rejects("threads=4097", "~'4097': thread counts"), "4097");
	report(rejects("threads=1,-2", "~'-2'") && rejects("threads=+2", "~'+2'") &&
	       rejects("threads=2x", "~'2x'") && rejects("threads=MAX", "~'MAX'") &&
	       rejects("threads=0x10", "~'0x10'"), "signs, junk, case, hex");
	report(rejects("threads=99999999999999999999999", "~thread counts"),
	       "overflowing 64 bits");
	strcpy(line, "threads=1");
	for (unsigned i = 2; i <= CMDLINE_MAX_THREADS_LIST; i++)
		sprintf(line + strlen(line), ",%u", i);
	report(accepts(line) && o.nthreads == CMDLINE_MAX_THREADS_LIST,
	       "%u entries", CMDLINE_MAX_THREADS_LIST);
	strcat(line, ",max");
	report(rejects(line, "~more than 16 thread counts"), "one more");
	report(rejects("threads=1,", "~empty list element"), "trailing comma");
	report_prefix_pop();
}

static void test_scalars(void)
{
	report_prefix_push("scalars");
	report(accepts("reps=1000") && o.reps == 1000, "reps=1000");
	report(accepts("reps=5 reps=3") && o.reps == 3, "reps: later wins");
	report(rejects("reps=0", "cmdline: reps=0: must be an integer 1..1000"),
	       "reps=0, exact message");
	report(rejects("reps=1001", "cmdline: reps=1001: must be an integer "
		       "1..1000") && rejects("reps=1e3", "~must be") &&
	       rejects("reps= ", "~empty value (reps=<n>)") &&
	       rejects("reps=18446744073709551617", "~must be an integer"),
	       "reps out of range, non-digits, empty, overflow");
	report(accepts("verify=off") && !o.verify && accepts("verify=on") &&
	       o.verify, "verify on/off");
	report(rejects("verify=yes", "cmdline: verify=yes: must be on or off "
		       "(valid: on off)"), "verify=yes");
	report(accepts("engine=steal") && o.engine == 4 &&
	       !strcmp(cmdline_engines[o.engine], "steal"), "engine=steal");
	report(accepts("engine=serial") && o.engine == 0, "engine=serial");
	report(rejects("engine=fast", "cmdline: engine=fast: unknown engine mode "
		       "(valid: serial static padata dynamic steal)"),
	       "unknown engine");
	report(rejects("engine=serial,static", "~unknown engine mode"),
	       "engine takes one value");
	report_prefix_pop();
}

static void test_flags(void)
{
	report_prefix_push("flags");
	report(accepts("quiet halt quiet") && o.quiet && o.halt, "quiet, halt");
	report(rejects("quiet=1", "cmdline: quiet=1: quiet is a flag and takes "
		       "no value"), "quiet=1");
	report(rejects("halt=", "~halt is a flag"), "halt= (empty value)");
	report(rejects("quiet run=foo", "~unknown experiment") && !o.quiet,
	       "options reset to defaults after an error");
	report_prefix_pop();
}

static void test_inject_sizes(void)
{
	report_prefix_push("inject/sizes");
	report(accepts("inject=smp-noap,copy-flip") && o.ninjects == 2 &&
	       !strcmp(o.injects[1], "copy-flip"), "two faults");
	report(accepts("inject=copy-flip,copy-flip") && o.ninjects == 1,
	       "repeated fault counts once");
	report(rejects("inject=oops", "cmdline: inject=oops: unknown fault 'oops' "
		       "(valid: smp-noap memmap-skip buddy-double buddy-leak "
		       "copy-flip copy-short)"), "unknown fault, exact message");
	report(accepts("sizes=2M,1G,4096,3K,1T") && o.nsizes == 5 &&
	       o.sizes[0] == 2 * MiB && o.sizes[1] == GiB && o.sizes[2] == 4096 &&
	       o.sizes[3] == 3 * KiB && o.sizes[4] == TiB, "suffixes");
	report(rejects("sizes=0", "cmdline: sizes=0: '0': sizes are integers with "
		       "an optional K, M, G or T suffix, 1 to 1T"), "0 bytes");
	report(rejects("sizes=2T", "~'2T'") && rejects("sizes=1025G", "~'1025G'") &&
	       rejects("sizes=1099511627777", "~sizes are"),
	       "above 1 TiB, with and without suffix");
	report(rejects("sizes=M", "~'M'") && rejects("sizes=1.5M", "~'1.5M'") &&
	       rejects("sizes=2m", "~'2m'") && rejects("sizes=2MB", "~'2MB'") &&
	       rejects("sizes=-2M", "~'-2M'"), "no digits, fractions, lower case, "
	       "MB, sign");
	report(rejects("sizes=18446744073709551616", "~sizes are"), "2^64");
	report(accepts("sizes=1,2,3,4,5,6,7,8") && o.nsizes == 8 &&
	       rejects("sizes=1,2,3,4,5,6,7,8,9", "~more than 8 sizes"),
	       "8 sizes fit, 9 do not");
	report(rejects("sizes=2M,", "~empty list element"), "trailing comma");
	report_prefix_pop();
}

static void test_grammar(void)
{
	static char line[CMDLINE_MAX_LEN + 8];

	report_prefix_push("grammar");
	report(rejects("thread=4", "cmdline: unknown key 'thread' (valid: run "
		       "variants threads reps verify inject sizes engine kernel "
		       "quiet halt)"), "unknown key, exact message");
	report(rejects("Quiet", "~unknown key 'Quiet'"), "keys are case-sensitive");
	report(rejects("=4", "~unknown key ''"), "empty key");
	report(rejects("/boot/kernel.elf run=copy", "~unknown key "
		       "'/boot/kernel.elf'"), "a kernel path is not skipped");
	report(rejects("quiet\x01", "cmdline: byte 0x01 at offset 5 is not "
		       "printable ASCII"), "control byte");
	report(rejects("run=c\xc3\xa9", "~byte 0xc3 at offset 5"), "UTF-8 byte");
	report(rejects("quiet \x7f", "~byte 0x7f"), "DEL");
	memset(line, 'a', 600);
	memcpy(line, "run=", 4);
	line[600] = 0;
	report(rejects(line, "~token longer than 512 bytes") &&
	       strstr(err, "aaa...: ") && strlen(err) < 140,
	       "overlong token, quoted short");
	line[CMDLINE_MAX_TOKEN] = 0;
	report(rejects(line, "~unknown experiment"), "%u bytes is not too long",
	       CMDLINE_MAX_TOKEN);
	memset(line, ' ', CMDLINE_MAX_LEN);
	memcpy(line + CMDLINE_MAX_LEN - 6, "quiet", 5);
	line[CMDLINE_MAX_LEN - 1] = 0;
	report(accepts(line) && o.quiet, "a %u-byte line", CMDLINE_MAX_LEN - 1);
	line[CMDLINE_MAX_LEN - 1] = ' ';
	line[CMDLINE_MAX_LEN] = 0;
	report(rejects(line, "cmdline: longer than 4095 bytes"),
	       "a %u-byte line", CMDLINE_MAX_LEN);
	report(accepts("  run=memmap   threads=1,2 \n") && o.run_mask == 2 &&
	       o.nthreads == 2, "a GRUB-style line with extra spaces");
	report_prefix_pop();
}

static void test_err_buffer(void)
{
	struct cmdline_opts p;
	char small[8];

	report_prefix_push("err buffer");
	memset(small, 'x', sizeof(small));
	report(cmdline_parse("run=foo", cmdline_fuzz_table, cmdline_fuzz_ntable,
			     &p, small, sizeof(small)) == -1 &&
	       !strcmp(small, "cmdline"), "truncated to fit, NUL-terminated");
	report(cmdline_parse("run=foo", cmdline_fuzz_table, cmdline_fuzz_ntable,
			     &p, NULL, 0) == -1, "no buffer at all");
	small[0] = 'x';
	report(cmdline_parse("run=copy", cmdline_fuzz_table, cmdline_fuzz_ntable,
			     &p, small, sizeof(small)) == 0 && small[0] == 0,
	       "cleared on success");
	report_prefix_pop();
}

/* Tables at the limits: 32 experiments, 33, a nameless one, and one
 * experiment with more variants than a variants= list can hold. */
static void test_tables(void)
{
	static char names[40][16];
	static const char *vnames[41];
	static struct cmdline_experiment big[CMDLINE_MAX_EXPERIMENTS + 1];
	static char line[512];
	struct cmdline_opts p;
	char e[CMDLINE_ERR_LEN];

	report_prefix_push("tables");
	for (unsigned i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "v%u", i);
		vnames[i] = names[i];
	}
	for (unsigned i = 0; i <= CMDLINE_MAX_EXPERIMENTS; i++)
		big[i] = (struct cmdline_experiment){ names[i], vnames, NULL };
	report(cmdline_parse("run=all", big, CMDLINE_MAX_EXPERIMENTS, &p, e,
			     sizeof(e)) == 0 && p.run_mask == UINT32_MAX,
	       "32 experiments: run=all sets every bit");
	report(cmdline_parse("run=v31", big, CMDLINE_MAX_EXPERIMENTS, &p, e,
			     sizeof(e)) == 0 && p.run_mask == 1u << 31, "bit 31");
	report(cmdline_parse("", big, CMDLINE_MAX_EXPERIMENTS + 1, &p, e,
			     sizeof(e)) == -1 && strstr(e, "at most 32"),
	       "33 experiments rejected: %s", e);
	big[3].name = NULL;
	report(cmdline_parse("", big, 5, &p, e, sizeof(e)) == -1 &&
	       strstr(e, "experiment 3"), "nameless experiment: %s", e);
	big[3].name = names[3];
	strcpy(line, "variants=v0");
	for (int i = 1; i < 33; i++)
		sprintf(line + strlen(line), ",v%d", i);
	report(cmdline_parse(line, big, 1, &p, e, sizeof(e)) == -1 &&
	       strstr(e, "more than 32 names"), "33 variants: %s", e);
	*strrchr(line, ',') = 0;
	report(cmdline_parse(line, big, 1, &p, e, sizeof(e)) == 0 &&
	       p.nvariants == 32, "32 variants fit");
	report(cmdline_parse("inject=x", big, 1, &p, e, sizeof(e)) == -1 &&
	       strstr(e, "unknown fault 'x' (valid:)"),
	       "no faults at all: %s", e);
	report(cmdline_parse("run=x", NULL, 0, &p, e, sizeof(e)) == -1 &&
	       strstr(e, "(valid: all)") &&
	       cmdline_parse("run=all", NULL, 0, &p, e, sizeof(e)) == 0,
	       "empty table");
	report_prefix_pop();
}

static void test_format(void)
{
	static const char *const lines[] = {
		"halt sizes=1048576,3,2048K run=copy,smp reps=3 engine=steal "
		"verify=off threads=max,8 inject=copy-short quiet variants=bulk",
		"run=memmap,smp,copy,zero,fault",
		"variants=serial,mt threads=1 sizes=1T",
	};
	static const char *const canon[] = {
		"run=smp,copy variants=bulk threads=max,8 reps=3 verify=off "
		"inject=copy-short sizes=1M,3,2M engine=steal quiet halt",
		"run=all",
		"variants=serial,mt threads=1 sizes=1T",
	};
	char buf[256], tiny[10];
	bool ok = true;

	report_prefix_push("format");
	report(accepts("") && cmdline_format(&o, cmdline_fuzz_table,
					     cmdline_fuzz_ntable, buf,
					     sizeof(buf)) == 0 && !buf[0],
	       "defaults format as \"\"");
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		int n;

		ok &= accepts(lines[i]);
		n = cmdline_format(&o, cmdline_fuzz_table, cmdline_fuzz_ntable,
				   buf, sizeof(buf));
		if (n != (int)strlen(canon[i]) || strcmp(buf, canon[i])) {
			report_info("got \"%s\"", buf);
			ok = false;
		}
	}
	report(ok, "canonical forms");
	report(cmdline_format(&o, cmdline_fuzz_table, cmdline_fuzz_ntable, tiny,
			      sizeof(tiny)) == -1 && strlen(tiny) == 9 &&
	       !strncmp(tiny, "variants=", 9), "too small: -1, truncated");
	report_prefix_pop();
}

/* Random lines: 1..4 tokens, each a key with 1..3 items from that key's
 * vocabulary (mostly valid, some not), and now and then a corruption. */
struct vocab {
	const char *key;          /* with '=', or a flag */
	const char *items[8];
};

static const struct vocab vocab[] = {
	{ "run=", { "memmap", "copy", "smp", "zero", "fault", "all", "cpy" } },
	{ "variants=", { "serial", "padata", "bulk", "mt", "node", "pf", "x" } },
	{ "threads=", { "1", "2", "max", "4096", "4097", "0", "16" } },
	{ "reps=", { "1", "3", "1000", "0", "1001", "07" } },
	{ "verify=", { "on", "off", "1" } },
	{ "inject=", { "copy-flip", "smp-noap", "buddy-leak", "zero-skip" } },
	{ "sizes=", { "2M", "1G", "1T", "2T", "4096", "3K", "0", "M" } },
	{ "engine=", { "steal", "padata", "serial", "fast" } },
	{ "quiet", { NULL } },
	{ "halt", { NULL } },
};

static uint64_t soup_seed = 0x853c49e6748fea9bull;

static unsigned pick(unsigned n)
{
	soup_seed = soup_seed * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(soup_seed >> 33) % n;
}

static void soup_token(char *line)
{
	static const char *const junk[] = { ",", "=", "", " ", "\t", "x" };
	const struct vocab *v = &vocab[pick(ARRAY_SIZE(vocab))];
	unsigned nitems = 0;

	while (nitems < ARRAY_SIZE(v->items) && v->items[nitems])
		nitems++;
	strcat(line, pick(8) ? " " : "\t");
	strcat(line, v->key);
	for (unsigned i = 0, n = 1 + pick(3); nitems && i < n; i++) {
		if (i)
			strcat(line, ",");
		strcat(line, v->items[pick(nitems)]);
	}
	if (!pick(12))
		strcat(line, junk[pick(ARRAY_SIZE(junk))]);
}

static void test_soups(void)
{
	static char line[512];
	const char *why = NULL;
	unsigned ok = 0;
	int i;

	for (i = 0; i < SOUPS && !why; i++) {
		line[0] = 0;
		for (unsigned t = 0, n = 1 + pick(SOUP_TOKENS); t < n; t++)
			soup_token(line);
		why = cmdline_fuzz_check(line);
		ok += parse(line) == 0;
	}
	report(!why, "random lines: %d checked, %u accepted%s%s", i, ok,
	       why ? ": " : "", why ? why : "");
	report(ok > SOUPS / 10 && ok < SOUPS * 9 / 10, "both outcomes exercised");
}


static void test_kernel_key(void)
{
	char buf[CMDLINE_MAX_LEN];

	report_prefix_push("kernel");
	report(accepts("kernel=nt-avx2") && o.kernel >= 0 &&
	       !strcmp(cmdline_kernels[o.kernel], "nt-avx2"), "kernel=nt-avx2");
	report(rejects("kernel=fast", "cmdline: kernel=fast: unknown copy/fill "
		       "kernel (valid: movsb movsq stosb stosd stosq gpr sse2 "
		       "avx2 nt nt-avx2)"), "unknown kernel, exact message");
	report(accepts("") && o.kernel == -1, "default: measure (-1)");
	report(accepts("kernel=sse2 reps=2") &&
	       cmdline_format(&o, cmdline_fuzz_table, cmdline_fuzz_ntable, buf,
			      sizeof(buf)) > 0 && !strcmp(buf, "reps=2 kernel=sse2"),
	       "formatted back: '%s'", buf);
	report_prefix_pop();
}

int main(void)
{
	report_prefix_push("cmdline");
	test_kernel_key();
	test_defaults();
	test_run();
	test_variants();
	test_threads();
	test_scalars();
	test_flags();
	test_inject_sizes();
	test_grammar();
	test_err_buffer();
	test_tables();
	test_format();
	test_soups();
	return report_summary();
}
