/* SPDX-License-Identifier: MIT */
/*
 * Moving a PCI function between drivers the way the kernel intends:
 * driver_override + drivers_probe (so even VFs with autoprobe off bind),
 * remembering the original driver in $IOVM_STATE_DIR (default /run/iovm)
 * for `restore`. A function that holds a mounted filesystem or carries a
 * route is not taken from its driver unless forced.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sriov.h"

static void state_path(char *buf, size_t len, const char *bdf)
{
	const char *dir = getenv("IOVM_STATE_DIR");

	snprintf(buf, len, "%s/drivers/%s", dir ? dir : "/run/iovm", bdf);
}

static void mkdir_p(char *dir)
{
	for (char *p = dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(dir, 0755);
			*p = '/';
		}
	mkdir(dir, 0755);
}

/* Remembers the first driver we took the function from (once). */
static int remember_driver(const char *bdf, const char *driver)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	state_path(path, sizeof(path), bdf);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	mkdir_p(dir);
	if (!(f = fopen(path, "we")))
		return -errno;
	fprintf(f, "%s\n", driver);
	return fclose(f) ? -errno : 0;
}

static int remembered_driver(const char *bdf, char *out, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	state_path(path, sizeof(path), bdf);
	if (!(f = fopen(path, "re")))
		return -ENOENT;
	if (!fgets(out, len, f))
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	fclose(f);
	return 0;
}

static void forget_driver(const char *bdf)
{
	char path[PATH_MAX];

	state_path(path, sizeof(path), bdf);
	unlink(path);
}

/* Why taking bdf from its driver would hurt the host, or NULL. */
static const char *in_use_reason(const char *bdf, char *buf, size_t len)
{
	char line[512], path[PATH_MAX], dev[64];
	FILE *f;

	/* NVMe: a namespace of this controller is mounted (or is root). */
	if (nvme_pf_chardev(bdf, dev, sizeof(dev)) == 0 && (f = fopen("/proc/mounts", "re"))) {
		snprintf(path, sizeof(path), "%sn", dev);
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, path, strlen(path))) {
				snprintf(buf, len, "it holds a mounted filesystem (%.*s)",
					 (int)strcspn(line, " "), line);
				fclose(f);
				return buf;
			}
		fclose(f);
	}
	/* NIC: one of its interfaces carries a route. */
	sysfs_pci_path(path, sizeof(path), bdf, "net");
	if (access(path, F_OK) == 0 && (f = fopen("/proc/net/route", "re"))) {
		while (fgets(line, sizeof(line), f)) {
			char ifpath[PATH_MAX + 64];

			line[strcspn(line, "\t ")] = 0;
			snprintf(ifpath, sizeof(ifpath), "%s/%s", path, line);
			if (line[0] && access(ifpath, F_OK) == 0) {
				snprintf(buf, len, "its interface %s carries a route", line);
				fclose(f);
				return buf;
			}
		}
		fclose(f);
	}
	return NULL;
}

static int probe_with_override(const char *bdf, const char *driver)
{
	int ret = sysfs_pci_write(bdf, "driver_override", driver[0] ? driver : "\n");

	if (!ret)
		ret = sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	return ret == -ENODEV || ret == -EINVAL ? 0 : ret; /* no driver took it */
}

static int unbind_current(const char *bdf, const char *cur, char *err, size_t errlen)
{
	char rel[128];
	int ret;

	if (!cur[0])
		return 0;
	snprintf(rel, sizeof(rel), "/sys/bus/pci/drivers/%s/unbind", cur);
	ret = sysfs_write(rel, bdf);
	if (ret)
		snprintf(err, errlen, "%s: cannot unbind from %s: %s", bdf, cur, strerror(-ret));
	return ret;
}

static int check_device(const char *bdf, char *cur, size_t len, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (!pci_bdf_valid(bdf)) {
		snprintf(err, errlen, "'%s' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it", bdf);
		return -EINVAL;
	}
	sysfs_pci_path(path, sizeof(path), bdf, NULL);
	if (access(path, F_OK) != 0) {
		snprintf(err, errlen, "%s: no such PCI device (see iovm devices)", bdf);
		return -ENODEV;
	}
	return sysfs_pci_link(bdf, "driver", cur, len);
}

int pci_bind_checked(const char *bdf, const char *driver, bool force, char *err, size_t errlen)
{
	char cur[64], now[64], why[160];
	int ret = check_device(bdf, cur, sizeof(cur), err, errlen);

	if (ret || !strcmp(cur, driver))
		return ret;
	if (cur[0] && !force && in_use_reason(bdf, why, sizeof(why))) {
		snprintf(err, errlen, "%s: not taken from %s because %s: pass --force to do it anyway",
			 bdf, cur, why);
		return -EBUSY;
	}
	if ((ret = remember_driver(bdf, cur))) {
		snprintf(err, errlen, "%s: cannot record its driver for restore: %s", bdf, strerror(-ret));
		return ret;
	}
	if ((ret = unbind_current(bdf, cur, err, errlen)))
		return ret;
	ret = probe_with_override(bdf, driver);
	sysfs_pci_link(bdf, "driver", now, sizeof(now));
	if (!ret && strcmp(now, driver) != 0)
		ret = -ENOENT;
	if (ret) {
		snprintf(err, errlen, "%s: %s did not bind it%s: is the module loaded (modprobe %s)?",
			 bdf, driver, cur[0] ? " (it went back to its old driver)" : "", driver);
		probe_with_override(bdf, cur); /* roll back */
		sysfs_pci_write(bdf, "driver_override", "\n");
	}
	return ret;
}

int pci_bind(const char *bdf, const char *driver, char *err, size_t errlen)
{
	return pci_bind_checked(bdf, driver, false, err, errlen);
}

int pci_unbind(const char *bdf, char *err, size_t errlen)
{
	char cur[64];
	int ret = check_device(bdf, cur, sizeof(cur), err, errlen);

	if (ret || !cur[0])
		return ret;
	if ((ret = remember_driver(bdf, cur)))
		return ret;
	return unbind_current(bdf, cur, err, errlen);
}

int pci_restore(const char *bdf, char *err, size_t errlen)
{
	char cur[64], orig[64], now[64];
	int ret = check_device(bdf, cur, sizeof(cur), err, errlen);

	if (ret)
		return ret;
	if (remembered_driver(bdf, orig, sizeof(orig))) {
		snprintf(err, errlen, "%s: iovm has no record of its original driver (it was not "
			 "bound by iovm bind, or the host rebooted)", bdf);
		return -ENOENT;
	}
	if (strcmp(cur, orig) && (ret = unbind_current(bdf, cur, err, errlen)))
		return ret;
	if (strcmp(cur, orig) && orig[0])
		probe_with_override(bdf, orig);
	sysfs_pci_write(bdf, "driver_override", "\n");
	sysfs_pci_link(bdf, "driver", now, sizeof(now));
	if (strcmp(now, orig)) {
		if (orig[0])
			snprintf(err, errlen, "%s: %s did not take it back (now: %s)", bdf, orig,
				 now[0] ? now : "no driver");
		else
			snprintf(err, errlen, "%s: it had no driver before iovm, but %s took it again",
				 bdf, now);
		return -EIO;
	}
	forget_driver(bdf);
	return 0;
}
