/* SPDX-License-Identifier: MIT */
/*
 * Shared fixtures for the unit suites.
 *
 * fixture.c: a struct vm without KVM. Both buses are initialised, the end
 * machinery works (eventfd + mutex), vm_fd is -1 so interrupt line ioctls
 * fail harmlessly. Optionally with the PCI host bridge. Plus helpers to
 * drive the buses the way a vCPU exit would.
 *
 * fixture_sysfs.c: recorded sysfs trees under a mkdtemp directory, with
 * IOVM_SYSFS_ROOT pointing at it.
 */
#ifndef IOVM_UNIT_FIXTURE_H
#define IOVM_UNIT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

/* ---- KVM-less VM (fixture.c, links against vmm-lite) ---- */

/* The VM under test. Static storage: device models have no destroy call,
 * so their state stays reachable from here until the test process exits
 * (Criterion runs every test in its own process). */
extern struct vm fx_vm;

/* Zeroes fx_vm, initialises the buses and the end machinery. */
void fx_vm_setup(void);
/* fx_vm_setup() plus pci_host_init(). */
void fx_vm_setup_pci(void);
/* Closes the eventfd. Buses are left alone (see fx_vm). */
void fx_vm_teardown(void);

/* Accesses as a vCPU exit would make them; served tells whether a region
 * took the access (NULL to ignore). */
uint32_t fx_pio_read(uint16_t port, unsigned len, bool *served);
void fx_pio_write(uint16_t port, unsigned len, uint32_t val, bool *served);
uint64_t fx_mmio_read(uint64_t addr, unsigned len, bool *served);
void fx_mmio_write(uint64_t addr, unsigned len, uint64_t val, bool *served);

/* Reads the end eventfd without blocking: its counter, 0 if never signalled. */
uint64_t fx_vm_end_signals(void);

/* Installs an irqchip that records legacy line levels instead of calling
 * KVM: fx_irq_level[gsi] is the current level, fx_irq_edges[gsi] counts
 * changes. Without it, line changes go to KVM_IRQ_LINE on vm_fd -1 and
 * fail harmlessly. */
#define FX_IRQ_LINES 24
extern bool fx_irq_level[FX_IRQ_LINES];
extern int fx_irq_edges[FX_IRQ_LINES];
void fx_vm_record_irqs(void);

/* ---- Recorded sysfs trees (fixture_sysfs.c, no product code) ---- */

/* Creates an empty tree under /tmp and sets IOVM_SYSFS_ROOT to it. */
const char *fx_sysfs_create(void);
/* Removes the tree and unsets IOVM_SYSFS_ROOT. */
void fx_sysfs_destroy(void);
/* Paths are relative to the tree root, e.g. "sys/class/iommu/dmar0". */
void fx_sysfs_mkdir(const char *rel);
void fx_sysfs_write(const char *rel, const char *content);
void fx_sysfs_symlink(const char *rel, const char *target);
/* A PCI function the way sysfs shows it: the device directory under
 * sys/devices/pci0000:00/ and the sys/bus/pci/devices/<bdf> link to it.
 * Returns the device directory, relative to the root (static buffer). */
const char *fx_sysfs_add_pci(const char *bdf);

#endif
