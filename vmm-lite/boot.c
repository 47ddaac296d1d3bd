/* SPDX-License-Identifier: MIT */
/*
 * Putting a kernel into guest RAM: bzImage via the 64-bit boot protocol
 * (direct boot, no firmware), an ELF vmlinux through PVH, or multiboot v1.
 * Also writes the ACPI tables, the long-mode page tables and the boot GDT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

#define MiB (1024 * 1024ULL)
#define PVH_CMDLINE_MAX 2048 /* Linux x86 COMMAND_LINE_SIZE, with the NUL */

/* Maps a whole file read-only; *len gets its size. A mapping, not a copy:
 * a kernel's 50 MB then reach guest RAM in one copy. */
static void *map_file(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	void *p = MAP_FAILED;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		snprintf(err, errlen, "%s is %s, not a file to boot", path,
			 S_ISREG(st.st_mode) ? "empty" : "not a regular file");
	} else {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			snprintf(err, errlen, "cannot map %s: %s", path, strerror(errno));
		*len = st.st_size;
	}
	if (fd >= 0)
		close(fd);
	return p == MAP_FAILED ? NULL : p;
}

void boot_write_page_tables(struct vm *vm)
{
	/* Boot GDT: null, null, 64-bit code (0x10), data (0x18), 32-bit code
	 * (0x20); Linux expects __BOOT_CS 0x10 and __BOOT_DS 0x18. */
	static const uint64_t gdt[] = {
		0, 0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL,
		0x00cf9b000000ffffULL,
	};
	uint64_t *pml4 = vm_gpa_to_hva(vm, LAYOUT_PML4, 4096);
	uint64_t *pdpt = vm_gpa_to_hva(vm, LAYOUT_PML4 + 0x1000, 4096);
	uint64_t *pd = vm_gpa_to_hva(vm, LAYOUT_PML4 + 0x2000, 4 * 4096);

	memcpy(vm_gpa_to_hva(vm, LAYOUT_BOOT_GDT, sizeof(gdt)), gdt, sizeof(gdt));
	/* Identity map the low 4 GiB with 2 MiB pages: covers the kernel,
	 * zero page, command line and initrd wherever they land. */
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = (LAYOUT_PML4 + 0x1000) | 0x3;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (LAYOUT_PML4 + 0x2000 + 0x1000 * i) | 0x3;
	for (int i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83; /* present, rw, 2M page */
}

static int write_acpi(struct vm *vm, uint64_t *rsdp)
{
	struct acpi_config cfg = {
		.cpus = vm->cfg.cpus,
		.ecam_base = LAYOUT_ECAM_BASE,
		.ecam_end_bus = LAYOUT_PCI_BUSES - 1,
	};
	void *buf = vm_gpa_to_hva(vm, LAYOUT_ACPI_BASE, LAYOUT_ACPI_SIZE);
	size_t off;
	ssize_t n = acpi_build(buf, LAYOUT_ACPI_SIZE, LAYOUT_ACPI_BASE, &cfg, &off);

	if (n < 0)
		return (int)n;
	*rsdp = LAYOUT_ACPI_BASE + off;
	return 0;
}

/* Initrd (plus any appended archive) as high in low RAM as allowed. */
static int place_initrd(struct vm *vm, const struct boot_images *img,
			uint64_t addr_max, uint64_t kernel_end,
			uint64_t *addr, uint64_t *size, char *err, size_t errlen)
{
	size_t len = 0, total;
	void *data = NULL;
	uint64_t top = layout_low_ram(vm->ram_size), at;

	if (img->initrd_path && !(data = map_file(img->initrd_path, &len, err, errlen)))
		return -ENOENT;
	total = ((len + 3) & ~3ULL) + img->initrd_extra_len;
	if (addr_max && top > addr_max + 1)
		top = addr_max + 1;
	at = total < top ? (top - total) & ~0xfffULL : 0;
	if (total && (at < kernel_end || total >= top)) {
		snprintf(err, errlen,
			 "initrd (%zu MiB) does not fit in guest RAM (%llu MiB) beside the kernel: raise --mem",
			 (size_t)(total / MiB),
			 (unsigned long long)(vm->ram_size / MiB));
		if (data)
			munmap(data, len);
		return -E2BIG;
	}
	if (len)
		vm_load_image(vm, at, data, len);
	if (img->initrd_extra_len)
		vm_load_image(vm, at + ((len + 3) & ~3ULL), img->initrd_extra,
			      img->initrd_extra_len);
	if (data)
		munmap(data, len);
	*addr = total ? at : 0;
	*size = total;
	return 0;
}

/* The command line, within the kernel's limit (max counts the NUL). */
static int put_cmdline(struct vm *vm, const char *cmdline, size_t max,
		       char *err, size_t errlen)
{
	size_t len = strlen(cmdline ? cmdline : "");

	if (max > LAYOUT_CMDLINE_MAX)
		max = LAYOUT_CMDLINE_MAX;
	if (len >= max) {
		snprintf(err, errlen, "command line is %zu bytes, the kernel takes at most %zu",
			 len, max - 1);
		return -E2BIG;
	}
	memcpy(vm_gpa_to_hva(vm, LAYOUT_CMDLINE, len + 1), cmdline ? cmdline : "",
	       len + 1);
	return 0;
}

/* A kernel image ending at end must fit in low guest RAM. */
static int kernel_fits(struct vm *vm, uint64_t end, char *err, size_t errlen)
{
	if (end <= layout_low_ram(vm->ram_size))
		return 0;
	snprintf(err, errlen, "kernel needs %llu MiB, more than guest RAM: raise --mem",
		 (unsigned long long)(end / MiB + 1));
	return -E2BIG;
}

/* The end of either Linux loader: on failure, a message if no step left
 * one; else the page tables both entries use. */
static int finish_linux_boot(struct vm *vm, int ret, const char *what,
			     char *err, size_t errlen)
{
	if (ret) {
		if (!*err)
			snprintf(err, errlen, "cannot set up %s: %s", what, strerror(-ret));
		return ret;
	}
	boot_write_page_tables(vm);
	vm->linux_boot = true;
	return 0;
}

static int load_bzimage(struct vm *vm, const uint8_t *k, size_t klen,
			const struct boot_images *img, char *err, size_t errlen)
{
	struct bzimage_info bz;
	struct boot_args args = { .cmdline = img->cmdline, .ram_size = vm->ram_size };
	uint64_t kernel_end;
	int ret = bzimage_parse(k, klen, &bz, err, errlen);

	if (ret)
		return ret;
	kernel_end = LAYOUT_HIGH_MEM +
		     (bz.init_size > bz.syssize_bytes ? bz.init_size : bz.syssize_bytes);
	ret = kernel_fits(vm, kernel_end, err, errlen);
	if (!ret)
		ret = put_cmdline(vm, img->cmdline, bz.cmdline_size, err, errlen);
	if (ret)
		return ret;
	vm_load_image(vm, LAYOUT_HIGH_MEM, k + bz.setup_bytes, bz.syssize_bytes);
	ret = place_initrd(vm, img, bz.initrd_addr_max, kernel_end, &args.initrd_addr,
			   &args.initrd_size, err, errlen);
	if (!ret)
		ret = write_acpi(vm, &args.rsdp_addr);
	if (!ret)
		ret = bootparams_build(vm_gpa_to_hva(vm, LAYOUT_BOOT_PARAMS, 4096),
				       k, klen, &args);
	ret = finish_linux_boot(vm, ret, "boot", err, errlen);
	if (ret)
		return ret;
	vm->entry_long_mode = true;
	vm->entry_rip = LAYOUT_HIGH_MEM + 0x200; /* 64-bit entry point */
	vm->entry_rsi = LAYOUT_BOOT_PARAMS;
	return 0;
}

/* PVH segments go above iovm's boot area (below 1 MiB) and inside low RAM. */
static int copy_segments(struct vm *vm, const uint8_t *k,
			 const struct pvh_image *pi, char *err, size_t errlen)
{
	for (int i = 0; i < pi->nsegs; i++) {
		const struct pvh_segment *sg = &pi->seg[i];
		int ret;

		if (sg->paddr < LAYOUT_HIGH_MEM) {
			snprintf(err, errlen, "ELF kernel segment at 0x%llx is below 1 MiB, "
				 "where iovm keeps the boot tables",
				 (unsigned long long)sg->paddr);
			return -ENOEXEC;
		}
		ret = kernel_fits(vm, sg->paddr + sg->memsz, err, errlen);
		if (ret)
			return ret;
		/* The zero-filled tail (.bss) needs no writing: RAM is fresh,
		 * as vm_load_image assumes, and segments do not overlap. */
		vm_load_image(vm, sg->paddr, k + sg->offset, sg->filesz);
	}
	return 0;
}

static int load_pvh(struct vm *vm, const uint8_t *k, size_t klen,
		    const struct boot_images *img, char *err, size_t errlen)
{
	struct pvh_image pi;
	struct e820_range map[16];
	struct pvh_boot_args a = { .cmdline_addr = LAYOUT_CMDLINE, .map = map };
	int ret = pvh_parse(k, klen, &pi, err, errlen);

	if (!ret)
		ret = copy_segments(vm, k, &pi, err, errlen);
	if (!ret)
		ret = put_cmdline(vm, img->cmdline, PVH_CMDLINE_MAX, err, errlen);
	if (!ret)
		ret = place_initrd(vm, img, 0, pi.end, &a.initrd_addr,
				   &a.initrd_size, err, errlen);
	if (!ret)
		ret = write_acpi(vm, &a.rsdp_addr);
	if (!ret && (a.nmap = layout_e820(vm->ram_size, map, 16)) < 0)
		ret = a.nmap;
	if (!ret && pvh_start_info_build(vm_gpa_to_hva(vm, LAYOUT_BOOT_PARAMS, 4096),
					 4096, LAYOUT_BOOT_PARAMS, &a) < 0)
		ret = -ENOSPC;
	ret = finish_linux_boot(vm, ret, "PVH boot", err, errlen);
	if (ret)
		return ret;
	vm->entry_long_mode = false;
	vm->entry_rip = pi.entry;
	vm->entry_rbx = LAYOUT_BOOT_PARAMS;
	return 0;
}

int boot_load(struct vm *vm, const struct boot_images *img, char *err,
	      size_t errlen)
{
	size_t klen = 0;
	uint8_t *k;
	int ret;

	err[0] = 0;
	k = map_file(img->kernel_path, &klen, err, errlen);
	if (!k)
		return -ENOENT;
	if (multiboot_detect(k, klen)) {
		uint64_t rsdp;

		ret = multiboot_load(vm, k, klen, img->cmdline, err, errlen);
		if (!ret)
			ret = write_acpi(vm, &rsdp);
	} else if (pvh_detect(k, klen)) {
		ret = load_pvh(vm, k, klen, img, err, errlen);
	} else {
		ret = load_bzimage(vm, k, klen, img, err, errlen);
	}
	munmap(k, klen);
	return ret;
}
