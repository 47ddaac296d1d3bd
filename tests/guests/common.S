/* Shared by the test guests: multiboot header, entry, UART output and the
 * ways a guest ends. Each guest provides `guest_main`. 32-bit protected
 * mode, flat segments, no stack assumptions beyond the one set here. */
	.section .multiboot, "a"
	.align 4
	.long 0x1badb002
	.long 0
	.long -0x1badb002

	.text
	.code32
	.globl _start
_start:
	mov $stack_top, %esp
	call guest_main
	jmp poweroff

/* puts: %esi = NUL-terminated string, to COM1. */
	.globl puts
puts:
	push %eax
	push %edx
	mov $0x3f8, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	pop %edx
	pop %eax
	ret

/* puthex: %eax as 8 hex digits. */
	.globl puthex
puthex:
	push %ecx
	push %edx
	push %ebx
	mov %eax, %ebx
	mov $8, %ecx
	mov $0x3f8, %dx
3:	rol $4, %ebx
	mov %ebx, %eax
	and $0xf, %eax
	add $'0', %al
	cmp $'9', %al
	jbe 4f
	add $('a' - '9' - 1), %al
4:	out %al, %dx
	loop 3b
	pop %ebx
	pop %edx
	pop %ecx
	ret

/* ACPI S5: SLP_TYP 5 | SLP_EN into PM1a_CNT (0x604), as the FADT says. */
	.globl poweroff
poweroff:
	mov $0x604, %dx
	mov $((5 << 10) | (1 << 13)), %ax
	out %ax, %dx
5:	hlt
	jmp 5b

	.bss
	.align 16
	.space 4096
stack_top:
