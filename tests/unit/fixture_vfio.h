/* SPDX-License-Identifier: MIT */
/*
 * A fake passthrough device for vfio-backend's config space, BAR and
 * MSI-X code: the device fd is a memfd, which the backend reads and writes
 * with pread/pwrite like a VFIO region. Layout of the memfd:
 *
 *   0x00000  config space (cfg_region.offset 0), 4 KiB incl. extended
 *   0x08000  expansion ROM, 32 KiB (rom_region, when a test sets it)
 *   0x10000  BAR0, 16 KiB (when a test calls fxv_fake_bar0)
 *
 * VFIO ioctls on a memfd fail (ENOTTY): VFIO_DEVICE_SET_IRQS and the
 * region queries of vfio_bars_init, VFIO_DEVICE_GET_IRQ_INFO (so no INTx).
 * fxv_fake_bar0 fills in what VFIO_DEVICE_GET_REGION_INFO would have said
 * for BAR0. The VM is the KVM-less fixture VM (fixture.h), so GSI routes
 * land in fx_vm.gsi_routes but are never committed, and irqfds fail.
 */
#ifndef IOVM_UNIT_FIXTURE_VFIO_H
#define IOVM_UNIT_FIXTURE_VFIO_H

#include <linux/kvm.h>

#include "vfio_priv.h"

#define ROM_OFF    0x8000ULL
#define ROM_SIZE   0x8000ULL
#define BAR0_OFF   0x10000ULL
#define BAR0_SIZE  0x4000ULL
#define FD_SIZE    0x20000ULL
#define BAR0_GPA   LAYOUT_MMIO32_BASE   /* the first BAR pci_host_add places */
#define ROM_GPA    0xfe000000ULL

/* The default image's capability chain (fxv_default_image). */
enum { CAP_PM = 0x40, CAP_VNDR = 0x50, CAP_MSI = 0x60, CAP_EXP = 0x80, CAP_MSIX = 0x90 };

/* The device under test (static storage: its state stays reachable). */
extern struct vfio_dev fxv_dev;
/* The config image the device is opened from; tests may change it and
 * fxv_reopen(). */
extern uint8_t fxv_img[256];

void fxv_put16(uint8_t *p, uint16_t v);
void fxv_put32(uint8_t *p, uint32_t v);
/* An e1000e-like function; see fixture_vfio.c for every byte. */
void fxv_default_image(void);

/* The device's side: the memfd at off. */
void fxv_fd_write(uint64_t off, const void *p, size_t len);
uint32_t fxv_fd_read(uint64_t off, unsigned len);

/* .init: fixture VM with PCI, default image, vfio_config_init. */
void fxv_config_setup(void);
/* .init: fxv_config_setup, then device_open's order and the PCI bus:
 * vfio_bars_init, fxv_fake_bar0, vfio_msix_init, pci_host_add (devfn 8,
 * BAR0 at BAR0_GPA, decoding on), vfio_intx_init. */
void fxv_device_setup(void);
/* .fini: releases BARs and interrupts, closes the memfd, the VM's end fd. */
void fxv_teardown(void);
/* Closes the device and opens it again from fxv_img (same VM). */
void fxv_reopen(void);
/* What vfio_bars_init records for a 16 KiB memory BAR0 at BAR0_OFF. */
void fxv_fake_bar0(void);

/* Config accesses through the function's ops (vfio_pci_func_ops). */
uint32_t fxv_cfg_rd(unsigned off, unsigned len);
void fxv_cfg_wr(unsigned off, unsigned len, uint32_t v);

/* The MSI route of gsi in fx_vm.gsi_routes, or NULL. */
const struct kvm_irq_routing_entry *fxv_msi_route(int gsi);

#endif
