/* The hand-over: kmain() gives the experiment runner the machine and
 * leaves with what it returns. */
#ifndef EXPERIMENTS_RUN_H
#define EXPERIMENTS_RUN_H
#include "experiments/machine.h"

/* Parses the command line against the registry, prints the boot line,
 * runs the chosen experiments, the closing table and the verdict. Returns
 * 0 when every result and self-check passed, -1 when any failed or the
 * command line was bad (after a message naming what was wrong). */
int exp_main(const struct machine *m);
#endif
