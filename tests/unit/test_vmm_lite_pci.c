/* SPDX-License-Identifier: MIT */
/*
 * vmm-lite/pci.c: address decoding, CF8/CFC and ECAM routing, BAR sizing
 * and placement, BAR (un)mapping on the MMIO and PIO buses, capabilities.
 * Runs on a KVM-less struct vm (fixture.c).
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "vmm.h"

#define CF8 0xcf8
#define CFC 0xcfc
#define CF8_EN 0x80000000u

static uint32_t cf8_addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return CF8_EN | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read_cf8(unsigned bus, unsigned dev, unsigned fn,
			     unsigned reg, unsigned len)
{
	fx_pio_write(CF8, 4, cf8_addr(bus, dev, fn, reg), NULL);
	return fx_pio_read(CFC + (reg & 3), len, NULL);
}

static void cfg_write_cf8(unsigned bus, unsigned dev, unsigned fn, unsigned reg,
			  unsigned len, uint32_t val)
{
	fx_pio_write(CF8, 4, cf8_addr(bus, dev, fn, reg), NULL);
	fx_pio_write(CFC + (reg & 3), len, val, NULL);
}

static uint64_t ecam(unsigned bus, unsigned devfn, unsigned reg)
{
	return LAYOUT_ECAM_BASE + ((uint64_t)bus << 20) + ((uint64_t)devfn << 12) + reg;
}

/* Emulated BAR device: counts accesses and remembers the last offset. */
struct bar_dev {
	int reads, writes;
	uint64_t last_off;
	uint32_t last_val;
};

static void bar_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct bar_dev *d = opaque;
	uint32_t v = 0xd0d00000u | (uint32_t)off;

	d->reads++;
	d->last_off = off;
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

static void bar_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct bar_dev *d = opaque;

	d->writes++;
	d->last_off = off;
	d->last_val = 0;
	memcpy(&d->last_val, data, len < 4 ? len : 4);
}

static const struct bus_ops bar_ops = { bar_read, bar_write };

TestSuite(pci, .init = fx_vm_setup_pci, .fini = fx_vm_teardown);
TestSuite(pci_decode);

/* ---- pure decoding ---- */

Test(pci_decode, cf8_fields)
{
	struct pci_cfg_addr a = pci_decode_cf8(0x80ab3a64u, 0);

	cr_assert(a.valid);
	cr_assert(eq(u8, a.bus, 0xab));
	cr_assert(eq(u8, a.devfn, 0x3a)); /* device 7, function 2 */
	cr_assert(eq(u16, a.reg, 0x64));

	/* The low two bits come from the CFC offset, not from CF8. */
	a = pci_decode_cf8(0x80000067u, 2);
	cr_assert(eq(u16, a.reg, 0x66));
	a = pci_decode_cf8(0x800000fcu, 3);
	cr_assert(eq(u16, a.reg, 0xff));

	/* Enable bit clear: not a config cycle. */
	a = pci_decode_cf8(0x00010800u, 0);
	cr_assert_not(a.valid);
	cr_assert(eq(u8, a.bus, 1));
	cr_assert(eq(u8, a.devfn, 8));
}

Test(pci_decode, ecam_fields)
{
	struct pci_cfg_addr a = pci_decode_ecam(0x0123a9fcULL);

	cr_assert(a.valid);
	cr_assert(eq(u8, a.bus, 0x12));
	cr_assert(eq(u8, a.devfn, 0x3a));
	cr_assert(eq(u16, a.reg, 0x9fc)); /* extended config space */

	a = pci_decode_ecam(LAYOUT_ECAM_SIZE - 1);
	cr_assert(a.valid);
	cr_assert(eq(u8, a.bus, 0xff));
	cr_assert(eq(u8, a.devfn, 0xff));
	cr_assert(eq(u16, a.reg, 0xfff));

	a = pci_decode_ecam(LAYOUT_ECAM_SIZE);
	cr_assert_not(a.valid);
}

/* ---- host bridge through both mechanisms ---- */

