/* SPDX-License-Identifier: MIT */
/* irq-remap/msi.c: MSI address/data decoding, both formats. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "irq_remap.h"

TestSuite(msi);

static struct msi_decoded decode(uint32_t lo, uint32_t hi, uint32_t data)
{
	struct msi_msg m = { .addr_lo = lo, .addr_hi = hi, .data = data };
	struct msi_decoded d;

	memset(&d, 0xa5, sizeof(d)); /* every field must be written */
	cr_assert(eq(int, msi_decode(&m, &d), 0), "msi_decode(0x%08x, 0x%08x)", lo, data);
	return d;
}

Test(msi, compat_fixed_edge_physical)
{
	struct msi_decoded d = decode(0xfee03000u, 0, 0x0041);

	cr_assert_not(d.remappable);
	cr_assert(eq(u32, d.dest, 3));
	cr_assert(eq(u8, d.vector, 0x41));
	cr_assert(eq(u8, d.delivery, 0));
	cr_assert_not(d.level_trigger);
	cr_assert_not(d.dest_logical);
	cr_assert_not(d.redir_hint);
	cr_assert_not(d.shv);
	cr_assert(eq(u16, d.handle, 0));
}

Test(msi, compat_all_fields)
{
	/* dest 0xab, RH (bit 3), DM logical (bit 2); data: level, assert,
	 * lowest priority (1), vector 0xef. */
	struct msi_decoded d = decode(0xfeeab00cu, 0, 0xc1ef);

	cr_assert_not(d.remappable);
	cr_assert(eq(u32, d.dest, 0xab));
	cr_assert(d.redir_hint);
	cr_assert(d.dest_logical);
	cr_assert(eq(u8, d.vector, 0xef));
	cr_assert(eq(u8, d.delivery, 1));
	cr_assert(d.level_trigger);
}

Test(msi, compat_rh_and_dm_are_separate_bits)
{
	struct msi_decoded d = decode(0xfee00008u, 0, 0x30); /* RH only */

	cr_assert(d.redir_hint);
	cr_assert_not(d.dest_logical);
	d = decode(0xfee00004u, 0, 0x30);                     /* DM only */
	cr_assert_not(d.redir_hint);
	cr_assert(d.dest_logical);
}

Test(msi, compat_delivery_modes)
{
	cr_assert(eq(u8, decode(0xfee00000u, 0, 0x0400).delivery, 4)); /* NMI */
	cr_assert(eq(u8, decode(0xfee00000u, 0, 0x0200).delivery, 2)); /* SMI */
	cr_assert(eq(u8, decode(0xfee00000u, 0, 0x0700).delivery, 7)); /* ExtINT */
	/* Only data[15] selects level; data[14] (assert) alone does not. */
	cr_assert_not(decode(0xfee00000u, 0, 0x4030).level_trigger);
	/* Bits above 15 are ignored. */
	cr_assert(eq(u8, decode(0xfee00000u, 0, 0xffff0030u).vector, 0x30));
	cr_assert(eq(u32, decode(0xfeeff000u, 0, 0).dest, 0xff));
}

Test(msi, compat_extended_destination_in_addr_hi)
{
	struct msi_decoded d = decode(0xfee12000u, 0x00000300u, 0x30);

	cr_assert(eq(u32, d.dest, 0x312));
}

Test(msi, remappable_handle)
{
	/* handle[14:0] = addr[19:5] = 0x1234, handle[15] = addr[2]; bit 4 is
	 * the interrupt format. */
	struct msi_decoded d = decode(0xfee00000u | 0x1234u << 5 | 1u << 4, 0, 0xdead);

	cr_assert(d.remappable);
	cr_assert(eq(u16, d.handle, 0x1234));
	cr_assert_not(d.shv);

	d = decode(0xfee00000u | 0x7fffu << 5 | 1u << 4 | 1u << 2, 0, 0);
	cr_assert(eq(u16, d.handle, 0xffff));
	d = decode(0xfee00000u | 1u << 4 | 1u << 2, 0, 0);
	cr_assert(eq(u16, d.handle, 0x8000));
}

Test(msi, remappable_subhandle)
{
	/* SHV (bit 3): the IRTE index is handle + data[15:0]. */
	struct msi_decoded d = decode(0xfee00000u | 0x100u << 5 | 1u << 4 | 1u << 3, 0,
				      0xabcd0005u);

	cr_assert(d.remappable);
	cr_assert(d.shv);
	cr_assert(eq(u16, d.handle, 0x105));
	/* Without SHV data does not matter. */
	d = decode(0xfee00000u | 0x100u << 5 | 1u << 4, 0, 0x0005);
	cr_assert(eq(u16, d.handle, 0x100));
}

Test(msi, outside_interrupt_window)
{
	const uint32_t bad[] = { 0, 0xfed00000u, 0xfef00000u, 0xfec00000u,
				 0x7ee00000u, 0xffe00000u };
	struct msi_msg m = { 0 };
	struct msi_decoded d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.addr_lo = bad[i] | 0x3000;
		cr_assert(eq(int, msi_decode(&m, &d), -EINVAL), "0x%08x", m.addr_lo);
	}
	/* The top of the window is still inside. */
	m.addr_lo = 0xfeefffffu;
	cr_assert(eq(int, msi_decode(&m, &d), 0));
}
