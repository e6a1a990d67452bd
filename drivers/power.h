/* Leaving the machine: under a hypervisor (CPUID) through isa-debug-exit
 * with the verdict; otherwise, or without that device, the verdict stays on
 * the console, the UART is drained and the machine powers off through ACPI
 * (S5), or halts when `halt` was given, a crash happened (so the report
 * stays readable) or there is no S5 (said on the console). */
#ifndef DRIVERS_POWER_H
#define DRIVERS_POWER_H
#include "drivers/qemu_exit.h"

/* Keep the machine halted instead of powering off (cmdline `halt`). */
void power_set_halt(bool halt);
void __noreturn machine_exit(enum exit_code code);
/* ACPI power-off; returns when it is not possible. */
void acpi_poweroff(void);
/* Writes the FADT reset register when the FADT has one; returns if not. */
void acpi_reset(void);
/* Reset through the ACPI reset register, then the keyboard controller. */
void __noreturn machine_reset(void);
#endif
