/* SPDX-License-Identifier: MIT */
/* iovm: subcommand dispatch. */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vmm.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "run", cmd_run, "boot a VM (Linux bzImage, multiboot, or the default guest)" },
	{ "devices", cmd_devices, "list PCI functions, IOMMU groups, SR-IOV state, assignability" },
	{ "sriov", cmd_sriov, "create and remove VFs (NVMe: provision secondary controllers)" },
	{ "bind", cmd_bind, "bind a function (or its IOMMU group) to vfio-pci or another driver" },
	{ "unbind", cmd_bind, "release a function from its driver" },
	{ "restore", cmd_bind, "give a function back to the driver it had before iovm" },
	{ "apply", cmd_apply, "make VFs and bindings match /etc/iovm/devices.conf" },
	{ "doctor", cmd_doctor, "check every layer passthrough needs and say how to fix each" },
	{ "lab", cmd_lab, "boot the QEMU lab (VT-d, SR-IOV, nested KVM) and run scenarios in it" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: iovm [--version] [--help] COMMAND [ARGS]\n\n"
		     "iovm is a thin KVM-based VMM that gives guests PCI devices and SR-IOV\n"
		     "VFs through VFIO, with emulated devices as the fallback.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'iovm COMMAND --help' describes a command.\n");
}

int self_dir(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	buf[n] = 0;
	slash = strrchr(buf, '/');
	if (!slash)
		return -1;
	*slash = 0;
	return 0;
}

int main(int argc, char **argv)
{
	/* A closed console pipe must not kill the VMM mid-guest. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("iovm %s\n", IOVM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "iovm: unknown command '%s': see 'iovm --help'\n", argv[1]);
	return EXIT_USAGE;
}
