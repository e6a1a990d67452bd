/* Filling and checking big buffers on every online CPU at once: the
 * set-up and verification around timed runs, which would otherwise take
 * longer than the runs under TCG.
 *
 * A pattern buffer is written in blocks: block b holds
 * buffer_fill_pattern(block, PAR_PATTERN_BLOCK, seed + b) (mm/copy.h), so
 * CPUs fill and check blocks independently and a misplaced block is
 * caught. Boot CPU, between experiments (all other CPUs idle). */
#ifndef EXPERIMENTS_PAR_BUFFER_H
#define EXPERIMENTS_PAR_BUFFER_H
#include "lib/compiler.h"

#define PAR_PATTERN_BLOCK (2 * MiB)

void par_fill_pattern(void *buf, uint64_t bytes, uint64_t seed);
/* The first wrong byte's offset, or BUFFER_MATCH. */
uint64_t par_check_pattern(const void *buf, uint64_t bytes, uint64_t seed);
void par_fill(void *buf, uint64_t bytes, uint64_t pattern64);
uint64_t par_check_zero(const void *buf, uint64_t bytes);

/* Piece idx of n of [0, bytes): boundaries are multiples of align (the
 * last piece ends at bytes). Pieces may be empty when bytes is small. */
void piece_range(uint64_t bytes, uint64_t align, unsigned idx, unsigned n,
		 uint64_t *a, uint64_t *b);
#endif
