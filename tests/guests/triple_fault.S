/* Loads an empty IDT and raises an exception: a triple fault. */
#include "common.S"
	.text
	.globl guest_main
guest_main:
	lidt empty_idt
	int3
	ret
	.section .rodata
empty_idt:
	.word 0
	.long 0
