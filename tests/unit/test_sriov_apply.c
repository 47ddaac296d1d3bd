/* SPDX-License-Identifier: MIT */
/*
 * sriov/apply.c: devconf_apply on the recorded tree (fixture_sriov.h). A dry
 * run prints what it would change and changes nothing; a real run that
 * fails half way undoes its changes, newest first.
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

#define NUMVFS "sys/devices/pci0000:00/" FXS_PF "/sriov_numvfs"
#define AUTOPROBE "sys/devices/pci0000:00/" FXS_PF "/sriov_drivers_autoprobe"

static struct devconf conf;
static char err[512];
static char *out;

static void fini(void)
{
	free(out);
	out = NULL;
	fxs_teardown();
}

TestSuite(devconf_apply, .init = fxs_setup, .fini = fini);

/* Parses text and applies it; out gets what was printed. */
static int apply(const char *text, bool dry_run)
{
	size_t len = 0;
	FILE *f;
	int ret;

	cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), 0), "%s", err);
	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	cr_assert_not_null(f);
	ret = devconf_apply(&conf, dry_run, f, err, sizeof(err));
	cr_assert(eq(int, fclose(f), 0));
	return ret;
}

/* A dry run writes no attribute, no driver file and no state. */
static void assert_nothing_written(void)
{
	static const char *const bdfs[] = { FXS_PF, FXS_VF0, FXS_VF1, FXS_LPC, FXS_PMC, FXS_HDA };
	static const char *const drivers[] = { "nvme", "vfio-pci", "lpc_ich" };
	char rel[256], buf[64];

	fxs_read(NUMVFS, buf, sizeof(buf));
	cr_assert(eq(str, buf, "2\n"));
	cr_assert(eq(i64, (int64_t)fxs_mtime(NUMVFS), 0), "sriov_numvfs written");
	cr_assert(eq(i64, (int64_t)fxs_mtime(AUTOPROBE), 0), "sriov_drivers_autoprobe written");
	for (size_t i = 0; i < sizeof(bdfs) / sizeof(bdfs[0]); i++) {
		fxs_read_attr(bdfs[i], "driver_override", buf, sizeof(buf));
		cr_assert(eq(str, buf, "(null)\n"), "%s driver_override", bdfs[i]);
	}
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s/unbind", drivers[i]);
		fxs_read(rel, buf, sizeof(buf));
		cr_assert(eq(str, buf, ""), "%s", rel);
	}
	fxs_read("sys/bus/pci/drivers_probe", buf, sizeof(buf));
	cr_assert(eq(str, buf, ""));
	cr_assert_not(fxs_exists("run"), "bind state recorded");
}

static void dry_init(void)
{
	fxs_setup();
	fxs_age(NUMVFS);
	fxs_age(AUTOPROBE);
}

TestSuite(devconf_dry_run, .init = dry_init, .fini = fini);

Test(devconf_dry_run, vf_count)
{
	cr_assert(eq(int, apply("[pf " FXS_PF "]\nvfs = 4\n", true), 1), "%s", err);
	cr_assert(eq(str, out, "would: " FXS_PF ": VFs 2 -> 4\n"));
	assert_nothing_written();
}

Test(devconf_dry_run, vf_count_to_zero)
{
	cr_assert(eq(int, apply("[pf " FXS_PF "]\nvfs = 0\n", true), 1), "%s", err);
	cr_assert(eq(str, out, "would: " FXS_PF ": VFs 2 -> 0\n"));
	assert_nothing_written();
}

Test(devconf_dry_run, driver_of_an_existing_vf)
{
	cr_assert(eq(int, apply("[vf " FXS_PF " 1]\ndriver = vfio-pci\n", true), 1), "%s", err);
	cr_assert(eq(str, out, "would: " FXS_VF1 ": driver -> vfio-pci\n"));
	assert_nothing_written();
}

Test(devconf_dry_run, driver_of_a_device_and_a_pf)
{
	const char *text = "[device " FXS_LPC "]\ndriver = vfio-pci\n"
			   "[pf " FXS_PF "]\ndriver = vfio-pci\n";

	cr_assert(eq(int, apply(text, true), 2), "%s", err);
	cr_assert(eq(str, out, "would: " FXS_LPC ": driver -> vfio-pci\n"
		     "would: " FXS_PF ": driver -> vfio-pci\n"));
	assert_nothing_written();
}

Test(devconf_dry_run, counts_first_then_drivers_and_vfs_yet_to_be_made)
{
	/* Sections in the opposite order of the changes. VF 3 only exists
	 * once the count is 4: in a dry run it is printed, not an error. */
	const char *text = "[vf " FXS_PF " 3]\ndriver = vfio-pci\n"
			   "[vf " FXS_PF " 1]\ndriver = vfio-pci\n"
			   "[pf " FXS_PF "]\nvfs = 4\n";

	cr_assert(eq(int, apply(text, true), 3), "%s", err);
	cr_assert(eq(str, out, "would: " FXS_PF ": VFs 2 -> 4\n"
		     "would: VF3: driver -> vfio-pci\n"
		     "would: " FXS_VF1 ": driver -> vfio-pci\n"));
	cr_assert(eq(str, err, ""));
	assert_nothing_written();
}

