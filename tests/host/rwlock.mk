# lib/rwlock.h under ThreadSanitizer.
HOST_TESTS += rwlock
rwlock_SRCS := tests/host/test_rwlock.c
rwlock_SAN := thread
