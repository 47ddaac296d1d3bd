/* SPDX-License-Identifier: MIT */
/*
 * Interrupt delivery: legacy lines (in-kernel PIC/IOAPIC, or a user-space
 * I/O APIC in split mode), MSIs, and the GSI routing table that irqfds and
 * split-mode I/O APIC pins go through.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "vmm.h"

#define GSI_ROUTES_MAX 1024
#define IOAPIC_PINS 24

void vm_set_irqchip(struct vm *vm, const struct irqchip_ops *ops, void *opaque)
{
	vm->irqchip_opaque = opaque;
	vm->irqchip_ops = ops;
}

int vm_set_irq_line(struct vm *vm, unsigned gsi, bool level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = level };

	if (vm->irqchip_ops)
		return vm->irqchip_ops->set_line(vm->irqchip_opaque, gsi, level);
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		return -errno;
	return 0;
}

int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr, .address_hi = addr >> 32, .data = data,
	};

	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

static void route_add_irqchip(struct kvm_irq_routing *r, unsigned gsi,
			      unsigned chip, unsigned pin)
{
	struct kvm_irq_routing_entry *e = &r->entries[r->nr++];

	*e = (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = chip, .pin = pin },
	};
}

/* The table KVM starts with when the irqchip is in the kernel: replacing
 * the routing must keep these or legacy interrupts stop. */
static void routes_seed(struct vm *vm, struct kvm_irq_routing *r)
{
	if (vm->cfg.irqchip != IRQCHIP_KERNEL)
		return;
	for (unsigned gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		if (gsi < 16 && gsi != 2)
			route_add_irqchip(r, gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
					  KVM_IRQCHIP_PIC_SLAVE, gsi % 8);
		route_add_irqchip(r, gsi, KVM_IRQCHIP_IOAPIC, gsi);
	}
}

static struct kvm_irq_routing *routes_get(struct vm *vm)
{
	if (!vm->gsi_routes) {
		vm->gsi_routes = calloc(1, sizeof(*vm->gsi_routes) +
					GSI_ROUTES_MAX * sizeof(vm->gsi_routes->entries[0]));
		if (vm->gsi_routes)
			routes_seed(vm, vm->gsi_routes);
	}
	return vm->gsi_routes;
}

static void routes_drop_msi(struct kvm_irq_routing *r, unsigned gsi)
{
	for (unsigned i = 0; i < r->nr; i++) {
		if (r->entries[i].gsi == gsi && r->entries[i].type == KVM_IRQ_ROUTING_MSI) {
			r->entries[i] = r->entries[--r->nr];
			return;
		}
	}
}

static int routes_commit(struct vm *vm, struct kvm_irq_routing *r)
{
	if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r) < 0) {
		int e = errno;

		vmm_log("KVM_SET_GSI_ROUTING (%u routes): %s", r->nr, strerror(e));
		return -e;
	}
	return 0;
}

/* Replaces gsi's MSI route with e (NULL: removes it) and commits. */
static int route_set(struct vm *vm, unsigned gsi, const struct kvm_irq_routing_entry *e)
{
	struct kvm_irq_routing *r;
	int ret = -ENOMEM;

	pthread_mutex_lock(&vm->gsi_lock);
	r = routes_get(vm);
	if (r) {
		routes_drop_msi(r, gsi);
		ret = e && r->nr >= GSI_ROUTES_MAX ? -ENOSPC : 0;
		if (e && !ret)
			r->entries[r->nr++] = *e;
		if (!ret)
			ret = routes_commit(vm, r);
	}
	pthread_mutex_unlock(&vm->gsi_lock);
	return ret;
}

int vm_gsi_route_msi(struct vm *vm, unsigned gsi, uint64_t addr, uint32_t data)
{
	struct kvm_irq_routing_entry e = {
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (uint32_t)addr, .address_hi = addr >> 32, .data = data },
	};

	return route_set(vm, gsi, &e);
}

int vm_gsi_route_remove(struct vm *vm, unsigned gsi)
{
	return route_set(vm, gsi, NULL);
}

int vm_gsi_alloc(struct vm *vm)
{
	int gsi;

	pthread_mutex_lock(&vm->gsi_lock);
	if (vm->next_gsi < IOAPIC_PINS)
		vm->next_gsi = IOAPIC_PINS;
	gsi = vm->next_gsi < GSI_ROUTES_MAX ? (int)vm->next_gsi++ : -ENOSPC;
	pthread_mutex_unlock(&vm->gsi_lock);
	return gsi;
}

int vm_irqfd(struct vm *vm, int fd, unsigned gsi, int resample_fd)
{
	struct kvm_irqfd irqfd = { .fd = fd, .gsi = gsi };

	if (resample_fd >= 0) {
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = resample_fd;
	}
	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0) {
		int e = errno;

		vmm_log("KVM_IRQFD gsi %u: %s", gsi, strerror(e));
		return -e;
	}
	return 0;
}

int vm_irqfd_remove(struct vm *vm, int fd, unsigned gsi)
{
	struct kvm_irqfd irqfd = { .fd = fd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_DEASSIGN };

	return ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}
