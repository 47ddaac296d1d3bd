/* SPDX-License-Identifier: MIT */
/*
 * vfio-backend on the PCI bus, on a fake device (fixture_vfio.h): BAR0
 * placed by pci_host_add and trapped (MSI-X table and PBA pages, the rest
 * forwarded to the device), MSI-X control and vector routes, the ROM.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "fixture_vfio.h"

/* ---- on the PCI bus: BAR0 with the MSI-X table, ROM ---- */

TestSuite(vfio_dev, .init = fxv_device_setup, .fini = fxv_teardown);

/* Config accesses the way the guest makes them: ECAM, bus 0. */
static uint32_t ecam_rd(unsigned off, unsigned len)
{
	return fx_mmio_read(LAYOUT_ECAM_BASE + ((uint64_t)fxv_dev.func.devfn << 12) + off, len, NULL);
}

static void ecam_wr(unsigned off, unsigned len, uint32_t v)
{
	fx_mmio_write(LAYOUT_ECAM_BASE + ((uint64_t)fxv_dev.func.devfn << 12) + off, len, v, NULL);
}

static uint32_t mmio_rd(uint64_t addr, unsigned len, bool expect_served)
{
	bool served = !expect_served;
	uint32_t v = fx_mmio_read(addr, len, &served);

	cr_assert(eq(int, served, expect_served), "0x%llx %s", (unsigned long long)addr,
		  expect_served ? "not decoded" : "still decoded");
	return v;
}

Test(vfio_dev, placed_on_the_bus)
{
	cr_assert(eq(u32, ecam_rd(0x00, 4), 0x10d38086));
	cr_assert(eq(u32, ecam_rd(0x10, 4), (uint32_t)BAR0_GPA));
	cr_assert(eq(u32, ecam_rd(0x14, 4), 0), "BAR1 has no VFIO region");
	cr_assert(eq(u32, ecam_rd(0x04, 2) & 0x2, 0x2), "memory decode off after pci_host_add");
	/* BAR sizing through the guest's path. */
	ecam_wr(0x10, 4, 0xffffffff);
	cr_assert(eq(u32, ecam_rd(0x10, 4), (uint32_t)~(BAR0_SIZE - 1)));
	ecam_wr(0x10, 4, (uint32_t)BAR0_GPA);
	cr_assert(eq(u32, ecam_rd(0x3d, 1), 0), "INTx offered without VFIO INTx");
	cr_assert(eq(u32, ecam_rd(0x100, 4), 0));
}

Test(vfio_dev, msix_control_enable_and_mask_writable_size_read_only)
{
	cr_assert(eq(uint, fxv_dev.msix.st.nvec, 4));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSIX + 2, 2), 0x0003), "enable/mask not cleared for the guest");
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSIX + 4, 4), 0x2000));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSIX + 8, 4), 0x3000));
	fxv_cfg_wr(CAP_MSIX + 2, 2, 0x47ff);                  /* mask + size bits */
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSIX + 2, 2), 0x4003));
	cr_assert_not(fxv_dev.msix.st.enabled);
	cr_assert(fxv_dev.msix.st.func_masked);
	/* Enable: VFIO_DEVICE_SET_IRQS fails on the memfd; no crash, MSI-X
	 * stays off at the device, the vectors have their eventfds. */
	fxv_cfg_wr(CAP_MSIX + 2, 2, 0x8000);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSIX + 2, 2), 0x8003));
	cr_assert(fxv_dev.msix.st.enabled);
	cr_assert_not(fxv_dev.msix.st.func_masked);
	cr_assert_not(fxv_dev.msix.irqs_on);
	for (unsigned i = 0; i < 4; i++) {
		cr_assert(ge(int, fxv_dev.msix.vec[i].efd, 0), "vector %u has no eventfd", i);
		cr_assert(ge(int, fxv_dev.msix.vec[i].gsi, 24), "vector %u has no GSI", i);
	}
	/* Table/PBA location is read-only and not forwarded. */
	fxv_cfg_wr(CAP_MSIX + 4, 4, 0x1000);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSIX + 4, 4), 0x2000));
	cr_assert(eq(u32, fxv_fd_read(CAP_MSIX + 4, 4), 0x2000));
	fxv_cfg_wr(CAP_MSIX + 2, 2, 0);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSIX + 2, 2), 0x0003));
	cr_assert_not(fxv_dev.msix.st.enabled);
	/* The device's own control word was never written. */
	cr_assert(eq(u32, fxv_fd_read(CAP_MSIX + 2, 2), 0xc003));
}

