# The job engine (smp/job.c) on the pthread platform: ThreadSanitizer build
# (test_job) and AddressSanitizer + UBSan build of the same test (test_job_asan).
HOST_TESTS += job job_asan
job_SRCS := smp/job.c tests/host/job_pthread.c tests/host/test_job.c
job_SAN := thread
job_asan_SRCS := $(job_SRCS)
