/* SPDX-License-Identifier: MIT */
/*
 * sriov/pci_list.c and sriov/assess.c on the recorded tree of
 * fixture_sriov.h: an NVMe PF with two VFs, and a shared IOMMU group 20.
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

TestSuite(sriov_list, .init = fxs_setup, .fini = fxs_teardown);

/* ---- sysfs.c accessors on the tree ---- */

Test(sriov_list, attributes_read_without_their_newline)
{
	char buf[32];
	long v = 0;

	cr_assert(eq(int, sysfs_pci_read(FXS_PF, "driver_override", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, "(null)"));
	cr_assert(eq(int, sysfs_pci_read_int(FXS_PF, "class", &v), 0));
	cr_assert(eq(long, v, 0x010802));
	cr_assert(eq(int, sysfs_pci_read_int(FXS_LPC, "numa_node", &v), 0));
	cr_assert(eq(long, v, -1));
	cr_assert(eq(int, sysfs_pci_read(FXS_PF, "no_such_attr", buf, sizeof(buf)), -ENOENT));
}

Test(sriov_list, links_give_their_basename)
{
	char buf[32];

	cr_assert(eq(int, sysfs_pci_link(FXS_VF0, "physfn", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, FXS_PF));
	cr_assert(eq(int, sysfs_pci_link(FXS_LPC, "iommu_group", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, "20"));
	/* No link: "" and no error. A file where a link belongs is an error. */
	strcpy(buf, "stale");
	cr_assert(eq(int, sysfs_pci_link(FXS_HDA, "driver", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, ""));
	strcpy(buf, "stale");
	cr_assert(eq(int, sysfs_pci_link(FXS_PF, "vendor", buf, sizeof(buf)), -EINVAL));
	cr_assert(eq(str, buf, ""));
}

Test(sriov_list, first_entry_by_prefix)
{
	char buf[32];

	fx_sysfs_mkdir("sys/devices/pci0000:00/" FXS_PF "/nvme/ng0n1");
	fx_sysfs_mkdir("sys/devices/pci0000:00/" FXS_PF "/nvme/nvme0");
	cr_assert(eq(int, sysfs_pci_first_entry(FXS_PF, "nvme", "nvme", buf, sizeof(buf)), 0));
	cr_assert(eq(str, buf, "nvme0"));
	cr_assert(eq(int, sysfs_pci_first_entry(FXS_PF, "nvme", "hwmon", buf, sizeof(buf)), -ENOENT));
	cr_assert(eq(int, sysfs_pci_first_entry(FXS_VF0, "nvme", "", buf, sizeof(buf)), -ENOENT));
}

Test(sriov_list, writes_go_to_existing_attributes_only)
{
	char buf[32];

	cr_assert(eq(int, sysfs_pci_write(FXS_VF1, "driver_override", "vfio-pci"), 0));
	fxs_read_attr(FXS_VF1, "driver_override", buf, sizeof(buf));
	cr_assert(eq(str, buf, "vfio-pci"));
	/* Nothing is created: sysfs has no such files. */
	cr_assert(eq(int, sysfs_pci_write(FXS_VF1, "sriov_numvfs", "1"), -ENOENT));
	cr_assert_not(fxs_exists("sys/devices/pci0000:00/" FXS_VF1 "/sriov_numvfs"));
}

/* ---- pci_fn_read ---- */

Test(sriov_list, read_pf)
{
	struct pci_fn f;

	cr_assert(eq(int, pci_fn_read(FXS_PF, &f), 0));
	cr_assert(eq(str, f.bdf, FXS_PF));
	cr_assert(eq(u16, f.vendor, 0x1b36));
	cr_assert(eq(u16, f.device, 0x0010));
	cr_assert(eq(u32, f.class_code, 0x010802));
	cr_assert(eq(str, f.driver, "nvme"));
	cr_assert(eq(int, f.iommu_group, 12));
	cr_assert(eq(int, f.numa_node, 1));
	cr_assert(eq(int, f.sriov_total, 4));
	cr_assert(eq(int, f.sriov_num, 2));
	cr_assert(eq(str, f.pf, ""));
	cr_assert(eq(int, f.vf_index, -1));
}

Test(sriov_list, read_vf_bound_to_vfio)
{
	struct pci_fn f;

	cr_assert(eq(int, pci_fn_read(FXS_VF0, &f), 0));
	cr_assert(eq(str, f.bdf, FXS_VF0));
	cr_assert(eq(u16, f.vendor, 0x1b36));
	cr_assert(eq(u32, f.class_code, 0x010802));
	cr_assert(eq(str, f.driver, "vfio-pci"));
	cr_assert(eq(int, f.iommu_group, 13));
	cr_assert(eq(int, f.numa_node, 1));
	cr_assert(eq(int, f.sriov_total, -1));
	cr_assert(eq(int, f.sriov_num, -1));
	cr_assert(eq(str, f.pf, FXS_PF));
	cr_assert(eq(int, f.vf_index, 0));
}

Test(sriov_list, read_vf_without_driver)
{
	struct pci_fn f;

	cr_assert(eq(int, pci_fn_read(FXS_VF1, &f), 0));
	cr_assert(eq(str, f.driver, ""));
	cr_assert(eq(int, f.iommu_group, 14));
	cr_assert(eq(str, f.pf, FXS_PF));
	cr_assert(eq(int, f.vf_index, 1));
	cr_assert(eq(int, f.sriov_total, -1));
}

Test(sriov_list, read_vf_whose_pf_does_not_list_it)
{
	struct pci_fn f;

	/* physfn says 3b:00.0, but no virtfnN of the PF points back. */
	fxs_unlink(FXS_PF, "virtfn1");
	cr_assert(eq(int, pci_fn_read(FXS_VF1, &f), 0));
	cr_assert(eq(str, f.pf, FXS_PF));
	cr_assert(eq(int, f.vf_index, -1));
}

Test(sriov_list, read_device_without_driver_in_shared_group)
{
	struct pci_fn f;

	cr_assert(eq(int, pci_fn_read(FXS_HDA, &f), 0));
	cr_assert(eq(u16, f.vendor, 0x8086));
	cr_assert(eq(u16, f.device, 0xa348));
	cr_assert(eq(u32, f.class_code, 0x040300));
	cr_assert(eq(str, f.driver, ""));
	cr_assert(eq(int, f.iommu_group, 20));
	cr_assert(eq(int, f.numa_node, -1));
	cr_assert(eq(int, f.sriov_total, -1));
	cr_assert(eq(int, f.sriov_num, -1));
	cr_assert(eq(str, f.pf, ""));
	cr_assert(eq(int, f.vf_index, -1));
}

Test(sriov_list, read_device_without_group_or_numa_node)
{
	struct pci_fn f;

	fxs_add_fn("0000:00:02.0", "0x8086", "0x3e92", "0x030000", "i915", -1, NULL);
	cr_assert(eq(int, pci_fn_read("0000:00:02.0", &f), 0));
	cr_assert(eq(str, f.driver, "i915"));
	cr_assert(eq(int, f.iommu_group, -1));
	cr_assert(eq(int, f.numa_node, -1));
}

Test(sriov_list, read_rejects_bad_or_missing_devices)
{
	struct pci_fn f;

	cr_assert(eq(int, pci_fn_read("3b:00.0", &f), -EINVAL));
	cr_assert(eq(int, pci_fn_read("0000:3b:00.7", &f), -ENODEV));
	/* A surprise-removed device reads all ones. */
	fxs_attr(FXS_VF1, "vendor", "0xffff\n");
	cr_assert(eq(int, pci_fn_read(FXS_VF1, &f), -ENODEV));
}

/* ---- pci_fn_list ---- */

static const char *const all_sorted[] = {
	FXS_LPC, FXS_PMC, FXS_HDA, FXS_PF, FXS_VF0, FXS_VF1,
};

static void assert_listing(struct pci_fn *list, int n)
{
	cr_assert(eq(int, n, 6));
	for (int i = 0; i < n; i++)
		cr_assert(eq(str, list[i].bdf, (char *)all_sorted[i]), "entry %d", i);
}

Test(sriov_list, list_is_sorted_and_complete)
{
	struct pci_fn *list = NULL;
	int n = pci_fn_list(&list);

	assert_listing(list, n);
	/* Entries are what pci_fn_read gives. */
	cr_assert(eq(str, list[0].driver, "lpc_ich"));
	cr_assert(eq(int, list[3].sriov_num, 2));
	cr_assert(eq(int, list[5].vf_index, 1));
	cr_assert(eq(int, list[5].iommu_group, 14));
	free(list);
}

Test(sriov_list, list_skips_names_that_are_not_addresses)
{
	struct pci_fn *list = NULL;
	int n;

	fx_sysfs_write("sys/bus/pci/devices/slots", "x\n");
	fx_sysfs_write("sys/bus/pci/devices/0000:3b:00/vendor", "0x1b36\n");
	fx_sysfs_write("sys/bus/pci/devices/3b:00.3/vendor", "0x1b36\n");
	fx_sysfs_write("sys/bus/pci/devices/0000:3b:00.0.bak/vendor", "0x1b36\n");
	fx_sysfs_mkdir("sys/bus/pci/devices/.0000:3b:00.4");
	n = pci_fn_list(&list);
	assert_listing(list, n);
	free(list);
}

Test(sriov_list, list_skips_removed_devices)
{
	struct pci_fn *list = NULL;
	int n;

	/* A well-named entry without a readable vendor is a device that went. */
	fx_sysfs_mkdir("sys/bus/pci/devices/0000:3b:00.3");
	n = pci_fn_list(&list);
	assert_listing(list, n);
	free(list);
}

Test(sriov_list, list_grows_past_its_first_allocation)
{
	struct pci_fn *list = NULL;
	char bdf[16];
	int n;

	/* 32 entries fit in the first allocation; 6 + 40 do not. */
	for (int i = 0; i < 40; i++) {
		snprintf(bdf, sizeof(bdf), "0000:5e:%02x.%d", i / 8, i % 8);
		fxs_add_fn(bdf, "0x8086", "0x1572", "0x020000", NULL, -1, NULL);
	}
	n = pci_fn_list(&list);
	cr_assert(eq(int, n, 46));
	for (int i = 1; i < n; i++)
		cr_assert(lt(str, list[i - 1].bdf, list[i].bdf), "not sorted at %d", i);
	cr_assert(eq(str, list[45].bdf, "0000:5e:04.7"));
	free(list);
}

Test(sriov_list, list_without_pci_bus)
{
	struct pci_fn *list = NULL;

	fxs_teardown();
	fx_sysfs_create(); /* an empty tree */
	cr_assert(eq(int, pci_fn_list(&list), -ENOENT));
}

/* ---- sriov_vf_bdf and pci_group_members ---- */

Test(sriov_list, vf_bdf_follows_virtfn_links)
{
	char vf[16];

	cr_assert(eq(int, sriov_vf_bdf(FXS_PF, 0, vf, sizeof(vf)), 0));
	cr_assert(eq(str, vf, FXS_VF0));
	cr_assert(eq(int, sriov_vf_bdf(FXS_PF, 1, vf, sizeof(vf)), 0));
	cr_assert(eq(str, vf, FXS_VF1));
	cr_assert(eq(int, sriov_vf_bdf(FXS_PF, 2, vf, sizeof(vf)), -ENOENT));
	/* A VF has no VFs; a device that is not there neither. */
	cr_assert(eq(int, sriov_vf_bdf(FXS_VF0, 0, vf, sizeof(vf)), -ENOENT));
	cr_assert(eq(int, sriov_vf_bdf("0000:3c:00.0", 0, vf, sizeof(vf)), -ENOENT));
}

static int by_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

Test(sriov_list, group_members_of_the_shared_group)
{
	char m[8][16];
	int n = pci_group_members(FXS_PMC, m, 8);

	cr_assert(eq(int, n, 3));
	qsort(m, n, sizeof(m[0]), by_str);
	cr_assert(eq(str, m[0], FXS_LPC));
	cr_assert(eq(str, m[1], FXS_PMC));
	cr_assert(eq(str, m[2], FXS_HDA));
}

Test(sriov_list, group_members_alone_and_limited)
{
	char m[3][16];

	memset(m, 'x', sizeof(m));
	cr_assert(eq(int, pci_group_members(FXS_VF0, m, 3), 1));
	cr_assert(eq(str, m[0], FXS_VF0));
	cr_assert(eq(int, pci_group_members(FXS_HDA, m, 2), 2));
	/* The third slot was not written. */
	cr_assert(eq(int, m[2][0], 'x'));
}

Test(sriov_list, group_members_need_a_group)
{
	char m[4][16];

	fxs_add_fn("0000:00:02.0", "0x8086", "0x3e92", "0x030000", "i915", -1, NULL);
	cr_assert(eq(int, pci_group_members("0000:00:02.0", m, 4), -ENODEV));
	cr_assert(eq(int, pci_group_members("0000:77:00.0", m, 4), -ENODEV));
}

/* ---- pci_assess ---- */

static struct pci_fn *all;
static int nall;
static char why[512];

static const struct pci_fn *fn(const char *bdf)
{
	for (int i = 0; i < nall; i++)
		if (!strcmp(all[i].bdf, bdf))
			return &all[i];
	cr_assert(0, "%s is not listed", bdf);
	return NULL;
}

/* The whole listing, as `iovm devices` passes it. */
static void assess_init(void)
{
	fxs_setup();
	nall = pci_fn_list(&all);
	cr_assert(eq(int, nall, 6));
}

static void assess_fini(void)
{
	free(all);
	all = NULL;
	nall = 0;
	fxs_teardown();
}

TestSuite(sriov_assess, .init = assess_init, .fini = assess_fini);

Test(sriov_assess, vfio_vf_is_assignable)
{
	memset(why, 'x', sizeof(why));
	cr_assert(pci_assess(fn(FXS_VF0), all, nall, true, why, sizeof(why)));
	cr_assert(eq(str, why, ""));
}

Test(sriov_assess, without_interrupt_remapping)
{
	cr_assert_not(pci_assess(fn(FXS_VF0), all, nall, false, why, sizeof(why)));
	cr_assert(eq(str, why, "no interrupt remapping on the host"));
}

Test(sriov_assess, host_driver_says_bind)
{
	/* 1f.0's group mates are vfio-pci and driverless: only its own driver counts. */
	cr_assert_not(pci_assess(fn(FXS_LPC), all, nall, true, why, sizeof(why)));
	cr_assert(eq(str, why, "bound to lpc_ich: run iovm bind"));
}

Test(sriov_assess, no_driver_says_bind)
{
	cr_assert_not(pci_assess(fn(FXS_VF1), all, nall, true, why, sizeof(why)));
	cr_assert(eq(str, why, "no driver: run iovm bind"));
}

Test(sriov_assess, reasons_are_joined)
{
	cr_assert_not(pci_assess(fn(FXS_VF1), all, nall, false, why, sizeof(why)));
	cr_assert(eq(str, why, "no interrupt remapping on the host; no driver: run iovm bind"));
}

Test(sriov_assess, no_group_is_iommu_off_alone)
{
	struct pci_fn f = *fn(FXS_VF1);

	f.iommu_group = -1;
	cr_assert_not(pci_assess(&f, all, nall, false, why, sizeof(why)));
	cr_assert(eq(str, why, "IOMMU off (no IOMMU group)"));
}

Test(sriov_assess, no_group_read_from_the_tree)
{
	struct pci_fn f;

	fxs_unlink(FXS_VF0, "iommu_group");
	cr_assert(eq(int, pci_fn_read(FXS_VF0, &f), 0));
	cr_assert_not(pci_assess(&f, &f, 1, true, why, sizeof(why)));
	assert_has(why, "IOMMU off");
}

Test(sriov_assess, shared_group_names_the_member_with_a_host_driver)
{
	cr_assert_not(pci_assess(fn(FXS_PMC), all, nall, true, why, sizeof(why)));
	cr_assert(eq(str, why, "group shares 0000:00:1f.0, which has a host driver"));
	/* 1f.3 has no driver, which is fine for a group mate. */
	assert_lacks(why, FXS_HDA);
}

Test(sriov_assess, shared_group_is_fine_once_the_mate_is_free)
{
	struct pci_fn *lpc = (struct pci_fn *)fn(FXS_LPC);

	snprintf(lpc->driver, sizeof(lpc->driver), "vfio-pci");
	cr_assert(pci_assess(fn(FXS_PMC), all, nall, true, why, sizeof(why)), "%s", why);
	snprintf(lpc->driver, sizeof(lpc->driver), "pcieport");
	cr_assert(pci_assess(fn(FXS_PMC), all, nall, true, why, sizeof(why)), "%s", why);
}

Test(sriov_assess, pf_with_vfs_enabled)
{
	struct pci_fn pf = *fn(FXS_PF);

	cr_assert_not(pci_assess(&pf, all, nall, true, why, sizeof(why)));
	cr_assert(eq(str, why, "bound to nvme: run iovm bind; has VFs enabled (give the VFs instead)"));
	/* The same PF on vfio-pci still is not, until its VFs are gone. */
	snprintf(pf.driver, sizeof(pf.driver), "vfio-pci");
	cr_assert_not(pci_assess(&pf, all, nall, true, why, sizeof(why)));
	cr_assert(eq(str, why, "has VFs enabled (give the VFs instead)"));
	pf.sriov_num = 0;
	cr_assert(pci_assess(&pf, all, nall, true, why, sizeof(why)), "%s", why);
}

Test(sriov_assess, why_stays_within_len)
{
	char small[64];

	memset(small, 'x', sizeof(small));
	cr_assert_not(pci_assess(fn(FXS_VF1), all, nall, false, small, 20));
	cr_assert(eq(str, small, "no interrupt remapp"));
	for (size_t i = 20; i < sizeof(small); i++)
		cr_assert(eq(int, small[i], 'x'), "byte %zu written", i);
}
