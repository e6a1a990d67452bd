# mm/blocksum: the teaching experiment's algorithm (docs/writing-an-experiment.md).
HOST_TESTS += blocksum
blocksum_SRCS := mm/blocksum.c mm/copy.c mm/copy_simd.c tests/host/test_blocksum.c
