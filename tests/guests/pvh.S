/* Booted through PVH: checks the hvm_start_info that ebx points at and
 * prints what it holds (command line, module count, memory map size). */
#include "common.S"
	.pushsection .note.Xen, "a", @note
	.align 4
	.long 4, 8, 18          /* name size, desc size, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.align 4
	.quad _start
	.popsection

	.text
	.globl guest_main
guest_main:
	cmpl $0x336ec578, (%ebx)
	jne 1f
	mov $magic_ok, %esi
	call puts
	mov 24(%ebx), %esi      /* cmdline_paddr */
	call puts
	mov $mods, %esi
	call puts
	mov 12(%ebx), %eax      /* nr_modules */
	call puthex
	mov $maps, %esi
	call puts
	mov 48(%ebx), %eax      /* memmap_entries */
	call puthex
	mov $nl, %esi
	call puts
	ret
1:	mov $magic_bad, %esi
	call puts
	ret
	.section .rodata
magic_ok:	.asciz "pvh start_info ok, cmdline: "
magic_bad:	.asciz "pvh start_info magic wrong\n"
mods:	.asciz "\nmodules "
maps:	.asciz " memmap "
nl:	.asciz "\n"
