/* SPDX-License-Identifier: MIT */
/* irq-remap/msix.c: the guest's view of an MSI-X table and PBA. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "irq_remap.h"

/* Entry fields, as offsets inside a table entry (PCI 3.0 6.8.2.6). */
enum { ADDR_LO = 0, ADDR_HI = 4, DATA = 8, CTRL = 12 };

static struct msix_state st;

static void setup4(void)
{
	cr_assert(eq(int, msix_init(&st, 4), 0));
}

static void teardown(void)
{
	msix_free(&st);
}

static uint32_t rd32(unsigned vec, unsigned field)
{
	uint32_t v = 0;

	msix_table_read(&st, vec * MSIX_ENTRY_SIZE + field, &v, 4);
	return v;
}

static uint64_t rd64(uint64_t off)
{
	uint64_t v = 0;

	msix_table_read(&st, off, &v, 8);
	return v;
}

/* A dword write; returns what msix_table_write said, *vec set to a marker
 * first so "not written" is visible. */
static bool wr32(unsigned vec, unsigned field, uint32_t v, unsigned *which)
{
	unsigned dummy;

	if (!which)
		which = &dummy;
	*which = 0xdead;
	return msix_table_write(&st, vec * MSIX_ENTRY_SIZE + field, &v, 4, which);
}

static bool wr64(uint64_t off, uint64_t v, unsigned *which)
{
	unsigned dummy;

	if (!which)
		which = &dummy;
	*which = 0xdead;
	return msix_table_write(&st, off, &v, 8, which);
}

/* Enabled, function not masked, vector unmasked at 0xfee00000/vec. */
static void make_live(unsigned vec)
{
	st.enabled = true;
	st.func_masked = false;
	wr32(vec, ADDR_LO, 0xfee00000u, NULL);
	wr32(vec, DATA, 0x40 + vec, NULL);
	wr32(vec, CTRL, 0, NULL);
	cr_assert(msix_vector_live(&st, vec));
}

/* ---- init ---- */

TestSuite(msix_init, .fini = teardown);

Test(msix_init, all_vectors_start_masked)
{
	cr_assert(eq(int, msix_init(&st, 7), 0));
	cr_assert(eq(uint, st.nvec, 7));
	cr_assert_not(st.enabled);
	cr_assert_not(st.func_masked);
	for (unsigned v = 0; v < 7; v++) {
		cr_assert(eq(u32, rd32(v, CTRL), MSIX_CTRL_MASKED), "vector %u", v);
		cr_assert(eq(u32, rd32(v, ADDR_LO), 0));
		cr_assert(eq(u32, rd32(v, ADDR_HI), 0));
		cr_assert(eq(u32, rd32(v, DATA), 0));
	}
}

Test(msix_init, vector_count_limits)
{
	cr_assert(eq(int, msix_init(&st, 0), -EINVAL));
	cr_assert(eq(uint, st.nvec, 0));
	cr_assert_null(st.tab);
	cr_assert(eq(int, msix_init(&st, 2049), -EINVAL));
	cr_assert(eq(uint, st.nvec, 0));
	cr_assert(eq(int, msix_init(&st, 1), 0));
	msix_free(&st);
	/* The architectural maximum (table size field 0x7ff). */
	cr_assert(eq(int, msix_init(&st, 2048), 0));
	cr_assert(eq(u32, rd32(2047, CTRL), MSIX_CTRL_MASKED));
	msix_free(&st);
	cr_assert(eq(uint, st.nvec, 0));
	cr_assert_null(st.tab);
	cr_assert_null(st.pending);
	msix_free(&st); /* twice is harmless */
}

Test(msix_init, init_resets_previous_state)
{
	cr_assert(eq(int, msix_init(&st, 2), 0));
	st.enabled = st.func_masked = true;
	msix_free(&st);
	cr_assert(eq(int, msix_init(&st, 2), 0));
	cr_assert_not(st.enabled);
	cr_assert_not(st.func_masked);
}

/* ---- table reads ---- */

TestSuite(msix_table, .init = setup4, .fini = teardown);

