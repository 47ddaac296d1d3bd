/* SPDX-License-Identifier: MIT */
/*
 * vmm-lite boot helpers: layout.c (e820), bzimage.c (setup header and zero
 * page, on a real Debian kernel header), multiboot.c (header detection),
 * cpio.c (the --exec archive).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <asm/bootparam.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "vmm.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* ---- layout_e820 ---- */

static void check_e820(uint64_t ram)
{
	struct e820_range m[16];
	uint64_t total = 0, high = 0;
	bool ecam = false, acpi = false;
	int n = layout_e820(ram, m, 16);

	cr_assert(gt(int, n, 0), "layout_e820(%llu MiB) = %d",
		  (unsigned long long)(ram / MiB), n);
	for (int i = 0; i < n; i++) {
		cr_assert(gt(u64, m[i].size, 0), "entry %d empty", i);
		cr_assert(m[i].type == 1 || m[i].type == 2, "entry %d type %u", i, m[i].type);
		if (i)
			cr_assert(le(u64, m[i - 1].addr + m[i - 1].size, m[i].addr),
				  "entries %d and %d unsorted or overlapping", i - 1, i);
		if (m[i].type == 1) {
			total += m[i].size;
			if (m[i].addr >= LAYOUT_4G)
				high += m[i].size;
			/* Nothing usable in the PCI hole, ECAM, APICs, flash. */
			cr_assert(m[i].addr + m[i].size <= LAYOUT_MMIO32_BASE ||
				  m[i].addr >= LAYOUT_4G,
				  "RAM entry %d at 0x%llx+0x%llx in [3G, 4G)", i,
				  (unsigned long long)m[i].addr,
				  (unsigned long long)m[i].size);
			/* Nor in the BIOS area where the ACPI tables live. */
			cr_assert(m[i].addr + m[i].size <= LAYOUT_ACPI_BASE ||
				  m[i].addr >= LAYOUT_ACPI_BASE + LAYOUT_ACPI_SIZE);
		} else {
			ecam |= m[i].addr <= LAYOUT_ECAM_BASE &&
				m[i].addr + m[i].size >= LAYOUT_ECAM_BASE + LAYOUT_ECAM_SIZE;
			acpi |= m[i].addr <= LAYOUT_ACPI_BASE &&
				m[i].addr + m[i].size >= LAYOUT_ACPI_BASE + LAYOUT_ACPI_SIZE;
		}
	}
	/* All of RAM is described, except the legacy hole [EBDA, 1 MiB): that
	 * is backed by guest RAM but, as on a PC, not usable. */
	cr_assert(eq(u64, total + (LAYOUT_HIGH_MEM - LAYOUT_EBDA), ram),
		  "RAM in e820 (%llu) + legacy hole != RAM size (%llu)",
		  (unsigned long long)total, (unsigned long long)ram);
	cr_assert(eq(u64, high, layout_high_ram(ram)));
	cr_assert(ecam, "ECAM not reserved");
	cr_assert(acpi, "ACPI area not reserved");
	/* Conventional memory starts at 0 (real-mode IVT, boot params). */
	cr_assert(eq(u64, m[0].addr, 0));
	cr_assert(eq(u32, m[0].type, 1));
}

TestSuite(layout);

Test(layout, e820_512m) { check_e820(512 * MiB); }
Test(layout, e820_3g) { check_e820(3 * GiB); }
Test(layout, e820_4g) { check_e820(4 * GiB); }
Test(layout, e820_8g) { check_e820(8 * GiB); }

Test(layout, low_high_split)
{
	cr_assert(eq(u64, layout_low_ram(512 * MiB), 512 * MiB));
	cr_assert(eq(u64, layout_high_ram(512 * MiB), 0));
	cr_assert(eq(u64, layout_low_ram(3 * GiB), 3 * GiB));
	cr_assert(eq(u64, layout_high_ram(3 * GiB), 0));
	cr_assert(eq(u64, layout_low_ram(8 * GiB), LAYOUT_MMIO32_BASE));
	cr_assert(eq(u64, layout_high_ram(8 * GiB), 5 * GiB));
}

Test(layout, e820_errors)
{
	struct e820_range m[16];

	cr_assert(eq(int, layout_e820(1 * MiB, m, 16), -EINVAL));
	cr_assert(eq(int, layout_e820(8 * GiB, m, 3), -ENOSPC));
	cr_assert(eq(int, layout_e820(8 * GiB, m, 6), 6));
	cr_assert(eq(int, layout_e820(512 * MiB, m, 5), 5));
}

