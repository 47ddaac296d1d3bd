/* SPDX-License-Identifier: MIT */
/*
 * `iovm lab`: the lab is a QEMU machine with VT-d, SR-IOV NVMe and nested
 * KVM, built and driven by tests/lab/lab.sh in the source tree. This hands
 * over to it, passing this very binary to put inside the lab.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef IOVM_SOURCE_DIR
#define IOVM_SOURCE_DIR "."
#endif

int cmd_lab(int argc, char **argv)
{
	char script[PATH_MAX], self[PATH_MAX] = { 0 }, build[PATH_MAX];
	char **args = calloc(argc + 8, sizeof(char *));
	int n = 0;

	if (!args)
		return 1;
	snprintf(script, sizeof(script), "%s/tests/lab/lab.sh", IOVM_SOURCE_DIR);
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "iovm lab: the lab runner %s is missing: the lab works from "
			"an iovm source checkout\n", script);
		free(args);
		return EXIT_USAGE;
	}
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) <= 0 ||
	    self_dir(build, sizeof(build)) != 0) {
		free(args);
		return 1;
	}
	args[n++] = "bash";
	args[n++] = script;
	args[n++] = "--iovm";
	args[n++] = self;
	args[n++] = "--build-dir";
	args[n++] = build;
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	execvp("bash", args);
	fprintf(stderr, "iovm lab: cannot run bash: %s\n", strerror(errno));
	free(args);
	return 1;
}
