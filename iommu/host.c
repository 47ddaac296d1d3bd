/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"

static int count_entries(const char *rel)
{
	const char *root = getenv("IOVM_SYSFS_ROOT");
	char path[512];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "%s%s", root ? root : "", rel);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

int iommu_host_probe(struct iommu_host_info *info)
{
	info->units = count_entries("/sys/class/iommu");
	info->groups = count_entries("/sys/kernel/iommu_groups");
	if (info->units < 0)
		return info->units;
	return info->groups < 0 ? info->groups : 0;
}

bool iommu_host_irq_remapping(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/interrupts", "re");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " IR-") != NULL;
	if (f)
		fclose(f);
	return found;
}
