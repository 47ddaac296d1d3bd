/* SPDX-License-Identifier: MIT */
/* iommu/host.c on recorded sysfs trees (IOVM_SYSFS_ROOT). */
#include <errno.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "iommu.h"

static void setup(void)
{
	fx_sysfs_create();
}

TestSuite(iommu, .init = setup, .fini = fx_sysfs_destroy);

Test(iommu, intel_host_with_groups)
{
	struct iommu_host_info info = { -1, -1 };

	fx_sysfs_mkdir("sys/class/iommu/dmar0");
	fx_sysfs_mkdir("sys/kernel/iommu_groups/0/devices");
	fx_sysfs_mkdir("sys/kernel/iommu_groups/1/devices");
	fx_sysfs_mkdir("sys/kernel/iommu_groups/12/devices");
	fx_sysfs_write("sys/kernel/iommu_groups/12/type", "DMA\n");
	cr_assert(eq(int, iommu_host_probe(&info), 0));
	cr_assert(eq(int, info.units, 1));
	cr_assert(eq(int, info.groups, 3));
}

Test(iommu, two_units)
{
	struct iommu_host_info info = { -1, -1 };

	fx_sysfs_mkdir("sys/class/iommu/dmar0");
	fx_sysfs_mkdir("sys/class/iommu/dmar1");
	fx_sysfs_mkdir("sys/kernel/iommu_groups");
	cr_assert(eq(int, iommu_host_probe(&info), 0));
	cr_assert(eq(int, info.units, 2));
	cr_assert(eq(int, info.groups, 0));
}

Test(iommu, no_iommu)
{
	struct iommu_host_info info = { -1, -1 };

	/* Empty tree: neither directory exists. */
	cr_assert(eq(int, iommu_host_probe(&info), 0));
	cr_assert(eq(int, info.units, 0));
	cr_assert(eq(int, info.groups, 0));
}

/* ---- iova_find_conflict (pure) ---- */

TestSuite(iova);

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* A typical Intel host: everything but the interrupt window, in two. */
static const struct iova_range intel[] = {
	{ 0x0, 0xfedfffffULL },
	{ 0xfef00000ULL, 0x7fffffffffULL },
};

Test(iova, guest_ranges_inside_usable_ranges)
{
	const struct iova_range guest[] = {
		{ 0x0, 0xbfffffffULL },                /* low RAM, below the PCI hole */
		{ 0x100000000ULL, 0x13fffffffULL },    /* high RAM */
	};

	cr_assert(eq(int, iova_find_conflict(intel, N(intel), guest, N(guest)), -1));
	/* Exactly a whole usable range (inclusive ends) still fits. */
	cr_assert(eq(int, iova_find_conflict(intel, N(intel), intel, N(intel)), -1));
	/* Order of the usable list does not matter. */
	const struct iova_range rev[] = { intel[1], intel[0] };

	cr_assert(eq(int, iova_find_conflict(rev, N(rev), guest, N(guest)), -1));
}

Test(iova, guest_range_over_a_reserved_hole)
{
	/* RAM running through 0xfee00000 (the MSI window). */
	const struct iova_range guest[] = {
		{ 0x0, 0xbfffffffULL },
		{ 0xfe000000ULL, 0xffffffffULL },
	};

	cr_assert(eq(int, iova_find_conflict(intel, N(intel), guest, N(guest)), 1));
	/* One byte too far at either end. */
	const struct iova_range end1[] = { { 0x1000, 0xfee00000ULL } };
	const struct iova_range start1[] = { { 0xfeefffffULL, 0xfef00fffULL } };

	cr_assert(eq(int, iova_find_conflict(intel, N(intel), end1, 1), 0));
	cr_assert(eq(int, iova_find_conflict(intel, N(intel), start1, 1), 0));
}

Test(iova, guest_range_straddling_two_adjacent_usable_ranges)
{
	/* Two usable ranges that touch: their union covers the guest range,
	 * but a guest range must fit inside one of them. */
	const struct iova_range usable[] = {
		{ 0x0, 0xffffffffULL },
		{ 0x100000000ULL, 0x1ffffffffULL },
	};
	const struct iova_range guest[] = {
		{ 0x0, 0x3fffffffULL },
		{ 0xc0000000ULL, 0x13fffffffULL },
	};

	cr_assert(eq(int, iova_find_conflict(usable, N(usable), guest, N(guest)), 1));
}

Test(iova, first_conflict_is_reported)
{
	const struct iova_range guest[] = {
		{ 0x0, 0xfff },
		{ 0x8000000000ULL, 0x80ffffffffULL },  /* above the usable top */
		{ 0xfee00000ULL, 0xfee00fffULL },      /* also bad, later */
	};

	cr_assert(eq(int, iova_find_conflict(intel, N(intel), guest, N(guest)), 1));
	cr_assert(eq(int, iova_find_conflict(intel, N(intel), guest + 2, 1), 0));
}

Test(iova, outside_every_range)
{
	const struct iova_range usable[] = { { 0x100000ULL, 0x1fffffULL } };
	const struct iova_range below[] = { { 0x0, 0xfffff } };
	const struct iova_range above[] = { { 0x200000ULL, 0x2fffffULL } };

	cr_assert(eq(int, iova_find_conflict(usable, 1, below, 1), 0));
	cr_assert(eq(int, iova_find_conflict(usable, 1, above, 1), 0));
}

Test(iova, empty_lists)
{
	const struct iova_range guest[] = { { 0x0, 0xfff } };

	/* Nothing usable: the first guest range cannot fit. (The caller
	 * treats an empty list from the kernel as "no restriction" before
	 * calling this.) */
	cr_assert(eq(int, iova_find_conflict(NULL, 0, guest, 1), 0));
	cr_assert(eq(int, iova_find_conflict(intel, N(intel), NULL, 0), -1));
	cr_assert(eq(int, iova_find_conflict(NULL, 0, NULL, 0), -1));
}
