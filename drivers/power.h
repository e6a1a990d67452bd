/* Leaving the machine: under a hypervisor (CPUID) through isa-debug-exit
 * with the verdict; otherwise, or without that device, the verdict stays on
 * the console, the UART is drained and the machine powers off through ACPI
 * (S5), or restarts when `reboot` was given, or halts when `halt` was
 * given, a crash happened (so the report stays readable) or there is no S5
 * (said on the console). */
#ifndef DRIVERS_POWER_H
#define DRIVERS_POWER_H
#include "drivers/qemu_exit.h"

/* What machine_exit does when the exit port was not used: power off by
 * S5 (default), stay halted (cmdline `halt`; a crash always halts) or
 * reset so a bare machine boots again (cmdline `reboot`, for collecting
 * several cold boots over one serial capture). */
enum power_after {
	POWER_OFF,
	POWER_HALT,
	POWER_REBOOT,
};
void power_set_after(enum power_after after);
void __noreturn machine_exit(enum exit_code code);
/* ACPI power-off: false when the machine has no S5 (no FADT PM1 control
 * block or no DSDT \_S5); true once SLP_TYP | SLP_EN are written, after
 * which the power goes some time later (a hypervisor handles the write
 * asynchronously), so the caller waits before it concludes anything. */
bool acpi_poweroff(void);
/* Writes the FADT reset register when the FADT has one; returns if not. */
void acpi_reset(void);
/* Reset through the ACPI reset register, then the keyboard controller. */
void __noreturn machine_reset(void);
#endif
