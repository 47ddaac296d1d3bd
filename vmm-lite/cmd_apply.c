/* SPDX-License-Identifier: MIT */
/* `iovm apply [--dry-run] [FILE]`: make the host match the device file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sriov.h"

#define DEFAULT_DEVCONF "/etc/iovm/devices.conf"
#define DEVCONF_MAX_BYTES (256 * 1024)

static const char apply_usage[] =
"usage: iovm apply [--dry-run] [FILE]\n"
"Make the host match FILE (default " DEFAULT_DEVCONF "): VF counts, drivers,\n"
"NIC VF settings. Prints each change; a second run changes nothing. If a\n"
"step fails, the steps before it are undone. The file:\n"
"  [pf 0000:3b:00.0]        vfs = 4, driver = ice\n"
"  [vf 0000:3b:00.0 0]      driver = vfio-pci, mac = 52:54:00:00:00:01, vlan = 10,\n"
"                           spoofchk = on, trust = off, max-rate = 1000 (Mbit/s)\n"
"  [device 0000:00:02.0]    driver = vfio-pci\n"
"one 'key = value' per line, '#' comments.\n";

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, DEVCONF_MAX_BYTES + 1);
	n = buf ? fread(buf, 1, DEVCONF_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (buf && n > DEVCONF_MAX_BYTES) {
		free(buf);
		errno = EFBIG;
		return NULL;
	}
	return buf;
}

int cmd_apply(int argc, char **argv)
{
	const char *path = DEFAULT_DEVCONF;
	bool dry = false;
	struct devconf *conf;
	char err[512], *text;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(apply_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--dry-run"))
			dry = true;
		else
			path = argv[i];
	}
	if (!(text = read_text(path))) {
		fprintf(stderr, "iovm apply: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	conf = malloc(sizeof(*conf));
	ret = conf ? devconf_parse(text, conf, err, sizeof(err)) : -ENOMEM;
	free(text);
	if (ret) {
		fprintf(stderr, "iovm apply: %s: %s\n", path, conf ? err : strerror(-ret));
		free(conf);
		return EXIT_USAGE;
	}
	ret = devconf_apply(conf, dry, stdout, err, sizeof(err));
	free(conf);
	if (ret < 0) {
		fprintf(stderr, "iovm apply: %s (earlier changes were undone)\n", err);
		return EXIT_USAGE;
	}
	printf("iovm apply: %d change%s%s\n", ret, ret == 1 ? "" : "s", dry ? " (dry run)" : "");
	return 0;
}
