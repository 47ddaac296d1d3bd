/* SPDX-License-Identifier: MIT */
/* Recorded sysfs trees under a temporary directory. See fixture.h. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fixture.h"

static char fx_root[PATH_MAX];

const char *fx_sysfs_create(void)
{
	snprintf(fx_root, sizeof(fx_root), "/tmp/iovm-unit-sysfs.XXXXXX");
	cr_assert_not_null(mkdtemp(fx_root), "mkdtemp: %s", strerror(errno));
	cr_assert_eq(setenv("IOVM_SYSFS_ROOT", fx_root, 1), 0);
	return fx_root;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fx_sysfs_destroy(void)
{
	unsetenv("IOVM_SYSFS_ROOT");
	if (fx_root[0])
		nftw(fx_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	fx_root[0] = 0;
}

static void full_path(char *buf, size_t len, const char *rel)
{
	int n = snprintf(buf, len, "%s/%s", fx_root, rel);

	cr_assert(n > 0 && (size_t)n < len, "path too long: %s", rel);
}

void fx_sysfs_mkdir(const char *rel)
{
	char path[PATH_MAX];

	full_path(path, sizeof(path), rel);
	/* mkdir -p */
	for (char *p = path + strlen(fx_root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST,
			  "mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST,
		  "mkdir %s: %s", path, strerror(errno));
}

static void mkdir_parent(const char *rel)
{
	char parent[PATH_MAX];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", rel);
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = 0;
		fx_sysfs_mkdir(parent);
	}
}

void fx_sysfs_write(const char *rel, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	mkdir_parent(rel);
	full_path(path, sizeof(path), rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
	cr_assert_eq(fputs(content, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
}

void fx_sysfs_symlink(const char *rel, const char *target)
{
	char path[PATH_MAX];

	mkdir_parent(rel);
	full_path(path, sizeof(path), rel);
	cr_assert_eq(symlink(target, path), 0, "symlink %s -> %s: %s", path,
		     target, strerror(errno));
}

const char *fx_sysfs_add_pci(const char *bdf)
{
	static char dev[PATH_MAX];
	char link[PATH_MAX], target[PATH_MAX];

	snprintf(dev, sizeof(dev), "sys/devices/pci0000:00/%s", bdf);
	fx_sysfs_mkdir(dev);
	snprintf(link, sizeof(link), "%s/vendor", dev);
	fx_sysfs_write(link, "0x8086\n");
	snprintf(link, sizeof(link), "sys/bus/pci/devices/%s", bdf);
	snprintf(target, sizeof(target), "../../../devices/pci0000:00/%s", bdf);
	fx_sysfs_symlink(link, target);
	return dev;
}
