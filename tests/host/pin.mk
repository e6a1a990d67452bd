# mm/pin and mm/folio: pinning per page, per folio and by one table
# descent on a memmap model (docs/pin.md), through the job engine on
# pthreads; and the same tests under ThreadSanitizer.
PIN_SRCS := mm/pin.c mm/folio.c mm/xpt.c mm/section.c mm/buddy.c \
	mm/memmap.c mm/memmap_simd.c smp/job.c tests/host/job_pthread.c \
	tests/host/test_pin.c
HOST_TESTS += pin pin_tsan
pin_SRCS := $(PIN_SRCS)
pin_tsan_SRCS := $(PIN_SRCS)
pin_tsan_SAN := thread
