/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sriov.h"
#include "vfio.h"

int vfio_iommu_group(const char *bdf)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	char *base, *end;
	long g;
	int ret;

	if (!pci_bdf_valid(bdf))
		return -EINVAL;
	if ((ret = sysfs_pci_path(path, sizeof(path), bdf, "iommu_group")))
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	g = strtol(base, &end, 10);
	return *end || g < 0 ? -EINVAL : (int)g;
}