/* ---- bzimage ---- */

/* The first 4 KiB of Debian's vmlinuz-6.1.0-56-cloud-amd64 (boot protocol
 * 2.15, 39 setup sectors). Setup alone is 20 KiB, so the parser sees it as
 * a whole image: the header is copied into a zeroed buffer the size of the
 * real file. */
#define BZ_FIXTURE UNIT_FIXTURE_DIR "/bzimage-debian-6.1-head.bin"
#define BZ_HEAD_LEN 4096
#define BZ_FILE_LEN 14186432u

static uint8_t *img;

static void load_bzimage(void)
{
	FILE *f = fopen(BZ_FIXTURE, "rb");

	cr_assert_not_null(f, "cannot open %s", BZ_FIXTURE);
	img = calloc(1, BZ_FILE_LEN);
	cr_assert_not_null(img);
	cr_assert(eq(sz, fread(img, 1, BZ_HEAD_LEN, f), BZ_HEAD_LEN));
	fclose(f);
}

static void free_bzimage(void)
{
	free(img);
	img = NULL;
}

TestSuite(bzimage, .init = load_bzimage, .fini = free_bzimage);

Test(bzimage, parse_real_header)
{
	struct bzimage_info bi;
	char err[160] = "";

	cr_assert(eq(int, bzimage_parse(img, BZ_FILE_LEN, &bi, err, sizeof(err)), 0),
		  "%s", err);
	cr_assert(ge(u16, bi.protocol, 0x20c));
	cr_assert(eq(u16, bi.protocol, 0x20f));
	cr_assert(bi.xloadflags_64);
	cr_assert(bi.relocatable);
	cr_assert(eq(u8, bi.setup_sects, 39));
	cr_assert(eq(u32, bi.setup_bytes, 40 * 512));
	cr_assert(eq(u32, bi.syssize_bytes, BZ_FILE_LEN - 40 * 512));
	cr_assert(eq(u32, bi.init_size, 0x3378000));
	cr_assert(eq(u32, bi.cmdline_size, 0x7ff));
	cr_assert(eq(u32, bi.initrd_addr_max, 0x7fffffff));
	cr_assert(eq(u64, bi.pref_address, 0x1000000));
}

Test(bzimage, not_a_bzimage)
{
	struct bzimage_info bi;
	char err[160] = "";

	memcpy(img + 0x202, "HdrT", 4);
	cr_assert(eq(int, bzimage_parse(img, BZ_FILE_LEN, &bi, err, sizeof(err)),
		     -ENOEXEC));
	cr_assert_not_null(strstr(err, "bzImage"), "message: %s", err);

	/* No boot sector signature either. */
	memcpy(img + 0x202, "HdrS", 4);
	img[0x1fe] = 0;
	err[0] = 0;
	cr_assert(eq(int, bzimage_parse(img, BZ_FILE_LEN, &bi, err, sizeof(err)),
		     -ENOEXEC));
	cr_assert_not_null(strstr(err, "bzImage"), "message: %s", err);

	/* Too short to hold a setup header. */
	cr_assert(eq(int, bzimage_parse(img, 0x200, &bi, err, sizeof(err)), -ENOEXEC));
}

Test(bzimage, protocol_too_old)
{
	struct bzimage_info bi;
	char err[160] = "";

	img[0x206] = 0x06;
	img[0x207] = 0x02;
	cr_assert(eq(int, bzimage_parse(img, BZ_FILE_LEN, &bi, err, sizeof(err)),
		     -ENOEXEC));
	cr_assert_not_null(strstr(err, "too old"), "message: %s", err);
	cr_assert_not_null(strstr(err, "2.06"), "message: %s", err);
}

Test(bzimage, truncated)
{
	struct bzimage_info bi;
	char err[160] = "";

	/* Only the 4 KiB head: setup (20 KiB) does not fit. */
	cr_assert(eq(int, bzimage_parse(img, BZ_HEAD_LEN, &bi, err, sizeof(err)),
		     -ENOEXEC));
	cr_assert_not_null(strstr(err, "truncated"), "message: %s", err);
	cr_assert(eq(int, bzimage_parse(img, 40 * 512, &bi, err, sizeof(err)), -ENOEXEC));
	cr_assert(eq(int, bzimage_parse(img, 40 * 512 + 1, &bi, err, sizeof(err)), 0));
}

