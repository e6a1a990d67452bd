/* The experiments `run=` can name, in the order they run. */
#include "experiments/experiment.h"

extern const struct experiment exp_smp;

const struct experiment *const experiments[] = {
	&exp_smp,
};
const unsigned nr_experiments = ARRAY_SIZE(experiments);
