/* SPDX-License-Identifier: MIT */
/* The guest's view of an MSI-X table and its pending-bit array. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irq_remap.h"

int msix_init(struct msix_state *m, unsigned nvec)
{
	memset(m, 0, sizeof(*m));
	if (nvec == 0 || nvec > 2048)
		return -EINVAL;
	m->tab = calloc(nvec, sizeof(*m->tab));
	m->pending = calloc((nvec + 63) / 64, sizeof(uint64_t));
	if (!m->tab || !m->pending) {
		msix_free(m);
		return -ENOMEM;
	}
	m->nvec = nvec;
	for (unsigned i = 0; i < nvec; i++)
		m->tab[i].ctrl = MSIX_CTRL_MASKED; /* reset state: masked */
	return 0;
}

void msix_free(struct msix_state *m)
{
	free(m->tab);
	free(m->pending);
	m->tab = NULL;
	m->pending = NULL;
	m->nvec = 0;
}

/* Accesses are dword or qword, naturally aligned, inside the table. */
static bool table_access_ok(const struct msix_state *m, uint64_t off, unsigned len)
{
	uint64_t size = (uint64_t)m->nvec * MSIX_ENTRY_SIZE;

	return (len == 4 || len == 8) && !(off & (len - 1)) &&
	       off < size && len <= size - off;
}

void msix_table_read(const struct msix_state *m, uint64_t off, void *data, unsigned len)
{
	memset(data, 0xff, len);
	if (table_access_ok(m, off, len))
		memcpy(data, (const uint8_t *)m->tab + off, len);
}

bool msix_table_write(struct msix_state *m, uint64_t off, const void *data,
		      unsigned len, unsigned *vec)
{
	struct msix_entry before;
	unsigned v;

	if (!table_access_ok(m, off, len))
		return false;
	v = off / MSIX_ENTRY_SIZE;
	before = m->tab[v];
	memcpy((uint8_t *)m->tab + off, data, len);
	m->tab[v].ctrl &= MSIX_CTRL_MASKED; /* other control bits reserved */
	*vec = v;
	if (m->tab[v].ctrl != before.ctrl)
		return true;
	/* Address/data changes only matter to a vector that can fire. */
	return !(m->tab[v].ctrl & MSIX_CTRL_MASKED) &&
	       memcmp(&before, &m->tab[v], sizeof(before)) != 0;
}

void msix_pba_read(const struct msix_state *m, uint64_t off, void *data, unsigned len)
{
	uint64_t bytes = ((uint64_t)m->nvec + 7) / 8;

	memset(data, 0, len);
	if (off < bytes)
		memcpy(data, (const uint8_t *)m->pending + off,
		       len < bytes - off ? len : bytes - off);
}

bool msix_vector_live(const struct msix_state *m, unsigned vec)
{
	return vec < m->nvec && m->enabled && !m->func_masked &&
	       !(m->tab[vec].ctrl & MSIX_CTRL_MASKED);
}

struct msi_msg msix_vector_msg(const struct msix_state *m, unsigned vec)
{
	struct msi_msg msg = { 0, 0, 0 };

	if (vec < m->nvec)
		msg = (struct msi_msg){ m->tab[vec].addr_lo, m->tab[vec].addr_hi,
					m->tab[vec].data };
	return msg;
}
