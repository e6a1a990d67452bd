/* Keys several experiments take: declared once here, so that the command
 * line parser sees one definition (lib/cmdline.h) and each experiment lists
 * it in its own params. */
#ifndef EXPERIMENTS_PARAMS_H
#define EXPERIMENTS_PARAMS_H
#include "lib/cmdline.h"

#define PARAM_SIZES_MAX 8

/* sizes=<n[K|M|G|T]>[,...]: bytes per measurement, multiples of 4 KiB up
 * to 1 TiB. No table default: each experiment has its own (copy: 2M,1G;
 * zero: 1G). */
extern const struct cmdline_param param_sizes;
/* kernel=<name>: a copy or fill kernel of mm/copy.h instead of the fastest
 * measured; an experiment that lacks it fails with a message. */
extern const struct cmdline_param param_kernel;
#endif
