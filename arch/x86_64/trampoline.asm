; AP start-up trampoline (Intel SDM vol. 3A, 9.4.4 "MP initialization
; example" and 10.8.5 "initializing IA-32e mode"). smp/ap_boot.c copies this
; blob to a page below 1 MiB, fills the parameter block, and sends
; INIT-SIPI-SIPI with that page's number. Each AP starts in real mode at
; CS:IP = page:0, goes through 32-bit protected mode into long mode on the
; kernel's page tables, finds its own boot record by APIC id (all APs run
; the trampoline at once: bring-up is parallel), loads that record's stack
; and calls ap_entry(struct percpu *).
;
; A gate guards the way in: the boot CPU closes it when it stops waiting
; (bit 31 of p_gate) and only then removes the page's identity map. An AP
; that arrives after that (a late SIPI, a slow CPU) finds the gate closed
; while still in real mode, where it needs no page table, counts itself in
; p_late and halts, instead of turning paging on over an unmapped page and
; resetting the machine. APs that passed the gate are counted in its low
; bits; the boot CPU waits for them to reach ap_entry before unmapping.

CR0_PE        equ 1 << 0
CR0_MP        equ 1 << 1
CR0_WP        equ 1 << 16
CR0_PG        equ 1 << 31
CR4_PAE       equ 1 << 5
MSR_EFER      equ 0xc0000080
CPUID_TOPO    equ 0x0b
CPUID_FEAT    equ 0x01
SEL_CODE32    equ 0x08
SEL_DATA      equ 0x10
SEL_CODE64    equ 0x18
REC_SIZE      equ 24        ; struct ap_boot_record: apic_id, pad, stack, percpu
REC_STACK     equ 8
REC_PERCPU    equ 16
GATE_CLOSED   equ 31        ; bit of p_gate

global trampoline_start, trampoline_end

section .rodata
align 16
bits 16
trampoline_start:
	jmp short real_start
	align 8
; Parameter block: struct trampoline_params in smp/ap_boot.c.
params:
p_gdtr:    dw gdt_end - gdt - 1
           dd 0                 ; physical address of gdt (patched)
           dw 0
p_far32:   dd 0                 ; physical address of pm32 (patched)
           dw SEL_CODE32
           dw 0
p_far64:   dd 0                 ; physical address of lm64 (patched)
           dw SEL_CODE64
           dw 0
p_cr3:     dd 0
p_efer:    dd 0
p_table:   dq 0                 ; struct ap_boot_record[]
p_count:   dd 0
           dd 0
p_entry:   dq 0                 ; ap_entry
p_cr4:     dd 0
           dd 0
p_gate:    dd 0                 ; bit 31 closed, low bits: APs let in
p_late:    dd 0                 ; APs that found the gate closed

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff      ; 32-bit code
	dq 0x00cf92000000ffff      ; data
	dq 0x00af9a000000ffff      ; 64-bit code
gdt_end:

real_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	; EBP = the trampoline's physical base for the rest of the way
	; (no stack until the boot record's; CPUID does not touch EBP).
	movzx ebp, ax
	shl ebp, 4
.gate:
	mov eax, [p_gate - trampoline_start]
	bt eax, GATE_CLOSED
	jc park
	mov edx, eax
	inc edx
	lock cmpxchg [p_gate - trampoline_start], edx
	jne .gate
	lgdt [p_gdtr - trampoline_start]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp far dword [p_far32 - trampoline_start]

; Late: the boot CPU has given up on us and unmapped this page.
park:
	lock inc dword [p_late - trampoline_start]
.halt:
	cli
	hlt
	jmp .halt

bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, [ebp + p_cr4 - trampoline_start]
	mov cr4, eax
	mov eax, [ebp + p_cr3 - trampoline_start]
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, [ebp + p_efer - trampoline_start]
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_PE | CR0_WP | CR0_MP
	mov cr0, eax
	jmp far dword [ebp + p_far64 - trampoline_start]

bits 64
lm64:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	; Our APIC id: CPUID 0xb (x2APIC id) when the CPU has that leaf,
	; else CPUID 1 EBX[31:24].
	xor eax, eax
	cpuid
	cmp eax, CPUID_TOPO
	jb .leaf1
	mov eax, CPUID_TOPO
	xor ecx, ecx
	cpuid
	mov r8d, edx
	jmp .search
.leaf1:
	mov eax, CPUID_FEAT
	cpuid
	shr ebx, 24
	mov r8d, ebx
.search:
	mov ebp, ebp                ; upper half is undefined after the switch
	mov rsi, [rbp + p_table - trampoline_start]
	mov ecx, [rbp + p_count - trampoline_start]
.next:
	test ecx, ecx
	jz .unknown
	cmp [rsi], r8d
	je .found
	add rsi, REC_SIZE
	dec ecx
	jmp .next
.found:
	mov rsp, [rsi + REC_STACK]
	mov rdi, [rsi + REC_PERCPU]
	mov rax, [rbp + p_entry - trampoline_start]
	xor ebp, ebp                ; end of the backtrace chain
	call rax
.unknown:
	cli
	hlt
	jmp .unknown
trampoline_end:

global trampoline_pm32_off, trampoline_lm64_off, trampoline_gdt_off
trampoline_pm32_off: dd pm32 - trampoline_start
trampoline_lm64_off: dd lm64 - trampoline_start
trampoline_gdt_off:  dd gdt - trampoline_start