Test(bzimage, unsupported_kernels)
{
	struct bzimage_info bi;
	char err[160] = "";

	img[0x211] &= ~LOADED_HIGH;
	cr_assert(eq(int, bzimage_parse(img, BZ_FILE_LEN, &bi, err, sizeof(err)),
		     -ENOEXEC));
	cr_assert_not_null(strstr(err, "zImage"), "message: %s", err);

	img[0x211] |= LOADED_HIGH;
	img[0x236] &= ~XLF_KERNEL_64;
	cr_assert(eq(int, bzimage_parse(img, BZ_FILE_LEN, &bi, err, sizeof(err)),
		     -ENOEXEC));
	cr_assert_not_null(strstr(err, "64-bit"), "message: %s", err);
}

static struct boot_params bp;

static void build_bp(uint64_t initrd_addr, uint64_t initrd_size, uint64_t ram)
{
	struct boot_args a = {
		.cmdline = "console=ttyS0",
		.initrd_addr = initrd_addr, .initrd_size = initrd_size,
		.ram_size = ram, .rsdp_addr = LAYOUT_ACPI_BASE + 0x40,
	};

	memset(&bp, 0xee, sizeof(bp)); /* stale data must not survive */
	cr_assert(eq(int, bootparams_build(&bp, img, BZ_FILE_LEN, &a), 0));
}

Test(bzimage, bootparams_copies_setup_header)
{
	const uint8_t *z = (const uint8_t *)&bp;

	build_bp(0x10000000, 0x123456, 512 * MiB);
	cr_assert(eq(u16, bp.hdr.boot_flag, 0xaa55));
	cr_assert(eq(u32, bp.hdr.header, 0x53726448)); /* "HdrS" */
	cr_assert(eq(u16, bp.hdr.version, 0x20f));
	cr_assert(eq(u8, bp.hdr.setup_sects, 39));
	cr_assert(eq(u32, bp.hdr.syssize, 0xd8220));
	cr_assert(eq(u32, bp.hdr.kernel_alignment, 0x200000));
	cr_assert(eq(u8, bp.hdr.relocatable_kernel, 1));
	cr_assert(eq(u16, bp.hdr.xloadflags & XLF_KERNEL_64, XLF_KERNEL_64));
	cr_assert(eq(u32, bp.hdr.init_size, 0x3378000));
	cr_assert(eq(u64, bp.hdr.pref_address, 0x1000000));
	cr_assert(eq(u32, bp.hdr.cmdline_size, 0x7ff));
	/* Copied up to the end the jump at 0x200 announces (0x26c here). */
	cr_assert(eq(int, memcmp(z + 0x264, img + 0x264, 0x26c - 0x264), 0));
	/* Everything outside the header was cleared. */
	for (size_t i = 0; i < 0x1e8; i++)
		if (i < 0x70 || i >= 0x80) /* acpi_rsdp_addr */
			cr_assert(eq(u8, z[i], 0), "byte 0x%zx not cleared", i);
	for (size_t i = 0x26c; i < 0x2d0; i++)
		cr_assert(eq(u8, z[i], 0), "byte 0x%zx not cleared", i);
}

Test(bzimage, bootparams_loader_fields)
{
	build_bp(0x10000000, 0x123456, 512 * MiB);
	cr_assert(eq(u8, bp.hdr.type_of_loader, 0xff));
	cr_assert(eq(u8, bp.hdr.loadflags & (LOADED_HIGH | CAN_USE_HEAP),
		     LOADED_HIGH | CAN_USE_HEAP));
	cr_assert(eq(u32, bp.hdr.cmd_line_ptr, LAYOUT_CMDLINE));
	cr_assert(eq(u32, bp.ext_cmd_line_ptr, 0));
	cr_assert(eq(u32, bp.hdr.ramdisk_image, 0x10000000));
	cr_assert(eq(u32, bp.hdr.ramdisk_size, 0x123456));
	cr_assert(eq(u32, bp.ext_ramdisk_image, 0));
	cr_assert(eq(u32, bp.ext_ramdisk_size, 0));
	cr_assert(eq(u64, bp.acpi_rsdp_addr, LAYOUT_ACPI_BASE + 0x40));
}

