/* SPDX-License-Identifier: MIT */
/*
 * Creating and removing VFs through sriov_numvfs, with the kernel's errno
 * turned into a cause and a fix.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sriov.h"

#define VF_WAIT_MS 10000

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void numvfs_error(int e, const char *pf, int n, int total, char *err, size_t len)
{
	switch (e) {
	case ENOMEM:
		snprintf(err, len, "%s: no room for %d VFs (ENOMEM): the bridge window is too small, "
			 "SR-IOV is off in firmware, or the kernel needs pci=realloc", pf, n);
		break;
	case ERANGE:
		snprintf(err, len, "%s: %d VFs is more than sriov_totalvfs (%d)", pf, n, total);
		break;
	case EBUSY:
		snprintf(err, len, "%s: VFs are in use (EBUSY): stop what uses them first", pf);
		break;
	case EACCES:
	case EPERM:
		snprintf(err, len, "%s: no permission to write sriov_numvfs: run as root", pf);
		break;
	default:
		snprintf(err, len, "%s: writing %d to sriov_numvfs: %s", pf, n, strerror(e));
	}
}

static int write_numvfs(const char *pf, int n, int total, char *err, size_t errlen)
{
	char val[16];
	int ret;

	snprintf(val, sizeof(val), "%d", n);
	ret = sysfs_pci_write(pf, "sriov_numvfs", val);
	if (ret)
		numvfs_error(-ret, pf, n, total, err, errlen);
	return ret;
}

/* VFs appear asynchronously on some kernels: wait for the last one. */
static int wait_vfs(const char *pf, int n, char *err, size_t errlen)
{
	char vf[16];

	for (long waited = 0; n > 0 && waited < VF_WAIT_MS; waited += 50) {
		if (!sriov_vf_bdf(pf, n - 1, vf, sizeof(vf)))
			return 0;
		sleep_ms(50);
	}
	if (n > 0) {
		snprintf(err, errlen, "%s: sriov_numvfs is %d but the VFs did not appear in %d s",
			 pf, n, VF_WAIT_MS / 1000);
		return -ETIMEDOUT;
	}
	return 0;
}

int sriov_set_numvfs(const char *pf, int n, char *err, size_t errlen)
{
	int total, cur, ret;

	if (!pci_bdf_valid(pf)) {
		snprintf(err, errlen, "'%s' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it", pf);
		return -EINVAL;
	}
	ret = sriov_read_vfs(pf, &total, &cur);
	if (ret) {
		snprintf(err, errlen, ret == -ENOENT ? "%s: no such device, or not an SR-IOV physical function "
			 "(no sriov_totalvfs)" : "%s: cannot read its SR-IOV state", pf);
		return ret == -ENOENT ? -ENODEV : ret;
	}
	if (n < 0 || n > total) {
		snprintf(err, errlen, "%s supports at most %d VFs (sriov_totalvfs), not %d", pf, total, n);
		return -ERANGE;
	}
	if (n == cur)
		return 0;
	/* VFs meant for guests: do not let host drivers grab them. */
	if (n > 0)
		sysfs_pci_write(pf, "sriov_drivers_autoprobe", "0");
	/* The kernel only changes a non-zero count through zero. */
	if (cur > 0 && (ret = write_numvfs(pf, 0, total, err, errlen)))
		return ret;
	if (n > 0 && (ret = write_numvfs(pf, n, total, err, errlen))) {
		char ignored[256];

		if (cur > 0) /* roll back to what was there */
			write_numvfs(pf, cur, total, ignored, sizeof(ignored));
		return ret;
	}
	return wait_vfs(pf, n, err, errlen);
}
