/* SPDX-License-Identifier: MIT */
/* Listing PCI functions from sysfs, with their groups and SR-IOV state. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sriov.h"

static long read_long(const char *bdf, const char *attr, long dflt)
{
	long v;

	return sysfs_pci_read_int(bdf, attr, &v) ? dflt : v;
}

/* For a VF: which virtfnN link of its PF points back at it. */
static int vf_index_of(const char *pf, const char *vf)
{
	for (int i = 0; i < 256; i++) {
		char name[32], target[32];

		snprintf(name, sizeof(name), "virtfn%d", i);
		if (sysfs_pci_link(pf, name, target, sizeof(target)) || !target[0])
			return -1;
		if (!strcmp(target, vf))
			return i;
	}
	return -1;
}

int pci_fn_read(const char *bdf, struct pci_fn *f)
{
	char group[32];
	long total;

	memset(f, 0, sizeof(*f));
	if (!pci_bdf_valid(bdf))
		return -EINVAL;
	snprintf(f->bdf, sizeof(f->bdf), "%s", bdf);
	f->vendor = read_long(bdf, "vendor", -1);
	if (f->vendor == 0xffff)
		return -ENODEV;
	f->device = read_long(bdf, "device", 0);
	f->class_code = read_long(bdf, "class", 0);
	f->numa_node = read_long(bdf, "numa_node", -1);
	sysfs_pci_link(bdf, "driver", f->driver, sizeof(f->driver));
	sysfs_pci_link(bdf, "iommu_group", group, sizeof(group));
	f->iommu_group = group[0] ? atoi(group) : -1;
	total = read_long(bdf, "sriov_totalvfs", -1);
	f->sriov_total = total;
	f->sriov_num = total >= 0 ? read_long(bdf, "sriov_numvfs", 0) : -1;
	sysfs_pci_link(bdf, "physfn", f->pf, sizeof(f->pf));
	f->vf_index = f->pf[0] ? vf_index_of(f->pf, bdf) : -1;
	return 0;
}

static int by_bdf(const void *a, const void *b)
{
	return strcmp(((const struct pci_fn *)a)->bdf, ((const struct pci_fn *)b)->bdf);
}

int pci_fn_list(struct pci_fn **out)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct pci_fn *list = NULL;
	int n = 0, cap = 0;
	DIR *dir;

	sysfs_path(path, sizeof(path), "/sys/bus/pci/devices");
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!pci_bdf_valid(d->d_name))
			continue;
		if (n == cap) {
			struct pci_fn *nl = realloc(list, (cap = cap ? cap * 2 : 32) * sizeof(*nl));

			if (!nl) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = nl;
		}
		if (pci_fn_read(d->d_name, &list[n]) == 0)
			n++;
	}
	closedir(dir);
	qsort(list, n, sizeof(*list), by_bdf);
	*out = list;
	return n;
}

int sriov_vf_bdf(const char *pf, int index, char *out, size_t len)
{
	char name[32];

	snprintf(name, sizeof(name), "virtfn%d", index);
	if (sysfs_pci_link(pf, name, out, len) || !out[0])
		return -ENOENT;
	return 0;
}

int pci_group_members(const char *bdf, char out[][16], int max)
{
	char group[32], rel[96], path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	sysfs_pci_link(bdf, "iommu_group", group, sizeof(group));
	if (!group[0])
		return -ENODEV;
	snprintf(rel, sizeof(rel), "/sys/kernel/iommu_groups/%s/devices", group);
	sysfs_path(path, sizeof(path), rel);
	if (!(dir = opendir(path)))
		return -errno;
	while ((d = readdir(dir)) && n < max)
		if (pci_bdf_valid(d->d_name))
			snprintf(out[n++], 16, "%s", d->d_name);
	closedir(dir);
	return n;
}

/* The PID of another process holding /dev/vfio/<group>, or 0. */
int vfio_group_holder(int group)
{
	char want[32], path[PATH_MAX], target[64];
	struct dirent *p, *f;
	DIR *proc = opendir("/proc"), *fds;
	int found = 0;

	snprintf(want, sizeof(want), "/dev/vfio/%d", group);
	while (proc && !found && (p = readdir(proc))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9' || atoi(p->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if (!(fds = opendir(path)))
			continue;
		while (!found && (f = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, f->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n > 0 && (target[n] = 0, !strcmp(target, want)))
				found = atoi(p->d_name);
		}
		closedir(fds);
	}
	if (proc)
		closedir(proc);
	return found;
}

