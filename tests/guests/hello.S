/* Prints a line on the UART and powers off: iovm must exit 0. */
#include "common.S"
	.text
	.globl guest_main
guest_main:
	mov $msg, %esi
	call puts
	ret
	.section .rodata
msg:	.asciz "Hello from the iovm test guest\n"
