/* The multithreaded job engine: splits a range of work units [start,
 * start + size) into chunks and runs thread_fn on them from several CPUs,
 * the way Linux's padata_do_multithreaded() runs deferred struct page init
 * (kernel/padata.c), plus three other ways of sharing the work so
 * experiments can compare them. See docs/smp.md, "The job engine".
 *
 * The engine is pure algorithm: it neither prints nor allocates, and it
 * reaches CPUs only through smp/job_platform.h. The caller provides all
 * storage (struct job_stats). */
#ifndef SMP_JOB_H
#define SMP_JOB_H
#include "lib/compiler.h"
#include "lib/spinlock.h"

#define JOB_MAX_THREADS   256	/* threads of one job, the caller included */
#define JOB_MAX_NODES     16	/* NUMA nodes the engine tells apart */
#define JOB_MAX_SEGMENTS  64	/* same-node runs of a job (see unit_node) */
#define JOB_MAX_SIZE      (1ull << 55) /* units; keeps cursor arithmetic
					 * (cells * threads) inside 64 bits */

/* padata's load-balance factor: aim for 4 chunks per thread "in case
 * threads finish at different times". */
#define JOB_LOAD_BALANCE_FACTOR 4

/* JOB_DYNAMIC and JOB_STEAL size their claims so the fixed cost of one
 * chunk stays under 1 / JOB_OVERHEAD_INV of the chunk's work. The fixed
 * cost is an estimate, not a measurement: two timestamp reads, one atomic
 * read-modify-write of a cache line other CPUs also write (a few hundred
 * cycles across cores or sockets) and an indirect call. */
#define JOB_OVERHEAD_INV      100
#define JOB_CHUNK_OVERHEAD_NS 250

enum job_mode {
	JOB_SERIAL,	/* the caller alone, one call over the whole range */
	JOB_STATIC,	/* even split: one contiguous piece per thread */
	JOB_PADATA,	/* Linux's padata: chunks from a shared cursor under a
			 * spinlock, 4 chunks per thread */
	JOB_DYNAMIC,	/* lock-free grabbing (atomic fetch-add) of chunks sized
			 * for < 1% per-chunk overhead */
	JOB_STEAL,	/* per-thread ranges; idle threads steal half a victim's
			 * remaining range */
	JOB_NR_MODES
};

struct job {
	/* Does units [start, end). Called from several CPUs at once on
	 * disjoint ranges; never with an empty range. Must not call job_run. */
	void (*thread_fn)(uint64_t start, uint64_t end, void *arg);
	void *fn_arg;
	uint64_t start;		/* first unit (need not be aligned) */
	uint64_t size;		/* units; start + size must not overflow */
	uint64_t align;		/* chunk boundaries fall on multiples of align
				 * (relative to unit 0), except the job's own
				 * ends; 0 is taken as 1 */
	uint64_t min_chunk;	/* least units for one call; 0 is taken as 1 */
	unsigned max_threads;	/* upper bound on threads, caller included;
				 * must be >= 1 */
	enum job_mode mode;
	bool numa_aware;	/* place threads (and, with unit_node, work)
				 * by node when the machine has several */
	/* Optional: the node holding @unit. With numa_aware, a node's chunks go
	 * to that node's CPUs first. Only sampled (at chunk-grid cells, by a
	 * galloping search): it must be cheap and is a placement hint, never
	 * needed for correctness. */
	unsigned (*unit_node)(uint64_t unit, void *arg);
	/* Optional: estimated cost of one unit in picoseconds (picoseconds so
	 * that sub-nanosecond units such as bytes can be told). 0: JOB_DYNAMIC
	 * and JOB_STEAL measure it from each thread's own chunks. */
	uint64_t unit_ps;
	const char *name;	/* for the timeline; may be NULL */
};

/* What job_run will do, computed without running (job_plan). */
struct job_plan {
	enum job_mode mode;
	uint64_t align, min_chunk; /* as used: clamped to >= 1 */
	unsigned nworks;	/* padata's thread count:
				 * min(max(size / max(min_chunk, align), 1),
				 *     max_threads) */
	unsigned nthreads;	/* threads that run, caller included (0 for an
				 * empty job) */
	uint64_t cell;		/* grid step: every chunk boundary inside the
				 * job is a multiple of it (and of align) */
	uint64_t ncells;	/* grid cells (a chunk is one or more cells) */
	uint64_t chunk;		/* units in one claim at the start: padata's
				 * chunk_size; a thread's piece for STATIC;
				 * the first claim for DYNAMIC and STEAL */
};

/* Per-thread results. One cache line (or two) per thread: each is written
 * only by its own thread while the job runs. */
