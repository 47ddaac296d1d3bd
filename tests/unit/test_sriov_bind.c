/* SPDX-License-Identifier: MIT */
/*
 * sriov/bind.c on the recorded tree (fixture_sriov.h), with IOVM_STATE_DIR
 * inside it: the record of the original driver, and the paths that end
 * without a kernel taking the device (a file in the tree does not probe).
 * A successful bind needs the kernel and is left to the lab.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "fixture_sriov.h"
#include "sriov.h"

#define assert_has(s, sub) cr_assert(strstr((s), (sub)) != NULL, "'%s' lacks '%s'", (s), (sub))
#define assert_lacks(s, sub) cr_assert(strstr((s), (sub)) == NULL, "'%s' has '%s'", (s), (sub))

#define RECORD(bdf) "run/iovm/drivers/" bdf

static char err[512];

TestSuite(sriov_bind, .init = fxs_setup, .fini = fxs_teardown);

static void assert_file(const char *rel, const char *want)
{
	char buf[128];

	fxs_read(rel, buf, sizeof(buf));
	cr_assert(eq(str, buf, (char *)want), "%s", rel);
}

Test(sriov_bind, restore_without_a_record)
{
	cr_assert(eq(int, pci_restore(FXS_LPC, err, sizeof(err)), -ENOENT));
	cr_assert(eq(str, err, FXS_LPC ": iovm has no record of its original driver (it was not "
		     "bound by iovm bind, or the host rebooted)"));
	/* Nothing was touched on the way. */
	assert_file("sys/bus/pci/drivers/lpc_ich/unbind", "");
	assert_file("sys/devices/pci0000:00/" FXS_LPC "/driver_override", "(null)\n");
}

Test(sriov_bind, restore_honours_the_state_dir)
{
	/* A record under another state directory is not this one's. */
	fx_sysfs_write("elsewhere/drivers/" FXS_LPC, "lpc_ich\n");
	cr_assert(eq(int, pci_restore(FXS_LPC, err, sizeof(err)), -ENOENT));
	fxs_path(err, sizeof(err), "elsewhere");
	cr_assert(eq(int, setenv("IOVM_STATE_DIR", err, 1), 0));
	cr_assert(eq(int, pci_restore(FXS_LPC, err, sizeof(err)), 0), "%s", err);
}

Test(sriov_bind, restore_bad_address_or_no_device)
{
	cr_assert(eq(int, pci_restore("00:1f.0", err, sizeof(err)), -EINVAL));
	cr_assert(eq(str, err, "'00:1f.0' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it"));
	cr_assert(eq(int, pci_restore("0000:00:1f.5", err, sizeof(err)), -ENODEV));
	cr_assert(eq(str, err, "0000:00:1f.5: no such PCI device (see iovm devices)"));
}

Test(sriov_bind, unbind_records_the_driver_once)
{
	cr_assert(eq(int, pci_unbind(FXS_LPC, err, sizeof(err)), 0), "%s", err);
	assert_file(RECORD(FXS_LPC), "lpc_ich\n");
	assert_file("sys/bus/pci/drivers/lpc_ich/unbind", FXS_LPC);
	/* Later moves keep the first driver: that is the one to go back to. */
	fxs_link(FXS_LPC, "driver", "../../../bus/pci/drivers/vfio-pci");
	cr_assert(eq(int, pci_unbind(FXS_LPC, err, sizeof(err)), 0), "%s", err);
	assert_file(RECORD(FXS_LPC), "lpc_ich\n");
	assert_file("sys/bus/pci/drivers/vfio-pci/unbind", FXS_LPC);
}

Test(sriov_bind, unbind_without_a_driver_does_nothing)
{
	cr_assert(eq(int, pci_unbind(FXS_HDA, err, sizeof(err)), 0), "%s", err);
	cr_assert_not(fxs_exists("run"));
}

Test(sriov_bind, unbind_failure_is_explained)
{
	char path[512];

	/* No unbind file: the driver went away under us. */
	fxs_path(path, sizeof(path), "sys/bus/pci/drivers/lpc_ich/unbind");
	cr_assert(eq(int, remove(path), 0));
	cr_assert(eq(int, pci_unbind(FXS_LPC, err, sizeof(err)), -ENOENT));
	assert_has(err, FXS_LPC ": cannot unbind from lpc_ich: ");
}

