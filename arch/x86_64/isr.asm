; Interrupt entry stubs for all 256 vectors (Intel SDM vol. 3A, 6.12).
; Each stub makes the stack look the same (error code or 0, then the vector)
; and jumps to isr_common, which saves the general registers into a
; struct trap_frame (arch/x86_64/traps.h) and calls trap_dispatch().

extern trap_dispatch
global isr_stub_table

; Vectors for which the CPU pushes an error code.
%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text
align 16
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16		; vector and error code
	iretq

%assign v 0
%rep 256
align 16
isr_stub_%+v:
%if HAS_ERR(v) == 0
	push 0
%endif
	push v
	jmp isr_common
%assign v v + 1
%endrep

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_%+v
%assign v v + 1
%endrep
