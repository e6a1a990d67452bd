; Multiboot2 header (Multiboot2 spec, section 3.1). GRUB finds it in the
; first 32 KiB of the image. We ask for the tags the kernel parses and for a
; linear framebuffer (optional: text console still works on serial).
; No EFI boot-services tag: under UEFI, GRUB exits boot services and enters
; _start32 in 32-bit protected mode, exactly as under BIOS.

MB2_HEADER_MAGIC   equ 0xe85250d6
MB2_ARCH_I386      equ 0
MB2_TAG_END        equ 0
MB2_TAG_INFO_REQ   equ 1
MB2_TAG_FRAMEBUF   equ 5
MB2_TAG_OPTIONAL   equ 1

; Information request: tag types of the boot information we want.
MB2_INFO_CMDLINE   equ 1
MB2_INFO_MMAP      equ 6
MB2_INFO_FB        equ 8
MB2_INFO_ACPI_OLD  equ 14
MB2_INFO_ACPI_NEW  equ 15
MB2_INFO_EFI_MMAP  equ 17

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	align 8
.info_req:
	dw MB2_TAG_INFO_REQ, MB2_TAG_OPTIONAL
	dd .info_req_end - .info_req
	dd MB2_INFO_CMDLINE, MB2_INFO_MMAP, MB2_INFO_FB
	dd MB2_INFO_ACPI_OLD, MB2_INFO_ACPI_NEW, MB2_INFO_EFI_MMAP
.info_req_end:

	align 8
.framebuffer:
	dw MB2_TAG_FRAMEBUF, MB2_TAG_OPTIONAL
	dd 20
	dd 0, 0, 32		; width, height: no preference; depth 32

	align 8
	dw MB2_TAG_END, 0
	dd 8
mb2_header_end:
