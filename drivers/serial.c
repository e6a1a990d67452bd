/* 16550 UART driver, polled (PC16550D datasheet: registers and LSR bits). */
#include "drivers/serial.h"
#include "arch/x86_64/cpu.h"

#define COM1_BASE   0x3f8
#define UART_THR    0   /* transmit holding (DLAB=0) */
#define UART_DLL    0   /* divisor latch low (DLAB=1) */
#define UART_IER    1
#define UART_DLM    1
#define UART_FCR    2
#define UART_LCR    3
#define UART_MCR    4
#define UART_LSR    5
#define UART_SCR    7
#define LCR_8N1     0x03
#define LCR_DLAB    0x80
#define FCR_ENABLE_CLEAR 0xc7
#define MCR_DTR_RTS_OUT2 0x0b
#define MCR_LOOPBACK     0x1e
#define LSR_THR_EMPTY    0x20
#define LSR_TX_IDLE      0x40   /* holding register and shift register empty */
#define DRAIN_SPIN_LIMIT 1000000    /* ~1 s of port reads on hardware */
#define BAUD_DIVISOR_115200 1
#define LOOPBACK_PROBE   0xae
#define TX_SPIN_LIMIT    100000

static bool present;

bool serial_init(void)
{
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, LCR_DLAB);
	outb(COM1_BASE + UART_DLL, BAUD_DIVISOR_115200);
	outb(COM1_BASE + UART_DLM, 0);
	outb(COM1_BASE + UART_LCR, LCR_8N1);
	outb(COM1_BASE + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1_BASE + UART_MCR, MCR_LOOPBACK);
	outb(COM1_BASE + UART_THR, LOOPBACK_PROBE);
	present = inb(COM1_BASE + UART_THR) == LOOPBACK_PROBE;
	outb(COM1_BASE + UART_MCR, MCR_DTR_RTS_OUT2);
	return present;
}

static void serial_putc(char c)
{
	/* Bounded wait: a wedged UART must not hang the kernel. */
	for (int i = 0; i < TX_SPIN_LIMIT; i++)
		if (inb(COM1_BASE + UART_LSR) & LSR_THR_EMPTY)
			break;
	outb(COM1_BASE + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

void serial_drain(void)
{
	/* Bounded like serial_putc: 16 bytes at 115200 baud take ~1.4 ms. */
	for (int i = 0; present && i < DRAIN_SPIN_LIMIT; i++)
		if (inb(COM1_BASE + UART_LSR) & LSR_TX_IDLE)
			return;
}
