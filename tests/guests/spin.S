/* Prints a line, then spins forever: only a signal ends this VM. */
#include "common.S"
	.text
	.globl guest_main
guest_main:
	mov $msg, %esi
	call puts
1:	pause
	jmp 1b
	.section .rodata
msg:	.asciz "spinning\n"
