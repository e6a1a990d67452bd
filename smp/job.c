/* The multithreaded job engine (contract in smp/job.h, the modes and Linux's
 * padata rule in docs/smp.md, "The job engine").
 *
 * Every mode cuts the job into the same kind of pieces: a grid of "cells"
 * whose inner boundaries are multiples of plan.cell (itself a multiple of
 * align), counted from unit 0 as padata does (it rounds each claim's end up
 * to a multiple of chunk_size). Unlike padata, a first or last cell shorter
 * than min_chunk is folded into its neighbour, so no call is below
 * min_chunk unless the whole job is. A chunk (one thread_fn call) is one or
 * more adjacent cells.
 *
 * With NUMA placement the cells are also grouped by node into "virtual"
 * order (each node's runs of cells back to back, nodes ascending); pools,
 * static pieces and steal ranges are ranges of virtual cells, and a range
 * is turned back into real units one same-node run (segment) at a time. */
#include "smp/job.h"
#include "smp/job_platform.h"
#include "lib/string.h"
#include "lib/printf.h"
#include <stdarg.h>

#define PS_PER_NS 1000ull
#define JOB_TIMELINE_MAX_WIDTH 256

static const char *const job_mode_names[JOB_NR_MODES] = {
	[JOB_SERIAL] = "serial", [JOB_STATIC] = "static",
	[JOB_PADATA] = "padata", [JOB_DYNAMIC] = "dynamic",
	[JOB_STEAL] = "steal",
};

const char *job_mode_name(enum job_mode mode)
{
	return (unsigned)mode < JOB_NR_MODES ? job_mode_names[mode] : "?";
}

const char *job_check(const struct job *job)
{
	if (!job)
		return "no job";
	if (!job->thread_fn)
		return "no thread_fn";
	if (!job->max_threads)
		return "max_threads is 0";
	if ((unsigned)job->mode >= JOB_NR_MODES)
		return "unknown mode";
	if (job->start + job->size < job->start)
		return "start + size overflows";
	if (job->size > JOB_MAX_SIZE)
		return "size above JOB_MAX_SIZE";
	return NULL;
}

/* Overflow-safe arithmetic: align and min_chunk may be any 64-bit value. */

/* Least multiple of @a that is >= @x, or the largest multiple of @a when
 * that does not fit in 64 bits (such a step is wider than any job, so the
 * job has at most one inner grid point and the grid folds it away when
 * needed). */
static uint64_t job_roundup(uint64_t x, uint64_t a)
{
	uint64_t r = x % a;

	if (!r)
		return x;
	if (x > UINT64_MAX - (a - r))
		return UINT64_MAX - UINT64_MAX % a;
	return x + (a - r);
}

static uint64_t job_div_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/* Units in @k cells of @cell units, at most @size. */
static uint64_t job_cells_units(uint64_t k, uint64_t cell, uint64_t size)
{
	return k > size / cell ? size : k * cell;
}

/* ---- the grid ---------------------------------------------------------- */

/* Cells of [start, end) (end > start) on a grid of @step counted from 0,
 * after folding a first or last cell shorter than @min_chunk into its
 * neighbour. Sets the grid origin and whether the head was folded. */
static uint64_t job_grid(uint64_t start, uint64_t end, uint64_t step,
			 uint64_t min_chunk, uint64_t *base, unsigned *head)
{
	uint64_t b = start - start % step;
	uint64_t raw = (end - 1 - b) / step + 1;
	unsigned h = raw > 1 && b + step - start < min_chunk;
	uint64_t n = raw - h;

	if (n > 1 && end - (b + (raw - 1) * step) < min_chunk)
		n--;
	*base = b;
	*head = h;
	return n;
}

static uint64_t job_cell_lo(const struct job_stats *st, uint64_t i)
{
	const struct job_work *w = &st->work;

	return i ? w->base + (i + w->head) * st->plan.cell : w->job->start;
}

static uint64_t job_cell_hi(const struct job_stats *st, uint64_t i)
{
	const struct job_work *w = &st->work;

	if (i + 1 == st->plan.ncells)
		return w->job->start + w->job->size;
	return w->base + (i + 1 + w->head) * st->plan.cell;
}

