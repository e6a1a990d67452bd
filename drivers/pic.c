/* 8259A initialization sequence (Intel 8259A datasheet: ICW1-ICW4, OCW1). */
#include "drivers/pic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/traps.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xa0
#define PIC2_DATA  0xa1
#define ICW1_INIT_ICW4   0x11   /* edge triggered, cascade, ICW4 follows */
#define ICW3_SLAVE_ON_IRQ2 0x04
#define ICW3_SLAVE_ID    0x02
#define ICW4_8086        0x01
#define MASK_ALL         0xff
#define PIC_VECTOR_BASE  0x20   /* IRQ 0-15 -> vectors 0x20-0x2f */
#define PIC_LINES        16

static bool ignore_irq(struct trap_frame *f)
{
	return true;
}

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE);
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, ICW3_SLAVE_ON_IRQ2);
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, MASK_ALL);
	outb(PIC2_DATA, MASK_ALL);
	for (unsigned v = PIC_VECTOR_BASE; v < PIC_VECTOR_BASE + PIC_LINES; v++)
		trap_set_handler(v, ignore_irq);
}
