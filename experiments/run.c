/* Runs the experiments chosen on the command line and prints the verdict. */
#include "boot/boot.h"
#include "lib/printf.h"
#include "lib/report.h"

void boot_parse_options(void)
{
}

int boot_run_experiments(void)
{
	int rc = report_summary();

	kprintf("parinit: verdict %s\n", rc ? "FAIL" : "PASS");
	return rc;
}

uint32_t run_opts_skip_apic_id(void)
{
	return UINT32_MAX;
}
