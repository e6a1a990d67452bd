/* Host unit tests for lib/cmdline.c: every global key with good and bad
 * values, the experiment keys of the fuzzer's table (sizes= and kernel=,
 * shared by copy and zero), the exact wording of the main error messages,
 * grammar edge cases (whitespace, empty values and elements, overlong
 * tokens and lines, non-ASCII bytes, flags with values, repeated keys),
 * run=list and opt-in experiments, defaults and their normalization, table
 * checks (shared and clashing keys, bad defaults, limits), usage text, the
 * canonical formatter, the accessors, and random token soups through the
 * fuzzer's checker (tests/host/fuzz_cmdline.c, which also provides the
 * table). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/cmdline.h"
#include "lib/report.h"

#define SOUPS      20000
/* Keys of cmdline_globals[], the first opts.keys of every parse (checked
 * against the table in test_usage). */
#define NGLOBALS   12
#define SOUP_TOKENS 4

const char *cmdline_fuzz_check(const char *line);
extern const struct cmdline_experiment cmdline_fuzz_table[];
extern const unsigned cmdline_fuzz_ntable;

/* Experiment bits in the fuzzer's table. */
enum { SMP = 1, MEMMAP = 2, COPY = 4, ZERO = 8, CRASH = 16 };

static struct cmdline_opts o, dflt;
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

static const struct cmdline_value *key(const char *name)
{
	return cmdline_get(&o, name);
}

/* Key `name` holds exactly want[0..n). */
static bool items_are(const char *name, const uint64_t *want, unsigned n)
{
	const struct cmdline_value *v = key(name);

	if (v && v->n == n && !memcmp(v->v, want, n * sizeof(*want)))
		return true;
	report_info("%s: %u items, first %llu", name, v ? v->n : 0,
		    v && v->n ? (unsigned long long)v->v[0] : 0ull);
	return false;
}
#define ITEMS(name, ...)						\
	items_are(name, (const uint64_t[]){ __VA_ARGS__ },		\
		  sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))

static bool given(const char *name)
{
	return key(name)->given;
}

static bool is_defaults(void)
{
	return cmdline_opts_equal(&o, &dflt);
}

/* The canonical form of the last parse equals want. */
static bool formats_as(const char *want)
{
	char buf[512];
	int n = cmdline_format(&o, cmdline_fuzz_table, cmdline_fuzz_ntable, buf,
			       sizeof(buf));

	if (n == (int)strlen(want) && !strcmp(buf, want))
		return true;
	report_info("formatted as \"%s\" (%d), want \"%s\"", buf, n, want);
	return false;
}

static void test_defaults(void)
{
	report_prefix_push("defaults");
	report(cmdline_parse("", cmdline_fuzz_table, cmdline_fuzz_ntable, &dflt,
			     err, sizeof(err)) == 0, "the table is accepted");
	report(accepts(NULL) && is_defaults(), "NULL line");
	report(accepts(" \t\r\n  ") && is_defaults(), "whitespace only");
	report(accepts("") && !o.run_given && !o.list &&
	       o.run_mask == (SMP | MEMMAP) && !o.nvariants && !o.ninjects,
	       "run= absent: the in_default experiments");
	report(ITEMS("reps", 1) && key("reps")->set && !given("reps") &&
	       !strcmp(cmdline_choice(&o, "verify"), "on") &&
	       ITEMS("sizes", 2 * MiB, GiB) && key("sizes")->set,
	       "reps=1 verify=on sizes=2M,1G from the tables");
	report(!key("threads")->set && !key("engine")->set &&
	       !key("kernel")->set && !key("quiet")->set &&
	       !cmdline_choice(&o, "engine") && !cmdline_flag(&o, "halt"),
	       "keys without a default are unset");
	report(accepts("\tquiet\n\nhalt\r") && cmdline_flag(&o, "quiet") &&
	       cmdline_flag(&o, "halt") && ITEMS("reps", 1),
	       "tabs, CR and LF separate tokens");
	report_prefix_pop();
}

