/* SPDX-License-Identifier: MIT */
/*
 * I/O APIC in user space, for the split irqchip (LAPIC in KVM, the rest
 * here). A pin fires an MSI built from its redirection entry; each unmasked
 * entry is also a KVM GSI route, which is how KVM learns the level-triggered
 * vectors whose EOIs it must hand back (KVM_EXIT_IOAPIC_EOI).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "emul_priv.h"

#define PINS          24
#define REG_SELECT    0x00
#define REG_WINDOW    0x10
#define REG_EOI       0x40
#define IDX_ID        0x00
#define IDX_VERSION   0x01
#define IDX_ARB       0x02
#define IDX_REDIR     0x10
#define RTE_VECTOR(r)   ((r) & 0xff)
#define RTE_DELIVERY(r) (((r) >> 8) & 7)
#define RTE_DESTMODE    (1ULL << 11)
#define RTE_REMOTE_IRR  (1ULL << 14)
#define RTE_LEVEL       (1ULL << 15)
#define RTE_MASKED      (1ULL << 16)
#define RTE_RO_BITS     ((1ULL << 12) | RTE_REMOTE_IRR)
#define RTE_DEST(r)     ((r) >> 56)

struct ioapic {
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t select, id;
	uint64_t rte[PINS];
	bool line[PINS];
};

static void rte_to_msi(uint64_t rte, uint64_t *addr, uint32_t *data)
{
	*addr = 0xfee00000ULL | (RTE_DEST(rte) << 12) |
		((rte & RTE_DESTMODE) ? 1u << 2 : 0);
	*data = RTE_VECTOR(rte) | (RTE_DELIVERY(rte) << 8) |
		((rte & RTE_LEVEL) ? 1u << 15 : 0);
}

static void pin_deliver(struct ioapic *io, unsigned pin)
{
	uint64_t addr;
	uint32_t data;

	rte_to_msi(io->rte[pin], &addr, &data);
	if (io->rte[pin] & RTE_LEVEL)
		io->rte[pin] |= RTE_REMOTE_IRR;
	vm_signal_msi(io->vm, addr, data);
}

static void pin_service(struct ioapic *io, unsigned pin)
{
	uint64_t r = io->rte[pin];

	if (io->line[pin] && !(r & RTE_MASKED) && (r & RTE_LEVEL) &&
	    !(r & RTE_REMOTE_IRR))
		pin_deliver(io, pin);
}

static void pin_update_route(struct ioapic *io, unsigned pin)
{
	uint64_t addr;
	uint32_t data;

	if (io->rte[pin] & RTE_MASKED) {
		vm_gsi_route_remove(io->vm, pin);
		return;
	}
	rte_to_msi(io->rte[pin], &addr, &data);
	vm_gsi_route_msi(io->vm, pin, addr, data);
}

static int ioapic_set_line(void *opaque, unsigned pin, bool level)
{
	struct ioapic *io = opaque;
	bool rising;

	if (pin >= PINS)
		return -EINVAL;
	pthread_mutex_lock(&io->lock);
	rising = level && !io->line[pin];
	io->line[pin] = level;
	if (io->rte[pin] & RTE_LEVEL)
		pin_service(io, pin);
	else if (rising && !(io->rte[pin] & RTE_MASKED))
		pin_deliver(io, pin);
	pthread_mutex_unlock(&io->lock);
	return 0;
}

/* A level-triggered vector was EOIed: clear Remote IRR, refire if the
 * line is still asserted. */
static void ioapic_eoi_locked(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < PINS; pin++) {
		if ((io->rte[pin] & RTE_LEVEL) && RTE_VECTOR(io->rte[pin]) == vector &&
		    (io->rte[pin] & RTE_REMOTE_IRR)) {
			io->rte[pin] &= ~RTE_REMOTE_IRR;
			pin_service(io, pin);
		}
	}
}

static void ioapic_eoi(void *opaque, uint8_t vector)
{
	struct ioapic *io = opaque;

	pthread_mutex_lock(&io->lock);
	ioapic_eoi_locked(io, vector);
	pthread_mutex_unlock(&io->lock);
}

static uint32_t ioapic_read_index(struct ioapic *io, uint32_t idx)
{
	unsigned pin = (idx - IDX_REDIR) / 2;

	switch (idx) {
	case IDX_ID:
		return io->id << 24;
	case IDX_VERSION:
		return ((PINS - 1) << 16) | 0x20;   /* version 0x20: EOI register */
	case IDX_ARB:
		return io->id << 24;
	}
	if (idx >= IDX_REDIR && pin < PINS)
		return (idx & 1) ? io->rte[pin] >> 32 : (uint32_t)io->rte[pin];
	return ~0u;
}

static void ioapic_write_index(struct ioapic *io, uint32_t idx, uint32_t v)
{
	unsigned pin = (idx - IDX_REDIR) / 2;
	uint64_t r;

	if (idx == IDX_ID) {
		io->id = (v >> 24) & 0xf;
		return;
	}
	if (idx < IDX_REDIR || pin >= PINS)
		return;
	r = io->rte[pin];
	if (idx & 1)
		r = (r & 0xffffffffULL) | (uint64_t)v << 32;
	else
		r = (r & ~0xffffffffULL) | v;
	io->rte[pin] = (r & ~RTE_RO_BITS) | (io->rte[pin] & RTE_RO_BITS);
	pin_update_route(io, pin);
	pin_service(io, pin);
}

static void ioapic_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct ioapic *io = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&io->lock);
	if (off == REG_SELECT)
		v = io->select;
	else if (off == REG_WINDOW)
		v = ioapic_read_index(io, io->select);
	pthread_mutex_unlock(&io->lock);
	memset(data, 0, len);
	memcpy(data, &v, len < 4 ? len : 4);
}

static void ioapic_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct ioapic *io = opaque;
	uint32_t v = 0;

	memcpy(&v, data, len < 4 ? len : 4);
	pthread_mutex_lock(&io->lock);
	if (off == REG_SELECT)
		io->select = v & 0xff;
	else if (off == REG_WINDOW)
		ioapic_write_index(io, io->select, v);
	else if (off == REG_EOI)
		ioapic_eoi_locked(io, v & 0xff);
	pthread_mutex_unlock(&io->lock);
}

static const struct bus_ops ioapic_bus_ops = { ioapic_read, ioapic_write };
static const struct irqchip_ops ioapic_irq_ops = { ioapic_set_line, ioapic_eoi };

int ioapic_create(struct vm *vm, uint8_t id)
{
	struct ioapic *io = calloc(1, sizeof(*io));
	int ret;

	if (io) {
		io->vm = vm;
		io->id = id;
		pthread_mutex_init(&io->lock, NULL);
		for (unsigned pin = 0; pin < PINS; pin++)
			io->rte[pin] = RTE_MASKED;
	}
	ret = emul_attach(vm, BUS_MMIO, LAYOUT_IOAPIC_BASE, 0x100, &ioapic_bus_ops, io, "ioapic");
	if (!ret)
		vm_set_irqchip(vm, &ioapic_irq_ops, io);
	return ret;
}
