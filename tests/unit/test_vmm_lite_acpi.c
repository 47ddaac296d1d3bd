/* SPDX-License-Identifier: MIT */
/* vmm-lite/acpi.c: the tables iovm hands the guest, parsed back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "vmm.h"

#define BASE LAYOUT_ACPI_BASE

static uint8_t buf[LAYOUT_ACPI_SIZE];
static size_t used;
static size_t rsdp_off;

static uint16_t rd16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static void build(int cpus, uint8_t end_bus)
{
	struct acpi_config cfg = {
		.cpus = cpus, .ecam_base = LAYOUT_ECAM_BASE, .ecam_end_bus = end_bus,
	};
	ssize_t n;

	memset(buf, 0xee, sizeof(buf));
	n = acpi_build(buf, sizeof(buf), BASE, &cfg, &rsdp_off);
	cr_assert(gt(sz, (size_t)(n < 0 ? 0 : n), 0), "acpi_build: %zd", n);
	used = n;
	cr_assert(le(sz, used, sizeof(buf)));
}

/* A table at guest address gpa, checked to lie inside what was built and to
 * carry a valid checksum over its own length. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	cr_assert(ge(u64, gpa, BASE), "%s at 0x%llx below the ACPI area", sig,
		  (unsigned long long)gpa);
	cr_assert(le(u64, gpa + 36, BASE + used), "%s header outside the buffer", sig);
	t = buf + (gpa - BASE);
	cr_assert(eq(int, memcmp(t, sig, 4), 0), "expected %s, found %.4s", sig,
		  (const char *)t);
	len = rd32(t + 4);
	cr_assert(ge(u32, len, 36));
	cr_assert(le(u64, gpa + len, BASE + used), "%s runs past the buffer", sig);
	cr_assert(eq(u8, sum(t, len), 0), "%s checksum", sig);
	return t;
}

/* XSDT entry i, checked like table() does. */
static const uint8_t *xsdt_entry(int i, const char *sig)
{
	const uint8_t *x = table(rd64(buf + rsdp_off + 24), "XSDT");

	cr_assert(lt(u32, 36 + 8 * (uint32_t)i, rd32(x + 4)));
	return table(rd64(x + 36 + 8 * i), sig);
}

static const void *find(const uint8_t *hay, size_t len, const void *needle,
			size_t nlen)
{
	return memmem(hay, len, needle, nlen);
}

TestSuite(acpi);

Test(acpi, rsdp_signature_and_checksums)
{
	const uint8_t *r;

	build(1, 0xff);
	cr_assert(eq(sz, rsdp_off % 16, 0));
	/* The RSDP must be found by the BIOS-area scan. */
	cr_assert(ge(u64, BASE + rsdp_off, 0xe0000));
	cr_assert(lt(u64, BASE + rsdp_off + 36, 0x100000));
	r = buf + rsdp_off;
	cr_assert(eq(int, memcmp(r, "RSD PTR ", 8), 0));
	cr_assert(eq(u8, r[15], 2));
	cr_assert(eq(u32, rd32(r + 20), 36));
	cr_assert(eq(u8, sum(r, 20), 0));
	cr_assert(eq(u8, sum(r, 36), 0));
	cr_assert(eq(u32, rd32(r + 16), 0)); /* no RSDT: XSDT only */
}

Test(acpi, xsdt_points_at_facp_apic_mcfg)
{
	const uint8_t *x;

	build(2, 0xff);
	x = table(rd64(buf + rsdp_off + 24), "XSDT");
	cr_assert(eq(u32, rd32(x + 4), 36 + 3 * 8));
	cr_assert(eq(u32, rd32(table(rd64(x + 36), "FACP") + 4), 276));
	cr_assert(eq(u32, rd32(table(rd64(x + 44), "APIC") + 4),
		     44 + 2 * 8 + 12 + 2 * 10 + 6));
	cr_assert(eq(u32, rd32(table(rd64(x + 52), "MCFG") + 4), 44 + 16));
}

Test(acpi, fadt_dsdt_facs_and_fixed_hardware)
{
	const uint8_t *f, *d, *facs;
	uint32_t dlen;

	build(1, 0xff);
	f = xsdt_entry(0, "FACP");
	cr_assert(eq(u8, f[8], 6)); /* revision */
	cr_assert(eq(u64, rd32(f + 40), rd64(f + 140)), "DSDT and X_DSDT differ");
	d = table(rd64(f + 140), "DSDT");
	dlen = rd32(d + 4);
	cr_assert_not_null(find(d, dlen, "_S5_", 4));
	cr_assert_not_null(find(d, dlen, "PCI0", 4));

	/* FACS through X_FIRMWARE_CTRL; ACPI 6 wants FIRMWARE_CTRL zero then. */
	cr_assert(eq(u32, rd32(f + 36), 0));
	cr_assert(ge(u64, rd64(f + 132), BASE));
	cr_assert(le(u64, rd64(f + 132) + 64, BASE + used));
	facs = buf + (rd64(f + 132) - BASE);
	cr_assert(eq(int, memcmp(facs, "FACS", 4), 0));
	cr_assert(eq(u32, rd32(facs + 4), 64));
	cr_assert(eq(u64, (BASE + (facs - buf)) % 64, 0));

	cr_assert(eq(u16, rd16(f + 46), LAYOUT_SCI_IRQ));
	cr_assert(eq(u32, rd32(f + 56), LAYOUT_PM_BASE));
	cr_assert(eq(u32, rd32(f + 64), LAYOUT_PM_BASE + 4));
	cr_assert(eq(u8, f[89], 2));
	/* RESET_REG: system I/O at the reset port, value 6; flag bit 10. */
	cr_assert(eq(u8, f[116], 1));
	cr_assert(eq(u64, rd64(f + 120), LAYOUT_RESET_PORT));
	cr_assert(eq(u8, f[128], 0x06));
	cr_assert(eq(u32, rd32(f + 112) & (1u << 10), 1u << 10));
	/* X_PM1a_CNT_BLK agrees with PM1a_CNT_BLK. */
	cr_assert(eq(u64, rd64(f + 172 + 4), LAYOUT_PM_BASE + 4));
}

/* PkgLength (ACPI 20.2.4): returns the encoded length, *n its size. */
static uint32_t pkglen(const uint8_t *p, unsigned *n)
{
	unsigned follow = p[0] >> 6;
	uint32_t len = follow ? p[0] & 0x0f : p[0] & 0x3f;

	for (unsigned i = 0; i < follow; i++)
		len |= (uint32_t)p[1 + i] << (4 + 8 * i);
	*n = 1 + follow;
	return len;
}

Test(acpi, dsdt_aml_is_well_formed)
{
	const uint8_t *d, *s5, *dev, *hid;
	uint32_t dlen, plen;
	unsigned n;

	build(1, 0xff);
	d = table(rd64(xsdt_entry(0, "FACP") + 140), "DSDT");
	dlen = rd32(d + 4);

	/* Name(_S5_, Package(4) { 5, 5, 0, 0 }): SLP_TYP 5 is what acpi_pm
	 * powers off on. */
	s5 = find(d, dlen, "\x08_S5_\x12", 6);
	cr_assert_not_null(s5);
	plen = pkglen(s5 + 6, &n);
	cr_assert(eq(u8, s5[6 + n], 4));
	cr_assert(eq(u8, s5[7 + n], 0x0a));
	cr_assert(eq(u8, s5[8 + n], 5));
	cr_assert(eq(u8, s5[9 + n], 0x0a));
	cr_assert(eq(u8, s5[10 + n], 5));
	cr_assert(eq(u32, plen, n + 1 + 2 + 2 + 1 + 1));

	/* Device(PCI0) is the last object: its PkgLength ends the table. */
	dev = find(d, dlen, "\x5b\x82", 2);
	cr_assert_not_null(dev);
	plen = pkglen(dev + 2, &n);
	cr_assert(eq(int, memcmp(dev + 2 + n, "PCI0", 4), 0));
	cr_assert(eq(sz, (size_t)(dev + 2 - d) + plen, dlen));

	/* _HID EisaId("PNP0A08"), _CID EisaId("PNP0A03"). */
	hid = find(d, dlen, "_HID\x0c", 5);
	cr_assert_not_null(hid);
	cr_assert(eq(u32, rd32(hid + 5), 0x080ad041u));
	hid = find(d, dlen, "_CID\x0c", 5);
	cr_assert_not_null(hid);
	cr_assert(eq(u32, rd32(hid + 5), 0x030ad041u));
	cr_assert_not_null(find(d, dlen, "_CRS\x11", 5));
}

