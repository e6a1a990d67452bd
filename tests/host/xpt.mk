# mm/xpt: experiment page tables (map, walk, protect, split, unmap, count),
# and the same tests under ThreadSanitizer for the concurrent splits.
HOST_TESTS += xpt xpt_tsan
xpt_SRCS := mm/xpt.c tests/host/test_xpt.c
xpt_tsan_SRCS := $(xpt_SRCS)
xpt_tsan_SAN := thread