struct job_thread_stats {
	unsigned cpu, node;	/* where the thread ran */
	uint64_t chunks;	/* thread_fn calls */
	uint64_t units;		/* units done */
	uint64_t busy_ns;	/* time inside thread_fn */
	uint64_t wait_ns;	/* total_ns - busy_ns: start latency, claiming,
				 * stealing, lock spinning, idle at the end */
	uint64_t claim_ns;	/* the part of wait_ns between t_start and t_end
				 * (engine overhead while work remained) */
	uint64_t t_start_ns;	/* entered the engine, relative to job start */
	uint64_t t_end_ns;	/* found no more work, relative to job start */
	uint64_t steals;	/* JOB_STEAL: ranges taken from other threads */
	uint64_t last_unit_ps;	/* cost per unit of the last chunk, in ps
				 * (what DYNAMIC and STEAL size claims by) */
} __cacheline_aligned;

/* The engine's scratch space; not results. Shared mutable words sit on
 * their own cache lines. */
struct job_pool {			/* one node's share of the cells */
	uint64_t next;			/* cursor, in virtual cells */
	uint64_t end;
} __cacheline_aligned;

struct job_deque {			/* JOB_STEAL: a thread's remaining range */
	struct spinlock lock;
	uint64_t lo, hi;		/* virtual cells; read unlocked by thieves */
} __cacheline_aligned;

struct job_segment {			/* a run of cells on one node */
	uint64_t cell;			/* first (real) cell */
	uint64_t ncells;
	uint64_t vbeg;			/* first virtual cell */
	unsigned node;
};

struct job_work {
	const struct job *job;
	uint64_t t0;			/* job start, platform clock */
	uint64_t base;			/* grid origin: start rounded down to cell */
	unsigned head;			/* 1 when a short first cell was folded */
	unsigned nsegs, npools;
	struct job_segment seg[JOB_MAX_SEGMENTS]; /* in virtual order */
	unsigned rank[JOB_MAX_THREADS];	/* thread -> place in the node order */
	unsigned tnode[JOB_MAX_THREADS];	/* thread -> node it was placed on */
	unsigned cpus[JOB_MAX_THREADS];
	struct spinlock lock __cacheline_aligned; /* JOB_PADATA's cursor lock */
	struct job_pool pool[JOB_MAX_NODES];
	struct job_deque deque[JOB_MAX_THREADS];
};

/* Results of one job_run, and its workspace. Large (about 55 KiB): keep it
 * in static storage, not on a kernel stack. */
struct job_stats {
	const char *name;
	struct job_plan plan;
	unsigned nthreads;		/* threads that ran */
	uint64_t total_ns;		/* job_run's parallel phase, end to end */
	uint64_t chunks, units, steals;	/* sums over threads */
	uint32_t lock_contended;	/* JOB_PADATA: claims that found the lock
					 * held */
	struct job_thread_stats thread[JOB_MAX_THREADS];
	struct job_work work;		/* engine-private */
};

/* NULL when @job is valid, else why not (a constant string). Invalid: no
 * thread_fn, max_threads 0, unknown mode, start + size overflows, size >
 * JOB_MAX_SIZE. */
const char *job_check(const struct job *job);

/* Computes what job_run would do on a machine with @nr_cpus CPUs (pass
 * UINT32_MAX for Linux's numbers, which ignore the CPU count). Returns 0,
 * or -1 when the job is invalid. For JOB_PADATA:
 *   nworks = min(max(size / max(min_chunk, align), 1), max_threads)
 *   chunk  = roundup(max(size / (nworks * 4), min_chunk, 1), align)
 *   nthreads = min(nworks, nr_cpus)
 * (the other modes are described in docs/smp.md). */
int job_plan(const struct job *job, unsigned nr_cpus, struct job_plan *plan);

/* Runs @job: every unit of [start, start + size) is passed to thread_fn
 * exactly once, and every call [a, b) satisfies
 *   - a == start or a is a multiple of plan.cell (hence of align);
 *   - b == start + size or b is a multiple of plan.cell;
 *   - b - a >= min(min_chunk, size): no chunk is below min_chunk unless
 *     the whole job is (a short first or last grid cell is folded into its
 *     neighbour).
 * Returns when all calls have returned, with @stats filled in. Returns 0,
 * or -1 for an invalid job (see job_check) or NULL @stats. Not reentrant:
 * one job at a time per platform. */
int job_run(const struct job *job, struct job_stats *stats);

/* "serial", "static", "padata", "dynamic", "steal" ("?" otherwise). */
const char *job_mode_name(enum job_mode mode);

/* Writes a per-thread timeline of @stats into @buf (NUL-terminated when
 * @size > 0): a header line, then one line per thread with a bar @width
 * columns wide ('#' from t_start to t_end, '.' outside) and its chunks,
 * units and busy share. Returns the length the whole text has (like
 * snprintf), so a return >= @size means it was cut short. */
int job_stats_format_timeline(const struct job_stats *stats, char *buf,
			      size_t size, unsigned width);
#endif
