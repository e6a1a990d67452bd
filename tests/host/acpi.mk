# ACPI table discovery and parsers (drivers/acpi*.c): unit tests over
# synthetic QEMU-like tables, and a fuzzer over arbitrary table memory.
ACPI_SRCS := drivers/acpi.c drivers/acpi_madt.c drivers/acpi_srat.c \
	drivers/acpi_slit.c drivers/acpi_hpet.c drivers/acpi_fadt.c

HOST_TESTS += acpi
acpi_SRCS := $(ACPI_SRCS) tests/host/test_acpi.c

FUZZERS += acpi
fuzz_acpi_SRCS := $(ACPI_SRCS) lib/printf.c tests/host/fuzz_acpi.c
