/* SPDX-License-Identifier: MIT */
/*
 * iommu: host DMA mapping (VFIO type1 containers) and, later, the
 * guest-visible VT-d. Today: what the host IOMMU looks like.
 */
#ifndef IOVM_IOMMU_H
#define IOVM_IOMMU_H

struct iommu_host_info {
	int units;      /* entries in /sys/class/iommu */
	int groups;     /* entries in /sys/kernel/iommu_groups */
};

/* Reads sysfs (under IOVM_SYSFS_ROOT when set). */
int iommu_host_probe(struct iommu_host_info *info);

#endif
