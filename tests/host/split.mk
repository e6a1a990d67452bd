# mm/dirty_log: dirty bitmap, lazy and eager huge-page splitting, write
# faults; the same tests under ThreadSanitizer for the racing threads.
HOST_TESTS += split split_tsan
split_SRCS := mm/dirty_log.c mm/xpt.c tests/host/test_split.c
split_tsan_SRCS := $(split_SRCS)
split_tsan_SAN := thread
