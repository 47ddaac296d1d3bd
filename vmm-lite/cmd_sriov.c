/* SPDX-License-Identifier: MIT */
/*
 * `iovm sriov enable|disable|show PF`: VFs through sriov_numvfs; for NVMe
 * PFs, the VFs' secondary controllers get their queue and interrupt
 * resources and go online, so the VFs work as soon as they exist.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sriov.h"

#define NVME_CLASS 0x010802

static const char sriov_usage[] =
"usage: iovm sriov enable PF --vfs N   create N VFs (NVMe: and provision them)\n"
"       iovm sriov disable PF          remove the PF's VFs\n"
"       iovm sriov show PF             the PF, its VFs and NVMe secondary controllers\n"
"       iovm sriov set VF [--mac M] [--vlan V] [--spoofchk on|off] [--trust on|off]\n"
"                         [--max-rate MBPS]   NIC VF settings, through the PF (rtnetlink)\n"
"PF is a PCI address as lspci -D prints it, e.g. 0000:00:03.0.\n";

static int fail(const char *msg, int code)
{
	fprintf(stderr, "iovm sriov: %s\n", msg);
	return code;
}

/* A VF given to a running VM must not disappear under it. */
static int vfs_busy(const char *pf, char *err, size_t len)
{
	struct pci_fn vf;
	char bdf[16];

	for (int i = 0; sriov_vf_bdf(pf, i, bdf, sizeof(bdf)) == 0; i++) {
		int pid;

		if (pci_fn_read(bdf, &vf) || vf.iommu_group < 0)
			continue;
		if ((pid = vfio_group_holder(vf.iommu_group))) {
			snprintf(err, len, "%s: VF %s is used by process %d (a VM): stop it first", pf, bdf, pid);
			return -EBUSY;
		}
	}
	return 0;
}

static bool is_nvme_pf(const char *pf)
{
	struct pci_fn f;

	return pci_fn_read(pf, &f) == 0 && f.class_code == NVME_CLASS;
}

static int set_vfs(const char *pf, int n)
{
	char err[512] = "";
	int ret = vfs_busy(pf, err, sizeof(err));

	if (!ret)
		ret = sriov_set_numvfs(pf, n, err, sizeof(err));
	if (!ret && n > 0 && is_nvme_pf(pf))
		ret = nvme_provision_vfs(pf, err, sizeof(err));
	if (ret)
		return fail(err, ret == -EIO || ret == -ETIMEDOUT ? 1 : EXIT_USAGE);
	printf("%s: %d VFs%s\n", pf, n, n && is_nvme_pf(pf) ? ", secondary controllers online" : "");
	return 0;
}

static void show_nvme(const char *pf)
{
	struct nvme_sec_ctrl sec[127];
	struct nvme_prim_caps caps;
	char err[512];
	int n;

	if (nvme_read_prim_caps(pf, &caps, err, sizeof(err))) {
		printf("  NVMe: %s\n", err);
		return;
	}
	printf("  NVMe flexible resources: %u/%u queues, %u/%u interrupts assigned\n",
	       caps.vq_flex_assigned, caps.vq_flex_total, caps.vi_flex_assigned, caps.vi_flex_total);
	n = nvme_read_sec_list(pf, sec, 127, err, sizeof(err));
	for (int i = 0; i < n; i++)
		printf("  secondary controller %u: VF%u %s, %u queues, %u interrupts\n", sec[i].scid,
		       sec[i].vfn ? sec[i].vfn - 1 : 0, sec[i].online ? "online" : "offline",
		       sec[i].nvq, sec[i].nvi);
}

static int show(const char *pf)
{
	struct pci_fn f, vf;
	char bdf[16];

	if (pci_fn_read(pf, &f) || f.sriov_total < 0)
		return fail("not an SR-IOV physical function (see iovm devices)", EXIT_USAGE);
	printf("%s: %d of %d VFs, driver %s, IOMMU group %d\n", pf, f.sriov_num, f.sriov_total,
	       f.driver[0] ? f.driver : "none", f.iommu_group);
	for (int i = 0; sriov_vf_bdf(pf, i, bdf, sizeof(bdf)) == 0; i++)
		if (!pci_fn_read(bdf, &vf))
			printf("  VF%d %s driver %s, IOMMU group %d\n", i, bdf,
			       vf.driver[0] ? vf.driver : "none", vf.iommu_group);
	if (f.class_code == NVME_CLASS)
		show_nvme(pf);
	return 0;
}

/* iovm sriov set VF --key value ... */
static int set_net(const char *vf, int argc, char **argv)
{
	struct devconf_entry e = { .vlan = -1, .spoofchk = -1, .trust = -1, .max_rate = -1 };
	struct vf_net s;
	struct pci_fn f;
	char err[512];

	if (pci_fn_read(vf, &f) || !f.pf[0] || f.vf_index < 0)
		return fail("not a VF (see iovm devices)", EXIT_USAGE);
	if (argc == 0 || argc % 2)
		return fail("set needs --key value pairs, e.g. --mac 52:54:00:12:34:56 --vlan 10", EXIT_USAGE);
	for (int i = 0; i < argc; i += 2)
		if (strncmp(argv[i], "--", 2) ||
		    devconf_vf_option(&e, argv[i] + 2, argv[i + 1], err, sizeof(err)))
			return fail(strncmp(argv[i], "--", 2) ? "options start with --" : err, EXIT_USAGE);
	s = (struct vf_net){ .vf = f.vf_index, .has_mac = e.has_mac, .vlan = e.vlan,
			     .spoofchk = e.spoofchk, .trust = e.trust, .max_rate = e.max_rate };
	memcpy(s.mac, e.mac, 6);
	if (sriov_vf_set_net(f.pf, &s, err, sizeof(err)))
		return fail(err, EXIT_USAGE);
	printf("%s: VF %d of %s updated\n", vf, f.vf_index, f.pf);
	return 0;
}

int cmd_sriov(int argc, char **argv)
{
	long n;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(sriov_usage, stdout);
		return 0;
	}
	if (argc < 3 || !pci_bdf_valid(argv[2])) {
		fputs(sriov_usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "enable")) {
		if (argc != 5 || strcmp(argv[3], "--vfs") || parse_int(argv[4], 1, 4096, &n))
			return fail("enable needs --vfs N with N >= 1, e.g. iovm sriov enable PF --vfs 2",
				    EXIT_USAGE);
		return set_vfs(argv[2], n);
	}
	if (!strcmp(argv[1], "disable") && argc == 3)
		return set_vfs(argv[2], 0);
	if (!strcmp(argv[1], "show") && argc == 3)
		return show(argv[2]);
	if (!strcmp(argv[1], "set"))
		return set_net(argv[2], argc - 3, argv + 3);
	fputs(sriov_usage, stderr);
	return EXIT_USAGE;
}