Test(pci, host_bridge_through_cf8_cfc)
{
	fx_pio_write(CF8, 4, 0x80000000u, NULL);
	cr_assert(eq(u32, fx_pio_read(CF8, 4, NULL), 0x80000000u));
	cr_assert(eq(u32, fx_pio_read(CFC, 4, NULL), 0x00081b36u));
	/* Class code 06/00/00 (host bridge) in the top three bytes of 0x08. */
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x08, 4) >> 8, 0x060000));
	/* Header type 0. */
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x0e, 1), 0));
}

Test(pci, host_bridge_through_ecam)
{
	bool served = false;

	cr_assert(eq(u64, fx_mmio_read(LAYOUT_ECAM_BASE, 4, &served), 0x00081b36u));
	cr_assert(served);
	cr_assert(eq(u64, fx_mmio_read(LAYOUT_ECAM_BASE + 2, 2, NULL), 0x0008));
	cr_assert(eq(u64, fx_mmio_read(LAYOUT_ECAM_BASE + 0x0b, 1, NULL), 0x06));
}

Test(pci, sub_dword_reads_at_cfc_offsets)
{
	fx_pio_write(CF8, 4, 0x80000000u, NULL);
	cr_assert(eq(u32, fx_pio_read(CFC + 0, 1, NULL), 0x36));
	cr_assert(eq(u32, fx_pio_read(CFC + 1, 1, NULL), 0x1b));
	cr_assert(eq(u32, fx_pio_read(CFC + 2, 1, NULL), 0x08));
	cr_assert(eq(u32, fx_pio_read(CFC + 3, 1, NULL), 0x00));
	cr_assert(eq(u32, fx_pio_read(CFC + 0, 2, NULL), 0x1b36));
	cr_assert(eq(u32, fx_pio_read(CFC + 2, 2, NULL), 0x0008));
	/* Misaligned word: no config cycle, all ones. */
	cr_assert(eq(u32, fx_pio_read(CFC + 1, 2, NULL), 0xffff));
}

Test(pci, cf8_latch_is_dword_only)
{
	fx_pio_write(CF8, 4, 0x80000000u, NULL);
	/* A byte write to 0xcfb (as Linux's type-1 probe does) changes nothing. */
	fx_pio_write(CF8 + 3, 1, 0x01, NULL);
	cr_assert(eq(u32, fx_pio_read(CF8, 4, NULL), 0x80000000u));
	cr_assert(eq(u32, fx_pio_read(CF8 + 1, 1, NULL), 0xff));
}

Test(pci, absent_devices_read_all_ones)
{
	cr_assert(eq(u32, cfg_read_cf8(0, 5, 0, 0, 4), 0xffffffffu));
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 1, 0, 2), 0xffff));
	cr_assert(eq(u32, cfg_read_cf8(1, 0, 0, 0, 4), 0xffffffffu));
	cr_assert(eq(u32, cfg_read_cf8(0, 5, 0, 0, 1), 0xff));
	cr_assert(eq(u64, fx_mmio_read(ecam(0, 5 << 3, 0), 4, NULL), 0xffffffffu));
	cr_assert(eq(u64, fx_mmio_read(ecam(3, 0, 0), 4, NULL), 0xffffffffu));
	/* CF8 enable bit clear: no config cycle, even for the host bridge. */
	fx_pio_write(CF8, 4, 0x00000000u, NULL);
	cr_assert(eq(u32, fx_pio_read(CFC, 4, NULL), 0xffffffffu));
}

Test(pci, vendor_and_device_id_read_only)
{
	cfg_write_cf8(0, 0, 0, 0x00, 4, 0x12345678u);
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x00, 4), 0x00081b36u));
	fx_mmio_write(ecam(0, 0, 0), 2, 0xbeef, NULL);
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x00, 4), 0x00081b36u));
	/* Class code is read-only too; interrupt line is writable. */
	cfg_write_cf8(0, 0, 0, 0x08, 4, 0xffffffffu);
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x08, 4), 0x06000000u));
	cfg_write_cf8(0, 0, 0, 0x3c, 1, 0x0b);
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x3c, 1), 0x0b));
}