static void test_run(void)
{
	report_prefix_push("run");
	report(accepts("run=memmap") && o.run_given && o.run_mask == MEMMAP,
	       "one experiment");
	report(accepts("run=crash,smp,copy") && o.run_mask == (CRASH | SMP | COPY),
	       "a list, in any order");
	report(accepts("run=all") && o.run_mask == 0xf, "all leaves out opt-in crash");
	report(accepts("run=copy,all") && o.run_mask == 0xf, "all in a list");
	report(accepts("run=all,crash") && o.run_mask == 0x1f &&
	       accepts("run=crash,all") && o.run_mask == 0x1f,
	       "an opt-in experiment named beside all");
	report(accepts("run=copy,copy") && o.run_mask == COPY, "repeats");
	report(accepts("run=copy run=smp") && o.run_mask == SMP, "the later wins");
	report(rejects("run=foo", "cmdline: run=foo: unknown experiment 'foo' "
		       "(valid: smp memmap copy zero crash all list)"),
	       "unknown experiment, exact message");
	report(rejects("run=memmap,Copy", "~unknown experiment 'Copy'"),
	       "names are case-sensitive");
	report(rejects("run=", "cmdline: run=: empty value "
		       "(run=<exp>[,<exp>...]|all|list)"), "empty value");
	report(rejects("run", "cmdline: run: needs a value "
		       "(run=<exp>[,<exp>...]|all|list)"), "missing value");
	report(rejects("run=copy,", "~empty list element (stray comma?)") &&
	       rejects("run=,copy", "~empty list element") &&
	       rejects("run=copy,,zero", "~empty list element") &&
	       rejects("run=,", "~empty list element"), "stray commas");
	report(rejects("run=copy=1", "~unknown experiment 'copy=1'"),
	       "a second '=' belongs to the value");
	report_prefix_pop();
}

