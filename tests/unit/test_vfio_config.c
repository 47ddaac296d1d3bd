/* SPDX-License-Identifier: MIT */
/*
 * vfio-backend/config.c on a fake device (fixture_vfio.h): the guest's
 * view of the header, the filtered capability list, MSI, pass-through of
 * everything else, the ROM BAR register.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "fixture_vfio.h"

/* The guest's capability list, as (offset, id) pairs; stops at 64. */
static int walk_caps(uint8_t *offs, uint8_t *ids)
{
	int n = 0;

	for (unsigned p = fxv_cfg_rd(0x34, 1); p && n < 64; p = fxv_cfg_rd(p + 1, 1)) {
		offs[n] = p;
		ids[n++] = fxv_cfg_rd(p, 1);
	}
	return n;
}

/* ---- config space only (vfio_config_init) ---- */

TestSuite(vfio_cfg, .init = fxv_config_setup, .fini = fxv_teardown);

Test(vfio_cfg, ops_and_name)
{
	cr_assert(eq(ptr, (void *)fxv_dev.func.ops, (void *)&vfio_pci_func_ops));
	cr_assert(eq(ptr, fxv_dev.func.opaque, &fxv_dev));
	cr_assert(eq(str, fxv_dev.func.name, "vfio-0000:00:03.0"));
}

Test(vfio_cfg, ids_come_from_the_device_and_are_read_only)
{
	cr_assert(eq(u32, fxv_cfg_rd(0x00, 4), 0x10d38086));
	cr_assert(eq(u32, fxv_cfg_rd(0x02, 2), 0x10d3));
	cr_assert(eq(u32, fxv_cfg_rd(0x08, 4), 0x02000003));
	cr_assert(eq(u32, fxv_cfg_rd(0x2c, 4), 0xa01f8086));
	fxv_cfg_wr(0x00, 4, 0xffffffff);
	fxv_cfg_wr(0x08, 4, 0);
	cr_assert(eq(u32, fxv_cfg_rd(0x00, 4), 0x10d38086));
	cr_assert(eq(u32, fxv_cfg_rd(0x08, 4), 0x02000003));
	/* Emulated: the device never saw the writes. */
	cr_assert(eq(u32, fxv_fd_read(0x00, 4), 0x10d38086));
	cr_assert(eq(u32, fxv_fd_read(0x08, 4), 0x02000003));
}

Test(vfio_cfg, bars_read_zero_without_vfio_regions)
{
	/* vfio_bars_init was not run (and could not learn sizes from a memfd):
	 * the device's BAR values must not leak to the guest. */
	for (unsigned off = 0x10; off < 0x28; off += 4) {
		cr_assert(eq(u32, fxv_cfg_rd(off, 4), 0), "BAR at 0x%x", off);
		fxv_cfg_wr(off, 4, 0xffffffff);
		cr_assert(eq(u32, fxv_cfg_rd(off, 4), 0), "BAR at 0x%x sizes as present", off);
	}
	cr_assert(eq(u32, fxv_fd_read(0x10, 4), 0xfebc0000), "BAR write reached the device");
}

Test(vfio_cfg, command_register_forwards_decode_master_and_intx_disable)
{
	cr_assert(eq(u32, fxv_cfg_rd(0x04, 2), 0), "command starts off for the guest");
	fxv_cfg_wr(0x04, 2, 0xffff);
	cr_assert(eq(u32, fxv_cfg_rd(0x04, 2), 0x0407));
	/* The device keeps its own bits (SERR#) and gets the guest's. */
	cr_assert(eq(u32, fxv_fd_read(0x04, 2), 0x0507));
	fxv_cfg_wr(0x04, 2, 0x0004);
	cr_assert(eq(u32, fxv_cfg_rd(0x04, 2), 0x0004));
	cr_assert(eq(u32, fxv_fd_read(0x04, 2), 0x0104));
	/* A dword write to command+status forwards the command too. */
	fxv_cfg_wr(0x04, 4, 0xffff0002);
	cr_assert(eq(u32, fxv_fd_read(0x04, 2), 0x0102));
}

