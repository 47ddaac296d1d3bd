/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables written by iovm: RSDP, XSDT, FADT (with FACS and DSDT), MADT
 * and MCFG. Pure: everything is built in a caller buffer that the guest sees
 * at `base`, so unit tests can check checksums and layout without a VM.
 * Field offsets follow ACPI 6.x; the DSDT holds a PCIe root bridge (so Linux
 * takes PCI from ACPI) and the \_S5 package (so it can power off).
 */
#include <errno.h>
#include <string.h>

#include "vmm.h"

struct tbuf {
	uint8_t *p;
	size_t cap, len;
	bool overflow;
};

static size_t tb_reserve(struct tbuf *t, size_t n, size_t align)
{
	size_t at = (t->len + align - 1) & ~(align - 1);

	if (at + n > t->cap) {
		t->overflow = true;
		return t->cap; /* callers check overflow before touching it */
	}
	memset(t->p + at, 0, n);
	t->len = at + n;
	return at;
}

static void put(uint8_t *p, unsigned len, uint64_t v)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = v >> (8 * i);
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static void table_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put(t + 4, 4, len);
	t[8] = rev;
	memcpy(t + 10, "IOVM  ", 6);
	memcpy(t + 16, "IOVMVMM ", 8);
	put(t + 24, 4, 1);
	memcpy(t + 28, "IOVM", 4);
	put(t + 32, 4, 1);
}

