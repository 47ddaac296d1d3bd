/* SPDX-License-Identifier: MIT */
/* vfio-backend/group.c on recorded sysfs trees (IOVM_SYSFS_ROOT). */
#include <errno.h>
#include <stdio.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "vfio.h"

static void setup(void)
{
	fx_sysfs_create();
}

TestSuite(vfio, .init = setup, .fini = fx_sysfs_destroy);

static void add_with_group(const char *bdf, const char *target)
{
	const char *dev = fx_sysfs_add_pci(bdf);
	char link[256];

	snprintf(link, sizeof(link), "%s/iommu_group", dev);
	fx_sysfs_symlink(link, target);
}

Test(vfio, group_from_link)
{
	fx_sysfs_mkdir("sys/kernel/iommu_groups/7/devices");
	add_with_group("0000:00:02.0", "../../../kernel/iommu_groups/7");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), 7));
}

Test(vfio, multi_digit_group)
{
	add_with_group("0000:3b:00.1", "../../../kernel/iommu_groups/142");
	cr_assert(eq(int, vfio_iommu_group("0000:3b:00.1"), 142));
}

Test(vfio, missing_link)
{
	fx_sysfs_add_pci("0000:00:02.0");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), -ENOENT));
	/* No such device. */
	cr_assert(eq(int, vfio_iommu_group("0000:00:03.0"), -ENOENT));
}

Test(vfio, invalid_bdf)
{
	cr_assert(eq(int, vfio_iommu_group("00:02.0"), -EINVAL));
	cr_assert(eq(int, vfio_iommu_group("0000:00:20.0"), -EINVAL));
	cr_assert(eq(int, vfio_iommu_group(NULL), -EINVAL));
}

Test(vfio, link_not_to_a_group)
{
	add_with_group("0000:00:02.0", "../../../kernel/iommu_groups/seven");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), -EINVAL));
}
