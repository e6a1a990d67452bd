# lib/spinlock.h and lib/barrier.h under ThreadSanitizer.
HOST_TESTS += locks
locks_SRCS := tests/host/test_locks.c
locks_SAN := thread
