# mm/memmap_lazy: lazy memmap init in the 64-byte and 8-byte layouts
# (docs/memdesc.md, section "lazy"): boot, growing allocations racing
# background helpers, injections.
LAZY_SRCS := mm/section.c mm/buddy.c mm/memmap.c mm/memmap_simd.c \
	mm/memmap_verify.c mm/memdesc.c mm/memdesc_simd.c mm/memdesc_verify.c \
	mm/memmap_lazy.c mm/copy.c mm/copy_simd.c

HOST_TESTS += lazy
lazy_SRCS := $(LAZY_SRCS) tests/host/test_lazy.c

# The same under ThreadSanitizer: claims, growth and helpers race.
HOST_TESTS += lazy_tsan
lazy_tsan_SRCS := $(lazy_SRCS)
lazy_tsan_SAN := thread
