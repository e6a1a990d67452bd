/* The VMAP area: kernel virtual ranges backed by 4 KiB pages, each
 * allocation preceded by an unmapped guard page. Used for CPU stacks (a
 * stack overflow faults on the guard page and is reported through the #DF
 * IST stack) and for temporary mapping slots (kmap-like) in experiments. */
#ifndef ARCH_X86_64_VMAP_H
#define ARCH_X86_64_VMAP_H
#include "lib/compiler.h"

/* Allocates size bytes (rounded to pages) of fresh memory from memblock and
 * maps it below a guard page. Returns the start address, 0 on failure. */
uintptr_t vmap_alloc(uint64_t size);
/* Reserves a virtual range (plus guard) without backing memory: a caller
 * maps pages into it itself. Returns its start, 0 when the area is full. */
uintptr_t vmap_reserve(uint64_t size);
#endif
