/* SPDX-License-Identifier: MIT */
/*
 * vfio-backend: PCI passthrough through VFIO. A passthrough function sits on
 * the VM's PCI bus with a virtualized config space (BARs placed by the
 * guest, MSI/MSI-X emulated, capabilities filtered); its BARs are mapped
 * straight into the guest except the MSI-X table and PBA pages; its MSI/X
 * vectors reach the guest through KVM irqfds; its DMA goes through the
 * VM's IOMMU container (iommu/), which maps exactly the guest's RAM.
 */
#ifndef IOVM_VFIO_H
#define IOVM_VFIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct vfio_vm;

struct vfio_dev_opts {
	char bdf[16];             /* 0000:00:03.0 */
	bool rombar_off;
};

/* Pure: parses "vfio,host=BDF[,rombar=on|off]" (the --device argument);
 * err gets what is wrong and how to write it. */
int vfio_parse_device_opt(const char *s, struct vfio_dev_opts *o, char *err,
			  size_t errlen);

/* IOMMU group number of a PCI function, from its iommu_group link. */
int vfio_iommu_group(const char *bdf);

/* Per VM: the container and its devices. allow_unsafe_interrupts lets a
 * host without interrupt remapping pass devices (printed as a taint). */
int vfio_vm_create(struct vfio_vm **out, struct vm *vm, bool allow_unsafe_interrupts);
/* Opens, resets and puts a device on the VM's PCI bus. */
int vfio_vm_add_device(struct vfio_vm *vv, const struct vfio_dev_opts *o);
/* Maps guest RAM for DMA; call after the last device, before vCPUs run. */
int vfio_vm_start(struct vfio_vm *vv);
/* Quiesces (bus master off), resets and releases every device, unmaps. */
void vfio_vm_destroy(struct vfio_vm *vv);
void vfio_vm_print_stats(struct vfio_vm *vv, FILE *out);

/* Pure: [a, a+alen) minus the holes (each [start, end)), as at most max
 * pieces; returns the count. Used to map a BAR around its MSI-X pages. */
struct vfio_range {
	uint64_t start, end;
};
int vfio_range_subtract(struct vfio_range area, const struct vfio_range *holes,
			int nholes, struct vfio_range *out, int max);

#endif
