/* SPDX-License-Identifier: MIT */
/* A struct vm without KVM, and bus access helpers. See fixture.h. */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fixture.h"
#include "vmm.h"

struct vm fx_vm;

void fx_vm_setup(void)
{
	memset(&fx_vm, 0, sizeof(fx_vm));
	fx_vm.kvm_fd = fx_vm.vm_fd = fx_vm.mem_fd = -1;
	cr_assert_eq(bus_init(&fx_vm.bus[BUS_PIO]), 0);
	cr_assert_eq(bus_init(&fx_vm.bus[BUS_MMIO]), 0);
	cr_assert_eq(pthread_mutex_init(&fx_vm.end_lock, NULL), 0);
	cr_assert_eq(pthread_mutex_init(&fx_vm.gsi_lock, NULL), 0);
	fx_vm.end_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	cr_assert_geq(fx_vm.end_fd, 0, "eventfd: %s", strerror(errno));
	/* Devices log to stderr on purpose in some tests; keep output clean. */
	vmm_log_set_quiet(true);
}

void fx_vm_setup_pci(void)
{
	fx_vm_setup();
	cr_assert_eq(pci_host_init(&fx_vm.pci, &fx_vm), 0);
}

void fx_vm_teardown(void)
{
	if (fx_vm.end_fd >= 0)
		close(fx_vm.end_fd);
	fx_vm.end_fd = -1;
}

uint32_t fx_pio_read(uint16_t port, unsigned len, bool *served)
{
	uint32_t v = 0;
	bool s = bus_access(&fx_vm.bus[BUS_PIO], port, &v, len, false);

	if (served)
		*served = s;
	return v;
}

void fx_pio_write(uint16_t port, unsigned len, uint32_t val, bool *served)
{
	bool s = bus_access(&fx_vm.bus[BUS_PIO], port, &val, len, true);

	if (served)
		*served = s;
}

uint64_t fx_mmio_read(uint64_t addr, unsigned len, bool *served)
{
	uint64_t v = 0;
	bool s = bus_access(&fx_vm.bus[BUS_MMIO], addr, &v, len, false);

	if (served)
		*served = s;
	return v;
}

void fx_mmio_write(uint64_t addr, unsigned len, uint64_t val, bool *served)
{
	bool s = bus_access(&fx_vm.bus[BUS_MMIO], addr, &val, len, true);

	if (served)
		*served = s;
}

uint64_t fx_vm_end_signals(void)
{
	uint64_t n = 0;

	if (read(fx_vm.end_fd, &n, sizeof(n)) != sizeof(n)) {
		cr_assert_eq(errno, EAGAIN, "eventfd read: %s", strerror(errno));
		return 0;
	}
	return n;
}

bool fx_irq_level[FX_IRQ_LINES];
int fx_irq_edges[FX_IRQ_LINES];

static int record_set_line(void *opaque, unsigned gsi, bool level)
{
	(void)opaque;
	cr_assert_lt(gsi, FX_IRQ_LINES, "line %u out of range", gsi);
	if (fx_irq_level[gsi] != level)
		fx_irq_edges[gsi]++;
	fx_irq_level[gsi] = level;
	return 0;
}

static const struct irqchip_ops record_irqchip = { .set_line = record_set_line };

void fx_vm_record_irqs(void)
{
	memset(fx_irq_level, 0, sizeof(fx_irq_level));
	memset(fx_irq_edges, 0, sizeof(fx_irq_edges));
	vm_set_irqchip(&fx_vm, &record_irqchip, NULL);
}