Test(vfio_dev, msix_table_and_pba_trap)
{
	uint64_t tab = BAR0_GPA + 0x2000, pba = BAR0_GPA + 0x3000;

	for (unsigned v = 0; v < 4; v++)
		cr_assert(eq(u32, mmio_rd(tab + 16 * v + 12, 4, true), 1), "vector %u not masked", v);
	fx_mmio_write(tab + 16, 4, 0xfee01000, NULL);
	fx_mmio_write(tab + 16 + 8, 4, 0x51, NULL);
	fx_mmio_write(tab + 16 + 12, 4, 0, NULL);
	cr_assert(eq(u32, mmio_rd(tab + 16, 4, true), 0xfee01000));
	cr_assert(eq(u32, mmio_rd(tab + 16 + 8, 4, true), 0x51));
	cr_assert(eq(u32, mmio_rd(tab + 16 + 12, 4, true), 0));
	cr_assert(eq(u64, fx_mmio_read(tab + 16 + 8, 8, NULL), 0x51));
	/* Past the 4 entries, in the same trapped page: the device's BAR. */
	cr_assert(eq(u32, mmio_rd(tab + 64, 4, true), fxv_fd_read(BAR0_OFF + 0x2000 + 64, 4)));
	/* PBA: nothing pending; writes ignored. */
	cr_assert(eq(u64, fx_mmio_read(pba, 8, NULL), 0));
	fx_mmio_write(pba, 8, ~0ull, NULL);
	cr_assert(eq(u64, fx_mmio_read(pba, 8, NULL), 0));
	/* The device's copy of the table was never touched. */
	cr_assert(eq(u32, fxv_fd_read(BAR0_OFF + 0x2000 + 16, 4), 0));
}

Test(vfio_dev, rest_of_bar_goes_to_the_device)
{
	static const uint32_t reg = 0x0badcafe;

	fxv_fd_write(BAR0_OFF + 0x100, &reg, 4);
	cr_assert(eq(u32, mmio_rd(BAR0_GPA + 0x100, 4, true), reg));
	fx_mmio_write(BAR0_GPA + 0x1ffc, 4, 0x11223344, NULL);
	cr_assert(eq(u32, fxv_fd_read(BAR0_OFF + 0x1ffc, 4), 0x11223344));
	/* Nothing beyond the BAR. */
	mmio_rd(BAR0_GPA + BAR0_SIZE, 4, false);
}

Test(vfio_dev, bar_follows_the_guest)
{
	uint64_t moved = BAR0_GPA + 0x100000;

	ecam_wr(0x10, 4, (uint32_t)moved);
	mmio_rd(BAR0_GPA + 0x100, 4, false);
	mmio_rd(BAR0_GPA + 0x2000, 4, false);
	cr_assert(eq(u32, mmio_rd(moved + 0x2000 + 12, 4, true), 1));
	mmio_rd(moved + 0x100, 4, true);
	/* Memory decode off: nothing decoded; on again: back. */
	ecam_wr(0x04, 2, 0);
	mmio_rd(moved + 0x100, 4, false);
	mmio_rd(moved + 0x2000, 4, false);
	ecam_wr(0x04, 2, 0x2);
	mmio_rd(moved + 0x3000, 4, true);
	cr_assert(eq(u32, fxv_fd_read(0x04, 2) & 0x2, 0x2), "memory decode not forwarded");
}

/* With VFIO's eventfds accepted, an unmasked vector of an enabled table
 * routes the guest's message (into vm->gsi_routes; the commit to KVM
 * fails on the fixture VM). */
