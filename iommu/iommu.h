/* SPDX-License-Identifier: MIT */
/*
 * iommu: host DMA remapping for passthrough devices, through a VFIO type1
 * container (one per VM, shared by all its groups): all guest RAM is mapped
 * with IOVA = guest physical address, so a device's DMA reaches exactly the
 * guest's own RAM and nothing else. The guest-visible VT-d comes later.
 */
#ifndef IOVM_IOMMU_H
#define IOVM_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

struct iommu_host_info {
	int units;      /* entries in /sys/class/iommu */
	int groups;     /* entries in /sys/kernel/iommu_groups */
};

/* Reads sysfs (under IOVM_SYSFS_ROOT when set). */
int iommu_host_probe(struct iommu_host_info *info);
/* Whether the host remaps interrupts: its MSI/IO-APIC irq chips are the
 * remapping ones (IR-PCI-MSI, IR-IO-APIC in /proc/interrupts). */
bool iommu_host_irq_remapping(void);

struct iova_range {
	uint64_t start, end; /* inclusive */
};

/* Pure: the first guest RAM range (gpa, size) not inside one usable IOVA
 * range, or -1 when all fit. */
int iova_find_conflict(const struct iova_range *usable, int nusable,
		       const struct iova_range *guest, int nguest);

struct iommu_container {
	int fd;
	bool iommu_set;
	bool mapped;
	struct vm *vm;
	uint64_t pinned_bytes;
	double pin_seconds;     /* time spent in VFIO_IOMMU_MAP_DMA */
	double prefault_seconds;
};

/* Opens /dev/vfio/vfio and checks for the type1v2 IOMMU. */
int iommu_container_open(struct iommu_container *c, struct vm *vm);
/* Attaches a VFIO group; the first one selects the type1v2 IOMMU. EPERM
 * from the kernel means no interrupt remapping; the message says so. */
int iommu_container_add_group(struct iommu_container *c, int group_fd,
			      int group);
/* Checks the IOVA ranges, the locked-memory limit, pre-faults guest RAM
 * in parallel, then maps it all for DMA (IOVA = GPA). */
int iommu_map_guest_ram(struct iommu_container *c);
void iommu_container_close(struct iommu_container *c);

#endif
