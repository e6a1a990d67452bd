/* Keys shared by several experiments (params.h). */
#include "experiments/params.h"
#include "arch/x86_64/mmu.h"

/* The names of mm/copy.c's copy and fill kernels; kernel_select checks
 * every kernel there is named here. */
static const char *const kernel_names[] = {
	"movsb", "movsq", "stosb", "stosd", "stosq", "gpr", "sse2", "avx2",
	"nt", "nt-avx2", NULL
};

const struct cmdline_param param_sizes = {
	.name = "sizes", .type = CMDLINE_SIZE, .max_items = PARAM_SIZES_MAX,
	.lo = PAGE_SIZE, .hi = TiB, .align = PAGE_SIZE,
	.help = "bytes per measurement, multiples of 4K (default: copy 2M,1G; "
		"zero 1G)",
};

const struct cmdline_param param_kernel = {
	.name = "kernel", .type = CMDLINE_CHOICE, .max_items = 1,
	.choices = kernel_names,
	.help = "copy or fill kernel instead of the fastest measured at boot",
};