Test(devconf_dry_run, host_that_matches_changes_nothing)
{
	const char *text = "[pf " FXS_PF "]\nvfs = 2\ndriver = nvme\n"
			   "[vf " FXS_PF " 0]\ndriver = vfio-pci\n"
			   "[vf " FXS_PF " 1]\n"
			   "[device " FXS_LPC "]\ndriver = lpc_ich\n"
			   "[device " FXS_HDA "]\n";

	cr_assert(eq(int, apply(text, true), 0), "%s", err);
	cr_assert(eq(str, out, ""));
	assert_nothing_written();
}

Test(devconf_dry_run, empty_file_changes_nothing)
{
	cr_assert(eq(int, apply("# nothing yet\n", true), 0));
	cr_assert(eq(str, out, ""));
}

Test(devconf_dry_run, vf_settings_are_always_listed)
{
	/* NIC VF settings are not read back: every run applies them. */
	cr_assert(eq(int, apply("[vf " FXS_PF " 1]\nvlan = 12\n", true), 1), "%s", err);
	assert_has(out, "would: " FXS_PF ": VF settings (mac/vlan/spoofchk/trust/max-rate)");
	cr_assert(eq(int, apply("[vf " FXS_PF " 1]\ndriver = vfio-pci\n", true), 1), "%s", err);
	assert_has(out, "driver -> vfio-pci");
	cr_assert(eq(int, apply("[vf " FXS_PF " 0]\ndriver = vfio-pci\n", true), 0), "%s", err);
}

Test(devconf_dry_run, not_a_pf)
{
	cr_assert(eq(int, apply("# x\n[pf " FXS_LPC "]\nvfs = 1\n", true), -ENODEV));
	cr_assert(eq(str, err, "line 2: " FXS_LPC " is not an SR-IOV PF on this host"));
	cr_assert(eq(str, out, ""));
	assert_nothing_written();
}

Test(devconf_dry_run, pf_without_a_vf_count_is_not_checked)
{
	/* Without vfs = the section only names a driver; any function will do. */
	cr_assert(eq(int, apply("[pf " FXS_LPC "]\ndriver = lpc_ich\n", true), 0), "%s", err);
}

/* ---- a real run that fails half way ---- */

Test(devconf_apply, failure_undoes_newest_first)
{
	/* VF count 2 -> 3 works on the tree (virtfn2 is made up front so the
	 * wait ends at once); binding VF 1 cannot, as no kernel probes it. */
	const char *text = "[pf " FXS_PF "]\nvfs = 3\n[vf " FXS_PF " 1]\ndriver = vfio-pci\n";
	char buf[64];

	fxs_link(FXS_PF, "virtfn2", "../0000:3b:00.3");
	cr_assert(eq(int, apply(text, false), -ENOENT));
	assert_has(err, FXS_VF1 ": vfio-pci did not bind it");
	cr_assert(eq(str, out, "apply: " FXS_PF ": VFs 2 -> 3\n"
		     "apply: " FXS_VF1 ": driver -> vfio-pci\n"
		     "undo: " FXS_VF1 "\n"
		     "undo: " FXS_PF "\n"));
	/* The count went back to 2. */
	fxs_read(NUMVFS, buf, sizeof(buf));
	cr_assert(eq(str, buf, "2\n"));
	fxs_read("sys/bus/pci/drivers_probe", buf, sizeof(buf));
	cr_assert(eq(str, buf, FXS_VF1));
}

Test(devconf_apply, missing_vf_is_an_error_outside_a_dry_run)
{
	cr_assert(eq(int, apply("# x\n[vf " FXS_PF " 3]\ndriver = vfio-pci\n", false), -ENODEV));
	cr_assert(eq(str, err, "line 2: " FXS_PF " has no VF 3 (set vfs in its [pf] section)"));
	cr_assert(eq(str, out, ""));
}

/* ---- product bugs: these fail until apply.c is fixed ---- */

/* set_vf_net passes "" where the VF index belongs: the line ends in
 * "for VF " with no number. Fix: format e->vf_index into a string and
 * pass it as the second argument of note(). */
Test(devconf_dry_run, vf_settings_name_the_vf)
{
	cr_assert(eq(int, apply("[vf " FXS_PF " 1]\nmac = 52:54:00:00:00:02\n", true), 1), "%s", err);
	cr_assert(eq(str, out, "would: " FXS_PF ": VF settings (mac/vlan/spoofchk/trust/max-rate) "
		     "for VF 1\n"));
}

/* entry_bdf lets a dry run through for any missing VF, although its own
 * comment says only for one that is going to be made: here the count stays
 * 2, the real run fails with "has no VF 3" (test above), and the dry run
 * promises success. Fix: in a dry run, accept a missing VF only when the
 * conf's [pf] section for its PF sets vfs above its index. */
Test(devconf_dry_run, vf_that_will_not_exist_is_an_error)
{
	cr_assert(eq(int, apply("[vf " FXS_PF " 3]\ndriver = vfio-pci\n", true), -ENODEV));
	cr_assert(eq(int, apply("[pf " FXS_PF "]\nvfs = 4\n[vf " FXS_PF " 5]\ndriver = vfio-pci\n",
				true), -ENODEV));
}

/* Changing the VF count goes through 0 with autoprobe off: every VF comes
 * back driverless, so the real run rebinds VF 0 to vfio-pci. The dry run
 * reads VF 0's current driver and leaves that change out. Fix: when a PF's
 * count changes, treat its VFs' current drivers as "" in set_driver. */
Test(devconf_dry_run, vfs_remade_by_a_count_change_need_binding)
{
	cr_assert(eq(int, apply("[pf " FXS_PF "]\nvfs = 4\n[vf " FXS_PF " 0]\ndriver = vfio-pci\n",
				true), 2), "%s", out);
}
