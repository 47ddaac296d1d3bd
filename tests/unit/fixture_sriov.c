/* SPDX-License-Identifier: MIT */
/* The sriov suite's recorded sysfs tree. See fixture_sriov.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "fixture_sriov.h"

static char root[PATH_MAX];

const char *fxs_root(void)
{
	return root;
}

void fxs_path(char *buf, size_t len, const char *rel)
{
	int n = snprintf(buf, len, "%s/%s", root, rel);

	cr_assert(n > 0 && (size_t)n < len, "path too long: %s", rel);
}

void fxs_dev(char *buf, size_t len, const char *bdf, const char *attr)
{
	int n = snprintf(buf, len, "sys/devices/pci0000:00/%s%s%s", bdf, attr ? "/" : "",
			 attr ? attr : "");

	cr_assert(n > 0 && (size_t)n < len);
}

void fxs_attr(const char *bdf, const char *attr, const char *content)
{
	char rel[PATH_MAX];

	fxs_dev(rel, sizeof(rel), bdf, attr);
	fx_sysfs_write(rel, content);
}

void fxs_unlink(const char *bdf, const char *attr)
{
	char rel[PATH_MAX], path[PATH_MAX];

	fxs_dev(rel, sizeof(rel), bdf, attr);
	fxs_path(path, sizeof(path), rel);
	cr_assert(unlink(path) == 0 || errno == ENOENT, "unlink %s: %s", path, strerror(errno));
}

void fxs_link(const char *bdf, const char *attr, const char *target)
{
	char rel[PATH_MAX];

	fxs_unlink(bdf, attr);
	fxs_dev(rel, sizeof(rel), bdf, attr);
	fx_sysfs_symlink(rel, target);
}

void fxs_add_fn(const char *bdf, const char *vendor, const char *device, const char *class_code,
		const char *driver, int group, const char *numa)
{
	char buf[PATH_MAX], target[PATH_MAX];

	fx_sysfs_add_pci(bdf);
	snprintf(buf, sizeof(buf), "%s\n", vendor);
	fxs_attr(bdf, "vendor", buf);
	snprintf(buf, sizeof(buf), "%s\n", device);
	fxs_attr(bdf, "device", buf);
	snprintf(buf, sizeof(buf), "%s\n", class_code);
	fxs_attr(bdf, "class", buf);
	fxs_attr(bdf, "driver_override", "(null)\n");
	if (numa) {
		snprintf(buf, sizeof(buf), "%s\n", numa);
		fxs_attr(bdf, "numa_node", buf);
	}
	if (driver) {
		snprintf(buf, sizeof(buf), "sys/bus/pci/drivers/%s/unbind", driver);
		fx_sysfs_write(buf, "");
		snprintf(buf, sizeof(buf), "sys/bus/pci/drivers/%s/bind", driver);
		fx_sysfs_write(buf, "");
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
		fxs_link(bdf, "driver", target);
	}
	if (group >= 0) {
		snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
		fxs_link(bdf, "iommu_group", target);
		snprintf(buf, sizeof(buf), "sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
		snprintf(target, sizeof(target), "../../../../devices/pci0000:00/%s", bdf);
		fx_sysfs_symlink(buf, target);
	}
}

void fxs_setup(void)
{
	char state[PATH_MAX];

	snprintf(root, sizeof(root), "%s", fx_sysfs_create());
	fxs_path(state, sizeof(state), "run/iovm");
	cr_assert_eq(setenv("IOVM_STATE_DIR", state, 1), 0);
	fx_sysfs_write("sys/bus/pci/drivers_probe", "");

	/* Created out of address order, so a listing has to sort. */
	fxs_add_fn(FXS_PF, "0x1b36", "0x0010", "0x010802", "nvme", 12, "1");
	fxs_attr(FXS_PF, "sriov_totalvfs", "4\n");
	fxs_attr(FXS_PF, "sriov_numvfs", "2\n");
	fxs_attr(FXS_PF, "sriov_drivers_autoprobe", "1\n");
	fxs_link(FXS_PF, "virtfn0", "../" FXS_VF0);
	fxs_link(FXS_PF, "virtfn1", "../" FXS_VF1);
	fxs_add_fn(FXS_VF1, "0x1b36", "0x0010", "0x010802", NULL, 14, "1");
	fxs_link(FXS_VF1, "physfn", "../" FXS_PF);
	fxs_add_fn(FXS_VF0, "0x1b36", "0x0010", "0x010802", "vfio-pci", 13, "1");
	fxs_link(FXS_VF0, "physfn", "../" FXS_PF);

	fxs_add_fn(FXS_HDA, "0x8086", "0xa348", "0x040300", NULL, 20, "-1");
	fxs_add_fn(FXS_LPC, "0x8086", "0xa30e", "0x060100", "lpc_ich", 20, "-1");
	fxs_add_fn(FXS_PMC, "0x8086", "0xa321", "0x058000", "vfio-pci", 20, "-1");
}

void fxs_teardown(void)
{
	unsetenv("IOVM_STATE_DIR");
	fx_sysfs_destroy();
	root[0] = 0;
}

void fxs_read(const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	fxs_path(path, sizeof(path), rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert(fd >= 0, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, len - 1);
	cr_assert(n >= 0, "read %s: %s", path, strerror(errno));
	buf[n] = 0;
	close(fd);
}

void fxs_read_attr(const char *bdf, const char *attr, char *buf, size_t len)
{
	char rel[PATH_MAX];

	fxs_dev(rel, sizeof(rel), bdf, attr);
	fxs_read(rel, buf, len);
}

bool fxs_exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	fxs_path(path, sizeof(path), rel);
	return lstat(path, &st) == 0;
}

void fxs_age(const char *rel)
{
	char path[PATH_MAX];
	struct timespec epoch[2] = { { 0, 0 }, { 0, 0 } };

	fxs_path(path, sizeof(path), rel);
	cr_assert_eq(utimensat(AT_FDCWD, path, epoch, 0), 0, "utimensat %s: %s", path,
		     strerror(errno));
}

time_t fxs_mtime(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	fxs_path(path, sizeof(path), rel);
	cr_assert_eq(stat(path, &st), 0, "stat %s: %s", path, strerror(errno));
	return st.st_mtime;
}