static uint64_t rdn(const uint8_t *p, unsigned n)
{
	return n == 2 ? rd16(p) : n == 4 ? rd32(p) : rd64(p);
}

/* The root bridge's _CRS: bus range, the CF8 ports, the MMIO window BARs are
 * placed in (ACPI 6.4: resource descriptors). */
Test(acpi, pci_root_crs_matches_layout)
{
	const uint8_t *d, *crs, *p, *end;
	uint32_t dlen, plen;
	unsigned n, io_ranges = 0;
	bool bus = false, cf8 = false, mmio = false, end_tag = false;

	build(1, 0xff);
	d = table(rd64(xsdt_entry(0, "FACP") + 140), "DSDT");
	dlen = rd32(d + 4);
	crs = find(d, dlen, "_CRS\x11", 5);
	cr_assert_not_null(crs);
	plen = pkglen(crs + 5, &n);
	p = crs + 5 + n;
	cr_assert(eq(u8, p[0], 0x0b)); /* WordPrefix: buffer size */
	end = p + 3 + rd16(p + 1);
	cr_assert(eq(ptr, (void *)end, (void *)(crs + 5 + plen)), "buffer size vs PkgLength");
	for (p += 3; p < end && !end_tag; ) {
		if (p[0] & 0x80) { /* large descriptor */
			unsigned w = p[0] == 0x88 ? 2 : p[0] == 0x87 ? 4 : 8;
			uint64_t min = rdn(p + 6 + w, w), max = rdn(p + 6 + 2 * w, w);
			uint64_t len = rdn(p + 6 + 4 * w, w);

			cr_assert(p[0] == 0x88 || p[0] == 0x87 || p[0] == 0x8a, "tag 0x%x", p[0]);
			cr_assert(eq(u16, rd16(p + 1), 3 + 5 * w));
			cr_assert(eq(u64, max - min + 1, len));
			if (p[3] == 2) {
				bus = min == 0 && max == LAYOUT_PCI_BUSES - 1;
			} else if (p[3] == 1) {
				io_ranges++;
				cr_assert(max < 0xcf8 || min > 0xcff, "I/O range covers CF8/CFC");
			} else if (p[3] == 0) {
				mmio = min == LAYOUT_MMIO32_BASE && len == LAYOUT_MMIO32_SIZE;
			}
			p += 3 + rd16(p + 1);
		} else {
			if (p[0] == 0x47) /* I/O port descriptor */
				cf8 = rd16(p + 2) == 0xcf8 && rd16(p + 4) == 0xcf8 && p[7] == 8;
			end_tag = p[0] == 0x79;
			p += 1 + (p[0] & 7);
		}
	}
	cr_assert(end_tag, "no end tag");
	cr_assert(eq(ptr, (void *)p, (void *)end), "descriptors overrun the buffer");
	cr_assert(bus, "bus range 0..LAYOUT_PCI_BUSES-1 missing");
	cr_assert(cf8, "CF8/CFC ports missing");
	cr_assert(mmio, "32-bit MMIO window missing");
	cr_assert(eq(uint, io_ranges, 2));
}

static void check_madt(int cpus)
{
	const uint8_t *m, *e, *end;
	int lapics = 0, ioapics = 0;

	build(cpus, 0xff);
	m = xsdt_entry(1, "APIC");
	cr_assert(eq(u32, rd32(m + 36), LAYOUT_LAPIC_BASE));
	end = m + rd32(m + 4);
	for (e = m + 44; e < end; e += e[1]) {
		cr_assert(ge(u8, e[1], 2), "MADT entry with length %u", e[1]);
		switch (e[0]) {
		case 0:
			cr_assert(eq(u8, e[1], 8));
			cr_assert(eq(u8, e[3], lapics), "APIC IDs not in order");
			cr_assert(eq(u32, rd32(e + 4) & 1, 1), "CPU %d disabled", lapics);
			lapics++;
			break;
		case 1:
			cr_assert(eq(u8, e[1], 12));
			cr_assert(eq(u32, rd32(e + 4), LAYOUT_IOAPIC_BASE));
			cr_assert(eq(u32, rd32(e + 8), 0));
			cr_assert(eq(u8, e[2], cpus), "I/O APIC ID clashes with a CPU");
			ioapics++;
			break;
		}
	}
	cr_assert(eq(ptr, (void *)e, (void *)end), "MADT entries overrun its length");
	cr_assert(eq(int, lapics, cpus));
	cr_assert(eq(int, ioapics, 1));
}

