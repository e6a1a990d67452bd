/* run=memmap's picture of the machine: the kernel's RAM, as memblock
 * describes it after boot, turned into the memory model of mm/memmap.h
 * (the state Linux's deferred struct page init starts from), plus the
 * storage the experiment needs around it. Built once per boot.
 *
 *   sections   one per 128 MiB that holds memory, on the node of that
 *              memory; its 2 MiB memmap allocated from memblock inside
 *              one of the node's memory regions (Linux puts each node's
 *              memmap in the node's own memory), reserved;
 *   free       memblock's free ranges (memory minus reserved: kernel, boot
 *              information, low 1 MiB, page tables, the memmap itself...)
 *              taken after every allocation below, so none of them is free;
 *   scratch    a small separate model (node 0, every pfn free) on which the
 *              experiment picks store kernels without touching the real
 *              memmap, so the first real run stays cold;
 *   counts, bitmap   verification storage (mm/memmap_verify.h), only when
 *              asked for;
 *   arrays     per compact layout asked for (run=memdesc, run=lazy: 8 or 32
 *              bytes a page), every present section's array, one block per
 *              node on that node, 2 MiB aligned (mm/memdesc.h), built on
 *              first use; so a compact layout touches its own bytes only,
 *              never the 64-byte memmap's (whose 2 MiB slots a host with
 *              transparent huge pages backs whole on first touch). */
#ifndef EXPERIMENTS_MEMMAP_SETUP_H
#define EXPERIMENTS_MEMMAP_SETUP_H
#include "mm/memmap.h"

/* The scratch model: a quarter of the machine's sections, 1 to this many
 * (16 sections = 512K struct pages = 32 MiB of memmap: well past the
 * caches, a few ms per trial under TCG). */
#define MEMMAP_SCRATCH_MAX_SECTIONS	16

struct memmap_setup {
	struct mm_model *m;		/* all of RAM */
	struct mm_model *scratch;	/* calibration model */
	uint8_t *counts;		/* NULL unless verification storage */
	uint64_t counts_len;
	unsigned long *bitmap;		/* memmap_verify_bitmap_words() words */
	uint64_t sections;		/* present sections of m */
	uint64_t off_node_sections;	/* memmap not in its node's memory */
	uint64_t shared_sections;	/* memory ranges inside a section of
					 * another node (the section keeps
					 * its first node) */
	uint64_t memmap_bytes;		/* struct pages of m, in bytes */
	uint64_t setup_ns;		/* time the build took */
};

/* Builds the models on the first call (boot CPU, memblock quiescent) and
 * returns them in @out; later calls return the same ones. @verify: also
 * allocate the counts array and the bitmap (a later call may still ask
 * for them; they then come out of memory the model sees as free, which
 * only matters to the model's bookkeeping, never to its correctness).
 * Returns 0, or -1 with *why saying what failed (out of memory, memblock
 * full...): lib/error.h. */
int memmap_setup_get(bool verify, struct memmap_setup *out, const char **why);

/* The arrays of the compact layout of @bytes_per_page (8 or 32) for the
 * model memmap_setup_get built (call that first), indexed by section nr
 * (memdesc_model_init's @arrays); allocated from memblock on the first
 * call for that layout, so, like late verification storage, they lie in
 * memory the model calls free. NULL with *why if memblock has no room. */
void *const *memmap_setup_arrays(unsigned bytes_per_page, const char **why);

/* Whether an experiment has written the storage of the layout of
 * @bytes_per_page bytes a page (64: the memmap slots; 8, 32: their arrays)
 * since boot: a run writing storage nobody wrote before is cold.
 * memmap_setup_touch records a write of all of it. */
bool memmap_setup_touched(unsigned bytes_per_page);
void memmap_setup_touch(unsigned bytes_per_page);
#endif
