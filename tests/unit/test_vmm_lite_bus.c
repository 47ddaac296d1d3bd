/* SPDX-License-Identifier: MIT */
/* vmm-lite/bus.c: region registration, lookup and dispatch. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "vmm.h"

/* A device that records the last access it saw. */
struct probe {
	int reads, writes;
	uint64_t last_off;
	unsigned last_len;
	uint64_t last_val;
	uint8_t fill; /* byte pattern reads return */
};

static void probe_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct probe *p = opaque;

	p->reads++;
	p->last_off = off;
	p->last_len = len;
	memset(data, p->fill, len);
}

static void probe_write(void *opaque, uint64_t off, const void *data,
			unsigned len)
{
	struct probe *p = opaque;

	p->writes++;
	p->last_off = off;
	p->last_len = len;
	p->last_val = 0;
	memcpy(&p->last_val, data, len);
}

static const struct bus_ops probe_ops = { probe_read, probe_write };
static const struct bus_ops write_only_ops = { NULL, probe_write };

static struct bus bus;

static void setup(void)
{
	vmm_log_set_quiet(true);
	cr_assert(eq(int, bus_init(&bus), 0));
}

static void teardown(void)
{
	bus_destroy(&bus);
}

TestSuite(bus, .init = setup, .fini = teardown);

static struct bus_region *find_region(uint64_t base)
{
	for (int i = 0; i < bus.count; i++)
		if (bus.regions[i].base == base)
			return &bus.regions[i];
	return NULL;
}

Test(bus, dispatch_to_right_region_with_offset)
{
	struct probe a = { .fill = 0xaa }, b = { .fill = 0xbb }, c = { .fill = 0xcc };
	uint32_t v = 0;

	/* Registered out of order: the bus keeps them sorted. */
	cr_assert(eq(int, bus_register(&bus, 0x2000, 0x100, &probe_ops, &b, "b"), 0));
	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x100, &probe_ops, &a, "a"), 0));
	cr_assert(eq(int, bus_register(&bus, 0x3000, 0x10, &probe_ops, &c, "c"), 0));
	cr_assert(eq(int, bus.count, 3));
	cr_assert(eq(u64, bus.regions[0].base, 0x1000));
	cr_assert(eq(u64, bus.regions[1].base, 0x2000));
	cr_assert(eq(u64, bus.regions[2].base, 0x3000));
	cr_assert(eq(str, bus.regions[1].name, "b"));

	cr_assert(bus_access(&bus, 0x2044, &v, 4, false));
	cr_assert(eq(u32, v, 0xbbbbbbbb));
	cr_assert(eq(int, b.reads, 1));
	cr_assert(eq(u64, b.last_off, 0x44));
	cr_assert(eq(uint, b.last_len, 4));
	cr_assert(eq(int, a.reads + c.reads, 0));

	v = 0x1234;
	cr_assert(bus_access(&bus, 0x300e, &v, 2, true));
	cr_assert(eq(int, c.writes, 1));
	cr_assert(eq(u64, c.last_off, 0xe));
	cr_assert(eq(u64, c.last_val, 0x1234));

	/* First and last byte of a region. */
	cr_assert(bus_access(&bus, 0x1000, &v, 1, false));
	cr_assert(eq(u64, a.last_off, 0));
	cr_assert(bus_access(&bus, 0x10ff, &v, 1, false));
	cr_assert(eq(u64, a.last_off, 0xff));
	cr_assert(eq(int, a.reads, 2));
	cr_assert(eq(u64, bus.unhandled, 0));
}

Test(bus, unhandled_reads_all_ones_and_counted)
{
	struct probe a = { .fill = 0 };
	uint64_t v8 = 0;
	uint32_t v4 = 0;
	uint16_t v2 = 0;

	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x100, &probe_ops, &a, "a"), 0));
	cr_assert_not(bus_access(&bus, 0x0fff, &v4, 4, false));
	cr_assert(eq(u32, v4, 0xffffffff));
	cr_assert_not(bus_access(&bus, 0x1100, &v2, 2, false));
	cr_assert(eq(u16, v2, 0xffff));
	cr_assert_not(bus_access(&bus, 0x123456789ULL, &v8, 8, false));
	cr_assert(eq(u64, v8, ~0ULL));
	cr_assert(eq(u64, bus.unhandled, 3));

	/* Unhandled writes are counted too and touch nothing. */
	v4 = 0x55;
	cr_assert_not(bus_access(&bus, 0x2000, &v4, 4, true));
	cr_assert(eq(u64, bus.unhandled, 4));
	cr_assert(eq(int, a.reads + a.writes, 0));
}

