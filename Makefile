# parinit: an SMP x86-64 research kernel.
#
#   make            build/kernel.elf
#   make iso        build/parinit.iso (GRUB, BIOS + UEFI)
#   make netboot    build/tftp/ (GRUB netboot tree, BIOS core.0 + x86_64-efi)
#   make run        boot the default experiments in QEMU and print the results
#   make test       host unit tests, fuzzers, QEMU integration tests
#   make bench      experiment matrix -> results/latest/
#   make import LOG=<serial capture>      results directory of any machine's run
#   make bench-compare A=<dir> B=<dir>    median A, median B, B/A, noise
#
# User knobs: CMDLINE, CROSS_COMPILE, CC, QEMU_SMP, QEMU_MEM, QEMU_ACCEL, MATRIX, TESTS, LOG, LABEL,
# QEMU_TESTS_FLAGS, FUZZ_SECONDS, V=1, B=<build dir>. For work in progress:
# KEXCLUDE='a.c b.c' leaves kernel sources out, EXTRA_KOBJS adds objects.
MAKEFLAGS += -rR --no-print-directory
.SUFFIXES:

CROSS_COMPILE ?=
CC            ?= gcc
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
LD            := $(CROSS_COMPILE)ld
NM            := $(CROSS_COMPILE)nm
NASM          ?= nasm
HOSTCC        ?= gcc
DEPS          ?= tools/deps
FUZZCC        ?= clang
PYTHON        ?= python3
QEMU_RUN      ?= tools/qemu-run

CMDLINE  ?=
QEMU_SMP ?= 2
QEMU_MEM ?= 4G
# tcg (default) or kvm, for every QEMU the tools start (tools/qemulib.py).
QEMU_ACCEL ?= tcg
export QEMU_ACCEL
MATRIX   ?= quick

B := build
# V=1 shows full command lines.
ifeq ($(V),1)
Q :=
else
Q := @
endif

