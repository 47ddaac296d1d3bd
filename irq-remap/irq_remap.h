/* SPDX-License-Identifier: MIT */
/*
 * irq-remap: MSI routing and interrupt remapping. Today: decoding the MSI
 * address/data a guest or device programs, in both the compatibility and
 * the VT-d remappable format. Pure, so passthrough, the guest-visible VT-d
 * and fuzzers share one parser.
 */
#ifndef IOVM_IRQ_REMAP_H
#define IOVM_IRQ_REMAP_H

#include <stdbool.h>
#include <stdint.h>

struct msi_msg {
	uint32_t addr_lo, addr_hi, data;
};

struct msi_decoded {
	bool remappable;      /* VT-d remappable format: look up the IRTE */
	uint16_t handle;      /* IRTE index (remappable) */
	bool shv;             /* subhandle valid: add data[15:0] to handle */
	uint32_t dest;        /* APIC ID (compatibility format) */
	bool dest_logical;
	bool redir_hint;
	uint8_t vector;
	uint8_t delivery;     /* 0 fixed, 1 lowest priority, 4 NMI, ... */
	bool level_trigger;
};

/* -EINVAL when the address is not in the 0xfeexxxxx interrupt window. */
int msi_decode(const struct msi_msg *m, struct msi_decoded *out);

#endif