Test(vfio_cfg, capability_list_skips_vendor_specific)
{
	uint8_t offs[64], ids[64];
	int n = walk_caps(offs, ids);

	cr_assert(eq(int, n, 4), "%d capabilities visible", n);
	cr_assert(eq(u8, offs[0], CAP_PM));
	cr_assert(eq(u8, ids[0], 0x01));
	cr_assert(eq(u8, offs[1], CAP_MSI), "PM links to 0x%x", offs[1]);
	cr_assert(eq(u8, ids[1], 0x05));
	cr_assert(eq(u8, offs[2], CAP_EXP));
	cr_assert(eq(u8, ids[2], 0x10));
	cr_assert(eq(u8, offs[3], CAP_MSIX));
	cr_assert(eq(u8, ids[3], 0x11));
	cr_assert(eq(u32, fxv_cfg_rd(0x06, 2) & 0x10, 0x10), "status lost the capability bit");
	/* A 16-bit read of a header mixes the device's ID with our link. */
	cr_assert(eq(u32, fxv_cfg_rd(CAP_PM, 2), 0x01u | CAP_MSI << 8));
}

Test(vfio_cfg, hidden_capability_bytes_pass_through)
{
	static const uint32_t live = 0x12345678;

	cr_assert(eq(u32, fxv_cfg_rd(CAP_VNDR, 4), 0x000c0009u | CAP_MSI << 8));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_VNDR + 4, 4), 0xdeadbeef));
	/* Read live from the device, not from a snapshot. */
	fxv_fd_write(CAP_VNDR + 4, &live, 4);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_VNDR + 4, 4), live));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_VNDR + 5, 1), 0x56));
	/* And written to it. */
	fxv_cfg_wr(CAP_VNDR + 4, 2, 0xabcd);
	cr_assert(eq(u32, fxv_fd_read(CAP_VNDR + 4, 4), 0x1234abcd));
}

Test(vfio_cfg, kept_capability_body_passes_through_but_links_do_not)
{
	cr_assert(eq(u32, fxv_cfg_rd(CAP_PM + 2, 2), 0xc823));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_PM + 4, 2), 0x0008));
	fxv_cfg_wr(CAP_PM + 4, 2, 0x0003);                 /* D3hot */
	cr_assert(eq(u32, fxv_fd_read(CAP_PM + 4, 2), 0x0003));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_PM + 4, 2), 0x0003));
	/* The link is ours: not writable, not forwarded. */
	fxv_cfg_wr(CAP_PM + 1, 1, CAP_VNDR);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_PM + 1, 1), CAP_MSI));
	cr_assert(eq(u32, fxv_fd_read(CAP_PM + 1, 1), CAP_VNDR));
	/* PCIe capability registers come from the device. */
	cr_assert(eq(u32, fxv_cfg_rd(CAP_EXP + 4, 4), 0x00008cc1));
}

Test(vfio_cfg, writes_to_plain_bytes_reach_the_device)
{
	/* 0xa0-0xff: outside every capability. */
	fxv_cfg_wr(0xa0, 4, 0xcafef00d);
	fxv_cfg_wr(0xfe, 2, 0x5aa5);
	fxv_cfg_wr(0xc1, 1, 0x77);
	cr_assert(eq(u32, fxv_fd_read(0xa0, 4), 0xcafef00d));
	cr_assert(eq(u32, fxv_fd_read(0xfe, 2), 0x5aa5));
	cr_assert(eq(u32, fxv_fd_read(0xc1, 1), 0x77));
	cr_assert(eq(u32, fxv_cfg_rd(0xa0, 4), 0xcafef00d));
	cr_assert(eq(u32, fxv_cfg_rd(0xfc, 4), 0x5aa50000));
}

