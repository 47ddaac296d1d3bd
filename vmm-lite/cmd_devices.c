/* SPDX-License-Identifier: MIT */
/* `iovm devices`: what is on the host's PCI bus and whether it can be
 * assigned, as aligned columns for people or JSON for programs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "iommu.h"
#include "sriov.h"

static const char devices_usage[] =
"usage: iovm devices [--json] [-v]\n"
"List PCI functions: address, IDs and names, class, driver, IOMMU group,\n"
"NUMA node, SR-IOV state and whether they can be given to a guest.\n"
"  --json   one JSON array, for programs\n"
"  -v       also the other members of each IOMMU group and all reasons\n";

static void sriov_col(const struct pci_fn *f, char *buf, size_t len)
{
	if (f->sriov_total >= 0)
		snprintf(buf, len, "PF %d/%d", f->sriov_num, f->sriov_total);
	else if (f->pf[0])
		snprintf(buf, len, "VF%d of %s", f->vf_index, f->pf);
	else
		snprintf(buf, len, "-");
}

static void json_str(const char *key, const char *v, const char *sep)
{
	printf("\"%s\": \"", key);
	for (; *v; v++)
		printf(*v == '"' || *v == '\\' ? "\\%c" : "%c", *v);
	printf("\"%s", sep);
}

static void print_json(const struct pci_fn *all, int n, bool ir)
{
	printf("[");
	for (int i = 0; i < n; i++) {
		const struct pci_fn *f = &all[i];
		char vn[128], dn[128], why[512], id[16];
		bool ok = pci_assess(f, all, n, ir, why, sizeof(why));

		pci_names(f->vendor, f->device, vn, sizeof(vn), dn, sizeof(dn));
		snprintf(id, sizeof(id), "%04x:%04x", f->vendor, f->device);
		printf("%s\n  {", i ? "," : "");
		json_str("bdf", f->bdf, ", ");
		json_str("id", id, ", ");
		json_str("vendor", vn, ", ");
		json_str("device", dn, ", ");
		printf("\"class\": \"%06x\", ", f->class_code);
		json_str("driver", f->driver, ", ");
		printf("\"iommu_group\": %d, \"numa_node\": %d, ", f->iommu_group, f->numa_node);
		printf("\"sriov_totalvfs\": %d, \"sriov_numvfs\": %d, ", f->sriov_total, f->sriov_num);
		json_str("pf", f->pf, ", ");
		printf("\"vf_index\": %d, \"assignable\": %s, ", f->vf_index, ok ? "true" : "false");
		json_str("reasons", why, "}");
	}
	printf("\n]\n");
}

static void print_group(const struct pci_fn *f, const struct pci_fn *all, int n)
{
	for (int j = 0; j < n; j++)
		if (all[j].iommu_group == f->iommu_group && strcmp(all[j].bdf, f->bdf))
			printf("    group %d also: %s (%s)\n", f->iommu_group, all[j].bdf,
			       all[j].driver[0] ? all[j].driver : "no driver");
}

static void print_table(const struct pci_fn *all, int n, bool ir, bool verbose)
{
	printf("%-12s  %-9s  %-40s  %-6s  %-10s  %5s  %4s  %-22s  %s\n", "BDF", "ID", "NAME",
	       "CLASS", "DRIVER", "GROUP", "NUMA", "SR-IOV", "ASSIGNABLE");
	for (int i = 0; i < n; i++) {
		const struct pci_fn *f = &all[i];
		char vn[128], dn[128], name[256], sr[48], why[512];
		bool ok = pci_assess(f, all, n, ir, why, sizeof(why));

		pci_names(f->vendor, f->device, vn, sizeof(vn), dn, sizeof(dn));
		snprintf(name, sizeof(name), "%s %s", vn, dn);
		sriov_col(f, sr, sizeof(sr));
		printf("%-12s  %04x:%04x  %-40.40s  %06x  %-10s  %5d  %4d  %-22s  %s%s%s\n", f->bdf,
		       f->vendor, f->device, name, f->class_code, f->driver[0] ? f->driver : "-",
		       f->iommu_group, f->numa_node, sr, ok ? "yes" : "no",
		       !ok && verbose ? ": " : "", !ok && verbose ? why : "");
		if (verbose)
			print_group(f, all, n);
	}
}

int cmd_devices(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' }, { "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' }, { 0 },
	};
	bool json = false, verbose = false;
	struct pci_fn *all;
	int opt, n;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(devices_usage, stdout);
			return 0;
		}
		if (opt == '?')
			return EXIT_USAGE;
		if (opt == 'j')
			json = true;
		else
			verbose = true;
	}
	n = pci_fn_list(&all);
	if (n < 0) {
		fprintf(stderr, "iovm devices: cannot read /sys/bus/pci/devices\n");
		return 1;
	}
	if (json)
		print_json(all, n, iommu_host_irq_remapping());
	else
		print_table(all, n, iommu_host_irq_remapping(), verbose);
	free(all);
	return 0;
}