Test(vfio_dev, msix_vector_routes_its_message)
{
	uint64_t tab = BAR0_GPA + 0x2000;
	const struct kvm_irq_routing_entry *e;

	fxv_cfg_wr(CAP_MSIX + 2, 2, 0x8000);
	fxv_dev.msix.irqs_on = true;            /* as if VFIO_DEVICE_SET_IRQS worked */
	fx_mmio_write(tab + 32, 4, 0xfee03000, NULL);
	fx_mmio_write(tab + 32 + 4, 4, 0, NULL);
	fx_mmio_write(tab + 32 + 8, 4, 0x62, NULL);
	cr_assert_null(fxv_msi_route(fxv_dev.msix.vec[2].gsi), "routed while masked");
	fx_mmio_write(tab + 32 + 12, 4, 0, NULL);
	e = fxv_msi_route(fxv_dev.msix.vec[2].gsi);
	cr_assert_not_null(e, "unmasked vector 2 has no route");
	cr_assert(eq(u32, e->u.msi.address_lo, 0xfee03000));
	cr_assert(eq(u32, e->u.msi.data, 0x62));
	/* Retargeted while live. */
	fx_mmio_write(tab + 32 + 8, 4, 0x63, NULL);
	e = fxv_msi_route(fxv_dev.msix.vec[2].gsi);
	cr_assert_not_null(e);
	cr_assert(eq(u32, e->u.msi.data, 0x63));
	cr_assert_null(fxv_msi_route(fxv_dev.msix.vec[1].gsi), "a masked vector got a route");
}

/* ---- expansion ROM ---- */

static void rom_region(void)
{
	fxv_dev.rom_region.size = ROM_SIZE;
	fxv_dev.rom_region.offset = ROM_OFF;
}

Test(vfio_dev, rom_decodes_when_enabled)
{
	rom_region();
	ecam_wr(0x30, 4, 0xfffff800);
	cr_assert(eq(u32, ecam_rd(0x30, 4), (uint32_t)~(ROM_SIZE - 1)));
	ecam_wr(0x30, 4, (uint32_t)ROM_GPA);             /* placed, not enabled */
	mmio_rd(ROM_GPA, 2, false);
	ecam_wr(0x30, 4, (uint32_t)ROM_GPA | 1);
	cr_assert(eq(u32, ecam_rd(0x30, 4), (uint32_t)ROM_GPA | 1));
	cr_assert(eq(u32, mmio_rd(ROM_GPA, 2, true), 0xaa55));
	cr_assert(eq(u32, mmio_rd(ROM_GPA + 2, 1, true), 0x40));
	/* Read-only. */
	fx_mmio_write(ROM_GPA, 2, 0, NULL);
	cr_assert(eq(u32, fxv_fd_read(ROM_OFF, 2), 0xaa55));
	/* Moved, then disabled. */
	ecam_wr(0x30, 4, (uint32_t)(ROM_GPA + ROM_SIZE) | 1);
	mmio_rd(ROM_GPA, 2, false);
	cr_assert(eq(u32, mmio_rd(ROM_GPA + ROM_SIZE, 2, true), 0xaa55));
	ecam_wr(0x30, 4, (uint32_t)(ROM_GPA + ROM_SIZE));
	mmio_rd(ROM_GPA + ROM_SIZE, 2, false);
}

Test(vfio_dev, rom_off_never_decodes)
{
	rom_region();
	fxv_dev.opts.rombar_off = true;
	ecam_wr(0x30, 4, (uint32_t)ROM_GPA | 1);
	cr_assert(eq(u32, ecam_rd(0x30, 4), 0));
	mmio_rd(ROM_GPA, 2, false);
}

/* The ROM decodes only while both its enable bit and Memory Space are
 * set (PCI 3.0 6.2.5.2), and the guest may flip either first. */
Test(vfio_dev, rom_stops_decoding_when_memory_space_is_turned_off)
{
	rom_region();
	ecam_wr(0x30, 4, (uint32_t)ROM_GPA | 1);
	cr_assert(eq(u32, mmio_rd(ROM_GPA, 2, true), 0xaa55));
	ecam_wr(0x04, 2, 0);
	mmio_rd(ROM_GPA, 2, false);
}

Test(vfio_dev, rom_decodes_when_memory_space_is_turned_on_after_it)
{
	rom_region();
	ecam_wr(0x04, 2, 0);
	ecam_wr(0x30, 4, (uint32_t)ROM_GPA | 1);
	mmio_rd(ROM_GPA, 2, false);
	ecam_wr(0x04, 2, 0x2);
	cr_assert(eq(u32, mmio_rd(ROM_GPA, 2, true), 0xaa55));
}
