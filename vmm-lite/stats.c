/* SPDX-License-Identifier: MIT */
/* Exit counters: by KVM exit reason and by device (bus region). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

static const char *const space_names[BUS_NSPACES] = { "pio", "mmio" };

void vm_stats_print(struct vm *vm, FILE *out)
{
	uint64_t total = 0;

	for (int k = 0; k < EXIT_NKINDS; k++)
		total += vm->exits[k];
	fprintf(out, "iovm stats: setup %.1f ms (loading the guest images %.1f ms)\n",
		vm->setup_seconds * 1e3, vm->load_seconds * 1e3);
	fprintf(out, "iovm stats: %llu exits to user space\n", (unsigned long long)total);
	for (int k = 0; k < EXIT_NKINDS; k++)
		if (vm->exits[k])
			fprintf(out, "  %-16s %12llu\n", exit_kind_name(k),
				(unsigned long long)vm->exits[k]);
	fprintf(out, "iovm stats: by device\n");
	for (int s = 0; s < BUS_NSPACES; s++) {
		struct bus *b = &vm->bus[s];

		for (int i = 0; i < b->count; i++)
			if (b->regions[i].accesses)
				fprintf(out, "  %-4s %-20s %12llu\n", space_names[s],
					b->regions[i].name,
					(unsigned long long)b->regions[i].accesses);
		if (b->unhandled)
			fprintf(out, "  %-4s %-20s %12llu\n", space_names[s], "(unhandled)",
				(unsigned long long)b->unhandled);
	}
}

int vm_stats_write_json(struct vm *vm, const char *path, double run_seconds)
{
	FILE *f = fopen(path, "we");
	const char *sep = "";

	if (!f) {
		vmm_log("cannot write stats to %s: %s", path, strerror(errno));
		return -errno;
	}
	fprintf(f, "{\n  \"run_seconds\": %.6f,\n  \"setup_seconds\": %.6f,\n"
		"  \"load_seconds\": %.6f,\n  \"exits\": {", run_seconds,
		vm->setup_seconds, vm->load_seconds);
	for (int k = 0; k < EXIT_NKINDS; k++, sep = ", ")
		fprintf(f, "%s\"%s\": %llu", sep, exit_kind_name(k),
			(unsigned long long)vm->exits[k]);
	fprintf(f, "},\n  \"devices\": [");
	sep = "";
	for (int s = 0; s < BUS_NSPACES; s++) {
		struct bus *b = &vm->bus[s];

		for (int i = 0; i < b->count; i++, sep = ",")
			fprintf(f, "%s\n    {\"space\": \"%s\", \"name\": \"%s\", \"accesses\": %llu}",
				sep, space_names[s], b->regions[i].name,
				(unsigned long long)b->regions[i].accesses);
		fprintf(f, "%s\n    {\"space\": \"%s\", \"name\": \"(unhandled)\", \"accesses\": %llu}",
			sep, space_names[s], (unsigned long long)b->unhandled);
		sep = ",";
	}
	fprintf(f, "\n  ]\n}\n");
	return fclose(f) ? -errno : 0;
}
