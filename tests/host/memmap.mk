# mm/: struct page model, memmap init (linux and fast), buddy allocator,
# verification (docs/memmap.md).
MEMMAP_SRCS := mm/section.c mm/buddy.c mm/memmap.c mm/memmap_simd.c \
	mm/memmap_verify.c

HOST_TESTS += memmap
memmap_SRCS := $(MEMMAP_SRCS) tests/host/test_memmap.c

HOST_TESTS += buddy
buddy_SRCS := $(MEMMAP_SRCS) tests/host/test_buddy.c

# The same tests under ThreadSanitizer: concurrent buddy frees and allocs,
# and concurrent inits (test_memmap trims itself to its multithreaded
# cases when built with TSan, which is about ten times slower).
HOST_TESTS += buddy_tsan
buddy_tsan_SRCS := $(buddy_SRCS)
buddy_tsan_SAN := thread

HOST_TESTS += memmap_tsan
memmap_tsan_SRCS := $(memmap_SRCS)
memmap_tsan_SAN := thread

# Compile-checks the memmap objects with gcc and clang under the kernel
# flags (memmap_simd.c with -msse2, the rest -mgeneral-regs-only), without
# linking, and checks that the streaming stores made it into the code.
MEMMAP_KCHECK_CCS := gcc clang
MEMMAP_KOBJS := $(patsubst %.c,k/%.o,$(MEMMAP_SRCS))
memmap-kcheck:
	@set -e; for cc in $(MEMMAP_KCHECK_CCS); do \
		b=$(B)/kcheck-$$cc; \
		$(MAKE) B=$$b CC=$$cc $(addprefix $$b/,$(MEMMAP_KOBJS)); \
		objdump -d $$b/k/mm/memmap_simd.o | grep -q 'vmovntdq' ; \
		objdump -d $$b/k/mm/memmap_simd.o | grep -q '[^v]movntdq' ; \
		echo "memmap-kcheck: $$cc ok"; \
	done
.PHONY: memmap-kcheck
