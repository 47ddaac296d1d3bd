/* SPDX-License-Identifier: MIT */
/*
 * vmm-lite PVH boot (pvh.c): ELF header and note parsing on synthetic ELF64
 * images built in memory, and the hvm_start_info written for the guest.
 *
 * pvh_parse always gets a heap copy exactly as long as the image, so under
 * ASan any read past the end of the file is caught.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "vmm.h"

#define MiB (1ULL << 20)

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC          0x336ec578u

/* ---- synthetic ELF64 images ---- */

#define IMG_NPH  (PVH_MAX_SEGS + 4) /* room for the program header table */
#define IMG_CAP  4096
#define IMG_DATA (sizeof(Elf64_Ehdr) + IMG_NPH * sizeof(Elf64_Phdr))

static union {
	uint8_t b[IMG_CAP];
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[IMG_NPH];
	};
} im;
static size_t im_len;

struct note {
	const char *name;
	uint32_t namesz;
	uint32_t type;
	uint64_t desc;
	uint32_t descsz;
};

/* name is a string literal; namesz counts its NUL, as in ELF. */
#define NOTE(name, type, desc, descsz) { name, sizeof(name), type, desc, descsz }
#define ENTRY_NOTE(e, sz) NOTE("Xen", XEN_ELFNOTE_PHYS32_ENTRY, e, sz)

/* An x86-64 executable with an empty program header table. */
static void img_init(void)
{
	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS64;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_ident[EI_VERSION] = EV_CURRENT;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_X86_64;
	im.eh.e_version = EV_CURRENT;
	im.eh.e_phoff = sizeof(Elf64_Ehdr);
	im.eh.e_ehsize = sizeof(Elf64_Ehdr);
	im.eh.e_phentsize = sizeof(Elf64_Phdr);
	im_len = IMG_DATA;
}

static Elf64_Phdr *img_phdr(uint32_t type, uint64_t paddr, uint64_t off,
			    uint64_t filesz, uint64_t memsz)
{
	Elf64_Phdr *ph;

	cr_assert(lt(int, im.eh.e_phnum, IMG_NPH), "program header table full");
	ph = &im.ph[im.eh.e_phnum++];
	*ph = (Elf64_Phdr){
		.p_type = type, .p_flags = PF_R, .p_offset = off,
		.p_vaddr = paddr, .p_paddr = paddr,
		.p_filesz = filesz, .p_memsz = memsz, .p_align = 4,
	};
	return ph;
}

/* Appends len bytes to the file (a pattern when src is NULL). */
static uint64_t img_data(const void *src, size_t len)
{
	uint64_t off = im_len;

	cr_assert(le(sz, len, IMG_CAP - im_len), "image buffer too small");
	if (src)
		memcpy(im.b + off, src, len);
	else
		memset(im.b + off, 0xa5, len);
	im_len += len;
	return off;
}

static void img_load(uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
	img_phdr(PT_LOAD, paddr, img_data(NULL, filesz), filesz, memsz);
}

/* Appends one note: header, then name and desc each padded to 4 bytes. */
static void img_note(const struct note *n)
{
	static const uint8_t pad[4];
	Elf64_Nhdr nh = {
		.n_namesz = n->namesz, .n_descsz = n->descsz,
		.n_type = n->type,
	};

	img_data(&nh, sizeof(nh));
	img_data(n->name, nh.n_namesz);
	img_data(pad, -nh.n_namesz & 3);
	img_data(&n->desc, n->descsz); /* little endian, like the guest */
	img_data(pad, -n->descsz & 3);
}

/* A PT_NOTE segment holding the given notes, in order. */
static Elf64_Phdr *img_notes(const struct note *n, int count)
{
	uint64_t off = im_len;

	for (int i = 0; i < count; i++)
		img_note(&n[i]);
	return img_phdr(PT_NOTE, 0, off, im_len - off, 0);
}

/* The usual PVH kernel: two load segments and one entry note. */
static Elf64_Phdr *img_pvh(uint64_t entry, uint32_t descsz)
{
	const struct note n = ENTRY_NOTE(entry, descsz);

	img_init();
	img_load(16 * MiB, 0x100, 0x200);
	img_load(32 * MiB, 0x80, 0x1000);
	return img_notes(&n, 1);
}

static struct pvh_image pi;
static char err[256];

/* Parses the first len bytes of the image from a buffer exactly that long. */
static int parse_len(size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	int ret;

	cr_assert_not_null(copy);
	memcpy(copy, im.b, len);
	err[0] = 0;
	ret = pvh_parse(copy, len, &pi, err, sizeof(err));
	free(copy);
	return ret;
}

static int parse(void)
{
	return parse_len(im_len);
}

static void expect_reject_len(size_t len, const char *msg)
{
	cr_assert(eq(int, parse_len(len), -ENOEXEC));
	cr_assert_not_null(strstr(err, msg), "message: %s", err);
}

static void expect_reject(const char *msg)
{
	expect_reject_len(im_len, msg);
}

static void expect_entry(uint64_t entry)
{
	cr_assert(eq(int, parse(), 0), "%s", err);
	cr_assert(eq(u64, pi.entry, entry));
}

static void check_seg(int i, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
	const struct pvh_segment *s = &pi.seg[i];

	cr_assert(eq(u64, s->paddr, paddr), "segment %d", i);
	cr_assert(eq(u64, s->offset, im.ph[i].p_offset), "segment %d", i);
	cr_assert(eq(u64, s->filesz, filesz), "segment %d", i);
	cr_assert(eq(u64, s->memsz, memsz), "segment %d", i);
	/* The bytes it names are the segment's own. */
	cr_assert(eq(u8, im.b[s->offset], 0xa5), "segment %d", i);
	cr_assert(eq(u8, im.b[s->offset + s->filesz - 1], 0xa5), "segment %d", i);
}

/* ---- pvh_parse: valid images ---- */

TestSuite(pvh_parse);

static void check_valid(uint64_t entry, uint32_t descsz)
{
	img_pvh(entry, descsz);
	expect_entry(entry);
	cr_assert(eq(int, pi.nsegs, 2));
	check_seg(0, 16 * MiB, 0x100, 0x200);
	check_seg(1, 32 * MiB, 0x80, 0x1000);
	cr_assert(eq(u64, pi.end, 32 * MiB + 0x1000));
}

Test(pvh_parse, entry_from_8_byte_desc) { check_valid(0x1000abcULL, 8); }
Test(pvh_parse, entry_from_4_byte_desc) { check_valid(0x1234568ULL, 4); }

Test(pvh_parse, end_is_the_highest_segment_end)
{
	const struct note n = ENTRY_NOTE(0x1000000, 4);

	img_init();
	img_load(32 * MiB, 0x10, 0x3000);
	img_load(16 * MiB, 0x10, 0x10); /* lower, after the higher one */
	img_notes(&n, 1);
	expect_entry(0x1000000);
	cr_assert(eq(u64, pi.end, 32 * MiB + 0x3000));
}

Test(pvh_parse, 4_byte_desc_ignores_what_follows)
{
	const struct note n[] = {
		ENTRY_NOTE(0x1000000, 4),
		NOTE("Xen", 0xffffffff, 0xffffffffffffffffULL, 8),
	};

	img_init();
	img_load(16 * MiB, 0x10, 0x10);
	img_notes(n, 2);
	expect_entry(0x1000000);
}

Test(pvh_parse, exactly_max_segments)
{
	const struct note n = ENTRY_NOTE(0x1000000, 4);

	img_init();
	for (int i = 0; i < PVH_MAX_SEGS; i++)
		img_load(16 * MiB + i * 0x1000ULL, 0x10, 0x1000);
	img_notes(&n, 1);
	expect_entry(0x1000000);
	cr_assert(eq(int, pi.nsegs, PVH_MAX_SEGS));
	cr_assert(eq(u64, pi.end, 16 * MiB + PVH_MAX_SEGS * 0x1000ULL));
}

/* Notes that are not the entry, each placed before it in the same PT_NOTE. */
static const struct note other_notes[] = {
	NOTE("Xen", 17, 0xdeadbeef, 4),				/* other type */
	NOTE("Xen", 1, 0xffffffff80000000ULL, 8),
	NOTE("GNU", XEN_ELFNOTE_PHYS32_ENTRY, 0x2000000, 4),	/* other owner */
	NOTE("Linux", XEN_ELFNOTE_PHYS32_ENTRY, 0x2000000, 8),
	NOTE("Xe", XEN_ELFNOTE_PHYS32_ENTRY, 0x2000000, 4),	/* namesz 3 */
	NOTE("XenX", XEN_ELFNOTE_PHYS32_ENTRY, 0x2000000, 4),	/* namesz 5 */
	NOTE("Xen\0Xen", XEN_ELFNOTE_PHYS32_ENTRY, 0x2000000, 4),	/* namesz 8 */
	NOTE("Xen", XEN_ELFNOTE_PHYS32_ENTRY, 0x2000, 2),	/* bad desc size */
	NOTE("Xen", XEN_ELFNOTE_PHYS32_ENTRY, 0, 0),
	NOTE("", 0, 0, 0),
};

Test(pvh_parse, entry_after_other_notes)
{
	for (size_t i = 0; i < sizeof(other_notes) / sizeof(*other_notes); i++) {
		const struct note n[] = { other_notes[i], ENTRY_NOTE(0x1000000, 4) };

		img_init();
		img_load(16 * MiB, 0x10, 0x10);
		img_notes(n, 2);
		cr_assert(eq(int, parse(), 0), "note %zu (%s): %s", i,
			  other_notes[i].name, err);
		cr_assert(eq(u64, pi.entry, 0x1000000), "note %zu", i);
	}
}

Test(pvh_parse, entry_in_second_note_segment)
{
	const struct note n = ENTRY_NOTE(0x1000000, 8);

	img_init();
	img_notes(other_notes, 3);
	img_load(16 * MiB, 0x10, 0x10);
	img_notes(&n, 1);
	expect_entry(0x1000000);
	cr_assert(eq(int, pi.nsegs, 1));
}

/* ---- pvh_parse: not a PVH kernel ---- */

Test(pvh_parse, no_entry_note)
{
	img_init();
	img_load(16 * MiB, 0x10, 0x10);
	expect_reject("CONFIG_PVH");

	img_notes(other_notes, sizeof(other_notes) / sizeof(*other_notes));
	expect_reject("CONFIG_PVH");
}

Test(pvh_parse, entry_above_4g)
{
	img_pvh(LAYOUT_4G, 8);
	expect_reject("above 4 GiB");
}

Test(pvh_parse, no_load_segments)
{
	const struct note n = ENTRY_NOTE(0x1000000, 4);

	img_init();
	img_notes(&n, 1);
	expect_reject("no load segments");
}

static void set_class32(void) { im.eh.e_ident[EI_CLASS] = ELFCLASS32; }
static void set_big_endian(void) { im.eh.e_ident[EI_DATA] = ELFDATA2MSB; }
static void set_i386(void) { im.eh.e_machine = EM_386; }
static void set_aarch64(void) { im.eh.e_machine = EM_AARCH64; }
static void set_dyn(void) { im.eh.e_type = ET_DYN; }
static void set_rel(void) { im.eh.e_type = ET_REL; }
static void set_phentsize(void) { im.eh.e_phentsize = sizeof(Elf32_Phdr); }
static void set_magic(void) { im.eh.e_ident[EI_MAG1] = 'e'; }

Test(pvh_parse, bad_elf_header)
{
	static const struct {
		void (*mutate)(void);
		const char *msg;
	} t[] = {
		{ set_class32, "64-bit ELF" },
		{ set_big_endian, "x86-64" },
		{ set_i386, "x86-64" },
		{ set_aarch64, "x86-64" },
		{ set_dyn, "executable" },
		{ set_rel, "executable" },
		{ set_phentsize, "x86-64" },
		{ set_magic, "ELF" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		img_pvh(0x1000000, 4);
		t[i].mutate();
		cr_assert(eq(int, parse(), -ENOEXEC), "case %zu", i);
		cr_assert_not_null(strstr(err, t[i].msg), "case %zu: %s", i, err);
	}
}

Test(pvh_parse, short_files)
{
	img_pvh(0x1000000, 4);
	for (size_t len = 0; len < sizeof(Elf64_Ehdr); len++)
		expect_reject_len(len, "ELF");
}

/* ---- pvh_parse: truncated and malformed program headers ---- */

Test(pvh_parse, phdr_table_past_end)
{
	img_pvh(0x1000000, 4);
	im.eh.e_phoff = im_len - sizeof(Elf64_Phdr) + 1;
	expect_reject("program header 0");

	im.eh.e_phoff = im_len + 8;
	expect_reject("program header 0");

	im.eh.e_phoff = ~0ULL - 8; /* offset + index must not wrap */
	expect_reject("program header 0");

	im.eh.e_phoff = sizeof(Elf64_Ehdr);
	im.eh.e_phnum = 0xffff;
	expect_reject("program header");
}

Test(pvh_parse, file_ends_inside_phdr_table)
{
	/* The table moved after the segments; the file ends inside entry 1. */
	img_pvh(0x1000000, 4);
	im.eh.e_phoff = img_data(im.ph, im.eh.e_phnum * sizeof(Elf64_Phdr));
	cr_assert(eq(int, parse(), 0), "%s", err);
	expect_reject_len(im.eh.e_phoff + sizeof(Elf64_Phdr) + 10, "program header 1");
}

static void seg_past_end(Elf64_Phdr *ph)
{
	ph->p_filesz = im_len - ph->p_offset + 1;
}

static void seg_off_past_end(Elf64_Phdr *ph)
{
	ph->p_offset = im_len + 1;
	ph->p_filesz = 0;
}

static void seg_off_wraps(Elf64_Phdr *ph) { ph->p_offset = ~0ULL - 7; }
static void seg_size_wraps(Elf64_Phdr *ph) { ph->p_filesz = ~0ULL - 7; }

Test(pvh_parse, segment_past_end)
{
	static void (*const mutate[])(Elf64_Phdr *) = {
		seg_past_end, seg_off_past_end, seg_off_wraps, seg_size_wraps,
	};

	/* Load segments (0, 1) and the note segment (2) alike. */
	for (int seg = 0; seg < 3; seg++) {
		for (size_t i = 0; i < sizeof(mutate) / sizeof(*mutate); i++) {
			img_pvh(0x1000000, 4);
			mutate[i](&im.ph[seg]);
			cr_assert(eq(int, parse(), -ENOEXEC), "segment %d case %zu",
				  seg, i);
			cr_assert_not_null(strstr(err, "truncated"),
					   "segment %d case %zu: %s", seg, i, err);
		}
	}
}

Test(pvh_parse, segment_ends_at_end_of_file)
{
	const struct note n = ENTRY_NOTE(0x1000000, 4);

	img_init();
	img_notes(&n, 1);
	img_load(16 * MiB, 0x40, 0x40);
	expect_entry(0x1000000);
	cr_assert(eq(u64, pi.seg[0].offset + pi.seg[0].filesz, im_len));
}

Test(pvh_parse, memsz_below_filesz)
{
	img_pvh(0x1000000, 4);
	im.ph[1].p_memsz = im.ph[1].p_filesz - 1;
	expect_reject("malformed");
}

Test(pvh_parse, segment_wraps_address_space)
{
	img_pvh(0x1000000, 4);
	im.ph[0].p_paddr = ~0ULL - 0xff;
	expect_reject("malformed");
}

static void expect_overlap(uint64_t a, uint64_t a_memsz, uint64_t b,
			   uint64_t b_memsz, bool rejected)
{
	const struct note n = ENTRY_NOTE(0x1000000, 4);

	img_init();
	img_load(a, a_memsz < 0x10 ? a_memsz : 0x10, a_memsz);
	img_load(b, b_memsz < 0x10 ? b_memsz : 0x10, b_memsz);
	img_notes(&n, 1);
	if (rejected)
		expect_reject("overlap");
	else
		expect_entry(0x1000000);
}

Test(pvh_parse, overlapping_segments)
{
	/* The second starts inside the first, or covers it, or ends inside it;
	 * or overlaps only through the first's zero-filled (bss) tail. */
	expect_overlap(16 * MiB, 0x2000, 16 * MiB + 0x1000, 0x1000, true);
	expect_overlap(16 * MiB + 0x1000, 0x10, 16 * MiB, 0x4000, true);
	expect_overlap(16 * MiB, 0x2000, 16 * MiB - 0x1000, 0x1001, true);
	expect_overlap(16 * MiB, 0x10, 16 * MiB, 0x10, true);
	expect_overlap(16 * MiB, 0x100000, 16 * MiB + 0x80000, 0x10, true);
}

Test(pvh_parse, adjacent_segments)
{
	expect_overlap(16 * MiB, 0x2000, 16 * MiB + 0x2000, 0x1000, false);
	expect_overlap(16 * MiB + 0x2000, 0x1000, 16 * MiB, 0x2000, false);
	cr_assert(eq(int, pi.nsegs, 2));
	/* An empty segment inside another occupies nothing. */
	expect_overlap(16 * MiB, 0x2000, 16 * MiB + 0x1000, 0, false);
	expect_overlap(16 * MiB + 0x1000, 0, 16 * MiB, 0x2000, false);
}

Test(pvh_parse, too_many_segments)
{
	const struct note n = ENTRY_NOTE(0x1000000, 4);

	img_init();
	for (int i = 0; i <= PVH_MAX_SEGS; i++)
		img_load(16 * MiB + i * 0x1000ULL, 0x10, 0x1000);
	img_notes(&n, 1);
	expect_reject("more than 16");
	cr_assert(le(int, pi.nsegs, PVH_MAX_SEGS));
}

/* ---- pvh_parse: notes that run past their segment ---- */

/* The entry note is the whole PT_NOTE segment (and the end of the file). */
static Elf64_Nhdr *entry_note_hdr(void)
{
	Elf64_Phdr *ph = img_pvh(0x1000000, 8);

	cr_assert(eq(u64, ph->p_offset + ph->p_filesz, im_len));
	return (Elf64_Nhdr *)(im.b + ph->p_offset);
}

static void set_namesz_huge(Elf64_Nhdr *nh) { nh->n_namesz = 0xffffffff; }
static void set_namesz_big(Elf64_Nhdr *nh) { nh->n_namesz = 12; }
static void set_descsz_huge(Elf64_Nhdr *nh) { nh->n_descsz = 0xffffffff; }
static void set_descsz_big(Elf64_Nhdr *nh) { nh->n_descsz = 12; }
static void set_descsz_wrap(Elf64_Nhdr *nh) { nh->n_descsz = 0xfffffffd; }

Test(pvh_parse, note_sizes_past_segment)
{
	static void (*const mutate[])(Elf64_Nhdr *) = {
		set_namesz_huge, set_namesz_big, set_descsz_huge, set_descsz_big,
		set_descsz_wrap,
	};

	for (size_t i = 0; i < sizeof(mutate) / sizeof(*mutate); i++) {
		mutate[i](entry_note_hdr());
		cr_assert(eq(int, parse(), -ENOEXEC), "case %zu", i);
		cr_assert_not_null(strstr(err, "CONFIG_PVH"), "case %zu: %s", i, err);
	}
}

Test(pvh_parse, note_segment_cut_short)
{
	/* 12-byte header, "Xen\0", 8-byte desc: cut inside each part. */
	static const uint64_t sizes[] = { 0, 1, 11, 12, 15, 16, 20, 23 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		Elf64_Phdr *ph = img_pvh(0x1000000, 8);

		cr_assert(eq(u64, ph->p_filesz, 24));
		ph->p_filesz = sizes[i];
		im_len = ph->p_offset + sizes[i]; /* the segment ends the file */
		cr_assert(eq(int, parse(), -ENOEXEC), "filesz %llu",
			  (unsigned long long)sizes[i]);
		cr_assert_not_null(strstr(err, "CONFIG_PVH"), "%s", err);
	}
}

Test(pvh_parse, bad_note_stops_the_walk)
{
	/* A note whose desc runs past the segment, then a good one: the walk
	 * cannot find the next header, so there is no entry. */
	const struct note n[] = {
		NOTE("Xen", 17, 0, 4), ENTRY_NOTE(0x1000000, 4),
	};
	Elf64_Phdr *ph;

	img_init();
	img_load(16 * MiB, 0x10, 0x10);
	ph = img_notes(n, 2);
	((Elf64_Nhdr *)(im.b + ph->p_offset))->n_descsz = 0x1000;
	expect_reject("CONFIG_PVH");
}

/* ---- pvh_detect ---- */

TestSuite(pvh_detect);

Test(pvh_detect, elf64)
{
	img_pvh(0x1000000, 4);
	cr_assert(pvh_detect(im.b, im_len));
	cr_assert(pvh_detect(im.b, EI_NIDENT));
}

Test(pvh_detect, not_elf64)
{
	img_pvh(0x1000000, 4);
	for (size_t len = 0; len < EI_NIDENT; len++)
		cr_assert(not(pvh_detect(im.b, len)), "len %zu", len);

	set_class32();
	cr_assert(not(pvh_detect(im.b, im_len)));

	img_pvh(0x1000000, 4);
	set_magic();
	cr_assert(not(pvh_detect(im.b, im_len)));

	memcpy(im.b, "MZ\x90\0", 4);
	cr_assert(not(pvh_detect(im.b, im_len)));
}

/* ---- pvh_start_info_build ---- */

/* hvm_start_info (start_info.h, version 1) and its entries, by offset. */
#define SI_MAGIC          0
#define SI_VERSION        4
#define SI_FLAGS          8
#define SI_NR_MODULES     12
#define SI_MODLIST_PADDR  16
#define SI_CMDLINE_PADDR  24
#define SI_RSDP_PADDR     32
#define SI_MEMMAP_PADDR   40
#define SI_MEMMAP_ENTRIES 48
#define SI_RESERVED       52
#define SI_SIZE           56
#define MOD_SIZE          32
#define MAP_SIZE          24

#define SI_GPA 0x7000ULL

static uint8_t si[4096];

static uint32_t rd32(size_t off)
{
	uint32_t v;

	memcpy(&v, si + off, sizeof(v));
	return v;
}

static uint64_t rd64(size_t off)
{
	uint64_t v;

	memcpy(&v, si + off, sizeof(v));
	return v;
}

static const struct e820_range test_map[] = {
	{ 0, 0x9fc00, 1 },
	{ 0xe0000, 0x20000, 2 },
	{ 0x100000, 0x7ff00000, 1 },
	{ 0xe0000000, 0x10000000, 2 },
};

static struct pvh_boot_args si_args(uint64_t initrd_size, int nmap)
{
	return (struct pvh_boot_args){
		.cmdline_addr = LAYOUT_CMDLINE, .rsdp_addr = LAYOUT_ACPI_BASE + 0x40,
		.initrd_addr = 0x7000000, .initrd_size = initrd_size,
		.map = test_map, .nmap = nmap,
	};
}

/* Builds into si (stale bytes first) and checks the fixed header. */
static ssize_t build(const struct pvh_boot_args *a, size_t cap)
{
	ssize_t n;

	memset(si, 0xee, sizeof(si));
	n = pvh_start_info_build(si, cap, SI_GPA, a);
	cr_assert(gt(i64, n, 0), "pvh_start_info_build = %zd", n);
	cr_assert(le(i64, n, (ssize_t)cap));
	cr_assert(eq(u32, rd32(SI_MAGIC), HVM_START_MAGIC));
	cr_assert(eq(u32, rd32(SI_VERSION), 1));
	cr_assert(eq(u32, rd32(SI_FLAGS), 0));
	cr_assert(eq(u32, rd32(SI_RESERVED), 0));
	cr_assert(eq(u64, rd64(SI_CMDLINE_PADDR), a->cmdline_addr));
	cr_assert(eq(u64, rd64(SI_RSDP_PADDR), a->rsdp_addr));
	for (size_t i = n; i < cap; i++) /* the page holds nothing stale */
		cr_assert(eq(u8, si[i], 0), "byte %zu of %zu", i, cap);
	return n;
}

/* Checks that a table the header points at lies in the buffer, after it. */
static size_t table_off(size_t paddr_off, size_t len, ssize_t used)
{
	uint64_t pa = rd64(paddr_off);

	cr_assert(ge(u64, pa, SI_GPA + SI_SIZE));
	cr_assert(le(u64, pa - SI_GPA + len, (uint64_t)used));
	cr_assert(eq(u64, pa % 8, 0));
	return pa - SI_GPA;
}

static void check_memmap(ssize_t used, int nmap)
{
	size_t off = table_off(SI_MEMMAP_PADDR, nmap * MAP_SIZE, used);

	cr_assert(eq(u32, rd32(SI_MEMMAP_ENTRIES), nmap));
	for (int i = 0; i < nmap; i++, off += MAP_SIZE) {
		cr_assert(eq(u64, rd64(off), test_map[i].addr), "entry %d", i);
		cr_assert(eq(u64, rd64(off + 8), test_map[i].size), "entry %d", i);
		cr_assert(eq(u32, rd32(off + 16), test_map[i].type), "entry %d", i);
		cr_assert(eq(u32, rd32(off + 20), 0), "entry %d", i);
	}
}

TestSuite(pvh_start_info);

Test(pvh_start_info, with_initrd)
{
	const int nmap = sizeof(test_map) / sizeof(*test_map);
	struct pvh_boot_args a = si_args(0x123456, nmap);
	ssize_t used = build(&a, sizeof(si));
	size_t mod;

	cr_assert(eq(u32, rd32(SI_NR_MODULES), 1));
	mod = table_off(SI_MODLIST_PADDR, MOD_SIZE, used);
	cr_assert(eq(u64, rd64(mod), 0x7000000));
	cr_assert(eq(u64, rd64(mod + 8), 0x123456));
	cr_assert(eq(u64, rd64(mod + 16), 0)); /* no module cmdline */
	cr_assert(eq(u64, rd64(mod + 24), 0));
	check_memmap(used, nmap);
	/* Module list and memory map do not overlap. */
	cr_assert(mod + MOD_SIZE <= rd64(SI_MEMMAP_PADDR) - SI_GPA ||
		  rd64(SI_MEMMAP_PADDR) - SI_GPA + nmap * MAP_SIZE <= mod);
}

Test(pvh_start_info, without_initrd)
{
	struct pvh_boot_args a = si_args(0, 2);
	ssize_t used = build(&a, sizeof(si));

	cr_assert(eq(u32, rd32(SI_NR_MODULES), 0));
	check_memmap(used, 2);
}

Test(pvh_start_info, empty_memmap)
{
	struct pvh_boot_args a = si_args(0, 0);

	build(&a, sizeof(si));
	cr_assert(eq(u32, rd32(SI_MEMMAP_ENTRIES), 0));
}

Test(pvh_start_info, exact_fit_and_too_small)
{
	const int nmap = sizeof(test_map) / sizeof(*test_map);
	struct pvh_boot_args a = si_args(0x1000, nmap);
	ssize_t used = build(&a, sizeof(si));

	cr_assert(eq(i64, build(&a, used), used));
	check_memmap(used, nmap);

	memset(si, 0xee, sizeof(si));
	for (size_t cap = 0; cap < (size_t)used; cap += 8)
		cr_assert(eq(i64, pvh_start_info_build(si, cap, SI_GPA, &a), -ENOSPC),
			  "cap %zu", cap);
	cr_assert(eq(i64, pvh_start_info_build(si, used - 1, SI_GPA, &a), -ENOSPC));
	cr_assert(eq(u8, si[0], 0xee), "buffer written despite -ENOSPC");
}

Test(pvh_start_info, negative_nmap)
{
	struct pvh_boot_args a = si_args(0, -1);

	cr_assert(eq(i64, pvh_start_info_build(si, sizeof(si), SI_GPA, &a), -ENOSPC));
}
