/* Table pages from a pre-allocated buffer (pt_pool.h). */
#include "experiments/pt_pool.h"
#include "experiments/buffers.h"
#include "arch/x86_64/mmu.h"
#include "arch/x86_64/xas.h"
#include "lib/error.h"
#include "lib/string.h"

static uint64_t pool_alloc(void *ctx)
{
	struct pt_pool *p = ctx;
	uint64_t pa = 0;

	spin_lock(&p->lock);
	if (p->free_head) {
		pa = p->free_head;
		p->free_head = *(uint64_t *)phys_to_virt(pa);
	} else if (p->next < p->pages) {
		pa = p->pa + p->next++ * PAGE_SIZE;
	}
	if (pa && ++p->in_use > p->peak)
		p->peak = p->in_use;
	spin_unlock(&p->lock);
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

static void pool_free(void *ctx, uint64_t pa)
{
	struct pt_pool *p = ctx;

	spin_lock(&p->lock);
	*(uint64_t *)phys_to_virt(pa) = p->free_head;
	p->free_head = pa;
	p->in_use--;
	spin_unlock(&p->lock);
}

int pt_pool_create(struct pt_pool *p, uint64_t pages, const char **why)
{
	*p = (struct pt_pool){ .pages = pages, .lock = SPINLOCK_INIT };
	p->pa = exp_buf_alloc(pages * PAGE_SIZE, PAGE_SIZE, -1);
	if (!p->pa)
		return fail(why, "no memory for the page-table pool");
	p->mem = (struct xpt_mem){ pool_alloc, pool_free, xas_table_virt, p };
	return 0;
}

void pt_pool_destroy(struct pt_pool *p)
{
	exp_buf_free(p->pa, p->pages * PAGE_SIZE);
	p->pa = 0;
}