Test(vfio_cfg, extended_config_reads_zero)
{
	cr_assert(eq(u32, fxv_fd_read(0x100, 4), 0x14010001), "fixture lost the AER header");
	cr_assert(eq(u32, fxv_cfg_rd(0x100, 4), 0), "extended capabilities leak to the guest");
	cr_assert(eq(u32, fxv_cfg_rd(0x102, 2), 0));
	cr_assert(eq(u32, fxv_cfg_rd(0xffc, 4), 0));
	fxv_cfg_wr(0x100, 4, 0);
	cr_assert(eq(u32, fxv_fd_read(0x100, 4), 0x14010001), "extended write reached the device");
}

Test(vfio_cfg, interrupt_line_is_emulated_and_pin_follows_vfio)
{
	fxv_cfg_wr(0x3c, 1, 0x0a);
	cr_assert(eq(u32, fxv_cfg_rd(0x3c, 1), 0x0a));
	cr_assert(eq(u32, fxv_fd_read(0x3c, 1), 11), "interrupt line reached the device");
	cr_assert(eq(u32, fxv_cfg_rd(0x3d, 1), 1));
	/* VFIO reports no INTx (the ioctl fails): none offered. */
	cr_assert(eq(int, vfio_intx_init(&fxv_dev), 0));
	cr_assert(eq(u32, fxv_cfg_rd(0x3d, 1), 0));
	cr_assert(eq(int, fxv_dev.intx.gsi, -1));
}

Test(vfio_cfg, rom_bar_absent_reads_zero)
{
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), 0), "no ROM region, yet a ROM BAR");
	fxv_cfg_wr(0x30, 4, 0xfffff800);
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), 0));
	cr_assert(eq(u32, fxv_fd_read(0x30, 4), 0xfeb80000), "ROM BAR write reached the device");
}

Test(vfio_cfg, rom_bar_off_reads_zero)
{
	fxv_dev.rom_region.size = ROM_SIZE;
	fxv_dev.rom_region.offset = ROM_OFF;
	fxv_dev.opts.rombar_off = true;
	fxv_cfg_wr(0x30, 4, 0xfffff800);
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), 0));
	fxv_cfg_wr(0x30, 4, ROM_GPA | 1);
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), 0));
	cr_assert_not(fxv_dev.rom_mapped);
}

Test(vfio_cfg, rom_bar_sizes_like_the_region)
{
	fxv_dev.rom_region.size = ROM_SIZE;
	fxv_dev.rom_region.offset = ROM_OFF;
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), 0));
	fxv_cfg_wr(0x30, 4, 0xfffff800);
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), (uint32_t)~(ROM_SIZE - 1)));
	fxv_cfg_wr(0x30, 4, 0xffffffff);
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), (uint32_t)~(ROM_SIZE - 1) | 1));
	/* Byte writes build the register up. */
	fxv_cfg_wr(0x30, 4, 0);
	fxv_cfg_wr(0x33, 1, 0xfd);
	fxv_cfg_wr(0x32, 1, 0x12);
	cr_assert(eq(u32, fxv_cfg_rd(0x30, 4), 0xfd120000));
}

/* ---- MSI ---- */

Test(vfio_cfg, msi_offers_one_vector)
{
	/* 64-bit and maskable kept; MMC/MME 0; disabled. */
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 2, 2), 0x0180));
	fxv_cfg_wr(CAP_MSI + 2, 2, 0xffff);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 2, 2), 0x0181), "only enable is writable");
	fxv_cfg_wr(CAP_MSI + 2, 2, 0x0070);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 2, 2), 0x0180), "MME must stay 0");
	cr_assert(fxv_dev.msi.is64);
	cr_assert(fxv_dev.msi.maskable);
}

