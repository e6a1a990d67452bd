# Boot-time parsers: multiboot2 boot information, memblock, command line.
HOST_TESTS += multiboot2 memblock cmdline
multiboot2_SRCS := boot/multiboot2.c tests/host/test_multiboot2.c
# test_memblock replays random sequences through the fuzzer's model.
memblock_SRCS   := mm/memblock.c tests/host/test_memblock.c tests/host/fuzz_memblock.c
# test_cmdline uses the fuzzer's experiment table and checker.
cmdline_SRCS    := lib/cmdline.c lib/cmdline_scan.c tests/host/test_cmdline.c tests/host/fuzz_cmdline.c

# Fuzzers link no report(): lib/printf.c only for the error messages.
FUZZERS += multiboot2 memblock cmdline
fuzz_multiboot2_SRCS := boot/multiboot2.c lib/printf.c tests/host/fuzz_multiboot2.c
fuzz_memblock_SRCS   := mm/memblock.c tests/host/fuzz_memblock.c
fuzz_cmdline_SRCS    := lib/cmdline.c lib/cmdline_scan.c lib/printf.c tests/host/fuzz_cmdline.c
