/* SPDX-License-Identifier: MIT */
/*
 * Putting a kernel into guest RAM: bzImage via the 64-bit boot protocol
 * (direct boot, no firmware), or multiboot v1. Also writes the ACPI tables,
 * the long-mode page tables and the boot GDT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

#define MiB (1024 * 1024ULL)

/* Reads a whole file; *len gets its size. */
static void *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		snprintf(err, errlen, "cannot read %s", path);
		free(buf);
		return NULL;
	}
	*len = got;
	return buf;
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
			const struct bzimage_info *bz, uint64_t kernel_end,
			uint64_t *addr, uint64_t *size, char *err, size_t errlen)
{
	size_t len = 0, total;
	void *data = NULL;
	uint64_t top = layout_low_ram(vm->ram_size), at;

	if (img->initrd_path && !(data = read_file(img->initrd_path, &len, err, errlen)))
		return -ENOENT;
	total = ((len + 3) & ~3ULL) + img->initrd_extra_len;
	if (bz->initrd_addr_max && top > (uint64_t)bz->initrd_addr_max + 1)
		top = (uint64_t)bz->initrd_addr_max + 1;
	at = total < top ? (top - total) & ~0xfffULL : 0;
	if (total && (at < kernel_end || total >= top)) {
		snprintf(err, errlen,
			 "initrd (%zu MiB) does not fit in guest RAM (%llu MiB) beside the kernel: raise --mem",
			 (size_t)(total / MiB),
			 (unsigned long long)(vm->ram_size / MiB));
		free(data);
		return -E2BIG;
	}
	if (len)
		memcpy(vm_gpa_to_hva(vm, at, len), data, len);
	if (img->initrd_extra_len)
		memcpy(vm_gpa_to_hva(vm, at + ((len + 3) & ~3ULL), img->initrd_extra_len),
		       img->initrd_extra, img->initrd_extra_len);
	free(data);
	*addr = total ? at : 0;
	*size = total;
	return 0;
}

static int load_bzimage(struct vm *vm, const uint8_t *k, size_t klen,
			const struct boot_images *img, char *err, size_t errlen)
{
	struct bzimage_info bz;
	struct boot_args args = { .cmdline = img->cmdline, .ram_size = vm->ram_size };
	uint64_t kernel_end;
	size_t cmdlen = strlen(img->cmdline ? img->cmdline : "");
	int ret = bzimage_parse(k, klen, &bz, err, errlen);

	if (ret)
		return ret;
	kernel_end = LAYOUT_HIGH_MEM +
		     (bz.init_size > bz.syssize_bytes ? bz.init_size : bz.syssize_bytes);
	if (kernel_end > layout_low_ram(vm->ram_size)) {
		snprintf(err, errlen, "kernel needs %llu MiB, more than guest RAM: raise --mem",
			 (unsigned long long)(kernel_end / MiB + 1));
		return -E2BIG;
	}
	if (cmdlen >= bz.cmdline_size || cmdlen >= LAYOUT_CMDLINE_MAX) {
		snprintf(err, errlen, "command line is %zu bytes, the kernel takes at most %u",
			 cmdlen, bz.cmdline_size);
		return -E2BIG;
	}
	memcpy(vm_gpa_to_hva(vm, LAYOUT_HIGH_MEM, bz.syssize_bytes),
	       k + bz.setup_bytes, bz.syssize_bytes);
	memcpy(vm_gpa_to_hva(vm, LAYOUT_CMDLINE, cmdlen + 1),
	       img->cmdline ? img->cmdline : "", cmdlen + 1);
	ret = place_initrd(vm, img, &bz, kernel_end, &args.initrd_addr,
			   &args.initrd_size, err, errlen);
	if (!ret)
		ret = write_acpi(vm, &args.rsdp_addr);
	if (!ret)
		ret = bootparams_build(vm_gpa_to_hva(vm, LAYOUT_BOOT_PARAMS, 4096),
				       k, klen, &args);
	if (ret) {
		if (!*err)
			snprintf(err, errlen, "cannot set up boot: %s", strerror(-ret));
		return ret;
	}
	boot_write_page_tables(vm);
	vm->linux_boot = true;
	vm->entry_long_mode = true;
	vm->entry_rip = LAYOUT_HIGH_MEM + 0x200; /* 64-bit entry point */
	vm->entry_rsi = LAYOUT_BOOT_PARAMS;
	return 0;
}

int boot_load(struct vm *vm, const struct boot_images *img, char *err,
	      size_t errlen)
{
	size_t klen;
	uint8_t *k;
	int ret;

	err[0] = 0;
	k = read_file(img->kernel_path, &klen, err, errlen);
	if (!k)
		return -ENOENT;
	if (multiboot_detect(k, klen)) {
		uint64_t rsdp;

		ret = multiboot_load(vm, k, klen, img->cmdline, err, errlen);
		if (!ret)
			ret = write_acpi(vm, &rsdp);
	} else {
		ret = load_bzimage(vm, k, klen, img, err, errlen);
	}
	free(k);
	return ret;
}
