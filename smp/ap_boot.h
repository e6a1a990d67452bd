/* AP bring-up details beyond smp.h (smp/ap_boot.c). */
#ifndef SMP_AP_BOOT_H
#define SMP_AP_BOOT_H

/* APs that showed up after smp_boot_aps() stopped waiting for them and
 * halted themselves: in the trampoline (gate closed, before paging) or in
 * ap_entry (marked failed). They never run kernel code beyond that. */
unsigned smp_late_aps(void);
#endif
