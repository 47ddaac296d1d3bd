/* SPDX-License-Identifier: MIT */
/* sysfs access, rooted at $IOVM_SYSFS_ROOT when set. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sriov.h"

int sysfs_path(char *buf, size_t len, const char *rel)
{
	const char *root = getenv("IOVM_SYSFS_ROOT");
	int n = snprintf(buf, len, "%s%s", root ? root : "", rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int sysfs_pci_path(char *buf, size_t len, const char *bdf, const char *attr)
{
	char rel[256];
	int n = snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s%s%s", bdf,
			 attr ? "/" : "", attr ? attr : "");

	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	return sysfs_path(buf, len, rel);
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

static int read_path(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = 0;
	out[strcspn(out, "\n")] = 0;
	return 0;
}

int sysfs_pci_read(const char *bdf, const char *attr, char *out, size_t len)
{
	char path[PATH_MAX];
	int ret = sysfs_pci_path(path, sizeof(path), bdf, attr);

	return ret ? ret : read_path(path, out, len);
}

int sysfs_pci_read_int(const char *bdf, const char *attr, long *out)
{
	char buf[64], *end;
	int ret = sysfs_pci_read(bdf, attr, buf, sizeof(buf));

	if (ret)
		return ret;
	*out = strtol(buf, &end, 0);
	return end == buf ? -EIO : 0;
}

static int write_path(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return close(fd) < 0 ? -errno : 0;
}

int sysfs_pci_write(const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];
	int ret = sysfs_pci_path(path, sizeof(path), bdf, attr);

	return ret ? ret : write_path(path, val);
}

int sysfs_write(const char *rel, const char *val)
{
	char path[PATH_MAX];
	int ret = sysfs_path(path, sizeof(path), rel);

	return ret ? ret : write_path(path, val);
}

int sysfs_pci_link(const char *bdf, const char *attr, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX], *base;
	ssize_t n;
	int ret = sysfs_pci_path(path, sizeof(path), bdf, attr);

	if (ret)
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		out[0] = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	target[n] = 0;
	base = strrchr(target, '/');
	snprintf(out, len, "%s", base ? base + 1 : target);
	return 0;
}

int sriov_read_vfs(const char *bdf, int *total, int *enabled)
{
	long t, e;
	int ret;

	if (!pci_bdf_valid(bdf))
		return -EINVAL;
	ret = sysfs_pci_read_int(bdf, "sriov_totalvfs", &t);
	if (!ret)
		ret = sysfs_pci_read_int(bdf, "sriov_numvfs", &e);
	if (!ret) {
		*total = t;
		*enabled = e;
	}
	return ret;
}

int sysfs_pci_first_entry(const char *bdf, const char *sub, const char *prefix,
			  char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int ret = -ENOENT;

	sysfs_pci_path(path, sizeof(path), bdf, sub);
	if (!(dir = opendir(path)))
		return -ENOENT;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.' && !strncmp(d->d_name, prefix, strlen(prefix))) {
			snprintf(out, len, "%s", d->d_name);
			ret = 0;
			break;
		}
	closedir(dir);
	return ret;
}
