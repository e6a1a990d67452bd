/* What run=copy and run=zero share (docs/copy.md): choosing the copy and
 * fill kernels by measuring them on this boot, running a function on a
 * gang of idle CPUs, filling and checking big buffers on all CPUs, placing
 * buffers, and the common fields of their result lines.
 *
 * Everything here runs on the boot CPU between experiments (memblock is
 * not locked), except the gang's pieces, which run where they are sent. */
#ifndef EXPERIMENTS_MEMK_SELECT_H
#define EXPERIMENTS_MEMK_SELECT_H
#include "experiments/experiment.h"
#include "experiments/json.h"
#include "mm/copy.h"
#include "smp/percpu.h"

/* Kernel selection: "a few MiB", big enough that call overhead is noise,
 * small enough to take well under a second under TCG for all kernels. */
#define MEMK_SELECT_BYTES (4 * MiB)
#define MEMK_SELECT_REPS  3	/* best of: the first run warms TCG's code cache */

/* Buffers are filled and checked in blocks: block b of a buffer holds
 * buffer_fill_pattern(block, MEMK_PATTERN_BLOCK, seed + b), so CPUs can
 * fill and check blocks independently and a misplaced block is caught. */
#define MEMK_PATTERN_BLOCK (2 * MiB)

/* The CPU_HAS_* mask of mm/copy.h: cpu_feature_mask() (kept because
 * experiments/memmap.c calls it by this name). */
unsigned memk_cpu_mask(void);

/* True for the non-temporal kernels (their names start with "nt"). */
bool memk_fill_is_nt(const struct fill_kernel *k);

/* The copy kernel to use: the one named by the command line, else the
 * fastest on this boot. On its first call, measures every available copy
 * kernel on MEMK_SELECT_BYTES (one JSON line each, "variant":"kernel") and
 * checks that each copied exactly what the others did, aligned and not.
 * Returns NULL (after report(false, ...)) when a kernel copied wrongly or
 * no memory was left for the test buffers. */
const struct copy_kernel *memk_select_copy(struct exp_ctx *c);

/* The same for zeroing: the fastest fill kernel with cached stores
 * (*cached) and with non-temporal stores (*nt, NULL when there is none).
 * A kernel named on the command line replaces the one of its kind.
 * Returns 0, or -1 as above. */
int memk_select_fill(struct exp_ctx *c, const struct fill_kernel **cached,
		     const struct fill_kernel **nt);
/* Of the two memk_select_fill() returned, the one that zeroed faster. */
const struct fill_kernel *memk_fastest_fill(const struct fill_kernel *cached,
					    const struct fill_kernel *nt);

/* --- gangs --------------------------------------------------------------
 * fn(arg, i, n) runs for i = 0..n-1, piece i on online CPU cpus[i]; cpus[0]
 * must be the calling CPU and the others idle (in smp_idle_loop), distinct.
 * With `barrier`, every piece waits until all n have started and the time
 * counts from their common start (no start-up latency: a bandwidth bound);
 * without, it counts from before the first IPI (what a caller waits). */
struct memk_gang {
	void (*fn)(void *arg, unsigned idx, unsigned n);
	void *arg;
	const unsigned *cpus;
	unsigned n;
	bool barrier;
	unsigned arrived;	/* private */
	unsigned go;		/* private */
};

/* Runs the gang; returns the nanoseconds until the last piece was seen
 * done. Callable from any CPU whose gang CPUs are idle (so an initiator on
 * an AP can run its own gang). */
uint64_t memk_gang_run(struct memk_gang *g);

/* Piece idx of n of [0, bytes): boundaries are multiples of align (the
 * last piece ends at bytes). Pieces may be empty when bytes is small. */
void memk_piece(uint64_t bytes, uint64_t align, unsigned idx, unsigned n,
		uint64_t *a, uint64_t *b);

/* --- whole-buffer helpers on all online CPUs (the boot CPU's gang) ------- */
void memk_par_fill_pattern(void *buf, uint64_t bytes, uint64_t seed);
/* First wrong byte's offset, or BUFFER_MATCH. */
uint64_t memk_par_check_pattern(const void *buf, uint64_t bytes, uint64_t seed);
void memk_par_fill(void *buf, uint64_t bytes, uint64_t pattern64);
uint64_t memk_par_check_zero(const void *buf, uint64_t bytes);

/* --- buffers -------------------------------------------------------------
 * A physically contiguous buffer from memblock on node nid (-1: any),
 * aligned to the highest power of two in `align` (at least 4 KiB) when
 * possible, else to 2 MiB. Returns its physical
 * address (0 when nothing fits); memk_free() gives it back. */
uint64_t memk_alloc(uint64_t bytes, uint64_t align, int nid);
void memk_free(uint64_t pa, uint64_t bytes);

/* --- result lines ------------------------------------------------------- */
struct memk_result {
	const char *variant;
	unsigned threads;
	uint64_t bytes;		/* bytes copied or cleared */
	uint64_t page_bytes;	/* the huge page size */
	uint64_t ns;
	bool verified;
	const char *kernel;
	unsigned rep;
};

/* The console table printed per size: one row per variant and thread
 * count, its best rep, GB/s and the ratio to the bound of bound_threads. */
#define MEMK_MAX_ROWS 64

struct memk_row {
	const char *label;
	unsigned threads;
	unsigned bound_threads;	/* the bound it is compared with */
	uint64_t bytes, ns;	/* ns: best rep */
	bool ok;		/* every rep verified */
};

struct memk_table {
	struct memk_row rows[MEMK_MAX_ROWS];
	unsigned nrows;
	uint64_t bound_bytes;		/* what one bound run moves */
	uint64_t bound_ns[MAX_CPUS + 1];	/* best per thread count, 0: none */
};

void memk_table_reset(struct memk_table *t, uint64_t bound_bytes);
/* Adds a rep to its row (label, threads, bound_threads); a bound is
 * recorded with label "bound" and also sets bound_ns. */
void memk_table_record(struct memk_table *t, const char *label,
		       unsigned threads, unsigned bound_threads,
		       uint64_t bytes, uint64_t ns, bool ok);
/* Prints the rows through exp_log, prefixed by the experiment's name. */
void memk_table_print(const struct exp_ctx *c, const struct memk_table *t);

/* bytes per ns (= GB/s) times 1000, for json_fixed(.., 3) and tables. */
uint64_t memk_gbps_milli(uint64_t bytes, uint64_t ns);

/* Begins a JSON line for experiment c with the fields every copy and zero
 * result has; the caller adds its own, then json_end(). */
void memk_json_begin(struct json *j, const struct exp_ctx *c,
		     const struct memk_result *r);
#endif
