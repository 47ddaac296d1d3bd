/* Reads the vendor/device ID of 00:00.0 through CF8/CFC, then through
 * ECAM, and prints both: the two paths must agree. */
#include "common.S"
	.text
	.globl guest_main
guest_main:
	mov $cf8_msg, %esi
	call puts
	mov $0xcf8, %dx
	mov $0x80000000, %eax
	out %eax, %dx
	mov $0xcfc, %dx
	in %dx, %eax
	call puthex
	mov $ecam_msg, %esi
	call puts
	mov 0xe0000000, %eax
	call puthex
	mov $nl, %esi
	call puts
	ret
	.section .rodata
cf8_msg:  .asciz "cf8 "
ecam_msg: .asciz " ecam "
nl:       .asciz "\n"
