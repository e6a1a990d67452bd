/* Leaving the machine (see power.h). ACPI S5 and reset: ACPI spec 6.4,
 * 4.8.3.2 (PM1 control: SLP_TYP, SLP_EN) and 4.8.3.6 (reset register). */
#include "drivers/power.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "drivers/acpi.h"
#include "drivers/serial.h"
#include "lib/printf.h"

#define KBC_STATUS 0x64
#define KBC_RESET  0xfe
#define KBC_INPUT_FULL 0x02
#define KBC_WAIT_LIMIT 100000
/* After the S5 write: QEMU powers off from its main loop, milliseconds
 * later on a loaded host; hardware within microseconds. (Before the TSC is
 * calibrated udelay() does not wait: the message then comes at once.) */
#define POWEROFF_WAIT_US (3000ull * 1000)

static enum power_after after = POWER_OFF;

void power_set_after(enum power_after a)
{
	after = a;
}

/* Bare metal: the verdict is on the console; power off through S5 unless
 * asked to stay on (`halt`) or after a crash, whose report must stay on the
 * screen. The transmitter is drained first: power-off cuts the UART while
 * its FIFO still holds the verdict. */
void machine_exit(enum exit_code code)
{
	qemu_exit(code);
	/* Still here: no hypervisor, or no isa-debug-exit device. */
	if (code != EXIT_CRASH && after == POWER_REBOOT) {
		kprintf("parinit: restarting (reboot)\n");
		serial_drain();
		machine_reset();
	}
	if (code != EXIT_CRASH && after == POWER_OFF) {
		kprintf("parinit: power off (ACPI S5)\n");
		serial_drain();
		if (!acpi_poweroff())
			kprintf("parinit: no ACPI S5 (no FADT PM1 control block or DSDT \\_S5): halted\n");
		else {
			udelay(POWEROFF_WAIT_US);
			kprintf("parinit: still running %llu ms after the ACPI S5 write: halted\n",
				POWEROFF_WAIT_US / 1000);
		}
	}
	serial_drain();
	halt_forever();
}

void machine_reset(void)
{
	acpi_reset();
	for (int i = 0; i < KBC_WAIT_LIMIT && (inb(KBC_STATUS) & KBC_INPUT_FULL); i++)
		cpu_relax();
	outb(KBC_STATUS, KBC_RESET);
	halt_forever();
}