/* ---- the plan ---------------------------------------------------------- */

/* Cells one claim takes in JOB_DYNAMIC and JOB_STEAL, so that the fixed
 * cost of a chunk (JOB_CHUNK_OVERHEAD_NS) is at most 1 / JOB_OVERHEAD_INV
 * of its work. 0 @unit_ps (cost unknown): one cell, to measure it. */
static uint64_t job_claim_cells(uint64_t unit_ps, uint64_t cell)
{
	uint64_t units;

	if (!unit_ps)
		return 1;
	units = job_div_up(JOB_CHUNK_OVERHEAD_NS * PS_PER_NS *
			   JOB_OVERHEAD_INV, unit_ps);
	return MAX(job_div_up(units, cell), 1);
}

/* Linux's rule (padata_do_multithreaded): a quarter of a thread's share,
 * at least min_chunk, at least 1, rounded up to align. */
static uint64_t job_padata_chunk(uint64_t size, uint64_t nworks,
				 uint64_t min_chunk, uint64_t align)
{
	uint64_t chunk = size / (nworks * JOB_LOAD_BALANCE_FACTOR);

	chunk = MAX(chunk, min_chunk);
	chunk = MAX(chunk, 1);
	return job_roundup(chunk, align);
}

static void job_plan_threads(const struct job *job, unsigned nr_cpus,
			     struct job_plan *p)
{
	uint64_t cap = MIN(MIN(job->max_threads, nr_cpus), JOB_MAX_THREADS);
	uint64_t k;

	switch (p->mode) {
	case JOB_SERIAL:
		p->nthreads = 1;
		p->chunk = job->size;
		break;
	case JOB_PADATA:
		p->nthreads = p->nworks == 1 ? 1 : MIN(p->nworks, cap);
		p->chunk = p->cell;
		break;
	case JOB_STATIC:
		p->nthreads = MIN(cap, p->ncells);
		k = job_div_up(p->ncells, p->nthreads);
		p->chunk = job_cells_units(k, p->cell, job->size);
		break;
	default: /* JOB_DYNAMIC, JOB_STEAL: no more threads than first claims */
		k = MIN(job_claim_cells(job->unit_ps, p->cell), p->ncells);
		p->nthreads = MIN(cap, job_div_up(p->ncells, k));
		p->chunk = job_cells_units(k, p->cell, job->size);
		break;
	}
}

int job_plan(const struct job *job, unsigned nr_cpus, struct job_plan *p)
{
	uint64_t size, nworks, base;
	unsigned head;

	if (job_check(job) || !p)
		return -1;
	size = job->size;
	memset(p, 0, sizeof(*p));
	p->mode = job->mode;
	p->align = MAX(job->align, 1);	/* padata divided by 0 on 0 */
	p->min_chunk = MAX(job->min_chunk, 1);
	nworks = MAX(size / MAX(p->min_chunk, p->align), 1);
	p->nworks = MIN(nworks, job->max_threads);
	if (p->mode == JOB_PADATA)
		p->cell = job_padata_chunk(size, p->nworks, p->min_chunk,
					   p->align);
	else
		p->cell = job_roundup(p->min_chunk, p->align);
	if (!size)
		return 0;	/* nothing to run: no threads, no cells */
	p->ncells = job_grid(job->start, job->start + size, p->cell,
			     p->min_chunk, &base, &head);
	if (p->mode == JOB_SERIAL)
		p->ncells = 1;
	job_plan_threads(job, MAX(nr_cpus, 1), p);
	return 0;
}

/* ---- NUMA placement ---------------------------------------------------- */

static unsigned job_node_clamp(unsigned node, unsigned nodes)
{
	return node < nodes ? node : 0;
}

static unsigned job_cell_node(const struct job_stats *st, uint64_t i,
			      unsigned nodes)
{
	const struct job *job = st->work.job;

	return job_node_clamp(job->unit_node(job_cell_lo(st, i), job->fn_arg),
			      nodes);
}

/* First cell after @s not on @node (or ncells): gallop 1, 2, 4, ... cells
 * ahead, then bisect. A run of another node shorter than the gallop step
 * can be missed; placement is only a hint, so that is acceptable. */
