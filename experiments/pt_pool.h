/* Table pages for an experiment's page tables (mm/xpt.h), taken from one
 * contiguous buffer before the run, so that CPUs splitting huge mappings in
 * their page-fault handlers can get pages without memblock (which is not
 * locked and belongs to the boot CPU between experiments). A spinlock
 * guards a free list; pages are zeroed on the way out. */
#ifndef EXPERIMENTS_PT_POOL_H
#define EXPERIMENTS_PT_POOL_H
#include "lib/spinlock.h"
#include "mm/xpt.h"

struct pt_pool {
	uint64_t pa, pages;       /* the buffer */
	uint64_t next;            /* pages never handed out start here */
	uint64_t free_head;       /* a freed page's pa (its first word links) */
	uint64_t in_use, peak;
	struct spinlock lock;
	struct xpt_mem mem;       /* what xpt_init takes */
};

/* A pool of `pages` table pages. Returns 0, or -1 (with *why) when memory
 * ran out. Boot CPU, between experiments. */
int pt_pool_create(struct pt_pool *p, uint64_t pages, const char **why);
/* Gives the buffer back (every table must have been freed or abandoned). */
void pt_pool_destroy(struct pt_pool *p);
#endif