Test(vfio_cfg, msi_message_registers)
{
	fxv_cfg_wr(CAP_MSI + 4, 4, 0xfee0100f);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 4, 4), 0xfee0100c), "address bits 1:0 are reserved");
	fxv_cfg_wr(CAP_MSI + 8, 4, 0x87654321);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 8, 4), 0x87654321));
	fxv_cfg_wr(CAP_MSI + 12, 4, 0xffffffff);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 12, 4), 0x0000ffff), "data is 16 bits");
	fxv_cfg_wr(CAP_MSI + 16, 4, 0xffffffff);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 16, 4), 1), "one vector: one mask bit");
	/* Pending bits are read-only. */
	fxv_cfg_wr(CAP_MSI + 20, 4, 0);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 20, 4), 1));
	/* None of it reached the device. */
	cr_assert(eq(u32, fxv_fd_read(CAP_MSI + 4, 4), 0xfee00000));
	cr_assert(eq(u32, fxv_fd_read(CAP_MSI + 8, 4), 0));
	cr_assert(eq(u32, fxv_fd_read(CAP_MSI + 16, 4), 0));
}

Test(vfio_cfg, msi_enable_routes_the_message)
{
	const struct kvm_irq_routing_entry *e;

	fxv_cfg_wr(CAP_MSI + 4, 4, 0xfee02000);
	fxv_cfg_wr(CAP_MSI + 12, 2, 0x0041);
	cr_assert_null(fxv_msi_route(fxv_dev.msi.vec.gsi), "routed while disabled");
	fxv_cfg_wr(CAP_MSI + 2, 2, 0x0001);
	/* The vector exists and its route holds the guest's message; VFIO
	 * (a memfd) refused the eventfd, so MSI is not on at the device. */
	cr_assert(ge(int, fxv_dev.msi.vec.gsi, 24));
	cr_assert(ge(int, fxv_dev.msi.vec.efd, 0));
	cr_assert_not(fxv_dev.msi.irqs_on);
	e = fxv_msi_route(fxv_dev.msi.vec.gsi);
	cr_assert_not_null(e, "no route for GSI %d", fxv_dev.msi.vec.gsi);
	cr_assert(eq(u32, e->u.msi.address_lo, 0xfee02000));
	cr_assert(eq(u32, e->u.msi.address_hi, 0));
	cr_assert(eq(u32, e->u.msi.data, 0x41));
	/* A new data value while enabled re-routes. */
	fxv_cfg_wr(CAP_MSI + 12, 2, 0x0042);
	e = fxv_msi_route(fxv_dev.msi.vec.gsi);
	cr_assert_not_null(e);
	cr_assert(eq(u32, e->u.msi.data, 0x42));
	/* Masked: the route is left alone. */
	fxv_cfg_wr(CAP_MSI + 16, 4, 1);
	fxv_cfg_wr(CAP_MSI + 12, 2, 0x0043);
	e = fxv_msi_route(fxv_dev.msi.vec.gsi);
	cr_assert_not_null(e);
	cr_assert(eq(u32, e->u.msi.data, 0x42));
	/* Unmasked: what was written meanwhile is routed. */
	fxv_cfg_wr(CAP_MSI + 16, 4, 0);
	e = fxv_msi_route(fxv_dev.msi.vec.gsi);
	cr_assert_not_null(e);
	cr_assert(eq(u32, e->u.msi.data, 0x43));
	fxv_cfg_wr(CAP_MSI + 2, 2, 0);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 2, 2), 0x0180));
}

/* PCI allows a dword access at the capability's start, covering ID, next
 * and Message Control: enabling MSI that way must set up the vector just
 * like a word write to Message Control does. */
Test(vfio_cfg, msi_enable_by_dword_write_at_capability_start)
{
	fxv_cfg_wr(CAP_MSI + 4, 4, 0xfee02000);
	fxv_cfg_wr(CAP_MSI + 12, 2, 0x0041);
	fxv_cfg_wr(CAP_MSI, 4, 0x00010000);
	cr_assert(eq(u32, fxv_cfg_rd(CAP_MSI + 2, 2), 0x0181), "enable bit not stored");
	cr_assert_not_null(fxv_msi_route(fxv_dev.msi.vec.gsi),
			   "MSI enabled by a dword write at 0x%x, but its message was never routed",
			   CAP_MSI);
	cr_assert(eq(u32, fxv_msi_route(fxv_dev.msi.vec.gsi)->u.msi.data, 0x41));
}

