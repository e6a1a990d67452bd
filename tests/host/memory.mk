# boot/memory.c: the boot information's memory map to memblock, with
# crafted maps (unit tests) and arbitrary ones (fuzzer).
MEMORY_SRCS := boot/memory.c mm/memblock.c boot/multiboot2.c

HOST_TESTS += memory
memory_SRCS := $(MEMORY_SRCS) tests/host/test_memory.c

FUZZERS += memory
fuzz_memory_SRCS := $(MEMORY_SRCS) lib/printf.c tests/host/fuzz_memory.c
