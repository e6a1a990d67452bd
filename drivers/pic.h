/* The legacy 8259A PIC pair. The kernel uses only the local APIC; the PICs
 * are remapped away from the exception vectors (where IRQ 0, the PIT, would
 * arrive as #DF) and fully masked before anything enables interrupts. */
#ifndef DRIVERS_PIC_H
#define DRIVERS_PIC_H

/* Remaps to vectors PIC_VECTOR_BASE.. and masks every line; the spurious
 * IRQ 7/15 a masked PIC can still raise are ignored. */
void pic_disable(void);
#endif