static void test_list(void)
{
	report_prefix_push("run=list");
	report(accepts("run=list") && o.list && o.run_given && !o.run_mask,
	       "list: runs nothing");
	report(formats_as("run=list"), "formats back");
	report(accepts("run=list,list") && o.list, "repeated");
	report(rejects("run=list,smp", "cmdline: run=list,smp: 'list' cannot be "
		       "combined with experiments") &&
	       rejects("run=all,list", "~cannot be combined"),
	       "not with experiment names or all");
	report(accepts("run=list run=smp") && !o.list && o.run_mask == SMP &&
	       accepts("run=smp run=list") && o.list && !o.run_mask,
	       "the later run= wins");
	report(rejects("run=list kernel=sse2", "~no experiment in run= takes "
		       "kernel"), "an experiment key with list");
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
	report(accepts("variants=pf"), "run= absent: any experiment's variant");
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
	report(rejects("variants=nope", "cmdline: variants=nope: unknown variant "
		       "'nope' (valid: serial static padata dynamic steal barrier "
		       "locks node fast bound per4k bulk mt mt-concurrent mt-busy "
		       "serial-nt mt-nt pf ud overflow nx panic)"),
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
	report(accepts("threads=1,2,max") && given("threads") &&
	       ITEMS("threads", 1, 2, CMDLINE_THREADS_MAX), "1,2,max");
	report(accepts("threads=max") && ITEMS("threads", CMDLINE_THREADS_MAX),
	       "max alone");
	report(accepts("threads=4096,007") && ITEMS("threads", 4096, 7),
	       "4096 and leading zeros");
	report(accepts("threads=2,2") && ITEMS("threads", 2, 2), "repeats kept");
	report(rejects("threads=0", "cmdline: threads=0: '0': threads are "
		       "integers 1..4096 or max"), "0, exact message");
	report(rejects("threads=4097", "~'4097': threads are"), "4097");
	report(rejects("threads=1,-2", "~'-2'") && rejects("threads=+2", "~'+2'") &&
	       rejects("threads=2x", "~'2x'") && rejects("threads=MAX", "~'MAX'") &&
	       rejects("threads=0x10", "~'0x10'"), "signs, junk, case, hex");
	report(rejects("threads=99999999999999999999999", "~threads are"),
	       "overflowing 64 bits");
	strcpy(line, "threads=1");
	for (unsigned i = 2; i <= CMDLINE_MAX_ITEMS; i++)
		sprintf(line + strlen(line), ",%u", i);
	report(accepts(line) && key("threads")->n == CMDLINE_MAX_ITEMS,
	       "%u entries", CMDLINE_MAX_ITEMS);
	strcat(line, ",max");
	report(rejects(line, "~: more than 16 values"), "one more");
	report(rejects("threads=1,", "~empty list element (stray comma?) "
		       "(threads=<n|max>[,...])"), "trailing comma");
	report_prefix_pop();
}

static void test_scalars(void)
{
	report_prefix_push("scalars");
	report(accepts("reps=1000") && ITEMS("reps", 1000) &&
	       cmdline_u64(&o, "reps", 0) == 1000, "reps=1000");
	report(accepts("reps=5 reps=3") && ITEMS("reps", 3), "reps: later wins");
	report(rejects("reps=0", "cmdline: reps=0: must be an integer 1..1000"),
	       "reps=0, exact message");
	report(rejects("reps=1001", "cmdline: reps=1001: must be an integer "
		       "1..1000") && rejects("reps=1e3", "~must be") &&
	       rejects("reps= ", "~empty value (reps=<n>)") &&
	       rejects("reps=18446744073709551617", "~must be an integer"),
	       "reps out of range, non-digits, empty, overflow");
	report(rejects("reps=1,2", "cmdline: reps=1,2: must be an integer "
		       "1..1000"), "a single-valued key takes no list");
	report(rejects("reps", "cmdline: reps: needs a value (reps=<n>)"),
	       "reps without a value");
	report(accepts("verify=off") && !strcmp(cmdline_choice(&o, "verify"),
						"off") && given("verify") &&
	       accepts("verify=on") && !strcmp(cmdline_choice(&o, "verify"), "on"),
	       "verify on/off");
	report(rejects("verify=yes", "cmdline: verify=yes: must be on or off "
		       "(valid: on off)"), "verify=yes");
	report(accepts("engine=steal") && cmdline_u64(&o, "engine", 9) == 4 &&
	       !strcmp(cmdline_choice(&o, "engine"), "steal"), "engine=steal");
	report(accepts("engine=serial") && ITEMS("engine", 0) && given("engine"),
	       "engine=serial (index 0, given: there is no default)");
	report(rejects("engine=fast", "cmdline: engine=fast: unknown engine "
		       "'fast' (valid: serial static padata dynamic steal)"),
	       "unknown engine");
	report(rejects("engine=serial,static", "~unknown engine 'serial,static'"),
	       "engine takes one value");
	report_prefix_pop();
}

static void test_flags(void)
{
	report_prefix_push("flags");
	report(accepts("quiet halt quiet") && cmdline_flag(&o, "quiet") &&
	       cmdline_flag(&o, "halt") && ITEMS("quiet", 1), "quiet, halt");
	report(rejects("quiet=1", "cmdline: quiet=1: quiet is a flag and takes "
		       "no value"), "quiet=1");
	report(rejects("halt=", "~halt is a flag"), "halt= (empty value)");
	report(accepts("reboot console=ttyS2 exit=acpi") &&
	       cmdline_flag(&o, "reboot") &&
	       !strcmp(cmdline_choice(&o, "console"), "ttyS2") &&
	       cmdline_u64(&o, "console", 9) == 2 &&
	       cmdline_u64(&o, "exit", 9) == 2,
	       "reboot, console=ttyS2, exit=acpi (choice index = port index)");
	report(accepts("") && !strcmp(cmdline_choice(&o, "console"), "ttyS0") &&
	       !strcmp(cmdline_choice(&o, "exit"), "auto") &&
	       !cmdline_flag(&o, "reboot"), "console, exit, reboot defaults");
	report(rejects("console=ttyS4", "~console=ttyS4") &&
	       rejects("console=com1", "~ttyS0") &&
	       rejects("exit=s5", "~(valid: auto port acpi)") &&
	       rejects("console=ttyS0,ttyS1", "~console"),
	       "console= and exit= outside their choices");
	report(rejects("quiet reps=5 run=foo", "~unknown experiment") &&
	       is_defaults(), "options reset to the defaults after an error");
	report(rejects("quiet run=copy sizes=1", "~multiple of") && is_defaults(),
	       "also after a late error (sizes= was parsed)");
	report_prefix_pop();
}

static void test_inject(void)
{
	report_prefix_push("inject");
	report(accepts("inject=smp-noap,copy-flip") && o.ninjects == 2 &&
	       !strcmp(o.injects[1], "copy-flip") && given("inject"),
	       "two faults");
	report(accepts("inject=copy-flip,copy-flip") && o.ninjects == 1,
	       "repeated fault counts once");
	report(rejects("inject=oops", "cmdline: inject=oops: unknown fault 'oops' "
		       "(valid: smp-noap memmap-skip buddy-double buddy-leak "
		       "copy-flip copy-short zero-skip)"),
	       "unknown fault, exact message");
	report_prefix_pop();
}

static void test_sizes(void)
{
	report_prefix_push("sizes");
	report(accepts("run=copy sizes=2M,1G,4096,12K,1T") &&
	       ITEMS("sizes", 2 * MiB, GiB, 4096, 12 * KiB, TiB) &&
	       given("sizes"), "suffixes");
	report(accepts("run=zero sizes=8K") && ITEMS("sizes", 8 * KiB),
	       "zero takes the same key");
	report(rejects("run=copy sizes=1", "cmdline: sizes=1: '1': must be a "
		       "multiple of 4K"), "alignment, exact message");
	report(rejects("run=copy sizes=4097", "~'4097': must be a multiple of 4K") &&
	       rejects("run=copy sizes=2M,3K", "~'3K': must be a multiple") &&
	       rejects("run=copy sizes=1099511627777", "~multiple of 4K"),
	       "alignment: bytes, suffixed, large");
	report(rejects("run=copy sizes=0", "cmdline: sizes=0: '0': sizes are "
		       "integers with an optional K, M, G or T suffix, 4K to 1T"),
	       "0 bytes: the message gives the key's range");
	report(rejects("run=copy sizes=2T", "~'2T'") &&
	       rejects("run=copy sizes=1025G", "~'1025G': sizes are") &&
	       rejects("run=copy sizes=1099511631872", "~4K to 1T"),
	       "above 1 TiB, with and without suffix");
	report(rejects("run=copy sizes=M", "~'M': sizes are") &&
	       rejects("run=copy sizes=1.5M", "~'1.5M'") &&
	       rejects("run=copy sizes=2m", "~'2m'") &&
	       rejects("run=copy sizes=2MB", "~'2MB'") &&
	       rejects("run=copy sizes=-2M", "~'-2M'"),
	       "no digits, fractions, lower case, MB, sign");
	report(rejects("run=copy sizes=18446744073709551616", "~sizes are") &&
	       rejects("run=copy sizes=18014398509481984K", "~sizes are"),
	       "2^64, and 2^64 after the suffix");
	report(accepts("run=copy sizes=4K,8K,12K,16K,20K,24K,28K,32K") &&
	       key("sizes")->n == 8 &&
	       rejects("run=copy sizes=4K,8K,12K,16K,20K,24K,28K,32K,36K",
		       "~: more than 8 values"), "8 sizes fit, 9 do not");
	report(rejects("run=copy sizes=2M,", "cmdline: sizes=2M,: empty list "
		       "element (stray comma?) (sizes=<n[K|M|G|T]>[,...])"),
	       "trailing comma");
	report_prefix_pop();
}

static void test_kernel(void)
{
	report_prefix_push("kernel");
	report(accepts("run=copy kernel=nt-avx2") &&
	       !strcmp(cmdline_choice(&o, "kernel"), "nt-avx2"), "kernel=nt-avx2");
	report(accepts("run=zero kernel=stosb") && ITEMS("kernel", 2),
	       "stored as the index");
	report(rejects("run=copy kernel=fast", "cmdline: kernel=fast: unknown "
		       "kernel 'fast' (valid: movsb movsq stosb stosd stosq gpr "
		       "sse2 avx2 nt nt-avx2)"), "unknown kernel, exact message");
	report(accepts("") && !key("kernel")->set &&
	       !cmdline_choice(&o, "kernel"), "default: none (measure)");
	report(accepts("kernel=sse2 reps=2 run=copy") &&
	       formats_as("run=copy reps=2 kernel=sse2"), "formatted back");
	report_prefix_pop();
}

/* An experiment key means nothing to an experiment that does not run. */
static void test_key_not_in_run(void)
{
	report_prefix_push("experiment keys");
	report(rejects("sizes=2M", "cmdline: sizes=2M: no experiment in run= "
		       "takes sizes (it belongs to: copy zero)"),
	       "run= absent: not a default experiment's key");
	report(rejects("run=smp,memmap kernel=gpr", "cmdline: kernel=gpr: no "
		       "experiment in run= takes kernel (it belongs to: copy zero)"),
	       "run= without copy or zero");
	report(rejects("run=smp sizes=2M,1G", "~no experiment in run= takes sizes"),
	       "even when the value is the default");
	report(rejects("sizes=1G run=smp sizes=2M", "cmdline: sizes=2M: no "
		       "experiment in run= takes sizes (it belongs to: copy zero)"),
	       "quotes the last token");
	report(accepts("sizes=2M run=zero") && ITEMS("sizes", 2 * MiB),
	       "run= may come after the key");
	report(accepts("run=all sizes=64K kernel=avx2"), "run=all takes them");
	report_prefix_pop();
}

/* given is cleared when the value equals the default, so that the
 * canonical form leaves defaults out. */
static void test_normalize(void)
{
	report_prefix_push("normalize");
	report(accepts("reps=1 verify=on") && !given("reps") && !given("verify") &&
	       key("reps")->set && formats_as(""), "reps=1 verify=on");
	report(accepts("run=copy sizes=2M,1G") && !given("sizes") &&
	       ITEMS("sizes", 2 * MiB, GiB) && formats_as("run=copy"),
	       "sizes= at its default");
	report(accepts("run=copy sizes=2048K,1024M") && !given("sizes"),
	       "the same sizes written differently");
	report(accepts("run=copy sizes=1G,2M") && given("sizes") &&
	       formats_as("run=copy sizes=1G,2M"), "order matters");
	report(accepts("run=copy sizes=2M") && given("sizes"), "a prefix of it");
	report(accepts("reps=2 reps=1") && !given("reps") &&
	       accepts("reps=1 reps=2") && given("reps"), "the later value counts");
	report(accepts("run=smp,memmap") && o.run_given &&
	       formats_as("run=smp,memmap"),
	       "run= is kept even when it names the default set");
	report_prefix_pop();
}

static void test_grammar(void)
{
	static char line[CMDLINE_MAX_LEN + 8];

	report_prefix_push("grammar");
	report(rejects("thread=4", "cmdline: unknown key 'thread' (valid: run "
		       "variants threads reps verify inject engine quiet halt "
		       "reboot console exit sizes kernel)"), "unknown key, exact message");
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
	report(rejects(line, "~unknown experiment 'aaa") && strlen(err) < 240,
	       "%u bytes is not too long; the name is quoted short",
	       CMDLINE_MAX_TOKEN);
	memset(line, ' ', CMDLINE_MAX_LEN);
	memcpy(line + CMDLINE_MAX_LEN - 6, "quiet", 5);
	line[CMDLINE_MAX_LEN - 1] = 0;
	report(accepts(line) && cmdline_flag(&o, "quiet"), "a %u-byte line",
	       CMDLINE_MAX_LEN - 1);
	line[CMDLINE_MAX_LEN - 1] = ' ';
	line[CMDLINE_MAX_LEN] = 0;
	report(rejects(line, "cmdline: longer than 4095 bytes"),
	       "a %u-byte line", CMDLINE_MAX_LEN);
	report(accepts("  run=memmap   threads=1,2 \n") && o.run_mask == MEMMAP &&
	       ITEMS("threads", 1, 2), "a GRUB-style line with extra spaces");
	report_prefix_pop();
}

/* Whatever the tables hold, the unknown-key message lists every key (a
 * rejected line leaves the options at the defaults, with every key). */
static void test_unknown_key_lists_all(void)
{
	bool ok = rejects("nosuchkey", "~unknown key 'nosuchkey' (valid: run ");

	for (unsigned k = 0; ok && k < o.nkeys; k++) {
		char word[64];

		snprintf(word, sizeof(word), " %s%s", o.keys[k].def->name,
			 k + 1 < o.nkeys ? " " : ")");
		ok = strstr(err, word) != NULL;
		if (!ok)
			report_info("'%s' missing in \"%s\"", word, err);
	}
	report(ok && o.nkeys == NGLOBALS + 2, "unknown key: all %u keys listed", o.nkeys);
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

/* --- tables --- */

static struct cmdline_opts p;
static char e[CMDLINE_ERR_LEN];

static int parse_with(const struct cmdline_experiment *t, unsigned n,
		      const char *line)
{
	return cmdline_parse(line, t, n, &p, e, sizeof(e));
}

/* The table is rejected with a message containing want. */
static bool table_rejected(const struct cmdline_experiment *t, unsigned n,
			   const char *want)
{
	if (parse_with(t, n, "") == -1 && strstr(e, want) && !p.nkeys)
		return true;
	report_info("got \"%s\"", e);
	return false;
}

/* Tables at the limits: 32 experiments, 33, a nameless one, and one
 * experiment with more variants than a variants= list can hold. */
static void test_table_limits(void)
{
	static char names[40][16];
	static const char *vnames[41];
	static struct cmdline_experiment big[CMDLINE_MAX_EXPERIMENTS + 1];
	static char line[512];

	report_prefix_push("tables");
	for (unsigned i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "v%u", i);
		vnames[i] = names[i];
	}
	for (unsigned i = 0; i <= CMDLINE_MAX_EXPERIMENTS; i++)
		big[i] = (struct cmdline_experiment){ names[i], vnames, NULL,
						      NULL, false, false };
	report(parse_with(big, CMDLINE_MAX_EXPERIMENTS, "run=all") == 0 &&
	       p.run_mask == UINT32_MAX, "32 experiments: run=all sets every bit");
	report(parse_with(big, CMDLINE_MAX_EXPERIMENTS, "run=v31") == 0 &&
	       p.run_mask == 1u << 31, "bit 31");
	report(table_rejected(big, CMDLINE_MAX_EXPERIMENTS + 1, "at most 32"),
	       "33 experiments rejected");
	big[3].name = NULL;
	report(table_rejected(big, 5, "experiment 3 in the table has no name"),
	       "nameless experiment");
	big[3].name = names[3];
	strcpy(line, "variants=v0");
	for (int i = 1; i < 33; i++)
		sprintf(line + strlen(line), ",v%d", i);
	report(parse_with(big, 1, line) == -1 && strstr(e, "more than 32 names"),
	       "33 variants: %s", e);
	*strrchr(line, ',') = 0;
	report(parse_with(big, 1, line) == 0 && p.nvariants == 32,
	       "32 variants fit");
	report(parse_with(big, 1, "inject=x") == -1 &&
	       strstr(e, "unknown fault 'x' (valid:)"), "no faults at all: %s", e);
	report(parse_with(NULL, 0, "run=x") == -1 && strstr(e, "(valid: all list)") &&
	       parse_with(NULL, 0, "run=all") == 0 && !p.run_mask,
	       "empty table");
	big[2].opt_in = big[2].in_default = true;
	report(parse_with(big, 4, "run=all") == 0 && p.run_mask == 0xb &&
	       parse_with(big, 4, "") == 0 && p.run_mask == 4,
	       "opt_in and in_default from the table");
	report_prefix_pop();
}

static const char *const k1[] = { "a", "b", NULL };
static const char *const k2[] = { "a", "c", NULL };
static const struct cmdline_param kern1 = {
	.name = "kernel", .type = CMDLINE_CHOICE, .max_items = 1, .choices = k1,
};
static const struct cmdline_param kern2 = {
	.name = "kernel", .type = CMDLINE_CHOICE, .max_items = 1, .choices = k2,
};

/* A one-experiment table "x" declaring param q. */
static bool one_key_rejected(const struct cmdline_param *q, const char *want)
{
	const struct cmdline_param *const params[] = { q, NULL };
	const struct cmdline_experiment t[] = {
		{ "x", NULL, NULL, params, false, false },
	};

	return table_rejected(t, 1, want);
}

static void test_table_keys(void)
{
	const struct cmdline_experiment *copy = &cmdline_fuzz_table[2];
	const struct cmdline_experiment *zero = &cmdline_fuzz_table[3];
	const struct cmdline_param *const p1[] = { &kern1, NULL };
	const struct cmdline_param *const p2[] = { &kern2, NULL };
	const struct cmdline_param *const twice[] = { &kern1, &kern1, NULL };
	const struct cmdline_experiment clash[] = {
		{ "copy", NULL, NULL, p1, false, false },
		{ "zero", NULL, NULL, p2, false, false },
	};
	const struct cmdline_experiment shared[] = {
		{ "copy", NULL, NULL, p1, false, false },
		{ "zero", NULL, NULL, twice, false, false },
	};
	struct cmdline_param q = { .name = "reps", .type = CMDLINE_UINT,
				   .max_items = 1, .hi = 9 };

	report_prefix_push("table keys");
	report(accepts("") && o.nkeys == NGLOBALS + 2 &&
	       o.keys[NGLOBALS].def == copy->params[0] &&
	       o.keys[NGLOBALS + 1].def == copy->params[1],
	       "globals, then copy's keys in copy's order");
	report(copy->params[0] == zero->params[1] &&
	       cmdline_get(&o, "sizes")->def == zero->params[1],
	       "copy and zero share one sizes= definition");
	report(parse_with(shared, 2, "run=zero kernel=b") == 0 && p.nkeys == NGLOBALS + 1 &&
	       cmdline_get(&p, "kernel")->v[0] == 1, "one key, listed 3 times");
	report(table_rejected(clash, 2, "cmdline: experiment 'zero' declares "
			      "kernel= differently from 'copy' (share one "
			      "definition)"), "a clashing definition rejected");
	report(one_key_rejected(&q, "cmdline: experiment 'x' declares reps=, a "
				"global key"), "clash with a global key");
	q = (struct cmdline_param){ .name = "sizes", .type = CMDLINE_SIZE,
				    .max_items = 2, .lo = 4096, .hi = TiB,
				    .align = 4096, .dflt = "1" };
	report(one_key_rejected(&q, "cmdline: default sizes=1: '1': must be a "
				"multiple of 4K"), "a bad default rejected");
	q.dflt = "3X";
	report(one_key_rejected(&q, "default sizes=3X: '3X': sizes are"),
	       "a malformed default");
	q.dflt = "";
	report(one_key_rejected(&q, "default sizes=: empty value"), "an empty one");
	q.dflt = "4K,8K,12K";
	report(one_key_rejected(&q, "more than 2 values"), "too many items");
	q.dflt = NULL;
	q.max_items = 0;
	report(one_key_rejected(&q, "key 'sizes' has max_items outside "
				"1..CMDLINE_MAX_ITEMS"), "max_items 0");
	q.max_items = CMDLINE_MAX_ITEMS + 1;
	report(one_key_rejected(&q, "max_items outside"), "max_items 17");
	q = (struct cmdline_param){ .name = "fast", .type = CMDLINE_FLAG,
				    .dflt = "1" };
	report(one_key_rejected(&q, "key 'fast' is a flag with a default"),
	       "a flag with a default");
	q = (struct cmdline_param){ .name = "xrun", .type = CMDLINE_RUN };
	report(one_key_rejected(&q, "only global keys may have"),
	       "a global-only type");
	q.name = "";
	report(one_key_rejected(&q, "has no name"), "an empty name");
	report_prefix_pop();
}

/* More distinct keys than opts.keys can hold. */
static void test_too_many_keys(void)
{
	static struct cmdline_param many[CMDLINE_MAX_KEYS];
	static const struct cmdline_param *ptrs[CMDLINE_MAX_KEYS + 1];
	static char names[CMDLINE_MAX_KEYS][8];
	const struct cmdline_experiment t[] = {
		{ "x", NULL, NULL, ptrs, false, false },
	};
	unsigned room = CMDLINE_MAX_KEYS - NGLOBALS;	/* after the globals */

	for (unsigned i = 0; i < CMDLINE_MAX_KEYS; i++) {
		snprintf(names[i], sizeof(names[i]), "k%u", i);
		many[i] = (struct cmdline_param){ .name = names[i],
						  .type = CMDLINE_FLAG };
		ptrs[i] = &many[i];
	}
	ptrs[room] = NULL;
	report(parse_with(t, 1, "run=x k0") == 0 && p.nkeys == CMDLINE_MAX_KEYS,
	       "tables: %u keys fit", CMDLINE_MAX_KEYS);
	ptrs[room] = &many[room];
	report(table_rejected(t, 1, "cmdline: more than 48 keys"),
	       "tables: %u do not", CMDLINE_MAX_KEYS + 1);
}

/* Keys of every type an experiment may declare: a choice list, a flag,
 * a number with a word. */
static void test_experiment_types(void)
{
	static const char *const m[] = { "a", "b", "c", NULL };
	static const struct cmdline_param modes = {
		.name = "modes", .type = CMDLINE_CHOICE, .max_items = 2,
		.choices = m, .dflt = "b",
	};
	static const struct cmdline_param fast = {
		.name = "fast", .type = CMDLINE_FLAG,
	};
	static const struct cmdline_param depth = {
		.name = "depth", .type = CMDLINE_UINT, .max_items = 1,
		.lo = 2, .hi = 9, .word = "auto",
	};
	static const struct cmdline_param *const params[] = {
		&modes, &fast, &depth, NULL
	};
	static const struct cmdline_experiment t[] = {
		{ "x", NULL, NULL, params, true, false },
	};
	char buf[128];

	report_prefix_push("experiment types");
	report(parse_with(t, 1, "modes=c,a,c fast depth=auto") == 0 &&
	       cmdline_get(&p, "modes")->n == 2 &&
	       cmdline_get(&p, "modes")->v[1] == 0 && cmdline_flag(&p, "fast") &&
	       cmdline_u64(&p, "depth", 7) == 0, "a choice list, a flag, a word");
	report(cmdline_format(&p, t, 1, buf, sizeof(buf)) > 0 &&
	       !strcmp(buf, "modes=c,a fast depth=auto"), "formatted: %s", buf);
	report(parse_with(t, 1, "modes=a,b,c") == -1 &&
	       strstr(e, "modes=a,b,c: more than 2 values"), "too many choices");
	report(parse_with(t, 1, "modes=a,x") == -1 &&
	       !strcmp(e, "cmdline: modes=a,x: unknown modes 'x' (valid: a b c)"),
	       "an unknown choice in a list: %s", e);
	report(parse_with(t, 1, "depth=1") == -1 &&
	       !strcmp(e, "cmdline: depth=1: must be an integer 2..9 or auto"),
	       "a number out of range: %s", e);
	report(parse_with(t, 1, "fast=1") == -1 && strstr(e, "fast is a flag"),
	       "an experiment flag with a value");
	report(parse_with(t, 1, "modes=b") == 0 &&
	       !cmdline_get(&p, "modes")->given &&
	       !strcmp(cmdline_choice(&p, "modes"), "b"), "a choice default");
	report_prefix_pop();
}

static void test_usage(void)
{
	static const char *const want[] = {
		"run=<exp>[,<exp>...]|all|list", "variants=<v>[,<v>...]",
		"threads=<n|max>[,...]", "reps=<n>", "verify=on|off",
		"inject=<fault>[,...]",
		"engine=serial|static|padata|dynamic|steal", "quiet", "halt",
		"reboot", "console=ttyS0|ttyS1|ttyS2|ttyS3", "exit=auto|port|acpi",
		"sizes=<n[K|M|G|T]>[,...]",
		"kernel=movsb|movsq|stosb|stosd|stosq|gpr|sse2|avx2|nt|nt-avx2",
	};
	char buf[128], tiny[6];
	bool ok = accepts("") && o.nkeys == ARRAY_SIZE(want);

	report_prefix_push("usage");
	for (unsigned k = 0; ok && k < o.nkeys; k++) {
		const char *u = cmdline_usage(o.keys[k].def, buf, sizeof(buf));

		ok = u == buf && !strcmp(buf, want[k]);
		if (!ok)
			report_info("%s: got \"%s\"", want[k], buf);
	}
	report(ok, "every key's usage, generated from its type");
	for (unsigned k = 0; k < NGLOBALS; k++)
		ok &= cmdline_globals[k].name && cmdline_globals[k].help &&
		      o.keys[k].def == &cmdline_globals[k];
	report(ok && !cmdline_globals[NGLOBALS].name,
	       "cmdline_globals: %u keys with help, in opts.keys order",
	       NGLOBALS);
	report(!strcmp(cmdline_usage(&cmdline_globals[2], tiny, sizeof(tiny)),
		       "threa"), "truncated to fit");
	report(rejects("engine", "cmdline: engine: needs a value "
		       "(engine=serial|static|padata|dynamic|steal)"),
	       "in the needs-a-value message");
	report_prefix_pop();
}

static void test_accessors(void)
{
	struct cmdline_opts a;

	report_prefix_push("accessors");
	report(accepts("") && !cmdline_get(&o, "nope") &&
	       cmdline_u64(&o, "nope", 42) == 42 && !cmdline_choice(&o, "nope") &&
	       !cmdline_flag(&o, "nope"), "unknown names");
	report(cmdline_u64(&o, "threads", 77) == 77 &&
	       cmdline_u64(&o, "reps", 77) == 1, "unset: dflt; default: its value");
	report(!cmdline_choice(&o, "reps") && !cmdline_choice(&o, "engine"),
	       "cmdline_choice: not a choice, or unset");
	report(accepts("reps=3") && (a = o, accepts("reps=3")) &&
	       cmdline_opts_equal(&a, &o), "equal: two parses of one line");
	report(accepts("reps=4") && !cmdline_opts_equal(&a, &o) &&
	       accepts("run=copy reps=3 sizes=8K") && !cmdline_opts_equal(&a, &o) &&
	       accepts("run=list") && !cmdline_opts_equal(&dflt, &o),
	       "not equal: a value, an experiment key, list");
	report_prefix_pop();
}

static void test_format(void)
{
	static const char *const lines[] = {
		"halt sizes=1048576,12K,2048K run=copy,smp reps=3 engine=steal "
		"verify=off threads=max,8 inject=copy-short quiet variants=bulk "
		"kernel=avx2",
		"run=memmap,smp,copy,zero",
		"run=memmap,smp,copy,zero,crash",
		"run=crash,zero",
		"variants=serial,mt threads=1",
		"run=copy sizes=1T,4096,3G",
	};
	static const char *const canon[] = {
		"run=smp,copy variants=bulk threads=max,8 reps=3 verify=off "
		"inject=copy-short engine=steal quiet halt sizes=1M,12K,2M "
		"kernel=avx2",
		"run=all",
		"run=all,crash",
		"run=zero,crash",
		"variants=serial,mt threads=1",
		"run=copy sizes=1T,4K,3G",
	};
	char tiny[10];
	bool ok = true;

	report_prefix_push("format");
	report(accepts("") && formats_as(""), "defaults format as \"\"");
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		ok &= accepts(lines[i]) && formats_as(canon[i]);
	report(ok, "canonical forms");
	report(cmdline_format(&o, cmdline_fuzz_table, cmdline_fuzz_ntable, tiny,
			      sizeof(tiny)) == -1 && strlen(tiny) == 9 &&
	       !strncmp(tiny, "run=copy ", 9), "too small: -1, truncated");
	report_prefix_pop();
}

/* Random lines: 1..4 tokens, each a key with 1..3 items from that key's
 * vocabulary (mostly valid, some not), and now and then a corruption. */
struct vocab {
	const char *key;          /* with '=', or a flag */
	const char *items[8];
};

static const struct vocab vocab[] = {
	{ "run=", { "memmap", "copy", "smp", "zero", "crash", "all", "list",
		    "cpy" } },
	{ "run=", { "copy", "zero", "all" } },	/* for sizes= and kernel= */
	{ "variants=", { "serial", "padata", "bulk", "mt", "node", "pf", "x" } },
	{ "threads=", { "1", "2", "max", "4096", "4097", "0", "16" } },
	{ "reps=", { "1", "3", "1000", "0", "1001", "07" } },
	{ "verify=", { "on", "off", "1" } },
	{ "inject=", { "copy-flip", "smp-noap", "buddy-leak", "zero-skip", "z" } },
	{ "sizes=", { "2M", "1G", "1T", "2T", "4096", "3K", "0", "M" } },
	{ "engine=", { "steal", "padata", "serial", "fast" } },
	{ "kernel=", { "movsb", "stosq", "nt-avx2", "fast" } },
	{ "modes=", { "a", "b", "c", "e" } },
	{ "depth=", { "0", "auto", "64", "65" } },
	{ "fast", { NULL } },
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

int main(void)
{
	report_prefix_push("cmdline");
	test_defaults();
	test_run();
	test_list();
	test_variants();
	test_threads();
	test_scalars();
	test_flags();
	test_inject();
	test_sizes();
	test_kernel();
	test_key_not_in_run();
	test_normalize();
	test_grammar();
	test_unknown_key_lists_all();
	test_err_buffer();
	test_table_limits();
	test_table_keys();
	test_too_many_keys();
	test_experiment_types();
	test_usage();
	test_accessors();
	test_format();
	test_soups();
	return report_summary();
}
