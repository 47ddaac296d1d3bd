/* SPDX-License-Identifier: MIT */
/*
 * Linux x86 boot protocol (Documentation/arch/x86/boot.rst): parsing the
 * bzImage setup header and filling the zero page. Pure functions: they see
 * only buffers, so unit tests run them on a real bzImage header.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <asm/bootparam.h>

#include "vmm.h"

#define HDR_OFF          0x1f1
#define MIN_PROTOCOL     0x020c  /* 2.12: xloadflags, 64-bit entry */

static uint32_t rd(const uint8_t *p, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

int bzimage_parse(const void *img, size_t len, struct bzimage_info *info,
		  char *err, size_t errlen)
{
	const uint8_t *p = img;
	unsigned sects;

	memset(info, 0, sizeof(*info));
	if (len < 0x264 || rd(p + 0x1fe, 2) != 0xaa55 ||
	    memcmp(p + 0x202, "HdrS", 4) != 0) {
		snprintf(err, errlen, "not a Linux bzImage (no 'HdrS' setup header)");
		return -ENOEXEC;
	}
	info->protocol = rd(p + 0x206, 2);
	if (info->protocol < MIN_PROTOCOL) {
		snprintf(err, errlen,
			 "boot protocol %u.%02u is too old (need 2.12, Linux 3.8+)",
			 info->protocol >> 8, info->protocol & 0xff);
		return -ENOEXEC;
	}
	sects = p[HDR_OFF] ? p[HDR_OFF] : 4;
	info->setup_sects = sects;
	info->setup_bytes = (sects + 1) * 512;
	if (info->setup_bytes >= len) {
		snprintf(err, errlen, "truncated bzImage: %zu bytes, setup alone is %u",
			 len, info->setup_bytes);
		return -ENOEXEC;
	}
	if (!(p[0x211] & LOADED_HIGH)) {
		snprintf(err, errlen, "zImage (loaded low) kernels are not supported");
		return -ENOEXEC;
	}
	info->syssize_bytes = len - info->setup_bytes;
	info->initrd_addr_max = rd(p + 0x22c, 4);
	info->relocatable = p[0x234];
	info->xloadflags_64 = rd(p + 0x236, 2) & XLF_KERNEL_64;
	info->cmdline_size = rd(p + 0x238, 4);
	info->pref_address = rd(p + 0x258, 4) | (uint64_t)rd(p + 0x25c, 4) << 32;
	info->init_size = rd(p + 0x260, 4);
	if (!info->xloadflags_64) {
		snprintf(err, errlen, "kernel has no 64-bit entry point (XLF_KERNEL_64)");
		return -ENOEXEC;
	}
	return 0;
}

int bootparams_build(void *zero_page, const void *img, size_t img_len,
		     const struct boot_args *args)
{
	struct boot_params *bp = zero_page;
	const uint8_t *p = img;
	struct e820_range map[E820_MAX_ENTRIES_ZEROPAGE];
	size_t hdr_end;
	int n;

	if (img_len < 0x264)
		return -EINVAL;
	memset(bp, 0, sizeof(*bp));
	/* The setup header ends at 0x202 + the jump offset at 0x201. */
	hdr_end = 0x202 + p[0x201];
	if (hdr_end > sizeof(*bp) || hdr_end > img_len || hdr_end < 0x264)
		hdr_end = 0x264;
	memcpy((uint8_t *)bp + HDR_OFF, p + HDR_OFF, hdr_end - HDR_OFF);

	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.vid_mode = 0xffff;
	bp->hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE;
	bp->ext_cmd_line_ptr = 0;
	bp->hdr.ramdisk_image = (uint32_t)args->initrd_addr;
	bp->hdr.ramdisk_size = (uint32_t)args->initrd_size;
	bp->ext_ramdisk_image = args->initrd_addr >> 32;
	bp->ext_ramdisk_size = args->initrd_size >> 32;
	bp->acpi_rsdp_addr = args->rsdp_addr;

	n = layout_e820(args->ram_size, map, E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		bp->e820_table[i].addr = map[i].addr;
		bp->e820_table[i].size = map[i].size;
		bp->e820_table[i].type = map[i].type;
	}
	bp->e820_entries = n;
	return 0;
}
