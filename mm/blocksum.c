/* Fill-and-checksum in fixed blocks (blocksum.h). */
#include "mm/blocksum.h"
#include "mm/copy.h"

uint64_t blocksum_blocks(uint64_t bytes)
{
	return DIV_ROUND_UP(bytes, BLOCKSUM_BLOCK);
}

/* Block b's bytes: BLOCKSUM_BLOCK, or what is left for the last one. */
static uint64_t block_len(uint64_t bytes, uint64_t b)
{
	return MIN((uint64_t)BLOCKSUM_BLOCK, bytes - b * BLOCKSUM_BLOCK);
}

uint64_t blocksum_fill(void *buf, uint64_t bytes, uint64_t first,
		       uint64_t end, uint64_t seed, uint64_t skip_block)
{
	unsigned char *p = buf;
	uint64_t sum = 0;

	for (uint64_t b = first; b < end; b++) {
		unsigned char *blk = p + b * BLOCKSUM_BLOCK;
		uint64_t len = block_len(bytes, b);

		if (b != skip_block)
			buffer_fill_pattern(blk, len, seed + b);
		sum += buffer_checksum(blk, len);
	}
	return sum;
}

uint64_t blocksum_check(const void *buf, uint64_t bytes, uint64_t seed,
			uint64_t *sum)
{
	const unsigned char *p = buf;
	uint64_t bad = BLOCKSUM_NONE;

	*sum = 0;
	for (uint64_t b = 0; b < blocksum_blocks(bytes); b++) {
		const unsigned char *blk = p + b * BLOCKSUM_BLOCK;
		uint64_t len = block_len(bytes, b);

		if (bad == BLOCKSUM_NONE &&
		    buffer_check_pattern(blk, len, seed + b) != BUFFER_MATCH)
			bad = b;
		*sum += buffer_checksum(blk, len);
	}
	return bad;
}