# --- kernel ----------------------------------------------------------------
KDIRS := boot arch/x86_64 mm smp drivers experiments lib
KSRCS_C   := $(filter-out $(KEXCLUDE),$(sort $(foreach d,$(KDIRS),$(wildcard $(d)/*.c))))
KSRCS_ASM := $(sort $(foreach d,$(KDIRS),$(wildcard $(d)/*.asm)))
KOBJS := $(patsubst %.c,$(B)/k/%.o,$(KSRCS_C)) $(patsubst %.asm,$(B)/k/%.o,$(KSRCS_ASM)) \
	$(B)/k/gen/font.o $(EXTRA_KOBJS)

override KCFLAGS := -std=gnu11 -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
	-mno-red-zone -mcmodel=kernel -fno-omit-frame-pointer -fno-common \
	-fno-strict-aliasing -fno-builtin-printf -O2 -g -Wall -Wextra -Werror \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	-MMD -MP -I. -DKERNEL $(EXTRA_CFLAGS)
ifeq ($(findstring clang,$(CC)),clang)
override KCFLAGS += --target=x86_64-pc-none-elf -Wno-unused-command-line-argument
endif
# Vector registers are used only in files named *_simd.c (copy, fill and
# init kernels). Everything else, interrupt handlers included, is built
# general-registers-only, so no handler needs to save SSE/AVX state.
KCFLAGS_GPR  := -mgeneral-regs-only
KCFLAGS_SIMD := -msse2

# Under QEMU's TCG a guest loop that straddles a 4 KiB page boundary cannot
# chain its translation blocks: every iteration goes back through the TB
# lookup. A build whose mm/ functions happened to straddle pages ran
# lazy8's block init 3x slower (24 against 8 us), so timings moved with
# unrelated code changes. The algorithm code (mm/) starts
# each function on its own page: no function under 4 KiB crosses one.
$(B)/k/mm/%.o: KCFLAGS_GPR += -falign-functions=4096
$(B)/k/mm/%_simd.o: KCFLAGS_SIMD += -falign-functions=4096

override KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T linker.ld

all: $(B)/kernel.elf

# --- packages first ----------------------------------------------------------
# One `deps` step checks (as root: installs) the packages of every goal on
# the command line, and every build step is ordered after it, so on a fresh
# machine nothing compiles before nasm, GRUB or QEMU are there, under -j too.
# Package sets per goal (tools/deps); a goal not listed (a file such as
# build/kernel.elf) needs the kernel's, `iso`.
deps_clean        :=
deps_host-test    := test
deps_fuzz         := test
deps_test         := test
deps_run          := iso run
deps_qemu-test    := iso run
deps_tools-test   := iso run
deps_bench        := iso run bench
deps_import       := plot
deps_bench-compare:= plot
deps_compare-linux:= iso run
deps_check        = $(if $(filter undefined,$(origin deps_$(1))),iso,$(deps_$(1)))
DEPS_SETS := $(sort $(foreach g,$(or $(MAKECMDGOALS),all),$(call deps_check,$(g))))

deps:
	$(if $(DEPS_SETS),@$(DEPS) $(DEPS_SETS))

# The framebuffer font comes from grub-common (GNU Unifont ASCII).
$(B)/gen/font.c: tools/genfont.sh | deps
	@mkdir -p $(dir $@)
	sh tools/genfont.sh > $@

$(B)/k/gen/font.o: $(B)/gen/font.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(KCFLAGS_GPR) -c $< -o $@

$(B)/k/%_simd.o: %_simd.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(KCFLAGS_SIMD) -c $< -o $@

$(B)/k/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(KCFLAGS_GPR) -c $< -o $@

$(B)/k/%.o: %.asm Makefile
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	$(Q)$(NASM) -f elf64 -g -I. -MD $(@:.o=.d) -MP $< -o $@

# Two-pass link: the symbol table (for backtraces) sits in its own section
# after .bss, so filling it in does not move any other symbol.
$(KOBJS) $(B)/kernel.elf: | deps
$(B)/kernel.elf: $(KOBJS) linker.ld tools/gensyms.sh
	@mkdir -p $(B)
	@echo "  LD      $@"
	$(Q)sh tools/gensyms.sh /dev/null > $(B)/ksyms0.asm
	$(Q)$(NASM) -f elf64 $(B)/ksyms0.asm -o $(B)/ksyms0.o
	$(Q)$(LD) $(KLDFLAGS) -o $(B)/kernel0.elf $(KOBJS) $(B)/ksyms0.o
	$(Q)$(NM) -n $(B)/kernel0.elf | sh tools/gensyms.sh - > $(B)/ksyms.asm
	$(Q)$(NASM) -f elf64 $(B)/ksyms.asm -o $(B)/ksyms.o
	$(Q)$(LD) $(KLDFLAGS) -Map $(B)/kernel.map -o $@ $(KOBJS) $(B)/ksyms.o
	@$(NM) -n $(B)/kernel0.elf | grep -v ' ksyms\| _kernel_end' | awk '{print $$1,$$3}' > $(B)/syms0.txt
	@$(NM) -n $@ | grep -v ' ksyms\| _kernel_end' | awk '{print $$1,$$3}' > $(B)/syms1.txt
	@cmp -s $(B)/syms0.txt $(B)/syms1.txt || { echo "symbols moved between link passes"; exit 1; }

# The boot line's build_id: the commit, "-dirty" with local changes. The
# stamp rebuilds boot/report.o when it changes.
BUILD_ID := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo not-from-git)
$(B)/build_id.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(BUILD_ID)' | cmp -s - $@ || echo '$(BUILD_ID)' > $@
$(B)/k/boot/report.o: $(B)/build_id.stamp
$(B)/k/boot/report.o: KCFLAGS_GPR += -DPARINIT_BUILD_ID='"$(BUILD_ID)"'

# --- boot media ------------------------------------------------------------
GRUB_CFG_GEN := sh boot/grub/mkcfg.sh

$(B)/cmdline.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@

iso: $(B)/parinit.iso
$(B)/parinit.iso: $(B)/kernel.elf $(B)/cmdline.stamp boot/grub/mkcfg.sh | deps
	rm -rf $(B)/isodir && mkdir -p $(B)/isodir/boot/grub
	cp $(B)/kernel.elf $(B)/isodir/boot/kernel.elf
	$(GRUB_CFG_GEN) '$(CMDLINE)' /boot/kernel.elf > $(B)/isodir/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(B)/isodir 2> $(B)/grub-mkrescue.log || { cat $(B)/grub-mkrescue.log; exit 1; }

netboot: $(B)/tftp/.stamp
$(B)/tftp/.stamp: $(B)/kernel.elf $(B)/cmdline.stamp boot/grub/mkcfg.sh | deps
	rm -rf $(B)/tftp && mkdir -p $(B)/tftp/boot/grub
	grub-mknetdir --net-directory=$(B)/tftp --subdir=boot/grub \
		-d /usr/lib/grub/i386-pc > /dev/null
	grub-mknetdir --net-directory=$(B)/tftp --subdir=boot/grub \
		-d /usr/lib/grub/x86_64-efi > /dev/null
	cp $(B)/kernel.elf $(B)/tftp/kernel.elf
	$(GRUB_CFG_GEN) '$(CMDLINE)' /kernel.elf > $(B)/tftp/boot/grub/grub.cfg
	touch $@

# --- running ---------------------------------------------------------------
run: $(B)/parinit.iso | deps
	$(QEMU_RUN) --iso $(B)/parinit.iso --smp $(QEMU_SMP) --mem $(QEMU_MEM)

# --- host unit tests and fuzzers ---------------------------------------------
# Each tests/host/*.mk adds itself:  HOST_TESTS += name ; name_SRCS := ... ;
# optional name_SAN := thread (default address,undefined).
# FUZZERS += name ; fuzz_name_SRCS := ...
HOST_TESTS :=
FUZZERS    :=
include $(sort $(wildcard tests/host/*.mk))

override HCFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fno-omit-frame-pointer -I. -DHOST -pthread
HOST_BINS := $(addprefix $(B)/host/test_,$(HOST_TESTS))
FUZZ_BINS := $(addprefix $(B)/fuzz/fuzz_,$(FUZZERS))
HOST_COMMON := lib/report.c lib/printf.c tests/host/host_platform.c

define host_rule
$(B)/host/test_$(1): $$($(1)_SRCS) $(HOST_COMMON) $$(wildcard */*.h */*/*.h) Makefile
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$(Q)$$(HOSTCC) $$(HCFLAGS) -fsanitize=$$(or $$($(1)_SAN),address$$(comma)undefined) \
		-fno-sanitize-recover=all $$($(1)_SRCS) $(HOST_COMMON) -o $$@ -lm
endef
define fuzz_rule
$(B)/fuzz/fuzz_$(1): $$(fuzz_$(1)_SRCS) $$(wildcard */*.h */*/*.h) Makefile
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	$(Q)$$(FUZZCC) -std=gnu11 -O1 -g -I. -DHOST -DFUZZ -fsanitize=fuzzer,address,undefined \
		$$(fuzz_$(1)_SRCS) -o $$@
endef
comma := ,
$(foreach t,$(HOST_TESTS),$(eval $(call host_rule,$(t))))
$(foreach t,$(FUZZERS),$(eval $(call fuzz_rule,$(t))))
$(HOST_BINS) $(FUZZ_BINS): | deps

FUZZ_SECONDS ?= 10
host-test: $(HOST_BINS) | deps
	@tools/run-host-tests $(HOST_BINS)

fuzz: $(FUZZ_BINS) | deps
	@n=0; for f in $(FUZZ_BINS); do \
		mkdir -p $(B)/fuzz/corpus-$$(basename $$f); \
		echo "fuzz: $$f ($(FUZZ_SECONDS)s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
		  $(B)/fuzz/corpus-$$(basename $$f) > $(B)/fuzz/$$(basename $$f).log 2>&1 \
		  || { tail -40 $(B)/fuzz/$$(basename $$f).log; \
		       echo "fuzz: $$n passed, 1 failed"; exit 1; }; \
		n=$$((n + 1)); \
	done; echo "fuzz: $$n passed, 0 failed"

# --- integration -------------------------------------------------------------
TESTS ?= all
QEMU_TESTS_FLAGS ?= --tier slow
qemu-test: $(B)/kernel.elf | deps
	$(PYTHON) tools/qemu-tests --cases $(TESTS) $(QEMU_TESTS_FLAGS)

test: | deps
	@tools/test-all

tools-test: $(B)/kernel.elf | deps
	$(PYTHON) tools/test-tools

bench: $(B)/kernel.elf | deps
	$(PYTHON) tools/bench --matrix $(MATRIX)

compare-linux: $(B)/kernel.elf | deps
	$(PYTHON) tools/compare-linux

# Results that travel: a serial capture from any machine -> a results
# directory; two results directories -> compare.md.
import: | deps
	$(if $(LOG),,$(error make import LOG=<serial capture> [LABEL=<machine name>]))
	$(PYTHON) tools/import-log $(LOG) $(if $(LABEL),--label '$(LABEL)')

# B is the build directory's name elsewhere; this goal builds nothing, so
# here it is the second results directory, as `make bench-compare A= B=` reads.
bench-compare: | deps
	$(if $(and $(A),$(filter-out build,$(B))),,$(error make bench-compare A=<results dir> B=<results dir>))
	$(PYTHON) tools/bench-compare $(A) $(B)

# --- one package set on its own (tools/deps) ---------------------------------
deps-iso:   ; @$(DEPS) iso
deps-run:   ; @$(DEPS) run
deps-test:  ; @$(DEPS) test
deps-bench: ; @$(DEPS) bench

clean:
	rm -rf $(B)

.PHONY: all iso netboot run test host-test fuzz qemu-test tools-test bench \
	compare-linux import bench-compare clean FORCE deps deps-iso deps-run deps-test deps-bench
FORCE:

-include $(KOBJS:.o=.d)