static uint64_t job_run_end(const struct job_stats *st, uint64_t s,
			    unsigned node, unsigned nodes)
{
	uint64_t n = st->plan.ncells, same = s, diff, d = 1, mid;

	for (;;) {
		if (n - s <= d) {
			if (job_cell_node(st, n - 1, nodes) == node)
				return n;
			diff = n - 1;
			break;
		}
		if (job_cell_node(st, s + d, nodes) != node) {
			diff = s + d;
			break;
		}
		same = s + d;
		d *= 2;
	}
	while (diff - same > 1) {
		mid = same + (diff - same) / 2;
		if (job_cell_node(st, mid, nodes) == node)
			same = mid;
		else
			diff = mid;
	}
	return diff;
}

/* Splits the cells into same-node segments (address order); past
 * JOB_MAX_SEGMENTS - 1 the rest is one segment. */
static void job_find_segments(struct job_stats *st, unsigned nodes)
{
	struct job_work *w = &st->work;
	uint64_t s = 0, e, n = st->plan.ncells;
	unsigned node;

	w->nsegs = 0;
	while (s < n) {
		node = job_cell_node(st, s, nodes);
		if (w->nsegs == JOB_MAX_SEGMENTS - 1)
			e = n;
		else
			e = job_run_end(st, s, node, nodes);
		w->seg[w->nsegs++] = (struct job_segment){ s, e - s, 0, node };
		s = e;
	}
}

/* Orders segments by node (stably) and gives each node a pool: the range of
 * virtual cells holding its segments. */
static void job_build_pools(struct job_work *w, unsigned npools)
{
	struct job_segment tmp;
	uint64_t v = 0;
	unsigned i, j, node;

	for (i = 1; i < w->nsegs; i++) {
		tmp = w->seg[i];
		for (j = i; j > 0 && w->seg[j - 1].node > tmp.node; j--)
			w->seg[j] = w->seg[j - 1];
		w->seg[j] = tmp;
	}
	w->npools = npools;
	for (node = 0, i = 0; node < npools; node++) {
		w->pool[node].next = v;
		for (; i < w->nsegs && w->seg[i].node == node; i++) {
			w->seg[i].vbeg = v;
			v += w->seg[i].ncells;
		}
		w->pool[node].end = v;
	}
}

/* Threads per node: proportional to each node's cells (largest
 * remainder), or round-robin from the caller's node when the work's
 * placement is unknown (as padata's numa_aware does with its helpers). */
static void job_node_quota(const struct job_work *w, unsigned nthreads,
			   unsigned nodes, unsigned cnode, bool weighted,
			   unsigned *quota)
{
	uint64_t total = 0, rem[JOB_MAX_NODES], best;
	unsigned n, given = 0, pick;

	for (n = 0; n < nthreads && !weighted; n++)
		quota[(cnode + n) % nodes]++;
	if (!weighted)
		return;
	for (n = 0; n < nodes; n++)
		total += w->pool[n].end - w->pool[n].next;
	for (n = 0; n < nodes; n++) {
		uint64_t share = nthreads * (w->pool[n].end - w->pool[n].next);

		quota[n] = share / total;
		rem[n] = share % total;
		given += quota[n];
	}
	for (; given < nthreads; given++) {
		for (n = 0, pick = 0, best = 0; n < nodes; n++)
			if (rem[n] > best) {
				best = rem[n];
				pick = n;
			}
		quota[pick]++;
		rem[pick] = 0;
	}
}

static bool job_cpu_taken(const struct job_work *w, unsigned n, unsigned cpu)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (w->cpus[i] == cpu)
			return true;
	return false;
}

/* Fills w->cpus: the caller first, then CPUs of each node up to its quota,
 * then (when a node has too few CPUs) any unused ones. */