Test(acpi, madt_one_lapic_per_cpu_1)
{
	check_madt(1);
}

Test(acpi, madt_one_lapic_per_cpu_4)
{
	check_madt(4);
}

Test(acpi, madt_max_cpus)
{
	check_madt(254);
}

Test(acpi, mcfg_matches_config)
{
	const uint8_t *m;

	build(1, 0x3f);
	m = xsdt_entry(2, "MCFG");
	cr_assert(eq(u64, rd64(m + 44), LAYOUT_ECAM_BASE));
	cr_assert(eq(u16, rd16(m + 52), 0));
	cr_assert(eq(u8, m[54], 0));
	cr_assert(eq(u8, m[55], 0x3f));
}

Test(acpi, bad_cpu_counts)
{
	struct acpi_config cfg = { .ecam_base = LAYOUT_ECAM_BASE, .ecam_end_bus = 0xff };
	size_t off = 12345;

	cfg.cpus = 0;
	cr_assert(eq(i64, acpi_build(buf, sizeof(buf), BASE, &cfg, &off), -EINVAL));
	cfg.cpus = -1;
	cr_assert(eq(i64, acpi_build(buf, sizeof(buf), BASE, &cfg, &off), -EINVAL));
	cfg.cpus = 255;
	cr_assert(eq(i64, acpi_build(buf, sizeof(buf), BASE, &cfg, &off), -EINVAL));
	cr_assert(eq(sz, off, 12345));
}

/* Every capacity short of what is needed fails cleanly, without writing
 * past it (exact-size heap buffers, so ASan sees any overrun). */
Test(acpi, too_small_buffer_is_enospc)
{
	struct acpi_config cfg = { .cpus = 4, .ecam_base = LAYOUT_ECAM_BASE,
				   .ecam_end_bus = 0xff };

	build(4, 0xff);
	for (size_t cap = 0; cap < used; cap++) {
		uint8_t *b = malloc(cap ? cap : 1);
		size_t off = 0;

		cr_assert_not_null(b);
		cr_assert(eq(i64, acpi_build(b, cap, BASE, &cfg, &off), -ENOSPC),
			  "cap %zu", cap);
		free(b);
	}
	/* Exactly enough works, and builds the same tables. */
	uint8_t *b = malloc(used);
	size_t off = 0;

	cr_assert_not_null(b);
	memset(b, 0xee, used); /* as build() does: alignment gaps are not written */
	cr_assert(eq(i64, acpi_build(b, used, BASE, &cfg, &off), (int64_t)used));
	cr_assert(eq(sz, off, rsdp_off));
	cr_assert(eq(int, memcmp(b, buf, used), 0), "output depends on capacity");
	free(b);
}

Test(acpi, checksum_helper)
{
	const uint8_t t[] = { 1, 2, 3, 0xfa };

	cr_assert(eq(u8, acpi_checksum(t, sizeof(t)), 0));
	cr_assert(eq(u8, acpi_checksum(t, 3), 0xfa));
	cr_assert(eq(u8, acpi_checksum(t, 0), 0));
}

/* ---- _PRT: PCI INTx routing inside PCI0 ---- */

static const uint8_t *dsdt(uint32_t *len)
{
	const uint8_t *d = table(rd64(xsdt_entry(0, "FACP") + 140), "DSDT");

	*len = rd32(d + 4);
	return d;
}

/* Package(4) { 0xSSSSFFFF, pin, Zero, gsi } as the DSDT encodes it:
 * DWordConst address, ByteConst pin, ZeroOp source, ByteConst GSI. */
static void prt_entry(uint8_t *e, unsigned slot, unsigned pin, unsigned gsi)
{
	const uint8_t enc[] = { 0x0c, 0xff, 0xff, slot, 0x00, 0x0a, pin, 0x00, 0x0a, gsi };

	memcpy(e, enc, sizeof(enc));
}

