/* SPDX-License-Identifier: MIT */
/*
 * sriov: PF/VF management through sysfs. Every sysfs path goes through
 * sysfs_path(), which honours IOVM_SYSFS_ROOT so unit tests run on recorded
 * trees.
 */
#ifndef IOVM_SRIOV_H
#define IOVM_SRIOV_H

#include <stddef.h>

/* "<root>/sys/bus/pci/devices/<bdf>/<attr>" into buf; -ENAMETOOLONG. */
int sysfs_pci_path(char *buf, size_t len, const char *bdf, const char *attr);
/* Validates a PCI address in the full domain:bus:dev.fn form. */
int pci_bdf_valid(const char *bdf);
/* sriov_totalvfs and sriov_numvfs of a PF; -ENOENT when not a PF. */
int sriov_read_vfs(const char *bdf, int *total, int *enabled);

#endif
