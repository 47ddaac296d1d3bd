/* SPDX-License-Identifier: MIT */
/* MSI message decoding (Intel SDM vol. 3 10.11, VT-d spec 5.1.5.2). */
#include <errno.h>
#include <string.h>

#include "irq_remap.h"

#define MSI_ADDR_BASE      0xfee00000u
#define MSI_ADDR_MASK      0xfff00000u
#define MSI_ADDR_IF_REMAP  (1u << 4)
#define MSI_ADDR_SHV       (1u << 3)
#define MSI_ADDR_RH        (1u << 3)
#define MSI_ADDR_DM        (1u << 2)

int msi_decode(const struct msi_msg *m, struct msi_decoded *out)
{
	memset(out, 0, sizeof(*out));
	if ((m->addr_lo & MSI_ADDR_MASK) != MSI_ADDR_BASE)
		return -EINVAL;
	if (m->addr_lo & MSI_ADDR_IF_REMAP) {
		/* handle[14:0] in addr[19:5], handle[15] in addr[2] */
		out->remappable = true;
		out->handle = ((m->addr_lo >> 5) & 0x7fff) |
			      (uint16_t)(((m->addr_lo >> 2) & 1) << 15);
		out->shv = m->addr_lo & MSI_ADDR_SHV;
		if (out->shv)
			out->handle += m->data & 0xffff;
		return 0;
	}
	/* Extended destination ID (x2APIC without remapping) in addr_hi. */
	out->dest = ((m->addr_lo >> 12) & 0xff) | (m->addr_hi & 0xffffff00u);
	out->redir_hint = m->addr_lo & MSI_ADDR_RH;
	out->dest_logical = m->addr_lo & MSI_ADDR_DM;
	out->vector = m->data & 0xff;
	out->delivery = (m->data >> 8) & 7;
	out->level_trigger = (m->data >> 15) & 1;
	return 0;
}