static void table_seal(uint8_t *t)
{
	uint32_t len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;

	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

/* Generic Address Structure in system I/O space. */
static void gas_io(uint8_t *g, uint8_t bits, uint8_t access, uint16_t port)
{
	g[0] = 1;
	g[1] = bits;
	g[2] = 0;
	g[3] = access;
	put(g + 4, 8, port);
}

/* ---- AML, just enough for the DSDT ---- */

static void aml_bytes(struct tbuf *t, const void *b, size_t n)
{
	size_t at = tb_reserve(t, n, 1);

	if (!t->overflow)
		memcpy(t->p + at, b, n);
}

static void aml_byte(struct tbuf *t, uint8_t b)
{
	aml_bytes(t, &b, 1);
}

/* Encodes PkgLength for a body of n bytes (PkgLength counts itself). */
static void aml_pkglen(struct tbuf *t, size_t body)
{
	if (body + 1 < 0x40) {
		aml_byte(t, body + 1);
	} else if (body + 2 < 0x1000) {
		aml_byte(t, 0x40 | ((body + 2) & 0xf));
		aml_byte(t, (body + 2) >> 4);
	} else {
		aml_byte(t, 0x80 | ((body + 3) & 0xf));
		aml_byte(t, (body + 3) >> 4);
		aml_byte(t, (body + 3) >> 12);
	}
}

static void aml_name_dword(struct tbuf *t, const char *name, uint32_t v)
{
	uint8_t b[10] = { 0x08 };

	memcpy(b + 1, name, 4);
	b[5] = 0x0c; /* DWordPrefix */
	put(b + 6, 4, v);
	aml_bytes(t, b, sizeof(b));
}

/* EISA ID as AML encodes it: three 5-bit letters and four hex digits. */
static uint32_t eisa_id(const char *s)
{
	uint16_t vendor = ((s[0] - '@') << 10) | ((s[1] - '@') << 5) | (s[2] - '@');
	uint16_t product = 0;

	for (int i = 3; i < 7; i++)
		product = product << 4 | (uint16_t)(s[i] <= '9' ? s[i] - '0' : s[i] - 'A' + 10);
	return (uint32_t)(vendor >> 8) | (uint32_t)(vendor & 0xff) << 8 |
	       (uint32_t)(product >> 8) << 16 | (uint32_t)(product & 0xff) << 24;
}

/* Word/DWord/QWord address space descriptors (ACPI 6.4.3.5). */
static size_t res_addr(uint8_t *r, uint8_t type, unsigned width, uint64_t min,
		       uint64_t len, uint8_t tflags)
{
	unsigned w = width / 8;
	uint8_t tag = width == 16 ? 0x88 : width == 32 ? 0x87 : 0x8a;
	size_t n = 3 + 3 + 5 * w;

	r[0] = tag;
	put(r + 1, 2, n - 3);
	r[3] = type;
	r[4] = 0x0c; /* producer, min and max fixed */
	r[5] = tflags;
	put(r + 6, w, 0);                 /* granularity */
	put(r + 6 + w, w, min);
	put(r + 6 + 2 * w, w, min + len - 1);
	put(r + 6 + 3 * w, w, 0);         /* translation */
	put(r + 6 + 4 * w, w, len);
	return n;
}

static size_t pci_crs(uint8_t *r)
{
	static const uint8_t cf8_io[] = { 0x47, 1, 0xf8, 0x0c, 0xf8, 0x0c, 1, 8 };
	size_t n = 0;

	n += res_addr(r + n, 2, 16, 0, LAYOUT_PCI_BUSES, 0);   /* buses */
	memcpy(r + n, cf8_io, sizeof(cf8_io));
	n += sizeof(cf8_io);
	n += res_addr(r + n, 1, 16, 0, 0xcf8, 3);              /* I/O below CF8 */
	n += res_addr(r + n, 1, 16, 0xd00, 0x10000 - 0xd00, 3);
	n += res_addr(r + n, 0, 32, LAYOUT_MMIO32_BASE, LAYOUT_MMIO32_SIZE, 1);
	r[n++] = 0x79; /* end tag */
	r[n++] = 0;
	return n;
}

/* Emits prefix, PkgLength and the body built so far in inner. */
static void aml_package(struct tbuf *t, const char *prefix, size_t plen,
			const struct tbuf *inner)
{
	aml_bytes(t, prefix, plen);
	aml_pkglen(t, inner->len);
	aml_bytes(t, inner->p, inner->len);
	t->overflow |= inner->overflow;
}

/* _PRT: INTx of every slot and pin, swizzled over GSIs 16-23 (level,
 * active low, the ACPI default for GSIs above the ISA range). */
static void aml_prt(struct tbuf *t)
{
	uint8_t pkgbuf[2048];
	struct tbuf pkg = { .p = pkgbuf, .cap = sizeof(pkgbuf) };

	aml_byte(&pkg, 31 * 4);                   /* NumElements */
	for (unsigned slot = 1; slot < 32; slot++) {
		for (unsigned pin = 0; pin < 4; pin++) {
			uint8_t e[] = { 0x04,             /* NumElements */
				0x0c, 0xff, 0xff, slot, 0,   /* DWord address */
				0x0a, pin, 0x00,             /* pin, source */
				0x0a, pci_intx_gsi(slot, pin) };
			aml_byte(&pkg, 0x12);             /* PackageOp */
			aml_pkglen(&pkg, sizeof(e));
			aml_bytes(&pkg, e, sizeof(e));
		}
	}
	aml_package(t, "\x08_PRT\x12", 6, &pkg);
}

static void dsdt_pci_root(struct tbuf *t)
{
	uint8_t crs[160], bufobj[200], dev[2400];
	struct tbuf b = { .p = bufobj, .cap = sizeof(bufobj) };
	struct tbuf d = { .p = dev, .cap = sizeof(dev) };
	size_t crs_len = pci_crs(crs);

	/* Buffer(size) { crs } */
	aml_byte(&b, 0x0b);            /* WordPrefix: buffer size */
	aml_byte(&b, crs_len & 0xff);
	aml_byte(&b, crs_len >> 8);
	aml_bytes(&b, crs, crs_len);

	aml_bytes(&d, "PCI0", 4);
	aml_name_dword(&d, "_HID", eisa_id("PNP0A08"));
	aml_name_dword(&d, "_CID", eisa_id("PNP0A03"));
	aml_name_dword(&d, "_SEG", 0);
	aml_name_dword(&d, "_BBN", 0);
	aml_name_dword(&d, "_UID", 0);
	aml_package(&d, "\x08_CRS\x11", 6, &b);
	aml_prt(&d);
	aml_package(t, "\x5b\x82", 2, &d); /* DeviceOp */
}

static size_t build_dsdt(struct tbuf *t)
{
	/* Name(_S5, Package() {5, 5, 0, 0}): SLP_TYP 5 means power off. */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				      0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	size_t at = tb_reserve(t, 36, 16);

	aml_bytes(t, s5, sizeof(s5));
	dsdt_pci_root(t);
	if (t->overflow)
		return at;
	table_header(t->p + at, "DSDT", t->len - at, 2);
	table_seal(t->p + at);
	return at;
}

static size_t build_facs(struct tbuf *t)
{
	size_t at = tb_reserve(t, 64, 64);

	if (!t->overflow) {
		memcpy(t->p + at, "FACS", 4);
		put(t->p + at + 4, 4, 64);
		t->p[at + 32] = 2; /* version */
	}
	return at;
}

static size_t build_fadt(struct tbuf *t, uint64_t base, size_t facs, size_t dsdt)
{
	const uint32_t len = 276;
	size_t at = tb_reserve(t, len, 16);
	uint8_t *f = t->p + at;

	if (t->overflow)
		return at;
	table_header(f, "FACP", len, 6);
	/* Only the 64-bit FACS pointer: ACPI 6 wants one of the two zero. */
	put(f + 40, 4, base + dsdt);
	put(f + 46, 2, LAYOUT_SCI_IRQ);
	/* SMI_CMD 0: ACPI mode is always on, there is nothing to switch. */
	put(f + 56, 4, LAYOUT_PM_BASE);          /* PM1a_EVT_BLK */
	put(f + 64, 4, LAYOUT_PM_BASE + 4);      /* PM1a_CNT_BLK */
	f[88] = 4;                               /* PM1_EVT_LEN */
	f[89] = 2;                               /* PM1_CNT_LEN */
	put(f + 96, 2, 101);                     /* no C2 */
	put(f + 98, 2, 1001);                    /* no C3 */
	f[108] = 0x32;                           /* CMOS century register */
	/* IAPC_BOOT_ARCH: legacy devices (RTC, UART), no 8042, no VGA. */
	put(f + 109, 2, 0x1 | 0x4);
	/* Flags: WBINVD, PROC_C1, PWR/SLP buttons are not fixed features,
	 * RESET_REG supported. */
	put(f + 112, 4, (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5) | (1 << 10));
	gas_io(f + 116, 8, 1, LAYOUT_RESET_PORT);
	f[128] = 0x06;                           /* RESET_VALUE: CPU reset */
	put(f + 132, 8, base + facs);            /* X_FIRMWARE_CTRL */
	put(f + 140, 8, base + dsdt);            /* X_DSDT */
	gas_io(f + 148, 32, 3, LAYOUT_PM_BASE);
	gas_io(f + 172, 16, 2, LAYOUT_PM_BASE + 4);
	memcpy(f + 268, "IOVMIOVM", 8);          /* hypervisor vendor */
	table_seal(f);
	return at;
}

static size_t build_madt(struct tbuf *t, int cpus)
{
	size_t len = 44 + 8 * (size_t)cpus + 12 + 2 * 10 + 6;
	size_t at = tb_reserve(t, len, 16);
	uint8_t *m = t->p + at, *e;

	if (t->overflow)
		return at;
	table_header(m, "APIC", len, 4);
	put(m + 36, 4, LAYOUT_LAPIC_BASE);
	put(m + 40, 4, 1);                       /* PCAT_COMPAT: 8259s present */
	e = m + 44;
	for (int i = 0; i < cpus; i++, e += 8) {
		e[0] = 0; e[1] = 8; e[2] = i; e[3] = i;
		put(e + 4, 4, 1);                /* enabled */
	}
	e[0] = 1; e[1] = 12; e[2] = cpus;        /* I/O APIC, id after CPUs */
	put(e + 4, 4, LAYOUT_IOAPIC_BASE);
	put(e + 8, 4, 0);
	e += 12;
	/* ISA IRQ0 (PIT) is wired to GSI2; the SCI is level, active high. */
	e[0] = 2; e[1] = 10; e[2] = 0; e[3] = 0; put(e + 4, 4, 2); put(e + 8, 2, 0);
	e += 10;
	e[0] = 2; e[1] = 10; e[2] = 0; e[3] = LAYOUT_SCI_IRQ;
	put(e + 4, 4, LAYOUT_SCI_IRQ); put(e + 8, 2, 0x000d);
	e += 10;
	e[0] = 4; e[1] = 6; e[2] = 0xff;         /* LINT1 is NMI on all CPUs */
	put(e + 3, 2, 0); e[5] = 1;
	table_seal(m);
	return at;
}

static size_t build_mcfg(struct tbuf *t, const struct acpi_config *cfg)
{
	const uint32_t len = 44 + 16;
	size_t at = tb_reserve(t, len, 16);
	uint8_t *m = t->p + at;

	if (t->overflow)
		return at;
	table_header(m, "MCFG", len, 1);
	put(m + 44, 8, cfg->ecam_base);
	put(m + 52, 2, 0);                       /* segment */
	m[54] = 0;
	m[55] = cfg->ecam_end_bus;
	table_seal(m);
	return at;
}

static size_t build_xsdt(struct tbuf *t, uint64_t base, const size_t *tabs,
			 int n)
{
	uint32_t len = 36 + 8 * n;
	size_t at = tb_reserve(t, len, 16);

	if (t->overflow)
		return at;
	table_header(t->p + at, "XSDT", len, 1);
	for (int i = 0; i < n; i++)
		put(t->p + at + 36 + 8 * i, 8, base + tabs[i]);
	table_seal(t->p + at);
	return at;
}

static void build_rsdp(uint8_t *r, uint64_t xsdt_addr)
{
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "IOVM  ", 6);
	r[15] = 2;                               /* ACPI 2.0+ */
	put(r + 20, 4, 36);
	put(r + 24, 8, xsdt_addr);
	r[8] = acpi_checksum(r, 20);
	r[32] = acpi_checksum(r, 36);
}

ssize_t acpi_build(void *buf, size_t cap, uint64_t base,
		   const struct acpi_config *cfg, size_t *rsdp_off)
{
	struct tbuf t = { .p = buf, .cap = cap };
	size_t rsdp, facs, dsdt, tabs[3], xsdt;

	if (cfg->cpus < 1 || cfg->cpus > 254)
		return -EINVAL;
	rsdp = tb_reserve(&t, 36, 16);
	facs = build_facs(&t);
	dsdt = build_dsdt(&t);
	tabs[0] = build_fadt(&t, base, facs, dsdt);
	tabs[1] = build_madt(&t, cfg->cpus);
	tabs[2] = build_mcfg(&t, cfg);
	xsdt = build_xsdt(&t, base, tabs, 3);
	if (t.overflow)
		return -ENOSPC;
	build_rsdp(t.p + rsdp, base + xsdt);
	*rsdp_off = rsdp;
	return t.len;
}
