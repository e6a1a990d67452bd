/* The copy and fill kernels (mm/copy.h) an experiment uses: the one named
 * by kernel= (when the experiment takes that key), else the fastest on
 * this boot. Measured once per boot, on the first call, on KSEL_BYTES
 * (one result record each, "variant":"kernel", under the experiment that
 * asked first), with a check that every kernel copies or fills exactly,
 * aligned and not. Boot CPU, between experiments. */
#ifndef EXPERIMENTS_KERNEL_SELECT_H
#define EXPERIMENTS_KERNEL_SELECT_H
#include "experiments/experiment.h"
#include "mm/copy.h"

/* "A few MiB": big enough that call overhead is noise, small enough to take
 * well under a second under TCG for all kernels. */
#define KSEL_BYTES (4 * MiB)
#define KSEL_REPS  3	/* best of: the first run warms TCG's code cache */

/* True for the non-temporal fill kernels (their names start with "nt"). */
bool fill_kernel_is_nt(const struct fill_kernel *k);

/* The copy kernel to use, or NULL (after a FAIL report) when a kernel
 * copied wrongly, the named one is missing here, or no memory was left. */
const struct copy_kernel *kernel_select_copy(struct exp_ctx *c);

/* The fastest fill kernel with cached stores (*cached) and with
 * non-temporal stores (*nt, NULL when there is none); a kernel named by
 * kernel= replaces the one of its kind. Returns 0, or -1 as above. */
int kernel_select_fill(struct exp_ctx *c, const struct fill_kernel **cached,
		       const struct fill_kernel **nt);
/* Of the two kernel_select_fill() returned, the one that zeroed faster. */
const struct fill_kernel *kernel_fastest_fill(const struct fill_kernel *cached,
					      const struct fill_kernel *nt);
#endif
