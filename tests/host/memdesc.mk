# mm/memdesc: the 8- and 32-byte memmap layouts, their buddy allocator and
# verification (docs/memdesc.md), on the memmap model.
MEMDESC_SRCS := mm/section.c mm/buddy.c mm/memmap.c mm/memmap_simd.c \
	mm/memmap_verify.c mm/memdesc.c mm/memdesc_simd.c mm/memdesc_verify.c mm/copy.c \
	mm/copy_simd.c

HOST_TESTS += memdesc
memdesc_SRCS := $(MEMDESC_SRCS) tests/host/test_memdesc.c

# The same under ThreadSanitizer: inits on section chunks from several
# threads, concurrent allocations and frees.
HOST_TESTS += memdesc_tsan
memdesc_tsan_SRCS := $(memdesc_SRCS)
memdesc_tsan_SAN := thread
