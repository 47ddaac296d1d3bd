/* SPDX-License-Identifier: MIT */
/*
 * MSI vectors delivered by KVM: the device signals an eventfd, KVM's irqfd
 * turns it into the GSI whose route holds the guest's MSI message. Masking
 * detaches the irqfd, so a signal waits in the eventfd; unmasking delivers
 * it, which is the PCI pending-bit behaviour without a VMM hop.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "irq_remap.h"
#include "vmm.h"

void irq_vector_init(struct irq_vector *v)
{
	memset(v, 0, sizeof(*v));
	v->efd = -1;
	v->gsi = -1;
}

static int vector_prepare(struct vm *vm, struct irq_vector *v)
{
	if (v->efd < 0) {
		v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->efd < 0)
			return -errno;
	}
	if (v->gsi < 0) {
		v->gsi = vm_gsi_alloc(vm);
		if (v->gsi < 0)
			return v->gsi;
	}
	return 0;
}

int irq_vector_update(struct vm *vm, struct irq_vector *v, bool live,
		      const struct msi_msg *msg)
{
	int ret = vector_prepare(vm, v);

	if (ret)
		return ret;
	if (!live) {
		if (v->irqfd_on)
			vm_irqfd_remove(vm, v->efd, v->gsi);
		v->irqfd_on = false;
		return 0;
	}
	if (!v->irqfd_on || memcmp(&v->msg, msg, sizeof(*msg))) {
		ret = vm_gsi_route_msi(vm, v->gsi, msg->addr_lo |
				       (uint64_t)msg->addr_hi << 32, msg->data);
		if (ret)
			return ret;
		v->msg = *msg;
	}
	if (!v->irqfd_on) {
		/* KVM_IRQFD delivers a count already in the eventfd at once. */
		ret = vm_irqfd(vm, v->efd, v->gsi, -1);
		v->irqfd_on = !ret;
	}
	return ret;
}

void irq_vector_release(struct vm *vm, struct irq_vector *v)
{
	if (v->irqfd_on)
		vm_irqfd_remove(vm, v->efd, v->gsi);
	if (v->gsi >= 0)
		vm_gsi_route_remove(vm, v->gsi);
	if (v->efd >= 0)
		close(v->efd);
	irq_vector_init(v);
}
