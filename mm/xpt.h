/* Experiment page tables: the page tables the kernel builds for an
 * experiment's region (pinning, eager/lazy huge page splitting, demand
 * faults), in the x86-64 4-level format (Intel SDM vol. 3A, 4.5): map with
 * 4 KiB, 2 MiB or 1 GiB leaves, walk, change flags (write-protect), split a
 * huge leaf into the next size down, unmap, count.
 *
 * Pure algorithm over table pages the caller supplies (struct xpt_mem), so
 * the kernel (arch/x86_64/xas.c installs a tree in the kernel's page
 * tables, dispatches its page faults, shoots down TLBs) and host tests
 * (malloc'd pages, pthreads) share it. It neither prints, times, nor
 * flushes TLBs: every function that changes a present entry says so, and
 * the caller flushes.
 *
 * A tree is rooted at root_level (4: a PML4 covering 256 TiB; 3: a PDPT
 * covering 512 GiB, as installed in one kernel PML4 slot) and maps
 * [base, base + span). Entry bits are the hardware's (arch/x86_64/mmu.h:
 * PTE_P, PTE_W, PTE_PS, PTE_A, PTE_D, PTE_NX...); the available bits
 * 9-11 and 52-58 are the caller's.
 *
 * Concurrency: xpt_walk() and xpt_split() may run on many CPUs at once
 * (a split installs its table with a compare-and-exchange on the huge
 * entry; the loser frees its table). Entries are read and written with
 * atomic 64-bit accesses. xpt_map, xpt_unmap and xpt_destroy need the
 * caller's exclusion against everything else on the same tables: unmap
 * frees a table it leaves empty, and that table may also cover addresses
 * next to the range. Flag changes never touch XPT_P, XPT_PS (PAT on a
 * 4 KiB leaf) or the address. */
#ifndef MM_XPT_H
#define MM_XPT_H
#include "lib/compiler.h"

#define XPT_ENTRIES   512
#define XPT_PAGE      4096ull
#define XPT_P         (1ull << 0)
#define XPT_W         (1ull << 1)
#define XPT_PS        (1ull << 7)    /* a leaf above level 1 */
#define XPT_NX        (1ull << 63)
#define XPT_ADDR_MASK 0x000ffffffffff000ull
/* Flags of a table (non-leaf) entry: present, writable; the leaves decide. */
#define XPT_TABLE     (XPT_P | XPT_W)

/* Where table pages come from. alloc() returns the physical address of a
 * zeroed 4 KiB page, 0 when there is none; it may be called from several
 * CPUs at once (xpt_split). virt() gives the table's address to read and
 * write it. */
struct xpt_mem {
	uint64_t (*alloc)(void *ctx);
	void (*free)(void *ctx, uint64_t phys);
	void *(*virt)(void *ctx, uint64_t phys);
	void *ctx;
};

struct xpt {
	uint64_t root;            /* physical address of the root table */
	unsigned root_level;      /* 4 (PML4) or 3 (PDPT) */
	uint64_t base;            /* first VA; aligned to the span */
	const struct xpt_mem *mem;
	uint64_t tables;          /* table pages held, the root included */
};

/* A leaf: the entry, its level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) and size. */
struct xpt_leaf {
	uint64_t *pte;
	unsigned level;
	uint64_t page_size;
	uint64_t va;              /* the first VA the leaf maps */
};

/* Bytes one entry of level maps: 4 KiB at 1, 2 MiB at 2, 1 GiB at 3,
 * 512 GiB at 4. */
uint64_t xpt_level_size(unsigned level);
/* The VA range a tree maps: 512 entries of its root. */
uint64_t xpt_span(const struct xpt *pt);

/* An empty tree (one zeroed root). Returns 0, or -1 when root_level is not
 * 3 or 4, base is not aligned to the span, or no page was left. */
int xpt_init(struct xpt *pt, const struct xpt_mem *mem, unsigned root_level,
	     uint64_t base);
/* Frees every table page, the root included (not the mapped memory). */
void xpt_destroy(struct xpt *pt);

/* Maps [va, va + size) to [pa, pa + size) with leaves of page_size
 * (4 KiB, 2 MiB or 1 GiB; va, pa and size aligned to it) and the leaf
 * flags given (XPT_P is implied, XPT_PS added above level 1). Returns 0, or
 * -1 (nothing changed beyond tables it may have added) when the range is
 * outside the tree, misaligned, already mapped in part, or a table page
 * could not be had. */
int xpt_map(struct xpt *pt, uint64_t va, uint64_t pa, uint64_t size,
	    uint64_t page_size, uint64_t flags);

/* The present leaf mapping va: true and *out filled, false when va is not
 * mapped (or outside the tree). */
bool xpt_walk(const struct xpt *pt, uint64_t va, struct xpt_leaf *out);

/* Physical address va is mapped to; sets *ok false when it is not. */
uint64_t xpt_translate(const struct xpt *pt, uint64_t va, bool *ok);

/* For every present leaf in [va, va + size): entry = (entry & ~clear) |
 * set (address and XPT_PS untouched). A huge leaf must lie wholly inside
 * the range (split it first), else -1 and nothing changed. Returns the
 * number of leaves changed; the caller flushes their TLB entries. */
int64_t xpt_protect(struct xpt *pt, uint64_t va, uint64_t size,
		    uint64_t clear, uint64_t set);

/* Splits the huge leaf *leaf (level 2 or 3) into a table of 512 leaves of
 * the next size down that map the same memory with the same flags, then
 * (entry & ~clear) | set on each new leaf (e.g. clear XPT_W to keep them
 * write-protected). Installed with one compare-and-exchange: returns 1
 * when this call split it, 0 when the entry had already changed (another
 * CPU split it: the new table is freed), -1 when no table page was left.
 * The caller flushes the huge leaf's TLB entry. */
int xpt_split(struct xpt *pt, const struct xpt_leaf *leaf, uint64_t clear,
	      uint64_t set);

/* Clears the leaves in [va, va + size) (huge ones must lie wholly inside:
 * else -1, nothing changed), frees tables left empty, returns the number
 * of leaves cleared. The caller flushes. */
int64_t xpt_unmap(struct xpt *pt, uint64_t va, uint64_t size);

/* Present leaves in [va, va + size) of page_size (0: any size) whose
 * flags include all of `with` and none of `without`: what verification
 * counts ("every 4 KiB of the region mapped once, read-only"). */
uint64_t xpt_count(const struct xpt *pt, uint64_t va, uint64_t size,
		   uint64_t page_size, uint64_t with, uint64_t without);
#endif
