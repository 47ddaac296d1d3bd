/* SPDX-License-Identifier: MIT */
/*
 * The recorded sysfs tree of the sriov suite (on top of fixture_sysfs.c).
 * Devices live under sys/devices/pci0000:00/<bdf>, with the
 * sys/bus/pci/devices/<bdf> links to them, so every relative link below
 * resolves inside the tree the way it does on a host:
 *
 *   0000:3b:00.0  NVMe PF, 1b36:0010 class 010802, nvme, group 12, node 1,
 *                 sriov_totalvfs 4, sriov_numvfs 2, sriov_drivers_autoprobe 1,
 *                 virtfn0 -> ../0000:3b:00.1, virtfn1 -> ../0000:3b:00.2
 *   0000:3b:00.1  its VF 0: vfio-pci, group 13, physfn -> ../0000:3b:00.0
 *   0000:3b:00.2  its VF 1: no driver, group 14, physfn -> ../0000:3b:00.0
 *   0000:00:1f.0  LPC bridge 8086:a30e, lpc_ich   \
 *   0000:00:1f.2  PMC 8086:a321, vfio-pci          > one shared group 20
 *   0000:00:1f.3  audio 8086:a348, no driver      /
 *
 * Every function has driver_override ("(null)"), the groups have their
 * sys/kernel/iommu_groups/N/devices/<bdf> links, and nvme, vfio-pci and
 * lpc_ich have sys/bus/pci/drivers/<name>/{bind,unbind}; there is a
 * sys/bus/pci/drivers_probe. IOVM_STATE_DIR points at <root>/run/iovm
 * (not created), so bind.c never touches the host's /run/iovm.
 */
#ifndef IOVM_UNIT_FIXTURE_SRIOV_H
#define IOVM_UNIT_FIXTURE_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define FXS_PF   "0000:3b:00.0"
#define FXS_VF0  "0000:3b:00.1"
#define FXS_VF1  "0000:3b:00.2"
#define FXS_LPC  "0000:00:1f.0"
#define FXS_PMC  "0000:00:1f.2"
#define FXS_HDA  "0000:00:1f.3"

/* .init / .fini: fx_sysfs_create() and the tree above; removes it all. */
void fxs_setup(void);
void fxs_teardown(void);

/* The tree's root (IOVM_SYSFS_ROOT) and the full path of rel under it. */
const char *fxs_root(void);
void fxs_path(char *buf, size_t len, const char *rel);
/* "sys/devices/pci0000:00/<bdf>[/attr]", relative to the root. */
void fxs_dev(char *buf, size_t len, const char *bdf, const char *attr);

/* Attributes and links of a device (links replace an existing one). */
void fxs_attr(const char *bdf, const char *attr, const char *content);
void fxs_link(const char *bdf, const char *attr, const char *target);
void fxs_unlink(const char *bdf, const char *attr);
/* A function with vendor, device, class; driver NULL for none, group -1
 * for none (with the group's devices/ link otherwise), numa NULL for no
 * numa_node file. */
void fxs_add_fn(const char *bdf, const char *vendor, const char *device, const char *class_code,
		const char *driver, int group, const char *numa);

/* A file's raw bytes (not through product code), NUL-terminated. */
void fxs_read(const char *rel, char *buf, size_t len);
void fxs_read_attr(const char *bdf, const char *attr, char *buf, size_t len);
bool fxs_exists(const char *rel);
/* Sets rel's mtime to the epoch; fxs_mtime reads it back: a write in
 * between moves it to now. */
void fxs_age(const char *rel);
time_t fxs_mtime(const char *rel);

#endif