Test(pci, command_register_writable_bits)
{
	cfg_write_cf8(0, 0, 0, 0x04, 2, 0xffff);
	/* IO | MEM | MASTER | INTX_DISABLE only. */
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x04, 2), 0x0407));
}

/* ---- a function with BARs ---- */

static struct pci_func fn;
static struct bar_dev mem_dev;

/* BAR0: 4 KiB MMIO, emulated. BAR1: 256-byte I/O, emulated.
 * BAR2/3: 16 KiB 64-bit MMIO without ops (passthrough-style). */
static void add_test_func(void)
{
	memset(&mem_dev, 0, sizeof(mem_dev));
	pci_func_init(&fn, 0x1af4, 0x1234, 0x020000, "testdev");
	cr_assert(eq(int, pci_func_set_bar(&fn, 0, 0x1000, false, false), 0));
	cr_assert(eq(int, pci_func_set_bar(&fn, 1, 0x100, true, false), 0));
	cr_assert(eq(int, pci_func_set_bar(&fn, 2, 0x4000, false, true), 0));
	fn.bar[0].ops = &bar_ops;
	fn.bar[1].ops = &bar_ops;
	/* The core registers every emulated BAR with the function's opaque. */
	fn.opaque = &mem_dev;
	cr_assert(eq(int, pci_host_add(&fx_vm.pci, &fn, -1), 0));
}

Test(pci, add_takes_first_free_slot)
{
	static struct pci_func other;

	add_test_func();
	cr_assert(eq(u8, fn.devfn, 1 << 3));
	cr_assert(eq(ptr, fx_vm.pci.funcs[8], &fn));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0, 4), 0x12341af4u));
	cr_assert(eq(u32, fx_mmio_read(ecam(0, 8, 0), 4, NULL), 0x12341af4u));
	/* Slot 0 is the bridge: explicit devfn 0 is busy. */
	pci_func_init(&other, 0x1af4, 1, 0, "other");
	cr_assert(eq(int, pci_host_add(&fx_vm.pci, &other, 0), -EBUSY));
	cr_assert(eq(int, pci_host_add(&fx_vm.pci, &other, -1), 0));
	cr_assert(eq(u8, other.devfn, 2 << 3));
}

Test(pci, bar_sizing_returns_mask_with_flags)
{
	add_test_func();
	cfg_write_cf8(0, 1, 0, 0x10, 4, 0xffffffffu);
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x10, 4), 0xfffff000u));
	cfg_write_cf8(0, 1, 0, 0x14, 4, 0xffffffffu);
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x14, 4), 0xffffff01u));
	cfg_write_cf8(0, 1, 0, 0x18, 4, 0xffffffffu);
	cfg_write_cf8(0, 1, 0, 0x1c, 4, 0xffffffffu);
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x18, 4), 0xffffc004u));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x1c, 4), 0xffffffffu));
	/* Unimplemented BARs read 0 and ignore writes. */
	cfg_write_cf8(0, 1, 0, 0x20, 4, 0xffffffffu);
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x20, 4), 0));
}

Test(pci, bars_get_firmware_addresses)
{
	add_test_func();
	/* The bridge has no BARs, so this function's come first. */
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x10, 4), (uint32_t)LAYOUT_MMIO32_BASE));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x14, 4), LAYOUT_PIO_PCI_BASE | 1));
	/* 16 KiB aligned after the 4 KiB BAR0, 64-bit type flag kept. */
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x18, 4),
		     (uint32_t)(LAYOUT_MMIO32_BASE + 0x4000) | 4));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x1c, 4), 0));
	for (int i = 0; i < 3; i++) {
		cr_assert(fn.bar[i].addr >= (i == 1 ? LAYOUT_PIO_PCI_BASE : LAYOUT_MMIO32_BASE));
		cr_assert(fn.bar[i].addr + fn.bar[i].size <=
			  (i == 1 ? LAYOUT_PIO_PCI_BASE + LAYOUT_PIO_PCI_SIZE
				  : LAYOUT_MMIO32_BASE + LAYOUT_MMIO32_SIZE));
		cr_assert(fn.bar[i].mapped, "BAR%d not mapped", i);
	}
	/* Firmware leaves decoding on. */
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x04, 2) & 3, 3));
}

