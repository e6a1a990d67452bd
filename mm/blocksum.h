/* Fill-and-checksum in fixed blocks: the algorithm of the teaching
 * experiment (experiments/fillsum.c, docs/writing-an-experiment.md).
 *
 * A buffer of `bytes` is cut into BLOCKSUM_BLOCK-byte blocks (the last may
 * be short). Block b is filled with buffer_fill_pattern(.., seed + b)
 * (mm/copy.h) and the sum, mod 2^64, of every block's buffer_checksum() is
 * the buffer's blocksum. Because each block's content and checksum depend
 * only on its index, any split of the blocks over threads gives the same
 * memory and the same sum: a job can hand out block ranges in any order
 * and add up its threads' partial sums.
 *
 * Pure algorithm: no printing, no timing; kernel and host tests share it. */
#ifndef MM_BLOCKSUM_H
#define MM_BLOCKSUM_H
#include "lib/compiler.h"

#define BLOCKSUM_BLOCK (64 * KiB)
#define BLOCKSUM_NONE  UINT64_MAX	/* skip_block: skip nothing */

/* Blocks needed for bytes (the last one may be short). */
uint64_t blocksum_blocks(uint64_t bytes);

/* Fills blocks [first, end) of the buffer and returns the sum of their
 * checksums, computed from the memory after the fill. skip_block, when it
 * is in the range, is left as it was (fault injection: its checksum is
 * still added, so the sum stays plausible and only a check of the content
 * catches it). end <= blocksum_blocks(bytes). */
uint64_t blocksum_fill(void *buf, uint64_t bytes, uint64_t first,
		       uint64_t end, uint64_t seed, uint64_t skip_block);

/* Checks the whole buffer against the pattern, block by block, and sums
 * the checksums of what is there. Returns the first wrong block's index,
 * or BLOCKSUM_NONE when every block holds its pattern; *sum gets the sum. */
uint64_t blocksum_check(const void *buf, uint64_t bytes, uint64_t seed,
			uint64_t *sum);
#endif