static void job_pick_cpus(struct job_work *w, unsigned nthreads,
			  unsigned nodes, bool weighted)
{
	unsigned quota[JOB_MAX_NODES] = { 0 };
	unsigned caller = job_platform_this_cpu(), ncpus = job_platform_nr_cpus();
	unsigned cnode = job_node_clamp(job_platform_cpu_node(caller), nodes);
	unsigned n = 1, pass, cpu, node, i, most = 0;

	job_node_quota(w, nthreads, nodes, cnode, weighted, quota);
	if (!quota[cnode]) {	/* the caller works on its own node anyway */
		for (i = 0; i < nodes; i++)
			if (quota[i] > quota[most])
				most = i;
		quota[most]--;
		quota[cnode]++;
	}
	quota[cnode]--;
	w->cpus[0] = caller;
	for (pass = 0; pass < 2 && n < nthreads; pass++) {
		for (cpu = 0; cpu < ncpus && n < nthreads; cpu++) {
			if (cpu == caller || job_cpu_taken(w, n, cpu))
				continue;
			node = job_node_clamp(job_platform_cpu_node(cpu), nodes);
			if (pass == 0 && !quota[node])
				continue;
			if (pass == 0)
				quota[node]--;
			w->cpus[n++] = cpu;
		}
	}
}

/* rank[t]: thread t's place when threads are ordered by (node, index), so
 * even splits of the node-ordered cells land mostly on the right node. */
static void job_rank_threads(struct job_work *w, unsigned nthreads,
			     unsigned nodes)
{
	unsigned first[JOB_MAX_NODES] = { 0 }, n, t;

	for (t = 0; t < nthreads; t++)
		if (w->tnode[t] + 1 < nodes)
			first[w->tnode[t] + 1]++;
	for (n = 1; n < nodes; n++)
		first[n] += first[n - 1];
	for (t = 0; t < nthreads; t++)
		w->rank[t] = first[w->tnode[t]]++;
}

/* ---- setup ------------------------------------------------------------- */

static void job_setup_steal(struct job_stats *st)
{
	struct job_work *w = &st->work;
	uint64_t n = st->plan.ncells, t;
	unsigned nthreads = st->plan.nthreads;

	for (t = 0; t < nthreads; t++) {
		w->deque[t].lock = (struct spinlock)SPINLOCK_INIT;
		w->deque[t].lo = n * w->rank[t] / nthreads;
		w->deque[t].hi = n * (w->rank[t] + 1) / nthreads;
	}
}

/* Prepares st->work for the threads. Returns true when the threads must run
 * on the CPUs in w->cpus (NUMA placement), false for any CPUs. */
static bool job_setup(struct job_stats *st, const struct job *job)
{
	struct job_work *w = &st->work;
	unsigned nthreads = st->plan.nthreads, t;
	unsigned nodes = MIN(job_platform_nr_nodes(), JOB_MAX_NODES);
	bool numa = job->numa_aware && nodes > 1 && nthreads > 1;
	bool weighted = numa && job->unit_node && st->plan.mode != JOB_SERIAL;
	unsigned head;

	w->job = job;
	job_grid(job->start, job->start + job->size, st->plan.cell,
		 st->plan.min_chunk, &w->base, &head);
	w->head = head;
	w->lock = (struct spinlock)SPINLOCK_INIT;
	if (weighted) {
		job_find_segments(st, nodes);
		job_build_pools(w, nodes);
	} else {
		w->nsegs = 1;
		w->seg[0] = (struct job_segment){ 0, st->plan.ncells, 0, 0 };
		job_build_pools(w, 1);
	}
	if (numa)
		job_pick_cpus(w, nthreads, nodes, weighted);
	for (t = 0; t < nthreads; t++)
		w->tnode[t] = numa ? job_node_clamp(
			job_platform_cpu_node(w->cpus[t]), nodes) : 0;
	job_rank_threads(w, nthreads, numa ? nodes : 1);
	if (st->plan.mode == JOB_STEAL)
		job_setup_steal(st);
	return numa;
}

/* ---- running chunks ---------------------------------------------------- */

static uint64_t job_rel(const struct job_work *w, uint64_t t)
{
	return t > w->t0 ? t - w->t0 : 0;
}

