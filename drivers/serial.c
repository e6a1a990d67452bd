/* 16550 UART driver, polled (PC16550D datasheet: registers and LSR bits). */
#include "drivers/serial.h"
#include "arch/x86_64/cpu.h"

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

/* The PC's standard COM1..COM4 bases (the BIOS data area may list others;
 * these are what firmware "serial redirection" settings offer). */
static const uint16_t port_base[SERIAL_PORTS] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };

static uint16_t base = 0x3f8;
static unsigned selected;
static bool present;

uint16_t serial_port_base(unsigned index)
{
	return index < SERIAL_PORTS ? port_base[index] : 0;
}

/* 115200 8N1, FIFOs on, then a byte through the loopback: an absent UART
 * reads back 0xff (floating bus), not the probe. */
static bool uart_init(uint16_t b)
{
	bool ok;

	outb(b + UART_IER, 0);
	outb(b + UART_LCR, LCR_DLAB);
	outb(b + UART_DLL, BAUD_DIVISOR_115200);
	outb(b + UART_DLM, 0);
	outb(b + UART_LCR, LCR_8N1);
	outb(b + UART_FCR, FCR_ENABLE_CLEAR);
	outb(b + UART_MCR, MCR_LOOPBACK);
	outb(b + UART_THR, LOOPBACK_PROBE);
	ok = inb(b + UART_THR) == LOOPBACK_PROBE;
	outb(b + UART_MCR, MCR_DTR_RTS_OUT2);
	return ok;
}

bool serial_init(void)
{
	base = port_base[0];
	selected = 0;
	present = uart_init(base);
	return present;
}

bool serial_select(unsigned index)
{
	/* Drained first: programming the FIFO control clears a transmit FIFO,
	 * and the new port may be the current one. */
	serial_drain();
	if (index >= SERIAL_PORTS || !uart_init(port_base[index]))
		return false;
	base = port_base[index];
	selected = index;
	present = true;
	return true;
}

unsigned serial_selected(void)
{
	return selected;
}

static void serial_putc(char c)
{
	/* Bounded wait: a wedged UART must not hang the kernel. */
	for (int i = 0; i < TX_SPIN_LIMIT; i++)
		if (inb(base + UART_LSR) & LSR_THR_EMPTY)
			break;
	outb(base + UART_THR, (uint8_t)c);
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
		if (inb(base + UART_LSR) & LSR_TX_IDLE)
			return;
}
