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

/* ---------------------------------------------------------------------------
 * MSI-X table and PBA as the guest sees them (PCI 3.0 6.8.2). Pure state:
 * the caller maps the table into a BAR and acts on vector changes.
 */
#define MSIX_ENTRY_SIZE 16
#define MSIX_CTRL_MASKED 1u

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct msix_state {
	unsigned nvec;
	struct msix_entry *tab;
	uint64_t *pending;       /* PBA: fired while masked */
	bool enabled, func_masked;
};

int msix_init(struct msix_state *m, unsigned nvec);
void msix_free(struct msix_state *m);
/* Table accesses (off from the table start). Returns true when the write
 * changed whether vector *vec fires or where it goes. */
void msix_table_read(const struct msix_state *m, uint64_t off, void *data, unsigned len);
bool msix_table_write(struct msix_state *m, uint64_t off, const void *data,
		      unsigned len, unsigned *vec);
void msix_pba_read(const struct msix_state *m, uint64_t off, void *data, unsigned len);
/* Enabled, function not masked, vector not masked. */
bool msix_vector_live(const struct msix_state *m, unsigned vec);
struct msi_msg msix_vector_msg(const struct msix_state *m, unsigned vec);

/* ---------------------------------------------------------------------------
 * A vector delivered by KVM without a VMM hop: eventfd -> irqfd -> GSI ->
 * MSI route. The device (VFIO) signals the eventfd.
 */
struct vm;
struct irq_vector {
	int efd;       /* eventfd the device signals, -1 until first use */
	int gsi;       /* -1 until first use */
	bool irqfd_on;
	struct msi_msg msg;
};

void irq_vector_init(struct irq_vector *v);
/* Makes the vector deliver msg (live) or park (not live: a signal stays
 * pending in the eventfd and is delivered when it goes live again). */
int irq_vector_update(struct vm *vm, struct irq_vector *v, bool live,
		      const struct msi_msg *msg);
void irq_vector_release(struct vm *vm, struct irq_vector *v);

#endif
