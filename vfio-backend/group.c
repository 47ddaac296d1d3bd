/* SPDX-License-Identifier: MIT */
/*
 * Host-side checks before a device is touched: it exists, it is bound to
 * vfio-pci, its IOMMU group is viable and nobody else holds it. Each
 * failure says what to run to fix it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "sriov.h"
#include "vfio.h"
#include "vfio_priv.h"
#include "vmm.h"

static int link_basename(const char *path, char *out, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	char *base;

	if (n < 0)
		return -errno;
	target[n] = 0;
	base = strrchr(target, '/');
	snprintf(out, len, "%s", base ? base + 1 : target);
	return 0;
}

int vfio_iommu_group(const char *bdf)
{
	char path[PATH_MAX], name[64], *end;
	long g;
	int ret;

	if (!pci_bdf_valid(bdf))
		return -EINVAL;
	if ((ret = sysfs_pci_path(path, sizeof(path), bdf, "iommu_group")))
		return ret;
	if ((ret = link_basename(path, name, sizeof(name))))
		return ret;
	g = strtol(name, &end, 10);
	return !name[0] || *end || g < 0 ? -EINVAL : (int)g;
}

int vfio_check_host_device(const char *bdf)
{
	char path[PATH_MAX], drv[64];

	sysfs_pci_path(path, sizeof(path), bdf, NULL);
	if (access(path, F_OK) != 0) {
		vmm_log("%s: no such PCI device (list them with lspci -D)", bdf);
		return -ENODEV;
	}
	if (vfio_iommu_group(bdf) < 0) {
		vmm_log("%s: no IOMMU group, so the IOMMU is off: enable VT-d/AMD-Vi in firmware "
			"and boot with intel_iommu=on (or amd_iommu=on)", bdf);
		return -ENODEV;
	}
	sysfs_pci_link(bdf, "driver", drv, sizeof(drv));
	if (strcmp(drv, "vfio-pci") != 0) {
		vmm_log("%s is %s%s, not vfio-pci: bind it with "
			"'echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; "
			"echo %s > /sys/bus/pci/drivers_probe'%s",
			bdf, drv[0] ? "bound to " : "not bound to any driver", drv, bdf, bdf,
			drv[0] ? " (unbind it from its driver first)" : "");
		return -EBUSY;
	}
	return 0;
}

/* Lists the group's other members and their drivers into the log. */
static void log_group_members(int group, const char *self)
{
	char path[PATH_MAX], drv[64];
	struct dirent *d;
	DIR *dir;
	const char *root = getenv("IOVM_SYSFS_ROOT");

	snprintf(path, sizeof(path), "%s/sys/kernel/iommu_groups/%d/devices",
		 root ? root : "", group);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, self))
			continue;
		sysfs_pci_link(d->d_name, "driver", drv, sizeof(drv));
		vmm_log("  group %d also holds %s, driver %s%s", group, d->d_name,
			drv[0] ? drv : "(none)",
			!drv[0] || !strcmp(drv, "vfio-pci") || !strcmp(drv, "pcieport") ?
			"" : ": bind it to vfio-pci or unbind it");
	}
	closedir(dir);
}

int vfio_group_open(int group, const char *bdf)
{
	char path[64];
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno, pid = e == EBUSY ? vfio_group_holder(group) : 0;

		if (e == EBUSY)
			vmm_log("%s: IOMMU group %d is in use by %s%d: the device is already "
				"given to another VM", bdf, group, pid ? "process " : "another process", pid);
		else
			vmm_log("%s: cannot open %s: %s", bdf, path, strerror(e));
		return -e;
	}
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0 || !(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		vmm_log("%s: IOMMU group %d is not viable: every device in it must be bound to "
			"vfio-pci or to no driver", bdf, group);
		log_group_members(group, bdf);
		close(fd);
		return -EPERM;
	}
	return fd;
}
