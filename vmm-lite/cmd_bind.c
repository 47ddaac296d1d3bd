/* SPDX-License-Identifier: MIT */
/* `iovm bind|unbind|restore BDF`: move functions between drivers. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sriov.h"

static const char bind_usage[] =
"usage: iovm bind BDF [DRIVER] [--group] [--force]   bind to DRIVER (default vfio-pci)\n"
"       iovm unbind BDF                             release from its driver\n"
"       iovm restore BDF                            back to the driver it had before iovm\n"
"  --group   every function in BDF's IOMMU group (what passthrough needs)\n"
"  --force   even from a driver that holds a mounted filesystem or a route\n";

static int report(int ret, const char *err, const char *bdf, const char *what)
{
	if (ret) {
		fprintf(stderr, "iovm: %s\n", err);
		return EXIT_USAGE;
	}
	printf("%s: %s\n", bdf, what);
	return 0;
}

static int bind_cmd(int argc, char **argv)
{
	const char *bdf = NULL, *driver = "vfio-pci";
	bool group = false, force = false;
	char err[512] = "", members[64][16];
	int n = 1, ret = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--group"))
			group = true;
		else if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!bdf)
			bdf = argv[i];
		else
			driver = argv[i];
	}
	if (!bdf) {
		fputs(bind_usage, stderr);
		return EXIT_USAGE;
	}
	snprintf(members[0], 16, "%s", bdf);
	if (group && (n = pci_group_members(bdf, members, 64)) < 0)
		return report(-1, "no IOMMU group: the IOMMU is off", bdf, "");
	for (int i = 0; i < n && !ret; i++) {
		ret = pci_bind_checked(members[i], driver, force, err, sizeof(err));
		if (!ret)
			printf("%s: bound to %s\n", members[i], driver);
	}
	return ret ? report(ret, err, bdf, "") : 0;
}

int cmd_bind(int argc, char **argv)
{
	char err[512] = "";

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(bind_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[0], "bind"))
		return bind_cmd(argc, argv);
	if (!strcmp(argv[0], "unbind"))
		return report(pci_unbind(argv[1], err, sizeof(err)), err, argv[1], "unbound");
	return report(pci_restore(argv[1], err, sizeof(err)), err, argv[1], "restored");
}
