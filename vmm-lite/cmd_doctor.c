/* SPDX-License-Identifier: MIT */
/* `iovm doctor [BDF]`: can this host (and this device) do passthrough, and
 * if not, the one thing to change for each failed layer. The checks live in
 * sriov/doctor.c; this is the command line around them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sriov.h"

static const char doctor_usage[] =
"usage: iovm doctor [BDF]\n"
"Check each layer passthrough needs, bottom up: CPU virtualization, /dev/kvm,\n"
"the firmware's DMAR/IVRS table, the kernel's IOMMU, its command line, IOMMU\n"
"groups, the vfio modules, interrupt remapping, the locked-memory limit and\n"
"hugepages. With BDF (e.g. 0000:3b:00.0), also that function: its group's\n"
"members, its driver and hugepages on its NUMA node.\n"
"Each line is [ OK ], [WARN], [FAIL] or [SKIP]; a WARN or FAIL is followed\n"
"by the fix, which tells an IOMMU off in firmware from one off in the kernel.\n"
"Exit status: 0 when nothing failed, 1 when a check failed, 2 on bad input.\n";

int cmd_doctor(int argc, char **argv)
{
	static struct doctor_facts facts;   /* ~10 KiB: keep it off the stack */
	struct doctor_result results[DOCTOR_MAX_CHECKS];
	const char *bdf = NULL;
	int ret, n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(doctor_usage, stdout);
			return 0;
		}
		if (argv[i][0] == '-' || bdf) {
			fprintf(stderr, "iovm doctor: unexpected argument '%s'\n", argv[i]);
			fputs(doctor_usage, stderr);
			return EXIT_USAGE;
		}
		bdf = argv[i];
	}
	ret = doctor_gather(&facts, bdf);
	if (ret == -EINVAL) {
		fprintf(stderr, "iovm doctor: '%s' is not a PCI address: use the full "
				"domain:bus:device.function form, e.g. 0000:00:02.0\n", bdf);
		return EXIT_USAGE;
	}
	if (ret) {
		fprintf(stderr, "iovm doctor: no PCI function %s on this host: see "
				"'iovm devices'\n", bdf);
		return EXIT_USAGE;
	}
	n = doctor_run(&facts, results, DOCTOR_MAX_CHECKS);
	return doctor_print(stdout, results, n) ? 1 : 0;
}