/* ---- MSI-X without its BAR ---- */

Test(vfio_cfg, msix_needs_its_table_bar)
{
	/* Config only: VFIO gave no BAR0, so the table has nowhere to live. */
	cr_assert(eq(int, fxv_dev.msix.cap, CAP_MSIX));
	cr_assert(eq(int, vfio_msix_init(&fxv_dev), -EINVAL));
	/* A table BIR past the last BAR is refused too. */
	fxv_img[CAP_MSIX + 4] = 0x06;
	fxv_reopen();
	fxv_fake_bar0();
	cr_assert(eq(int, vfio_msix_init(&fxv_dev), -EINVAL));
}

Test(vfio_cfg, msix_table_must_fit_the_bar)
{
	fxv_put32(&fxv_img[CAP_MSIX + 4], BAR0_SIZE - 0x20); /* 4 entries = 0x40 bytes */
	fxv_reopen();
	fxv_fake_bar0();
	cr_assert(eq(int, vfio_msix_init(&fxv_dev), -EINVAL));
	fxv_put32(&fxv_img[CAP_MSIX + 4], BAR0_SIZE - 0x40);
	fxv_reopen();
	fxv_fake_bar0();
	cr_assert(eq(int, vfio_msix_init(&fxv_dev), 0));
}

/* ---- other capability chains ---- */

Test(vfio_cfg, no_kept_capability_clears_the_status_bit)
{
	fxv_default_image();
	fxv_img[0x34] = CAP_VNDR;
	fxv_img[CAP_VNDR + 1] = 0;
	fxv_reopen();
	cr_assert(eq(u32, fxv_cfg_rd(0x34, 1), 0));
	cr_assert(eq(u32, fxv_cfg_rd(0x06, 2) & 0x10, 0));
	cr_assert(eq(int, fxv_dev.msi.cap, 0));
	cr_assert(eq(int, fxv_dev.msix.cap, 0));
	/* The hidden capability is still there by offset. */
	cr_assert(eq(u32, fxv_cfg_rd(CAP_VNDR, 1), 0x09));
}

Test(vfio_cfg, pointer_low_bits_are_ignored)
{
	fxv_default_image();
	fxv_img[0x34] = CAP_PM | 3;
	fxv_img[CAP_PM + 1] = CAP_EXP | 2;
	fxv_img[CAP_EXP + 1] = 0;
	fxv_reopen();
	cr_assert(eq(u32, fxv_cfg_rd(0x34, 1), CAP_PM));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_PM + 1, 1), CAP_EXP));
	cr_assert(eq(u32, fxv_cfg_rd(CAP_EXP + 1, 1), 0));
}

Test(vfio_cfg, looping_capability_list_is_cut)
{
	uint8_t offs[64], ids[64];
	int n;

	/* PM -> MSI -> PCIe -> PM -> ... on the device. */
	fxv_default_image();
	fxv_img[CAP_PM + 1] = CAP_MSI;
	fxv_img[CAP_EXP + 1] = CAP_PM;
	fxv_reopen();
	n = walk_caps(offs, ids);
	cr_assert(lt(int, n, 64), "the guest's capability list loops");
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			cr_assert(ne(u8, offs[i], offs[j]), "0x%x listed twice", offs[i]);
	cr_assert(ge(int, n, 1));
	cr_assert(eq(u8, offs[0], CAP_PM));
}

Test(vfio_cfg, capability_pointing_into_the_header_ends_the_list)
{
	uint8_t offs[64], ids[64];

	fxv_default_image();
	fxv_img[CAP_PM + 1] = 0x10;                       /* into the BARs */
	fxv_reopen();
	cr_assert(eq(int, walk_caps(offs, ids), 1));
	cr_assert(eq(u8, offs[0], CAP_PM));
	cr_assert(eq(int, fxv_dev.msi.cap, 0));
}