Test(pci, emulated_bars_reach_their_ops)
{
	bool served = false;

	add_test_func();
	cr_assert(eq(u64, fx_mmio_read(LAYOUT_MMIO32_BASE + 0x24, 4, &served),
		     0xd0d00024u));
	cr_assert(served);
	cr_assert(eq(int, mem_dev.reads, 1));
	cr_assert(eq(u64, mem_dev.last_off, 0x24));
	fx_mmio_write(LAYOUT_MMIO32_BASE + 0xffc, 4, 0xcafef00d, &served);
	cr_assert(served);
	cr_assert(eq(int, mem_dev.writes, 1));
	cr_assert(eq(u64, mem_dev.last_off, 0xffc));
	cr_assert(eq(u32, mem_dev.last_val, 0xcafef00d));
	/* Past the BAR's end: nothing there. */
	fx_mmio_read(LAYOUT_MMIO32_BASE + 0x1000, 4, &served);
	cr_assert_not(served);

	/* The I/O BAR is on the PIO bus. */
	cr_assert(eq(u32, fx_pio_read(LAYOUT_PIO_PCI_BASE + 0x10, 2, &served), 0x0010));
	cr_assert(served);
	cr_assert(eq(int, mem_dev.reads, 2));
	/* The BAR without ops puts nothing on the bus. */
	fx_mmio_read(LAYOUT_MMIO32_BASE + 0x4000, 4, &served);
	cr_assert_not(served);
}

Test(pci, sizing_unmaps_and_restoring_remaps)
{
	bool served = true;

	add_test_func();
	cfg_write_cf8(0, 1, 0, 0x10, 4, 0xffffffffu);
	fx_mmio_read(LAYOUT_MMIO32_BASE, 4, &served);
	cr_assert_not(served, "BAR0 still decodes while being sized");
	cr_assert_not(fn.bar[0].mapped);
	cfg_write_cf8(0, 1, 0, 0x10, 4, (uint32_t)LAYOUT_MMIO32_BASE);
	fx_mmio_read(LAYOUT_MMIO32_BASE, 4, &served);
	cr_assert(served);
}

Test(pci, moving_a_bar_moves_the_bus_region)
{
	const uint64_t new_addr = LAYOUT_MMIO32_BASE + 0x100000;
	bool served = true;

	add_test_func();
	cfg_write_cf8(0, 1, 0, 0x10, 4, (uint32_t)new_addr);
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x10, 4), (uint32_t)new_addr));
	cr_assert(eq(u64, fn.bar[0].addr, new_addr));
	fx_mmio_read(LAYOUT_MMIO32_BASE + 0x10, 4, &served);
	cr_assert_not(served, "old BAR address still decodes");
	cr_assert(eq(u64, fx_mmio_read(new_addr + 0x10, 4, &served), 0xd0d00010u));
	cr_assert(served);
	cr_assert(eq(u64, mem_dev.last_off, 0x10));

	/* Unaligned addresses are masked down to the BAR size. */
	cfg_write_cf8(0, 1, 0, 0x10, 4, (uint32_t)new_addr + 0x2345);
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x10, 4), (uint32_t)new_addr + 0x2000));
	fx_mmio_read(new_addr + 0x2000, 4, &served);
	cr_assert(served);

	/* The I/O BAR moves on the PIO bus. */
	cfg_write_cf8(0, 1, 0, 0x14, 4, 0xd000);
	fx_pio_read(LAYOUT_PIO_PCI_BASE, 1, &served);
	cr_assert_not(served);
	fx_pio_read(0xd0ff, 1, &served);
	cr_assert(served);
}

