/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 kernels (ELF32 or the a.out kludge), as QEMU's -kernel loads
 * them, so small purpose-built test guests run unchanged. The header scan
 * and ELF segment walk only read the image buffer, with bounds checks.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define MB_MAGIC        0x1badb002u
#define MB_BOOT_MAGIC   0x2badb002u
#define MB_AOUT_KLUDGE  (1u << 16)
#define MB_SEARCH       8192

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

static const struct mb_header *mb_find(const void *img, size_t len, size_t *off)
{
	const uint8_t *p = img;

	/* Only magic, flags and checksum must be there; the a.out fields are
	 * checked when used. memcpy: the image buffer may be unaligned. */
	for (size_t o = 0; o + 12 <= len && o < MB_SEARCH; o += 4) {
		struct mb_header h = { 0 };

		memcpy(&h, p + o, len - o < sizeof(h) ? len - o : sizeof(h));
		if (h.magic == MB_MAGIC && h.magic + h.flags + h.checksum == 0) {
			*off = o;
			return (const void *)(p + o);
		}
	}
	return NULL;
}

bool multiboot_detect(const void *img, size_t len)
{
	size_t off;

	return mb_find(img, len, &off) != NULL;
}

static int copy_in(struct vm *vm, uint64_t gpa, const void *src, size_t n,
		   size_t memsz)
{
	uint8_t *dst = vm_gpa_to_hva(vm, gpa, memsz);

	if (!dst || n > memsz)
		return -ERANGE;
	memcpy(dst, src, n);
	memset(dst + n, 0, memsz - n);
	return 0;
}

static int load_aout(struct vm *vm, const uint8_t *p, size_t len,
		     const struct mb_header *h, size_t hoff, uint32_t *entry)
{
	size_t file_off = hoff - (h->header_addr - h->load_addr);
	size_t n = h->load_end_addr ? h->load_end_addr - h->load_addr
				    : len - file_off;
	size_t mem = h->bss_end_addr ? h->bss_end_addr - h->load_addr : n;

	if (hoff + sizeof(*h) > len || h->header_addr < h->load_addr ||
	    file_off > len || n > len - file_off || mem < n)
		return -ENOEXEC;
	*entry = h->entry_addr;
	return copy_in(vm, h->load_addr, p + file_off, n, mem);
}

static int load_elf32(struct vm *vm, const uint8_t *p, size_t len,
		      uint32_t *entry)
{
	Elf32_Ehdr eh;

	if (len < sizeof(eh))
		return -ENOEXEC;
	memcpy(&eh, p, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS32 || eh.e_machine != EM_386 ||
	    eh.e_phentsize != sizeof(Elf32_Phdr) ||
	    eh.e_phoff > len || eh.e_phnum > (len - eh.e_phoff) / sizeof(Elf32_Phdr))
		return -ENOEXEC;
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf32_Phdr ph;
		int ret;

		memcpy(&ph, p + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			return -ENOEXEC;
		ret = copy_in(vm, ph.p_paddr, p + ph.p_offset, ph.p_filesz, ph.p_memsz);
		if (ret)
			return ret;
	}
	*entry = eh.e_entry;
	return 0;
}

/* Multiboot info: memory sizes, command line and a memory map. */
static void write_mbi(struct vm *vm, const char *cmdline)
{
	uint8_t *mbi = vm_gpa_to_hva(vm, LAYOUT_BOOT_PARAMS, 4096);
	struct e820_range map[16];
	int n = layout_e820(vm->ram_size, map, 16);
	uint32_t *w = (uint32_t *)mbi;
	uint8_t *mm = mbi + 128;

	memset(mbi, 0, 4096);
	w[0] = (1 << 0) | (1 << 2) | (1 << 6);   /* mem, cmdline, mmap */
	w[1] = 640;
	w[2] = (uint32_t)((layout_low_ram(vm->ram_size) - LAYOUT_HIGH_MEM) >> 10);
	snprintf(vm_gpa_to_hva(vm, LAYOUT_CMDLINE, LAYOUT_CMDLINE_MAX),
		 LAYOUT_CMDLINE_MAX, "%s", cmdline ? cmdline : "");
	w[4] = LAYOUT_CMDLINE;
	for (int i = 0; i < n; i++, mm += 24) {
		uint32_t sz = 20;

		memcpy(mm, &sz, 4);
		memcpy(mm + 4, &map[i].addr, 8);
		memcpy(mm + 12, &map[i].size, 8);
		memcpy(mm + 20, &map[i].type, 4);
	}
	w[11] = (n > 0 ? n : 0) * 24;
	w[12] = LAYOUT_BOOT_PARAMS + 128;
}

int multiboot_load(struct vm *vm, const void *img, size_t len,
		   const char *cmdline, char *err, size_t errlen)
{
	size_t hoff;
	struct mb_header h;
	uint32_t entry = 0;
	int ret;

	if (!mb_find(img, len, &hoff))
		return -ENOEXEC;
	memset(&h, 0, sizeof(h));
	memcpy(&h, (const uint8_t *)img + hoff, len - hoff < sizeof(h) ? len - hoff : sizeof(h));
	if (h.flags & MB_AOUT_KLUDGE)
		ret = load_aout(vm, img, len, &h, hoff, &entry);
	else
		ret = load_elf32(vm, img, len, &entry);
	if (ret) {
		snprintf(err, errlen, ret == -ERANGE ?
			 "multiboot kernel does not fit in guest RAM" :
			 "multiboot kernel is neither a valid ELF32 nor a.out-kludge image");
		return ret;
	}
	write_mbi(vm, cmdline);
	vm->entry_long_mode = false;
	vm->entry_rip = entry;
	vm->entry_rax = MB_BOOT_MAGIC;
	vm->entry_rbx = LAYOUT_BOOT_PARAMS;
	return 0;
}
