/* SPDX-License-Identifier: MIT */
/* PCI vendor/device names from the ID database, through libpci. */
#include <stdio.h>
#include <pci/pci.h>

#include "sriov.h"

/* libpci reports through these; the defaults are set only by pci_init,
 * which we do not need for name lookups. A missing database just means
 * numbers instead of names. */
static void quiet(char *msg, ...)
{
	(void)msg;
}

void pci_names(uint16_t vendor, uint16_t device, char *vname, size_t vlen,
	       char *dname, size_t dlen)
{
	static struct pci_access *pacc;

	if (!pacc && (pacc = pci_alloc())) { /* loads the ID file on first lookup */
		pacc->warning = quiet;
		pacc->debug = quiet;
	}
	if (!pacc || !pci_lookup_name(pacc, vname, vlen, PCI_LOOKUP_VENDOR, vendor))
		snprintf(vname, vlen, "%04x", vendor);
	if (!pacc || !pci_lookup_name(pacc, dname, dlen, PCI_LOOKUP_DEVICE, vendor, device))
		snprintf(dname, dlen, "%04x", device);
}