Test(bus, empty_bus_is_all_unhandled)
{
	uint8_t v = 0;

	cr_assert_not(bus_access(&bus, 0, &v, 1, false));
	cr_assert(eq(u8, v, 0xff));
	cr_assert(eq(u64, bus.unhandled, 1));
}

Test(bus, overlap_rejected_adjacent_accepted)
{
	struct probe a = { 0 };

	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x100, &probe_ops, &a, "a"), 0));
	/* Identical, contained, containing, straddling either end. */
	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x100, &probe_ops, &a, "x"), -EBUSY));
	cr_assert(eq(int, bus_register(&bus, 0x1010, 0x10, &probe_ops, &a, "x"), -EBUSY));
	cr_assert(eq(int, bus_register(&bus, 0x0f00, 0x400, &probe_ops, &a, "x"), -EBUSY));
	cr_assert(eq(int, bus_register(&bus, 0x0ff0, 0x20, &probe_ops, &a, "x"), -EBUSY));
	cr_assert(eq(int, bus_register(&bus, 0x10ff, 0x2, &probe_ops, &a, "x"), -EBUSY));
	cr_assert(eq(int, bus.count, 1));

	/* Touching on either side is fine. */
	cr_assert(eq(int, bus_register(&bus, 0x0f00, 0x100, &probe_ops, &a, "below"), 0));
	cr_assert(eq(int, bus_register(&bus, 0x1100, 0x100, &probe_ops, &a, "above"), 0));
	cr_assert(eq(int, bus.count, 3));

	/* A region spanning a gap between two others overlaps both. */
	cr_assert(eq(int, bus_register(&bus, 0x3000, 0x100, &probe_ops, &a, "far"), 0));
	cr_assert(eq(int, bus_register(&bus, 0x11f0, 0x1f00, &probe_ops, &a, "x"), -EBUSY));
	cr_assert(eq(int, bus_register(&bus, 0x1200, 0x1e00, &probe_ops, &a, "gap"), 0));
	cr_assert(eq(int, bus.count, 5));
}

Test(bus, invalid_registrations)
{
	struct probe a = { 0 };

	cr_assert(eq(int, bus_register(&bus, 0x1000, 0, &probe_ops, &a, "zero"), -EINVAL));
	cr_assert(eq(int, bus_register(&bus, ~0ULL - 0xf, 0x20, &probe_ops, &a, "wrap"),
		     -EINVAL));
	cr_assert(eq(int, bus.count, 0));
}

Test(bus, unregister_then_access)
{
	struct probe a = { .fill = 0x11 }, b = { .fill = 0x22 };
	uint32_t v = 0;

	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x100, &probe_ops, &a, "a"), 0));
	cr_assert(eq(int, bus_register(&bus, 0x1100, 0x100, &probe_ops, &b, "b"), 0));
	cr_assert(eq(int, bus_unregister(&bus, 0x1000), 0));
	cr_assert(eq(int, bus.count, 1));
	cr_assert_not(bus_access(&bus, 0x1010, &v, 4, false));
	cr_assert(eq(u32, v, 0xffffffff));
	cr_assert(eq(int, a.reads, 0));
	/* The neighbour is unaffected. */
	cr_assert(bus_access(&bus, 0x1110, &v, 4, false));
	cr_assert(eq(u32, v, 0x22222222));

	/* Unknown base, or an address inside a region that is not its base. */
	cr_assert(eq(int, bus_unregister(&bus, 0x1000), -ENOENT));
	cr_assert(eq(int, bus_unregister(&bus, 0x1180), -ENOENT));
	cr_assert(eq(int, bus.count, 1));

	/* The space can be reused. */
	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x100, &probe_ops, &b, "b2"), 0));
	cr_assert(bus_access(&bus, 0x1000, &v, 4, false));
	cr_assert(eq(u32, v, 0x22222222));
}

