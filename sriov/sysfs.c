/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sriov.h"

int sysfs_pci_path(char *buf, size_t len, const char *bdf, const char *attr)
{
	const char *root = getenv("IOVM_SYSFS_ROOT");
	int n = snprintf(buf, len, "%s/sys/bus/pci/devices/%s%s%s", root ? root : "",
			 bdf, attr ? "/" : "", attr ? attr : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int pci_bdf_valid(const char *bdf)
{
	/* dddd:bb:dd.f, hex digits, device <= 0x1f, function <= 7 */
	static const char shape[] = "xxxx:xx:xx.x";

	if (!bdf || strlen(bdf) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'x' ? !isxdigit((unsigned char)bdf[i]) : bdf[i] != shape[i])
			return 0;
	return strtoul(bdf + 8, NULL, 16) <= 0x1f && bdf[11] <= '7';
}

static int read_int_attr(const char *bdf, const char *attr, int *out)
{
	char path[512];
	FILE *f;
	int ret;

	if ((ret = sysfs_pci_path(path, sizeof(path), bdf, attr)))
		return ret;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = fscanf(f, "%d", out) == 1 ? 0 : -EIO;
	fclose(f);
	return ret;
}

int sriov_read_vfs(const char *bdf, int *total, int *enabled)
{
	int ret;

	if (!pci_bdf_valid(bdf))
		return -EINVAL;
	ret = read_int_attr(bdf, "sriov_totalvfs", total);
	if (!ret)
		ret = read_int_attr(bdf, "sriov_numvfs", enabled);
	return ret;
}
