/* The experiments `run=` can name, in the order they run. */
#include "experiments/experiment.h"

extern const struct experiment exp_smp, exp_memmap, exp_copy, exp_zero,
	exp_fault;

const struct experiment *const experiments[] = {
	&exp_smp,
	&exp_memmap,
	&exp_copy,
	&exp_zero,
	&exp_fault,
};
const unsigned nr_experiments = ARRAY_SIZE(experiments);