Test(bus, access_straddling_region_end_not_served)
{
	struct probe a = { .fill = 0x33 }, b = { .fill = 0x44 };
	uint32_t v = 0;

	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x10, &probe_ops, &a, "a"), 0));
	cr_assert(eq(int, bus_register(&bus, 0x1010, 0x10, &probe_ops, &b, "b"), 0));
	/* 4 bytes at 0x100e cover a's last 2 and b's first 2. */
	cr_assert_not(bus_access(&bus, 0x100e, &v, 4, false));
	cr_assert(eq(u32, v, 0xffffffff));
	/* Straddling the end of the last region. */
	cr_assert_not(bus_access(&bus, 0x101f, &v, 2, false));
	/* Straddling the start of a region from the gap below it. */
	cr_assert_not(bus_access(&bus, 0x0fff, &v, 2, false));
	cr_assert(eq(int, a.reads + b.reads, 0));
	cr_assert(eq(u64, bus.unhandled, 3));
	/* Ending exactly at the end is fine. */
	cr_assert(bus_access(&bus, 0x100c, &v, 4, false));
	cr_assert(eq(u32, v, 0x33333333));
}

Test(bus, per_region_access_counter)
{
	struct probe a = { 0 }, b = { 0 };
	uint32_t v = 0;

	cr_assert(eq(int, bus_register(&bus, 0x1000, 0x100, &probe_ops, &a, "a"), 0));
	cr_assert(eq(int, bus_register(&bus, 0x2000, 0x100, &probe_ops, &b, "b"), 0));
	for (int i = 0; i < 5; i++)
		bus_access(&bus, 0x1000 + i, &v, 1, i & 1);
	bus_access(&bus, 0x2000, &v, 4, false);
	bus_access(&bus, 0x3000, &v, 4, false); /* unhandled */
	bus_access(&bus, 0x10fe, &v, 4, false); /* straddles: not counted */
	cr_assert(eq(u64, find_region(0x1000)->accesses, 5));
	cr_assert(eq(u64, find_region(0x2000)->accesses, 1));
	cr_assert(eq(u64, bus.unhandled, 2));
	cr_assert(eq(int, a.reads, 3));
	cr_assert(eq(int, a.writes, 2));
}

Test(bus, region_without_read_op_reads_all_ones)
{
	struct probe a = { 0 };
	uint32_t v = 0;

	cr_assert(eq(int, bus_register(&bus, 0x1000, 4, &write_only_ops, &a, "wo"), 0));
	cr_assert(bus_access(&bus, 0x1000, &v, 4, false));
	cr_assert(eq(u32, v, 0xffffffff));
	v = 7;
	cr_assert(bus_access(&bus, 0x1000, &v, 1, true));
	cr_assert(eq(int, a.writes, 1));
	cr_assert(eq(u64, a.last_val, 7));
}

Test(bus, many_regions_grow_and_stay_sorted)
{
	static struct probe p[40];
	uint32_t v;

	/* More than the initial capacity, registered in descending order. */
	for (int i = 39; i >= 0; i--) {
		p[i].fill = (uint8_t)i;
		cr_assert(eq(int, bus_register(&bus, 0x10000 + 0x100 * (uint64_t)i,
					       0x80, &probe_ops, &p[i], "p"), 0));
	}
	cr_assert(eq(int, bus.count, 40));
	for (int i = 1; i < bus.count; i++)
		cr_assert(lt(u64, bus.regions[i - 1].base, bus.regions[i].base));
	for (int i = 0; i < 40; i++) {
		v = 0;
		cr_assert(bus_access(&bus, 0x10000 + 0x100 * (uint64_t)i + 0x7c, &v, 4,
				     false));
		cr_assert(eq(u32, v, 0x01010101u * (uint32_t)i));
		cr_assert(eq(u64, p[i].last_off, 0x7c));
		/* The gap after each region is unhandled. */
		cr_assert_not(bus_access(&bus, 0x10000 + 0x100 * (uint64_t)i + 0x80,
					 &v, 1, false));
	}
}
