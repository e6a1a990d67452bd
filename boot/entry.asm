; 32-bit entry from GRUB (Multiboot2 spec 3.3: protected mode, paging off,
; EAX = bootloader magic, EBX = physical address of the boot information),
; switch to long mode (Intel SDM vol. 3A, 10.8.5) and jump to the higher
; half. Early page tables: identity map of the first 4 GiB (the boot
; information, ACPI tables and this code live there) and the kernel image at
; KERNEL_VIRT, both with 2 MiB pages. kmain() replaces them.

KERNEL_VIRT     equ 0xffffffff80000000
MB2_BOOT_MAGIC  equ 0x36d76289

CR0_PE          equ 1 << 0
CR0_MP          equ 1 << 1
CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xc0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11
PTE_P           equ 1 << 0
PTE_W           equ 1 << 1
PTE_PS          equ 1 << 7
PAGE_SIZE       equ 4096
EARLY_PDS       equ 4           ; 4 page directories x 1 GiB = 4 GiB identity
CPUID_EXT_MAX   equ 0x80000000
CPUID_EXT_FEAT  equ 0x80000001
CPUID_LM_BIT    equ 29
CPUID_NX_BIT    equ 20
COM1            equ 0x3f8
DEBUG_EXIT_PORT equ 0xf4
EXIT_FAIL       equ 1           ; QEMU exits (1 << 1) | 1 = 3
BOOT_STACK_SIZE equ 16384

extern kmain
global _start32, early_pml4, boot_stack_top

section .boot.text progbits alloc exec nowrite align=16
bits 32
_start32:
	cli
	cld
	mov esp, early_stack_top
	cmp eax, MB2_BOOT_MAGIC
	jne .not_multiboot
	mov [mb2_info_phys], ebx

	call check_long_mode
	call build_early_tables

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, early_pml4
	mov cr3, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	cmp dword [nx_supported], 0
	je .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr

	mov eax, cr0
	or eax, CR0_PG | CR0_PE | CR0_WP | CR0_MP
	mov cr0, eax

	lgdt [early_gdt_ptr]
	jmp 0x08:long_mode_entry

.not_multiboot:
	mov esi, msg_no_mb2
	jmp boot_fail32

; Fails with a message when the CPU has no long mode (e.g. qemu32).
check_long_mode:
	mov eax, CPUID_EXT_MAX
	cpuid
	cmp eax, CPUID_EXT_FEAT
	jb .no_lm
	mov eax, CPUID_EXT_FEAT
	cpuid
	bt edx, CPUID_LM_BIT
	jnc .no_lm
	bt edx, CPUID_NX_BIT
	setc byte [nx_supported]
	ret
.no_lm:
	mov esi, msg_no_lm
	jmp boot_fail32

; PML4[0] -> identity PDPT (4 x 1 GiB of 2 MiB pages);
; PML4[511] -> high PDPT, whose entry 510 maps KERNEL_VIRT to physical 0.
build_early_tables:
	mov edi, early_tables_start
	mov ecx, (early_tables_end - early_tables_start) / 4
	xor eax, eax
	rep stosd

	mov dword [early_pml4], early_pdpt_low + PTE_P + PTE_W
	mov dword [early_pml4 + 511 * 8], early_pdpt_high + PTE_P + PTE_W
	; PML4[256]: the same 4 GiB at PAGE_OFFSET, so phys_to_virt() works early.
	mov dword [early_pml4 + 256 * 8], early_pdpt_low + PTE_P + PTE_W
	mov dword [early_pdpt_high + 510 * 8], early_pds + PTE_P + PTE_W

	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, early_pds + PTE_P + PTE_W
	mov [early_pdpt_low + ecx * 8], eax
	inc ecx
	cmp ecx, EARLY_PDS
	jne .pdpt

	; 2048 PDEs of 2 MiB: physical 0 .. 4 GiB.
	xor ecx, ecx
.pde:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	mov [early_pds + ecx * 8], eax
	mov eax, ecx
	shr eax, 11
	mov [early_pds + ecx * 8 + 4], eax
	inc ecx
	cmp ecx, EARLY_PDS * 512
	jne .pde
	ret

; Prints the NUL-terminated string at ESI on COM1 and leaves through
; isa-debug-exit (status 3); on real hardware it halts.
boot_fail32:
	mov dx, COM1
.next:
	lodsb
	test al, al
	jz .done
	out dx, al
	jmp .next
.done:
	mov al, EXIT_FAIL
	out DEBUG_EXIT_PORT, al
.halt:
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	mov edi, MB2_BOOT_MAGIC
	mov esi, [rel mb2_info_phys]
	mov rax, kmain
	call rax
.hang:
	cli
	hlt
	jmp .hang

section .boot.data progbits alloc noexec write align=16
early_gdt:
	dq 0
	dq 0x00af9a000000ffff	; 0x08: 64-bit code
	dq 0x00cf92000000ffff	; 0x10: data
early_gdt_ptr:
	dw early_gdt_ptr - early_gdt - 1
	dd early_gdt
mb2_info_phys:  dd 0
nx_supported:   dd 0
msg_no_mb2:     db "parinit: not started by a Multiboot2 loader", 13, 10, 0
msg_no_lm:      db "parinit: this CPU has no 64-bit long mode", 13, 10, 0

section .boot.bss nobits alloc noexec write align=4096
early_tables_start:
early_pml4:      resb PAGE_SIZE
early_pdpt_low:  resb PAGE_SIZE
early_pdpt_high: resb PAGE_SIZE
early_pds:       resb PAGE_SIZE * EARLY_PDS
early_tables_end:
	resb 1024
early_stack_top:

; The boot CPU's stack, in the higher half, with a guard page below it that
; kmain() leaves unmapped in the final page tables.
section .bss.page_aligned nobits alloc noexec write align=4096
global boot_stack_guard
boot_stack_guard: resb PAGE_SIZE
boot_stack:       resb BOOT_STACK_SIZE
boot_stack_top:
