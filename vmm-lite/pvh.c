/* SPDX-License-Identifier: MIT */
/*
 * PVH direct boot of an uncompressed ELF kernel (Linux vmlinux with
 * CONFIG_PVH=y), as QEMU, cloud-hypervisor and Firecracker do: the loader
 * copies the PT_LOAD segments to their physical addresses and enters the
 * 32-bit entry named by the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY with ebx
 * pointing at an hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h).
 * Why: the kernel skips decompressing itself, which is most of a bzImage's
 * time before the kernel proper runs.
 *
 * Pure functions: they read the image buffer with bounds checks and write
 * into caller buffers, so unit tests and fuzzers call them without a VM.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC          0x336ec578u

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
	uint64_t memmap_paddr;          /* version 1 */
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

bool pvh_detect(const void *img, size_t len)
{
	const unsigned char *p = img;

	return len >= EI_NIDENT && !memcmp(p, ELFMAG, SELFMAG) &&
	       p[EI_CLASS] == ELFCLASS64;
}

/* Reads one program header; false when it lies outside the image. */
static bool read_phdr(const uint8_t *p, size_t len, const Elf64_Ehdr *eh,
		      int i, Elf64_Phdr *ph)
{
	uint64_t off = eh->e_phoff + (uint64_t)i * sizeof(*ph);

	if (off > len || len - off < sizeof(*ph))
		return false;
	memcpy(ph, p + off, sizeof(*ph));
	return ph->p_offset <= len && ph->p_filesz <= len - ph->p_offset;
}

/* Walks the notes of one PT_NOTE segment for Xen's PHYS32_ENTRY. */
static bool find_entry_note(const uint8_t *n, uint64_t size, uint64_t *entry)
{
	uint64_t off = 0;

	while (size - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		memcpy(&nh, n + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off + ((nh.n_namesz + 3ULL) & ~3ULL);
		next = desc_off + ((nh.n_descsz + 3ULL) & ~3ULL);
		if (next > size)
			return false;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(n + name_off, "Xen", 4) &&
		    (nh.n_descsz == 4 || nh.n_descsz == 8)) {
			*entry = 0;
			memcpy(entry, n + desc_off, nh.n_descsz); /* little endian */
			return true;
		}
		off = next;
	}
	return false;
}

/* Index of a segment of @out sharing guest memory with [paddr, end), or -1
 * (empty ranges share none). A linker never emits such segments; refusing
 * them keeps the result of loading independent of segment order (and of
 * the zero pages the loader skips). */
static int overlapping_segment(const struct pvh_image *out, uint64_t paddr,
			       uint64_t end)
{
	for (int i = 0; i < out->nsegs; i++) {
		const struct pvh_segment *s = &out->seg[i];

		if (paddr < end && s->memsz &&
		    paddr < s->paddr + s->memsz && s->paddr < end)
			return i;
	}
	return -1;
}

static int add_segment(struct pvh_image *out, const Elf64_Phdr *ph,
		       char *err, size_t errlen)
{
	int other;

	if (out->nsegs == PVH_MAX_SEGS) {
		snprintf(err, errlen, "ELF kernel has more than %d load segments",
			 PVH_MAX_SEGS);
		return -ENOEXEC;
	}
	if (ph->p_memsz < ph->p_filesz || ph->p_paddr + ph->p_memsz < ph->p_paddr) {
		snprintf(err, errlen, "ELF kernel has a malformed load segment at 0x%llx",
			 (unsigned long long)ph->p_paddr);
		return -ENOEXEC;
	}
	other = overlapping_segment(out, ph->p_paddr, ph->p_paddr + ph->p_memsz);
	if (other >= 0) {
		snprintf(err, errlen, "ELF kernel's load segments at 0x%llx and 0x%llx "
			 "overlap", (unsigned long long)out->seg[other].paddr,
			 (unsigned long long)ph->p_paddr);
		return -ENOEXEC;
	}
	out->seg[out->nsegs++] = (struct pvh_segment){
		.paddr = ph->p_paddr, .offset = ph->p_offset,
		.filesz = ph->p_filesz, .memsz = ph->p_memsz,
	};
	if (ph->p_paddr + ph->p_memsz > out->end)
		out->end = ph->p_paddr + ph->p_memsz;
	return 0;
}

static int check_ehdr(const uint8_t *p, size_t len, Elf64_Ehdr *eh,
		      char *err, size_t errlen)
{
	if (!pvh_detect(p, len) || len < sizeof(*eh)) {
		snprintf(err, errlen, "not a 64-bit ELF kernel");
		return -ENOEXEC;
	}
	memcpy(eh, p, sizeof(*eh));
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC || eh->e_phentsize != sizeof(Elf64_Phdr)) {
		snprintf(err, errlen, "not an x86-64 executable ELF kernel");
		return -ENOEXEC;
	}
	return 0;
}

int pvh_parse(const void *img, size_t len, struct pvh_image *out,
	      char *err, size_t errlen)
{
	const uint8_t *p = img;
	Elf64_Ehdr eh;
	bool have_entry = false;
	int ret = check_ehdr(p, len, &eh, err, errlen);

	memset(out, 0, sizeof(*out));
	for (int i = 0; !ret && i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (!read_phdr(p, len, &eh, i, &ph)) {
			snprintf(err, errlen, "truncated ELF kernel: program header %d "
				 "points past the end of the file", i);
			return -ENOEXEC;
		}
		if (ph.p_type == PT_LOAD)
			ret = add_segment(out, &ph, err, errlen);
		else if (ph.p_type == PT_NOTE && !have_entry)
			have_entry = find_entry_note(p + ph.p_offset, ph.p_filesz,
						     &out->entry);
	}
	if (ret)
		return ret;
	if (!out->nsegs) {
		snprintf(err, errlen, "ELF kernel has no load segments");
		return -ENOEXEC;
	}
	if (have_entry && out->entry >= LAYOUT_4G) {
		snprintf(err, errlen, "ELF kernel's PVH entry 0x%llx is above 4 GiB, "
			 "out of reach of its 32-bit entry", (unsigned long long)out->entry);
		return -ENOEXEC;
	}
	if (!have_entry) {
		snprintf(err, errlen, "ELF kernel has no PVH entry note "
			 "(XEN_ELFNOTE_PHYS32_ENTRY): build it with CONFIG_PVH=y, "
			 "or pass the bzImage");
		return -ENOEXEC;
	}
	return 0;
}

ssize_t pvh_start_info_build(void *buf, size_t cap, uint64_t gpa,
			     const struct pvh_boot_args *a)
{
	struct hvm_start_info si = {
		.magic = HVM_START_MAGIC, .version = 1,
		.cmdline_paddr = a->cmdline_addr, .rsdp_paddr = a->rsdp_addr,
	};
	struct hvm_modlist_entry mod = {
		.paddr = a->initrd_addr, .size = a->initrd_size,
	};
	size_t mod_off = sizeof(si), map_off = mod_off + sizeof(mod);
	uint8_t *b = buf;

	if (a->nmap < 0 || map_off + a->nmap * sizeof(struct hvm_memmap_entry) > cap)
		return -ENOSPC;
	if (a->initrd_size) {
		si.nr_modules = 1;
		si.modlist_paddr = gpa + mod_off;
	}
	si.memmap_paddr = gpa + map_off;
	si.memmap_entries = a->nmap;
	memset(buf, 0, cap);
	memcpy(b, &si, sizeof(si));
	memcpy(b + mod_off, &mod, sizeof(mod));
	for (int i = 0; i < a->nmap; i++) {
		struct hvm_memmap_entry e = {
			.addr = a->map[i].addr, .size = a->map[i].size,
			.type = a->map[i].type,
		};

		memcpy(b + map_off + i * sizeof(e), &e, sizeof(e));
	}
	return map_off + a->nmap * sizeof(struct hvm_memmap_entry);
}
