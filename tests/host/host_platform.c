/* Host side of the shared environment hooks: report() prints to stdout. */
#include <stdio.h>
#include "lib/report.h"

void report_output(const char *line)
{
	puts(line);
	fflush(stdout);
}