Test(acpi, prt_is_inside_pci0)
{
	const uint8_t *d, *dev, *prt;
	uint32_t dlen, plen;
	unsigned n;

	build(1, 0xff);
	d = dsdt(&dlen);
	prt = find(d, dlen, "\x08_PRT\x12", 6);
	cr_assert_not_null(prt, "no Name(_PRT, Package) in the DSDT");
	dev = find(d, dlen, "\x5b\x82", 2);
	cr_assert_not_null(dev);
	plen = pkglen(dev + 2, &n);
	cr_assert(eq(int, memcmp(dev + 2 + n, "PCI0", 4), 0));
	cr_assert(gt(ptr, (void *)prt, (void *)dev), "_PRT before Device(PCI0)");
	cr_assert(lt(ptr, (void *)prt, (void *)(dev + 2 + plen)), "_PRT outside PCI0");
	/* The package ends inside PCI0 too. */
	plen = pkglen(prt + 6, &n);
	cr_assert(le(ptr, (void *)(prt + 6 + plen), (void *)(dev + 2 + pkglen(dev + 2, &n))));
}

Test(acpi, prt_routes_every_slot_and_pin)
{
	const uint8_t *d, *prt, *p, *end;
	uint32_t dlen, plen;
	unsigned n, count = 0;
	bool seen[32][4] = { { false } };

	build(2, 0xff);
	d = dsdt(&dlen);
	prt = find(d, dlen, "\x08_PRT\x12", 6);
	cr_assert_not_null(prt);
	plen = pkglen(prt + 6, &n);
	p = prt + 6 + n;
	end = prt + 6 + plen;
	cr_assert(eq(u8, p[0], 31 * 4), "NumElements");
	for (p++; p < end; count++) {
		unsigned en, elen = pkglen(p + 1, &en);
		const uint8_t *e = p + 1 + en;
		unsigned slot = e[4], pin = e[7];
		uint8_t want[10];

		cr_assert(eq(u8, p[0], 0x12), "entry %u is not a package", count);
		cr_assert(eq(u8, e[0], 4), "entry %u has %u elements", count, e[0]);
		cr_assert(eq(u32, elen, en + 1 + 10), "entry %u length", count);
		cr_assert(ge(uint, slot, 1), "slot 0 is the host bridge");
		cr_assert(lt(uint, slot, 32));
		cr_assert(lt(uint, pin, 4));
		cr_assert_not(seen[slot][pin], "slot %u pin %u twice", slot, pin);
		seen[slot][pin] = true;
		prt_entry(want, slot, pin, pci_intx_gsi(slot, pin));
		cr_assert(eq(int, memcmp(e + 1, want, sizeof(want)), 0),
			  "slot %u pin %u: wrong encoding or GSI %u", slot, pin, e[10]);
		p += 1 + elen;
	}
	cr_assert(eq(ptr, (void *)p, (void *)end), "entries overrun the package");
	cr_assert(eq(uint, count, 31 * 4));
}

Test(acpi, prt_sample_entries)
{
	static const unsigned pairs[][3] = {
		/* slot, pin, GSI = 16 + (slot + pin) % 8 */
		{ 1, 0, 17 }, { 1, 3, 20 }, { 3, 0, 19 }, { 4, 3, 23 },
		{ 5, 3, 16 }, { 8, 0, 16 }, { 12, 2, 22 }, { 31, 3, 18 },
	};
	const uint8_t *d;
	uint32_t dlen;

	build(1, 0xff);
	d = dsdt(&dlen);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint8_t e[10];

		cr_assert(eq(uint, pci_intx_gsi(pairs[i][0], pairs[i][1]), pairs[i][2]));
		prt_entry(e, pairs[i][0], pairs[i][1], pairs[i][2]);
		cr_assert_not_null(find(d, dlen, e, sizeof(e)), "slot %u pin %u -> GSI %u missing",
				   pairs[i][0], pairs[i][1], pairs[i][2]);
	}
	/* The swizzle spreads the four pins of a slot over four GSIs. */
	for (unsigned slot = 1; slot < 32; slot++)
		for (unsigned a = 0; a < 4; a++)
			for (unsigned b = 0; b < a; b++)
				cr_assert(ne(uint, pci_intx_gsi(slot, a), pci_intx_gsi(slot, b)));
}

Test(acpi, dsdt_checksum_with_prt)
{
	const uint8_t *d;
	uint32_t dlen;

	build(4, 0xff);
	d = dsdt(&dlen);
	cr_assert(eq(u8, sum(d, dlen), 0));
	cr_assert(eq(u8, acpi_checksum(d, dlen), 0));
	/* Large enough to hold 124 routing entries. */
	cr_assert(gt(u32, dlen, 31 * 4 * 14));
}