/* One thread_fn call, timed. */
static void job_do(const struct job *job, struct job_thread_stats *ts,
		   uint64_t a, uint64_t b)
{
	uint64_t t1 = job_platform_now_ns(), t2, ns;

	job->thread_fn(a, b, job->fn_arg);
	t2 = job_platform_now_ns();
	ns = t2 > t1 ? t2 - t1 : 0;
	ts->busy_ns += ns;
	ts->last_unit_ps = MAX(ns * PS_PER_NS / (b - a), 1);
	ts->chunks++;
	ts->units += b - a;
}

/* Segment holding virtual cell @v (segments are in virtual order). */
static const struct job_segment *job_seg_of(const struct job_work *w,
					    uint64_t v)
{
	unsigned lo = 0, hi = w->nsegs, mid;

	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (w->seg[mid].vbeg <= v)
			lo = mid;
		else
			hi = mid;
	}
	return &w->seg[lo];
}

/* Does virtual cells [va, vb): one call per same-node segment crossed. */
static void job_do_cells(struct job_stats *st, struct job_thread_stats *ts,
			 uint64_t va, uint64_t vb)
{
	const struct job_segment *s;
	uint64_t end, ra;

	while (va < vb) {
		s = job_seg_of(&st->work, va);
		end = MIN(vb, s->vbeg + s->ncells);
		ra = s->cell + (va - s->vbeg);
		job_do(st->work.job, ts, job_cell_lo(st, ra),
		       job_cell_hi(st, ra + (end - va) - 1));
		va = end;
	}
}

/* Cells for this thread's next claim: from the job's unit_ps hint, or from
 * the cost per unit of this thread's last chunk (0 before its first). The
 * last chunk rather than the average so far: costs often change along the
 * range (memory on another node, an already-initialized part), and an
 * average would keep claims sized for units long gone. */
static uint64_t job_thread_claim(const struct job_stats *st,
				 const struct job_thread_stats *ts)
{
	uint64_t unit_ps = st->work.job->unit_ps;

	return job_claim_cells(unit_ps ? unit_ps : ts->last_unit_ps,
			       st->plan.cell);
}

static unsigned job_home_pool(const struct job_work *w, unsigned idx)
{
	return w->tnode[idx] < w->npools ? w->tnode[idx] : 0;
}

/* ---- the modes --------------------------------------------------------- */

static void job_thread_static(struct job_stats *st, unsigned idx)
{
	uint64_t n = st->plan.ncells, r = st->work.rank[idx];
	unsigned nthreads = st->plan.nthreads;

	job_do_cells(st, &st->thread[idx], n * r / nthreads,
		     n * (r + 1) / nthreads);
}

/* padata's helper loop: one cell (padata's chunk) per claim, the cursor
 * under one spinlock; the home node's pool first. */
static void job_thread_padata(struct job_stats *st, unsigned idx)
{
	struct job_work *w = &st->work;
	unsigned home = job_home_pool(w, idx), i;
	struct job_pool *p;
	uint64_t v = 0;
	bool got;

	do {
		got = false;
		spin_lock(&w->lock);
		for (i = 0; i < w->npools && !got; i++) {
			p = &w->pool[(home + i) % w->npools];
			if (p->next < p->end) {
				v = p->next++;
				got = true;
			}
		}
		spin_unlock(&w->lock);
		if (got)
			job_do_cells(st, &st->thread[idx], v, v + 1);
	} while (got);
}

/* Lock-free grabbing: one atomic fetch-add per claim. The cursor may run
 * past the pool's end (by at most one claim per thread); that is how
 * threads learn it is empty. Relaxed order suffices: the claim hands out
 * indices only, the results are published by job_platform_run's end. */
static void job_thread_dynamic(struct job_stats *st, unsigned idx)
{
	struct job_work *w = &st->work;
	struct job_thread_stats *ts = &st->thread[idx];
	unsigned home = job_home_pool(w, idx), i;
	struct job_pool *p;
	uint64_t k, v;

	for (i = 0; i < w->npools; i++) {
		p = &w->pool[(home + i) % w->npools];
		while (__atomic_load_n(&p->next, __ATOMIC_RELAXED) < p->end) {
			k = job_thread_claim(st, ts);
			v = __atomic_fetch_add(&p->next, k, __ATOMIC_RELAXED);
			if (v >= p->end)
				break;
			job_do_cells(st, ts, v, MIN(v + k, p->end));
		}
	}
}

