#!/bin/sh
# Writes a GRUB config that boots the kernel with multiboot2.
#   mkcfg.sh '<kernel command line>' <kernel path inside the boot medium>
# No comments inside the menuentry: GRUB would pass them to the kernel.
cmdline=$1
kernel=${2:-/boot/kernel.elf}
cat <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
if [ "\$grub_platform" = "efi" ]; then
	insmod efi_gop
	insmod efi_uga
else
	insmod vbe
fi
insmod multiboot2
menuentry "parinit" {
	multiboot2 $kernel $cmdline
	boot
}
CFG