Test(bzimage, bootparams_initrd_above_4g)
{
	build_bp(0x2345a6000ULL, 0x100000123ULL, 16 * GiB);
	cr_assert(eq(u32, bp.hdr.ramdisk_image, 0x345a6000));
	cr_assert(eq(u32, bp.ext_ramdisk_image, 0x2));
	cr_assert(eq(u32, bp.hdr.ramdisk_size, 0x123));
	cr_assert(eq(u32, bp.ext_ramdisk_size, 0x1));
}

Test(bzimage, bootparams_e820_is_the_layout)
{
	struct e820_range m[E820_MAX_ENTRIES_ZEROPAGE];
	int n = layout_e820(8 * GiB, m, E820_MAX_ENTRIES_ZEROPAGE);

	build_bp(0, 0, 8 * GiB);
	cr_assert(gt(int, n, 0));
	cr_assert(eq(u8, bp.e820_entries, n));
	for (int i = 0; i < n; i++) {
		cr_assert(eq(u64, bp.e820_table[i].addr, m[i].addr), "entry %d", i);
		cr_assert(eq(u64, bp.e820_table[i].size, m[i].size), "entry %d", i);
		cr_assert(eq(u32, bp.e820_table[i].type, m[i].type), "entry %d", i);
	}
	cr_assert(eq(u64, bp.e820_table[n].size, 0));
}

Test(bzimage, bootparams_errors)
{
	struct boot_args a = { .ram_size = 512 * MiB };

	cr_assert(eq(int, bootparams_build(&bp, img, 0x263, &a), -EINVAL));
	a.ram_size = 1 * MiB;
	cr_assert(eq(int, bootparams_build(&bp, img, BZ_FILE_LEN, &a), -EINVAL));
}

/* ---- multiboot ---- */

#define MB_MAGIC 0x1badb002u

static uint32_t mb[4096]; /* 16 KiB, aligned */

static void mb_header(size_t byte_off, uint32_t flags, uint32_t checksum_delta)
{
	uint32_t h[3] = { MB_MAGIC, flags, -(MB_MAGIC + flags) + checksum_delta };

	memcpy((uint8_t *)mb + byte_off, h, sizeof(h));
}

TestSuite(multiboot);

Test(multiboot, valid_header_detected)
{
	memset(mb, 0, sizeof(mb));
	mb_header(0x1000, 0x00010003, 0);
	cr_assert(multiboot_detect(mb, sizeof(mb)));
	/* At the start, and at the last dword-aligned place in 8 KiB. */
	memset(mb, 0, sizeof(mb));
	mb_header(0, 0x3, 0);
	cr_assert(multiboot_detect(mb, 12));
	memset(mb, 0, sizeof(mb));
	mb_header(8192 - 12, 0x3, 0);
	cr_assert(multiboot_detect(mb, sizeof(mb)));
}

Test(multiboot, invalid_headers_rejected)
{
	memset(mb, 0, sizeof(mb));
	cr_assert_not(multiboot_detect(mb, sizeof(mb)));
	/* Bad checksum. */
	mb_header(0x1000, 0x00010003, 1);
	cr_assert_not(multiboot_detect(mb, sizeof(mb)));
	/* Not dword aligned. */
	memset(mb, 0, sizeof(mb));
	mb_header(0x1002, 0x3, 0);
	cr_assert_not(multiboot_detect(mb, sizeof(mb)));
	/* Beyond the first 8 KiB. */
	memset(mb, 0, sizeof(mb));
	mb_header(8192, 0x3, 0);
	cr_assert_not(multiboot_detect(mb, sizeof(mb)));
	/* Cut off by the image length. */
	memset(mb, 0, sizeof(mb));
	mb_header(0x100, 0x3, 0);
	cr_assert_not(multiboot_detect(mb, 0x100 + 8));
	cr_assert_not(multiboot_detect(mb, 0));
}

Test(multiboot, bzimage_is_not_multiboot)
{
	FILE *f = fopen(BZ_FIXTURE, "rb");

	cr_assert_not_null(f);
	memset(mb, 0, sizeof(mb));
	cr_assert(eq(sz, fread(mb, 1, BZ_HEAD_LEN, f), BZ_HEAD_LEN));
	fclose(f);
	cr_assert_not(multiboot_detect(mb, BZ_HEAD_LEN));
}

/* ---- cpio ---- */

/* One 8-hex-digit field of a newc header. */
static unsigned long field(const char *h, int i)
{
	char tmp[9];

	memcpy(tmp, h + 6 + 8 * i, 8);
	tmp[8] = 0;
	return strtoul(tmp, NULL, 16);
}

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJ,
       F_DEVMIN, F_RDEVMAJ, F_RDEVMIN, F_NAMESIZE, F_CHECK };

