/* SPDX-License-Identifier: MIT */
/*
 * Can this function be given to a guest? Pure: decided from the listing and
 * the host's interrupt remapping state, with every reason spelled out.
 */
#include <stdio.h>
#include <string.h>

#include "sriov.h"

static bool driver_ok_in_group(const char *drv)
{
	/* Bridges stay with pcieport; everything else must be free or VFIO's. */
	return !drv[0] || !strcmp(drv, "vfio-pci") || !strcmp(drv, "pcieport");
}

static void add_reason(char *why, size_t len, const char *fmt, const char *arg)
{
	size_t used = strlen(why);

	if (used + 3 >= len)
		return;
	if (used)
		strcat(why, "; ");
	snprintf(why + strlen(why), len - strlen(why), fmt, arg);
}

bool pci_assess(const struct pci_fn *f, const struct pci_fn *all, int n, bool irq_remap,
		char *why, size_t len)
{
	why[0] = 0;
	if (f->iommu_group < 0) {
		add_reason(why, len, "%sIOMMU off (no IOMMU group)", "");
		return false;
	}
	if (!irq_remap)
		add_reason(why, len, "%sno interrupt remapping on the host", "");
	if (strcmp(f->driver, "vfio-pci"))
		add_reason(why, len, f->driver[0] ? "bound to %s: run iovm bind" :
			   "no driver%s: run iovm bind", f->driver);
	for (int i = 0; i < n; i++) {
		const struct pci_fn *o = &all[i];

		if (o->iommu_group == f->iommu_group && strcmp(o->bdf, f->bdf) &&
		    !driver_ok_in_group(o->driver))
			add_reason(why, len, "group shares %s, which has a host driver", o->bdf);
	}
	if (f->sriov_total > 0 && f->sriov_num > 0)
		add_reason(why, len, "%shas VFs enabled (give the VFs instead)", "");
	return why[0] == 0;
}
