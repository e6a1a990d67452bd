/* The experiments run= can name, in the order they run: the only list of
 * them. Tests and tools learn names, variants, injections and keys from
 * the kernel (run=list), never from a copy. tools/new-experiment adds one
 * line above each marker. */
#include "experiments/experiment.h"

extern const struct experiment exp_smp;
extern const struct experiment exp_memmap;
extern const struct experiment exp_memdesc;
extern const struct experiment exp_lazy;
extern const struct experiment exp_copy;
extern const struct experiment exp_zero;
extern const struct experiment exp_crash;
extern const struct experiment exp_fillsum;
extern const struct experiment exp_xas;
extern const struct experiment exp_pin;
extern const struct experiment exp_demand;
extern const struct experiment exp_split;
/* new-experiment: declarations above */

const struct experiment *const experiments[] = {
	&exp_smp,
	&exp_memmap,
	&exp_memdesc,
	&exp_lazy,
	&exp_copy,
	&exp_zero,
	&exp_fillsum,
	&exp_xas,
	&exp_pin,
	&exp_demand,
	&exp_split,
	&exp_crash,
	/* new-experiment: entries above */
};
const unsigned nr_experiments = ARRAY_SIZE(experiments);