Test(msix_table, dword_write_read_round_trip)
{
	wr32(2, ADDR_LO, 0xfee01000u, NULL);
	wr32(2, ADDR_HI, 0x12345678u, NULL);
	wr32(2, DATA, 0x0000c041u, NULL);
	cr_assert(eq(u32, rd32(2, ADDR_LO), 0xfee01000u));
	cr_assert(eq(u32, rd32(2, ADDR_HI), 0x12345678u));
	cr_assert(eq(u32, rd32(2, DATA), 0x0000c041u));
	cr_assert(eq(u32, rd32(2, CTRL), MSIX_CTRL_MASKED));
	/* Neighbours untouched. */
	cr_assert(eq(u32, rd32(1, ADDR_LO), 0));
	cr_assert(eq(u32, rd32(3, ADDR_LO), 0));
}

Test(msix_table, qword_accesses)
{
	wr64(1 * MSIX_ENTRY_SIZE + ADDR_LO, 0x00000001fee02000ull, NULL);
	wr64(1 * MSIX_ENTRY_SIZE + DATA, 0x0000000000000051ull, NULL); /* data + ctrl 0 */
	cr_assert(eq(u32, rd32(1, ADDR_LO), 0xfee02000u));
	cr_assert(eq(u32, rd32(1, ADDR_HI), 1));
	cr_assert(eq(u32, rd32(1, DATA), 0x51));
	cr_assert(eq(u32, rd32(1, CTRL), 0), "qword write did not reach the control word");
	cr_assert(eq(u64, rd64(1 * MSIX_ENTRY_SIZE + DATA), 0x51));
	cr_assert(eq(u64, rd64(1 * MSIX_ENTRY_SIZE), 0x00000001fee02000ull));
	/* Upper half of a qword read of data+ctrl is the control word. */
	cr_assert(eq(u64, rd64(0 * MSIX_ENTRY_SIZE + DATA), (uint64_t)MSIX_CTRL_MASKED << 32));
}

Test(msix_table, misaligned_and_odd_sizes_read_all_ones)
{
	uint64_t v;
	uint16_t w;
	uint8_t b;

	wr32(0, ADDR_LO, 0xfee00000u, NULL);
	v = 0;
	msix_table_read(&st, 2, &v, 4);            /* misaligned dword */
	cr_assert(eq(u64, v, 0xffffffffull));
	v = 0;
	msix_table_read(&st, 4, &v, 8);            /* qword on a dword boundary */
	cr_assert(eq(u64, v, ~0ull));
	w = 0;
	msix_table_read(&st, 0, &w, 2);            /* word */
	cr_assert(eq(u16, w, 0xffff));
	b = 0;
	msix_table_read(&st, 0, &b, 1);            /* byte */
	cr_assert(eq(u8, b, 0xff));
}

Test(msix_table, outside_the_table_reads_all_ones)
{
	uint64_t v = 0;

	msix_table_read(&st, 4 * MSIX_ENTRY_SIZE, &v, 4);
	cr_assert(eq(u64, v, 0xffffffffull));
	v = 0;
	msix_table_read(&st, 4 * MSIX_ENTRY_SIZE - 4, &v, 4); /* last dword: inside */
	cr_assert(eq(u64, v, MSIX_CTRL_MASKED));
	v = 0;
	msix_table_read(&st, 4 * MSIX_ENTRY_SIZE - 8, &v, 8); /* last qword: inside */
	cr_assert(eq(u64, v, (uint64_t)MSIX_CTRL_MASKED << 32));
}

/* off + len wraps to a small number: still outside the table. The offset
 * is a uint64_t from the caller; only the bound check stands between it
 * and memory outside the table. */
Test(msix_table, wrapping_offset_is_outside_the_table)
{
	uint32_t v = 0, w = 0x12345678u;
	unsigned which = 0xdead;

	msix_table_read(&st, ~0ull - 3, &v, 4);
	cr_assert(eq(u32, v, 0xffffffffu));
	cr_assert_not(msix_table_write(&st, ~0ull - 3, &w, 4, &which));
	cr_assert(eq(uint, which, 0xdead));
}

/* ---- table writes ---- */