Test(pci, command_register_gates_decoding)
{
	bool served = true;

	add_test_func();
	/* Memory off, I/O on. */
	cfg_write_cf8(0, 1, 0, 0x04, 2, 0x1);
	fx_mmio_read(LAYOUT_MMIO32_BASE, 4, &served);
	cr_assert_not(served, "MMIO BAR decodes with the memory bit clear");
	cr_assert_not(fn.bar[0].mapped);
	fx_pio_read(LAYOUT_PIO_PCI_BASE, 1, &served);
	cr_assert(served);
	/* I/O off too. */
	cfg_write_cf8(0, 1, 0, 0x04, 2, 0x0);
	fx_pio_read(LAYOUT_PIO_PCI_BASE, 1, &served);
	cr_assert_not(served);
	/* Both back on, through ECAM this time. */
	fx_mmio_write(ecam(0, 8, 0x04), 2, 0x3, NULL);
	fx_mmio_read(LAYOUT_MMIO32_BASE, 4, &served);
	cr_assert(served);
	fx_pio_read(LAYOUT_PIO_PCI_BASE, 1, &served);
	cr_assert(served);
}

/* bar_update is told about every change. */
struct update_log {
	int calls;
	int bar;
	uint64_t addr;
	bool enable;
	int fail; /* return -EIO this many times */
};

static struct update_log ulog;

static int log_bar_update(struct pci_func *f, int bar, uint64_t addr, bool enable)
{
	(void)f;
	ulog.calls++;
	ulog.bar = bar;
	ulog.addr = addr;
	ulog.enable = enable;
	if (ulog.fail) {
		ulog.fail--;
		return -EIO;
	}
	return 0;
}

static const struct pci_func_ops update_ops = { .bar_update = log_bar_update };

Test(pci, bar_update_callback_follows_the_guest)
{
	static struct pci_func f;

	memset(&ulog, 0, sizeof(ulog));
	pci_func_init(&f, 0x8086, 0x10fb, 0x020000, "vf");
	cr_assert(eq(int, pci_func_set_bar(&f, 0, 0x10000, false, true), 0));
	f.ops = &update_ops;
	cr_assert(eq(int, pci_host_add(&fx_vm.pci, &f, 0x18), 0));
	cr_assert(eq(int, ulog.calls, 1));
	cr_assert(eq(int, ulog.bar, 0));
	cr_assert(eq(u64, ulog.addr, LAYOUT_MMIO32_BASE));
	cr_assert(ulog.enable);

	/* Move it above 4 GiB through the high dword. */
	cfg_write_cf8(0, 3, 0, 0x14, 4, 0x1);
	cr_assert(eq(int, ulog.calls, 2));
	cr_assert(eq(u64, ulog.addr, 0x1c0000000ULL));
	cr_assert(eq(u64, f.bar[0].addr, 0x1c0000000ULL));

	cfg_write_cf8(0, 3, 0, 0x04, 2, 0);
	cr_assert(eq(int, ulog.calls, 3));
	cr_assert_not(ulog.enable);
	cr_assert(eq(u64, ulog.addr, 0));
}

/*
 * A BAR with emulated ops and a bar_update callback that fails: the core
 * must not leave the region it just registered on the bus, or the BAR
 * decodes while the core believes it is unmapped (even with the memory bit
 * clear), and can never be mapped again (-EBUSY against its own region).
 */
Test(pci, failed_bar_update_leaves_no_stale_region)
{
	static struct pci_func f;
	static struct bar_dev d;
	bool served;

	memset(&ulog, 0, sizeof(ulog));
	ulog.fail = 1;
	pci_func_init(&f, 0x1af4, 0x1000, 0x020000, "flaky");
	cr_assert(eq(int, pci_func_set_bar(&f, 0, 0x1000, false, false), 0));
	f.bar[0].ops = &bar_ops;
	f.ops = &update_ops;
	f.opaque = &d;
	cr_assert(eq(int, pci_host_add(&fx_vm.pci, &f, -1), 0));
	cr_assert(eq(int, ulog.calls, 1));
	cr_assert_not(f.bar[0].mapped);

	/* Decoding off: nothing may answer at the BAR address. */
	cfg_write_cf8(0, 1, 0, 0x04, 2, 0);
	served = false;
	fx_mmio_read(LAYOUT_MMIO32_BASE, 4, &served);
	cr_assert_not(served, "BAR decodes after a failed bar_update, memory bit clear");

	/* Decoding on again, bar_update succeeds now: the BAR must map. */
	cfg_write_cf8(0, 1, 0, 0x04, 2, 0x2);
	cr_assert(f.bar[0].mapped, "BAR cannot be mapped again after a failed bar_update");
}

