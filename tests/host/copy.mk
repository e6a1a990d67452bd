# mm/copy: copy/fill kernels and verification helpers (docs/copy.md).
HOST_TESTS += copy
copy_SRCS := mm/copy.c mm/copy_simd.c tests/host/test_copy.c

# Host micro-benchmark, not a test (its numbers are the host's, not the
# guest's): make build/host/bench_copy && build/host/bench_copy [MiB]
$(B)/host/bench_copy: mm/copy.c mm/copy_simd.c tests/host/bench_copy.c \
		mm/copy.h lib/compiler.h tests/host/host_cpu.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -DHOST \
		$(filter %.c,$^) -o $@

# Compile-checks the kernel objects with gcc and clang under the kernel flags
# (copy.c -mgeneral-regs-only, copy_simd.c -msse2), without linking, then
# checks that the non-temporal stores made it into the code and that neither
# compiler turned a loop into a call to memcpy/memset.
COPY_KCHECK_CCS := gcc clang
copy-kcheck:
	@set -e; for cc in $(COPY_KCHECK_CCS); do \
		b=$(B)/kcheck-$$cc; \
		$(MAKE) B=$$b CC=$$cc $$b/k/mm/copy.o $$b/k/mm/copy_simd.o; \
		objdump -d $$b/k/mm/copy_simd.o | grep -q 'vmovntdq' ; \
		objdump -d $$b/k/mm/copy_simd.o | grep -q '[^v]movntdq' ; \
		if nm -u $$b/k/mm/copy.o $$b/k/mm/copy_simd.o | \
			grep -E ' (memcpy|memset|memmove)$$'; then \
			echo "copy-kcheck: $$cc: a kernel calls lib/string"; exit 1; \
		fi; \
		echo "copy-kcheck: $$cc ok"; \
	done
.PHONY: copy-kcheck