Test(msix_table, misaligned_and_outside_writes_are_ignored)
{
	uint32_t v = 0x12345678u;
	uint16_t w = 0;
	unsigned which = 0xdead;

	cr_assert_not(msix_table_write(&st, 2, &v, 4, &which));
	cr_assert_not(msix_table_write(&st, 4, &v, 8, &which));
	cr_assert_not(msix_table_write(&st, 12, &w, 2, &which)); /* word unmask attempt */
	cr_assert_not(msix_table_write(&st, 4 * MSIX_ENTRY_SIZE, &v, 4, &which));
	cr_assert(eq(uint, which, 0xdead));
	for (unsigned vec = 0; vec < 4; vec++) {
		cr_assert(eq(u32, rd32(vec, ADDR_LO), 0));
		cr_assert(eq(u32, rd32(vec, ADDR_HI), 0));
		cr_assert(eq(u32, rd32(vec, CTRL), MSIX_CTRL_MASKED));
	}
}

Test(msix_table, reserved_control_bits_are_dropped)
{
	unsigned which;

	/* Mask bit kept, the rest reserved: no change, nothing to do. */
	cr_assert_not(wr32(3, CTRL, 0xfffffffeu | MSIX_CTRL_MASKED, &which));
	cr_assert(eq(u32, rd32(3, CTRL), MSIX_CTRL_MASKED));
	/* Unmask with reserved bits set: only the mask bit changes. */
	cr_assert(wr32(3, CTRL, 0xfffffffeu, &which));
	cr_assert(eq(uint, which, 3));
	cr_assert(eq(u32, rd32(3, CTRL), 0));
	/* Same through a qword write of data + control. */
	cr_assert(wr64(3 * MSIX_ENTRY_SIZE + DATA, 0xffffffff00000044ull, &which));
	cr_assert(eq(u32, rd32(3, CTRL), MSIX_CTRL_MASKED));
	cr_assert(eq(u32, rd32(3, DATA), 0x44));
}

Test(msix_table, mask_bit_change_reports_the_vector)
{
	unsigned which;

	cr_assert(wr32(2, CTRL, 0, &which), "unmask not reported");
	cr_assert(eq(uint, which, 2));
	cr_assert(wr32(2, CTRL, MSIX_CTRL_MASKED, &which), "mask not reported");
	cr_assert(eq(uint, which, 2));
	/* Rewriting the same mask state is not a change. */
	cr_assert_not(wr32(2, CTRL, MSIX_CTRL_MASKED, &which));
	cr_assert(eq(uint, which, 2));
	/* Reported even while MSI-X is disabled: the caller decides. */
	cr_assert_not(st.enabled);
	cr_assert(wr32(0, CTRL, 0, &which));
	cr_assert(eq(uint, which, 0));
}

Test(msix_table, address_data_change_on_unmasked_vector_is_reported)
{
	unsigned which;

	cr_assert(wr32(1, CTRL, 0, &which));
	cr_assert(wr32(1, ADDR_LO, 0xfee00000u, &which));
	cr_assert(eq(uint, which, 1));
	cr_assert(wr32(1, ADDR_HI, 1, &which));
	cr_assert(wr32(1, DATA, 0x41, &which));
	cr_assert(wr64(1 * MSIX_ENTRY_SIZE, 0x00000002fee01000ull, &which));
	cr_assert(eq(uint, which, 1));
	/* The same values again: nothing changed. */
	cr_assert_not(wr32(1, DATA, 0x41, &which));
	cr_assert_not(wr64(1 * MSIX_ENTRY_SIZE, 0x00000002fee01000ull, &which));
}

Test(msix_table, address_data_change_on_masked_vector_is_not_reported)
{
	unsigned which;

	cr_assert_not(wr32(1, ADDR_LO, 0xfee00000u, &which));
	cr_assert(eq(uint, which, 1)); /* still the vector written */
	cr_assert_not(wr32(1, ADDR_HI, 5, &which));
	cr_assert_not(wr32(1, DATA, 0x41, &which));
	cr_assert_not(wr64(1 * MSIX_ENTRY_SIZE, 0x00000003fee03000ull, &which));
	/* ... but the values are stored, and unmasking is reported. */
	cr_assert(eq(u32, rd32(1, DATA), 0x41));
	cr_assert(wr32(1, CTRL, 0, &which));
}

Test(msix_table, qword_unmask_with_new_data_is_reported)
{
	unsigned which;

	/* data + ctrl in one write: data changes and the vector unmasks. */
	cr_assert(wr64(2 * MSIX_ENTRY_SIZE + DATA, 0x0000000000000077ull, &which));
	cr_assert(eq(uint, which, 2));
	cr_assert(eq(u32, rd32(2, DATA), 0x77));
	cr_assert(eq(u32, rd32(2, CTRL), 0));
}