/* Cells a deque holds, read without its lock (a hint for picking victims). */
static uint64_t job_deque_left(const struct job_deque *d)
{
	uint64_t lo = __atomic_load_n(&d->lo, __ATOMIC_RELAXED);
	uint64_t hi = __atomic_load_n(&d->hi, __ATOMIC_RELAXED);

	return hi > lo ? hi - lo : 0;
}

/* Takes up to @k cells from the front of the thread's own range. */
static bool job_pop(struct job_deque *d, uint64_t k, uint64_t *va,
		    uint64_t *vb)
{
	bool got;

	spin_lock(&d->lock);
	*va = d->lo;
	*vb = MIN(d->lo + k, d->hi);
	got = *va < *vb;
	if (got)
		__atomic_store_n(&d->lo, *vb, __ATOMIC_RELAXED);
	spin_unlock(&d->lock);
	return got;
}

/* The victim with the most cells left, on @idx's node if any there has
 * some; -1 when every range is empty. */
static int job_pick_victim(const struct job_work *w, unsigned nthreads,
			   unsigned idx)
{
	uint64_t left, best[2] = { 0, 0 };
	int pick[2] = { -1, -1 };
	unsigned t, far;

	for (t = 0; t < nthreads; t++) {
		if (t == idx)
			continue;
		left = job_deque_left(&w->deque[t]);
		far = w->tnode[t] != w->tnode[idx];
		if (left > best[far]) {
			best[far] = left;
			pick[far] = (int)t;
		}
	}
	return pick[0] >= 0 ? pick[0] : pick[1];
}

/* Moves the back half (rounded up) of a victim's range into @idx's own,
 * empty, deque. False when there is nothing left anywhere. */
static bool job_steal(struct job_stats *st, unsigned idx)
{
	struct job_work *w = &st->work;
	struct job_deque *vd, *own = &w->deque[idx];
	uint64_t lo, hi, mid;
	int victim;

	for (;;) {
		victim = job_pick_victim(w, st->plan.nthreads, idx);
		if (victim < 0)
			return false;
		vd = &w->deque[victim];
		spin_lock(&vd->lock);
		lo = vd->lo;
		hi = vd->hi;
		mid = hi - (hi - lo + 1) / 2;
		if (lo < hi)
			__atomic_store_n(&vd->hi, mid, __ATOMIC_RELAXED);
		spin_unlock(&vd->lock);
		if (lo < hi)
			break;	/* else emptied since we looked: look again */
	}
	/* A stolen range is new ground: measure its cost afresh. */
	st->thread[idx].last_unit_ps = 0;
	spin_lock(&own->lock);
	__atomic_store_n(&own->lo, mid, __ATOMIC_RELAXED);
	__atomic_store_n(&own->hi, hi, __ATOMIC_RELAXED);
	spin_unlock(&own->lock);
	st->thread[idx].steals++;
	return true;
}

static void job_thread_steal(struct job_stats *st, unsigned idx)
{
	struct job_thread_stats *ts = &st->thread[idx];
	struct job_deque *own = &st->work.deque[idx];
	uint64_t va, vb;

	for (;;) {
		if (job_pop(own, job_thread_claim(st, ts), &va, &vb))
			job_do_cells(st, ts, va, vb);
		else if (!job_steal(st, idx))
			return;
	}
}

/* Every thread of a job, the caller as idx 0. */
static void job_thread(void *arg, unsigned idx)
{
	struct job_stats *st = arg;
	struct job_work *w = &st->work;
	struct job_thread_stats *ts = &st->thread[idx];
	const struct job *job = w->job;

	ts->t_start_ns = job_rel(w, job_platform_now_ns());
	ts->cpu = job_platform_this_cpu();
	ts->node = job_platform_cpu_node(ts->cpu);
	switch (st->plan.mode) {
	case JOB_SERIAL:
		job_do(job, ts, job->start, job->start + job->size);
		break;
	case JOB_STATIC:
		job_thread_static(st, idx);
		break;
	case JOB_PADATA:
		/* padata: one work -> thread_fn directly, whole range */
		if (st->plan.nworks == 1)
			job_do(job, ts, job->start, job->start + job->size);
		else
			job_thread_padata(st, idx);
		break;
	case JOB_DYNAMIC:
		job_thread_dynamic(st, idx);
		break;
	default:
		job_thread_steal(st, idx);
		break;
	}
	ts->t_end_ns = job_rel(w, job_platform_now_ns());
}

