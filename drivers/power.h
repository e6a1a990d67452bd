/* Leaving the machine: under QEMU through isa-debug-exit with the verdict;
 * on bare metal the verdict stays on the console and the machine powers off
 * through ACPI (S5), or halts when `halt` was given or a crash happened (so
 * the report stays readable). */
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