/* ---- liveness and messages ---- */

Test(msix_table, vector_live_needs_enable_function_unmask_and_vector_unmask)
{
	make_live(1);
	st.enabled = false;
	cr_assert_not(msix_vector_live(&st, 1), "live while MSI-X disabled");
	st.enabled = true;
	st.func_masked = true;
	cr_assert_not(msix_vector_live(&st, 1), "live while function-masked");
	st.func_masked = false;
	cr_assert(msix_vector_live(&st, 1));
	wr32(1, CTRL, MSIX_CTRL_MASKED, NULL);
	cr_assert_not(msix_vector_live(&st, 1), "live while vector-masked");
	/* Other vectors are still masked from reset. */
	cr_assert_not(msix_vector_live(&st, 0));
	cr_assert_not(msix_vector_live(&st, 2));
}

Test(msix_table, vector_live_out_of_range)
{
	st.enabled = true;
	for (unsigned v = 0; v < 4; v++)
		wr32(v, CTRL, 0, NULL);
	cr_assert(msix_vector_live(&st, 3));
	cr_assert_not(msix_vector_live(&st, 4));
	cr_assert_not(msix_vector_live(&st, ~0u));
}

Test(msix_table, vector_msg)
{
	struct msi_msg m;

	wr32(3, ADDR_LO, 0xfee0f00cu, NULL);
	wr32(3, ADDR_HI, 0xabcd, NULL);
	wr32(3, DATA, 0x80ef, NULL);
	m = msix_vector_msg(&st, 3);
	cr_assert(eq(u32, m.addr_lo, 0xfee0f00cu));
	cr_assert(eq(u32, m.addr_hi, 0xabcd));
	cr_assert(eq(u32, m.data, 0x80ef));
	/* Masked or not, the message is what the guest wrote. */
	cr_assert(eq(u32, rd32(3, CTRL), MSIX_CTRL_MASKED));
	m = msix_vector_msg(&st, 4);
	cr_assert(eq(u32, m.addr_lo, 0));
	cr_assert(eq(u32, m.addr_hi, 0));
	cr_assert(eq(u32, m.data, 0));
}

/* ---- PBA ---- */

Test(msix_table, pba_reads_pending_bits)
{
	uint64_t v = ~0ull;

	msix_pba_read(&st, 0, &v, 8);
	cr_assert(eq(u64, v, 0), "nothing pending after init");
	st.pending[0] = 0x5;
	v = ~0ull;
	msix_pba_read(&st, 0, &v, 8);
	cr_assert(eq(u64, v, 0x5));
	v = ~0ull;
	msix_pba_read(&st, 0, &v, 4);
	cr_assert(eq(u64, v, 0xffffffff00000005ull), "a dword read wrote past 4 bytes");
	/* 4 vectors: one byte of PBA; the rest reads zero. */
	v = ~0ull;
	msix_pba_read(&st, 8, &v, 8);
	cr_assert(eq(u64, v, 0));
	v = ~0ull;
	msix_pba_read(&st, ~0ull - 7, &v, 8);
	cr_assert(eq(u64, v, 0));
}

Test(msix_pba, pba_is_cut_at_the_last_vector_byte, .fini = teardown)
{
	uint64_t v[2];

	cr_assert(eq(int, msix_init(&st, 100), 0)); /* 13 bytes of PBA */
	st.pending[0] = 0x8000000000000001ull;
	st.pending[1] = ~0ull;                       /* bits past 100 are noise */
	memset(v, 0xa5, sizeof(v));
	msix_pba_read(&st, 0, &v[0], 8);
	cr_assert(eq(u64, v[0], 0x8000000000000001ull));
	memset(v, 0xa5, sizeof(v));
	msix_pba_read(&st, 8, &v[0], 8);
	cr_assert(eq(u64, v[0], 0x000000ffffffffffull), "bytes past nvec/8 must read 0");
	memset(v, 0xa5, sizeof(v));
	msix_pba_read(&st, 12, &v[0], 4);
	cr_assert(eq(u64, v[0], 0xa5a5a5a5000000ffull));
	memset(v, 0xa5, sizeof(v));
	msix_pba_read(&st, 13, &v[0], 4);
	cr_assert(eq(u64, v[0], 0xa5a5a5a500000000ull));
}