Test(sriov_bind, restore_when_the_driver_is_back_forgets_the_record)
{
	cr_assert(eq(int, pci_unbind(FXS_LPC, err, sizeof(err)), 0), "%s", err);
	cr_assert(fxs_exists(RECORD(FXS_LPC)));
	/* The tree's driver link still says lpc_ich. */
	cr_assert(eq(int, pci_restore(FXS_LPC, err, sizeof(err)), 0), "%s", err);
	cr_assert_not(fxs_exists(RECORD(FXS_LPC)), "record kept after a restore");
	cr_assert(eq(int, pci_restore(FXS_LPC, err, sizeof(err)), -ENOENT));
}

Test(sriov_bind, restore_that_does_not_take_keeps_the_record)
{
	fx_sysfs_write(RECORD(FXS_PMC), "i801_smbus\n");
	cr_assert(eq(int, pci_restore(FXS_PMC, err, sizeof(err)), -EIO));
	cr_assert(eq(str, err, FXS_PMC ": i801_smbus did not take it back (now: vfio-pci)"));
	/* It was taken from vfio-pci and offered to the kernel. */
	assert_file("sys/bus/pci/drivers/vfio-pci/unbind", FXS_PMC);
	assert_file("sys/bus/pci/drivers_probe", FXS_PMC);
	assert_file(RECORD(FXS_PMC), "i801_smbus\n");
}

Test(sriov_bind, restore_to_no_driver)
{
	fx_sysfs_write(RECORD(FXS_PMC), "\n");
	cr_assert(eq(int, pci_restore(FXS_PMC, err, sizeof(err)), -EIO));
	assert_has(err, "vfio-pci");
	assert_file("sys/bus/pci/drivers/vfio-pci/unbind", FXS_PMC);
	/* Nothing to probe for. */
	assert_file("sys/bus/pci/drivers_probe", "");
	assert_file(RECORD(FXS_PMC), "\n");
	/* Once the unbind has happened, the record goes. */
	fxs_unlink(FXS_PMC, "driver");
	cr_assert(eq(int, pci_restore(FXS_PMC, err, sizeof(err)), 0), "%s", err);
	cr_assert_not(fxs_exists(RECORD(FXS_PMC)));
}

/* Regression (found by this suite, fixed): when the original state was "no driver", pci_restore's
 * failure names an empty driver: "0000:00:1f.2:  did not take it back".
 * Fix (bind.c, pci_restore): for orig "" say that vfio-pci (now) did not
 * let it go, e.g. "%s: still bound to %s after unbinding it". */
Test(sriov_bind, restore_to_no_driver_names_no_empty_driver)
{
	fx_sysfs_write(RECORD(FXS_PMC), "\n");
	cr_assert(eq(int, pci_restore(FXS_PMC, err, sizeof(err)), -EIO));
	assert_lacks(err, ":  ");
	assert_lacks(err, " did not take it back");
}

Test(sriov_bind, bind_to_the_same_driver_is_a_no_op)
{
	cr_assert(eq(int, pci_bind(FXS_VF0, "vfio-pci", err, sizeof(err)), 0), "%s", err);
	cr_assert_not(fxs_exists("run"));
	assert_file("sys/bus/pci/drivers/vfio-pci/unbind", "");
}

Test(sriov_bind, bind_that_no_driver_takes_from_a_driver)
{
	cr_assert(eq(int, pci_bind(FXS_LPC, "vfio-pci", err, sizeof(err)), -ENOENT));
	cr_assert(eq(str, err, FXS_LPC ": vfio-pci did not bind it (it went back to its old driver): "
		     "is the module loaded (modprobe vfio-pci)?"));
	assert_file(RECORD(FXS_LPC), "lpc_ich\n");
	assert_file("sys/bus/pci/drivers/lpc_ich/unbind", FXS_LPC);
	assert_file("sys/bus/pci/drivers_probe", FXS_LPC);
}

Test(sriov_bind, bind_that_no_driver_takes_from_none)
{
	cr_assert(eq(int, pci_bind(FXS_HDA, "vfio-pci", err, sizeof(err)), -ENOENT));
	cr_assert(eq(str, err, FXS_HDA ": vfio-pci did not bind it: is the module loaded "
		     "(modprobe vfio-pci)?"));
	assert_lacks(err, "went back");
	assert_file(RECORD(FXS_HDA), "\n");
}

Test(sriov_bind, bind_bad_address_or_no_device)
{
	cr_assert(eq(int, pci_bind("0000:00:1f.8", "vfio-pci", err, sizeof(err)), -EINVAL));
	assert_has(err, "is not a PCI address");
	cr_assert(eq(int, pci_bind("0000:00:1e.0", "vfio-pci", err, sizeof(err)), -ENODEV));
	assert_has(err, "no such PCI device");
	cr_assert_not(fxs_exists("run"));
}
