/* SPDX-License-Identifier: MIT */
/*
 * vfio-backend: PCI passthrough through VFIO. Today: finding a device's
 * IOMMU group; the container/group/device API arrives with passthrough.
 */
#ifndef IOVM_VFIO_H
#define IOVM_VFIO_H

/* IOMMU group number of a PCI function, from its iommu_group link. */
int vfio_iommu_group(const char *bdf);

#endif