TestSuite(cpio);

Test(cpio, one_file_archive_layout)
{
	static char buf[1024];
	const char data[] = "exit 3\n";
	ssize_t n;
	size_t name_off = 110, data_off, trailer;

	memset(buf, 0x5a, sizeof(buf));
	n = cpio_one_file(buf, sizeof(buf), "iovm-exec", data, 7, 0755);
	cr_assert(gt(sz, (size_t)(n > 0 ? n : 0), 0), "cpio_one_file: %zd", n);
	cr_assert(eq(sz, (size_t)n % 4, 0));

	cr_assert(eq(int, memcmp(buf, "070701", 6), 0));
	cr_assert(eq(ulong, field(buf, F_MODE), 0100755));
	cr_assert(eq(ulong, field(buf, F_NLINK), 1));
	cr_assert(eq(ulong, field(buf, F_FILESIZE), 7));
	cr_assert(eq(ulong, field(buf, F_NAMESIZE), 10));
	cr_assert(eq(str, buf + name_off, "iovm-exec"));
	data_off = (name_off + 10 + 3) & ~3ul;
	cr_assert(eq(sz, data_off, 120));
	cr_assert(eq(int, memcmp(buf + data_off, data, 7), 0));
	cr_assert(eq(u8, (uint8_t)buf[data_off + 7], 0), "padding not zeroed");

	trailer = (data_off + 7 + 3) & ~3ul;
	cr_assert(eq(int, memcmp(buf + trailer, "070701", 6), 0));
	cr_assert(eq(ulong, field(buf + trailer, F_FILESIZE), 0));
	cr_assert(eq(ulong, field(buf + trailer, F_NAMESIZE), 11));
	cr_assert(eq(str, buf + trailer + 110, "TRAILER!!!"));
	cr_assert(eq(sz, (size_t)n, (trailer + 110 + 11 + 3) & ~3ul));
	cr_assert(eq(u8, (uint8_t)buf[n], 0x5a), "wrote past the returned length");
}

Test(cpio, empty_file)
{
	static char buf[512];
	ssize_t n = cpio_one_file(buf, sizeof(buf), "e", NULL, 0, 0644);

	/* 110 + "e\0" = 112, no data; the trailer is 110 + 11 padded to 124. */
	cr_assert(eq(i64, n, 112 + 124));
	cr_assert(eq(ulong, field(buf, F_FILESIZE), 0));
	cr_assert(eq(ulong, field(buf, F_NAMESIZE), 2));
	cr_assert(eq(str, buf + 112 + 110, "TRAILER!!!"));
}

Test(cpio, too_small_is_enospc)
{
	static char ref[1024];
	const char data[] = "hello, world";
	ssize_t need = cpio_one_file(ref, sizeof(ref), "f", data, sizeof(data), 0644);

	cr_assert(gt(sz, (size_t)(need > 0 ? need : 0), 0));
	/* Exact-size heap buffers so ASan sees any write past cap. */
	for (size_t cap = 0; cap < (size_t)need; cap++) {
		char *b = malloc(cap ? cap : 1);

		cr_assert_not_null(b);
		cr_assert(eq(i64, cpio_one_file(b, cap, "f", data, sizeof(data), 0644),
			     -ENOSPC), "cap %zu", cap);
		free(b);
	}
	char *b = malloc(need);

	cr_assert_not_null(b);
	cr_assert(eq(i64, cpio_one_file(b, need, "f", data, sizeof(data), 0644), need));
	cr_assert(eq(int, memcmp(b, ref, need), 0));
	free(b);
}

Test(cpio, bad_names)
{
	static char buf[1024];
	char long_name[300];

	cr_assert(eq(i64, cpio_one_file(buf, sizeof(buf), "", "x", 1, 0644), -EINVAL));
	cr_assert(eq(i64, cpio_one_file(buf, sizeof(buf), NULL, "x", 1, 0644), -EINVAL));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	cr_assert(eq(i64, cpio_one_file(buf, sizeof(buf), long_name, "x", 1, 0644), -EINVAL));
}

Test(cpio, mode_is_masked_to_permissions)
{
	static char buf[512];

	cr_assert(gt(sz, (size_t)cpio_one_file(buf, sizeof(buf), "f", "x", 1, 0170755), 0));
	cr_assert(eq(ulong, field(buf, F_MODE), 0100755));
}
