/* SPDX-License-Identifier: MIT */
/* sriov/sysfs.c on recorded sysfs trees (IOVM_SYSFS_ROOT). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "sriov.h"

static const char *root;

static void setup(void)
{
	root = fx_sysfs_create();
}

TestSuite(sriov, .init = setup, .fini = fx_sysfs_destroy);

Test(sriov, sysfs_pci_path_under_root)
{
	char buf[512], want[512];

	cr_assert(eq(int, sysfs_pci_path(buf, sizeof(buf), "0000:3b:00.0", "sriov_numvfs"), 0));
	snprintf(want, sizeof(want), "%s/sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs", root);
	cr_assert(eq(str, buf, want));
	cr_assert(eq(int, sysfs_pci_path(buf, sizeof(buf), "0000:3b:00.0", NULL), 0));
	snprintf(want, sizeof(want), "%s/sys/bus/pci/devices/0000:3b:00.0", root);
	cr_assert(eq(str, buf, want));
}

Test(sriov, sysfs_pci_path_without_root)
{
	char buf[128];

	unsetenv("IOVM_SYSFS_ROOT");
	cr_assert(eq(int, sysfs_pci_path(buf, sizeof(buf), "0000:00:02.0", "iommu_group"), 0));
	cr_assert(eq(str, buf, "/sys/bus/pci/devices/0000:00:02.0/iommu_group"));
}

Test(sriov, sysfs_pci_path_too_long)
{
	char buf[40];

	unsetenv("IOVM_SYSFS_ROOT");
	/* "/sys/bus/pci/devices/0000:00:02.0" is 33 characters. */
	cr_assert(eq(int, sysfs_pci_path(buf, 34, "0000:00:02.0", NULL), 0));
	cr_assert(eq(int, sysfs_pci_path(buf, 33, "0000:00:02.0", NULL), -ENAMETOOLONG));
	cr_assert(eq(int, sysfs_pci_path(buf, sizeof(buf), "0000:00:02.0", "sriov_numvfs"),
		     -ENAMETOOLONG));
}

Test(sriov, bdf_valid_forms)
{
	cr_assert(pci_bdf_valid("0000:00:00.0"));
	cr_assert(pci_bdf_valid("0000:3b:00.1"));
	cr_assert(pci_bdf_valid("ffff:ff:1f.7"));
	cr_assert(pci_bdf_valid("0001:af:10.3"));
}

Test(sriov, bdf_invalid_forms)
{
	const char *bad[] = {
		"00:02.0",        /* short form, no domain */
		"0000:00:02",     /* no function */
		"0000:00:02.0\n", /* trailing junk */
		" 0000:00:02.0",
		"000g:00:02.0",   /* bad hex */
		"0000:0x:02.0",
		"0000:00:2g.0",
		"0000:00:20.0",   /* device > 0x1f */
		"0000:00:ff.0",
		"0000:00:02.8",   /* function > 7 */
		"0000:00:02.f",
		"0000.00:02.0",   /* wrong separators */
		"0000:00.02:0",
		"",
		NULL,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(pci_bdf_valid(bad[i]), "accepted \"%s\"", bad[i] ? bad[i] : "(null)");
}

Test(sriov, read_vfs_of_a_pf)
{
	const char *dev = fx_sysfs_add_pci("0000:3b:00.0");
	char attr[256];
	int total = -1, enabled = -1;

	snprintf(attr, sizeof(attr), "%s/sriov_totalvfs", dev);
	fx_sysfs_write(attr, "2\n");
	snprintf(attr, sizeof(attr), "%s/sriov_numvfs", dev);
	fx_sysfs_write(attr, "0\n");
	cr_assert(eq(int, sriov_read_vfs("0000:3b:00.0", &total, &enabled), 0));
	cr_assert(eq(int, total, 2));
	cr_assert(eq(int, enabled, 0));

	fx_sysfs_write(attr, "2\n");
	cr_assert(eq(int, sriov_read_vfs("0000:3b:00.0", &total, &enabled), 0));
	cr_assert(eq(int, enabled, 2));
}

Test(sriov, read_vfs_not_a_pf)
{
	int total = -1, enabled = -1;

	fx_sysfs_add_pci("0000:00:1f.2");
	cr_assert(eq(int, sriov_read_vfs("0000:00:1f.2", &total, &enabled), -ENOENT));
	/* No such device at all. */
	cr_assert(eq(int, sriov_read_vfs("0000:00:1f.3", &total, &enabled), -ENOENT));
}

Test(sriov, read_vfs_bad_input)
{
	const char *dev = fx_sysfs_add_pci("0000:3b:00.0");
	char attr[256];
	int total, enabled;

	cr_assert(eq(int, sriov_read_vfs("3b:00.0", &total, &enabled), -EINVAL));
	snprintf(attr, sizeof(attr), "%s/sriov_totalvfs", dev);
	fx_sysfs_write(attr, "garbage\n");
	cr_assert(eq(int, sriov_read_vfs("0000:3b:00.0", &total, &enabled), -EIO));
}