/* ---- capabilities ---- */

Test(pci, capability_chain)
{
	static struct pci_func f;
	const uint8_t msi[8] = { 0x05, 0xaa, 0x80, 0x00, 1, 2, 3, 4 };
	const uint8_t vndr[6] = { 0x09, 0x55, 6, 7, 8, 9 };
	const uint8_t pm[8] = { 0x01, 0x00, 0x03, 0x00 };

	pci_func_init(&f, 0x1af4, 0x1041, 0x020000, "caps");
	cr_assert(eq(int, pci_func_add_cap(&f, msi, sizeof(msi)), 0x40));
	cr_assert(eq(int, pci_func_add_cap(&f, vndr, sizeof(vndr)), 0x48));
	/* 0x48 + 6 rounds up to 0x50. */
	cr_assert(eq(int, pci_func_add_cap(&f, pm, sizeof(pm)), 0x50));
	cr_assert(eq(int, pci_host_add(&fx_vm.pci, &f, -1), 0));

	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x06, 2) & 0x10, 0x10));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x34, 1), 0x40));
	/* ID, then the next pointer the core wrote over the caller's byte. */
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x40, 2), 0x4805));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x44, 4), 0x04030201));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x48, 2), 0x5009));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x50, 2), 0x0001));
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x52, 2), 0x0003));
	/* Same through ECAM. */
	cr_assert(eq(u64, fx_mmio_read(ecam(0, 8, 0x49), 1, NULL), 0x50));

	/* Capabilities are read-only to the guest. */
	cfg_write_cf8(0, 1, 0, 0x40, 4, 0xffffffffu);
	cr_assert(eq(u32, cfg_read_cf8(0, 1, 0, 0x40, 2), 0x4805));
}

Test(pci, no_capabilities_no_status_bit)
{
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x06, 2) & 0x10, 0));
	cr_assert(eq(u32, cfg_read_cf8(0, 0, 0, 0x34, 1), 0));
}

Test(pci_decode, capability_errors)
{
	static struct pci_func f;
	uint8_t big[0xc0] = { 0x10 };

	pci_func_init(&f, 1, 2, 0, "f");
	cr_assert(eq(int, pci_func_add_cap(&f, big, 1), -EINVAL));
	cr_assert(eq(int, pci_func_add_cap(&f, big, sizeof(big)), 0x40));
	/* 0x100 is the end of standard config space. */
	cr_assert(eq(int, pci_func_add_cap(&f, big, 2), -ENOSPC));
	cr_assert(eq(u8, f.cfg[0x41], 0));
}

Test(pci_decode, set_bar_rejects_bad_arguments)
{
	static struct pci_func f;

	pci_func_init(&f, 1, 2, 0, "f");
	cr_assert(eq(int, pci_func_set_bar(&f, 6, 0x1000, false, false), -EINVAL));
	cr_assert(eq(int, pci_func_set_bar(&f, -1, 0x1000, false, false), -EINVAL));
	cr_assert(eq(int, pci_func_set_bar(&f, 0, 0x1800, false, false), -EINVAL));
	cr_assert(eq(int, pci_func_set_bar(&f, 0, 2, false, false), -EINVAL));
	cr_assert(eq(int, pci_func_set_bar(&f, 5, 0x1000, false, true), -EINVAL));
	cr_assert(eq(int, pci_func_set_bar(&f, 0, 0x100, true, true), -EINVAL));
	cr_assert(eq(int, pci_func_set_bar(&f, 0, 1ULL << 32, false, false), -EINVAL));
	cr_assert(eq(int, pci_func_set_bar(&f, 0, 1ULL << 32, false, true), 0));
	cr_assert(eq(u8, f.cfg[0x10], 0x4));
}
