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