/* ---- job_run ----------------------------------------------------------- */

static void job_stats_finish(struct job_stats *st)
{
	struct job_thread_stats *ts;
	uint64_t span;
	unsigned t;

	st->total_ns = job_rel(&st->work, job_platform_now_ns());
	st->lock_contended = st->work.lock.contended;
	for (t = 0; t < st->nthreads; t++) {
		ts = &st->thread[t];
		ts->wait_ns = st->total_ns > ts->busy_ns ?
			      st->total_ns - ts->busy_ns : 0;
		span = ts->t_end_ns > ts->t_start_ns ?
		       ts->t_end_ns - ts->t_start_ns : 0;
		ts->claim_ns = span > ts->busy_ns ? span - ts->busy_ns : 0;
		st->chunks += ts->chunks;
		st->units += ts->units;
		st->steals += ts->steals;
	}
}

int job_run(const struct job *job, struct job_stats *st)
{
	bool placed;

	if (!st || job_plan(job, job_platform_nr_cpus(), &st->plan))
		return -1;
	st->name = job->name;
	st->nthreads = st->plan.nthreads;
	st->total_ns = st->chunks = st->units = st->steals = 0;
	st->lock_contended = 0;
	memset(st->thread, 0, sizeof(st->thread));
	st->work.job = job;
	if (!st->nthreads)
		return 0;
	placed = job_setup(st, job);
	st->work.t0 = job_platform_now_ns();
	if (st->nthreads == 1)
		job_thread(st, 0);
	else
		job_platform_run(st->nthreads, placed ? st->work.cpus : NULL,
				 job_thread, st);
	job_stats_finish(st);
	return 0;
}

/* ---- the timeline ------------------------------------------------------ */

struct job_text {
	char *buf;
	size_t size, len;
};

static void __printf(2, 3) job_text_add(struct job_text *o, const char *fmt,
					  ...)
{
	size_t room = o->len < o->size ? o->size - o->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* '#' in each column that overlaps [t_start, t_end), '.' elsewhere. */
static void job_bar(const struct job_thread_stats *ts, uint64_t total,
		    unsigned width, char *bar)
{
	uint64_t lo, hi;
	unsigned c;

	for (c = 0; c < width; c++) {
		lo = total * c / width;
		hi = total * (c + 1) / width;
		bar[c] = ts->t_start_ns <= hi && ts->t_end_ns > lo ? '#' : '.';
	}
	bar[width] = 0;
}

int job_stats_format_timeline(const struct job_stats *st, char *buf,
			      size_t size, unsigned width)
{
	struct job_text o = { buf, size, 0 };
	char bar[JOB_TIMELINE_MAX_WIDTH + 1];
	const struct job_thread_stats *ts;
	uint64_t total = MAX(st->total_ns, 1);
	unsigned t;

	width = MIN(MAX(width, 1), JOB_TIMELINE_MAX_WIDTH);
	if (size)
		buf[0] = 0;
	job_text_add(&o, "%s: %s, %u threads, cell %llu, %llu chunks, "
		     "%llu units, %llu ns\n", st->name ? st->name : "job",
		     job_mode_name(st->plan.mode), st->nthreads,
		     (unsigned long long)st->plan.cell,
		     (unsigned long long)st->chunks,
		     (unsigned long long)st->units,
		     (unsigned long long)st->total_ns);
	for (t = 0; t < st->nthreads; t++) {
		ts = &st->thread[t];
		job_bar(ts, total, width, bar);
		job_text_add(&o, "%3u cpu%3u n%u |%s| %llu chunks %llu units "
			     "busy %llu%%\n", t, ts->cpu, ts->node, bar,
			     (unsigned long long)ts->chunks,
			     (unsigned long long)ts->units,
			     (unsigned long long)(ts->busy_ns * 100 / total));
	}
	return (int)o.len;
}
