/* SPDX-License-Identifier: MIT */
/* Internals of vfio-backend, shared by its files only. */
#ifndef IOVM_VFIO_PRIV_H
#define IOVM_VFIO_PRIV_H

#include <pthread.h>
#include <linux/vfio.h>

#include "iommu.h"
#include "irq_remap.h"
#include "vfio.h"
#include "vmm.h"

#define VFIO_MAX_AREAS 8
#define VFIO_MAX_SLOTS 8

struct vfio_dev;

#define VFIO_MAX_TRAPS 6

/* One bus region over part of a BAR; off is where it starts in the BAR. */
struct vfio_trap {
	struct vfio_bar *bar;
	uint64_t off, guest_addr;
	bool registered;
};

struct vfio_bar {
	struct vfio_dev *dev;
	int index;
	struct vfio_region_info info;
	/* mmap'able areas (offset within the BAR) and their mappings */
	struct vfio_range areas[VFIO_MAX_AREAS];
	void *maps[VFIO_MAX_AREAS];
	int nareas;
	int slots[VFIO_MAX_SLOTS];
	int nslots;
	struct vfio_trap traps[VFIO_MAX_TRAPS];
	char name[40], msix_name[48];
};

struct vfio_msix {
	int cap;                 /* config offset, 0 if none */
	int table_bar, pba_bar;
	uint64_t table_off, pba_off;
	struct msix_state st;
	struct irq_vector *vec;
	bool irqs_on;            /* VFIO_DEVICE_SET_IRQS done */
};

struct vfio_msi {
	int cap;                 /* config offset, 0 if none */
	bool is64, maskable;
	struct irq_vector vec;
	bool irqs_on;
};

struct vfio_intx {
	int gsi;                 /* -1: no INTx for the guest */
	int trigger_efd, resample_efd;
	bool irqfd_on, irqs_on;
};

struct vfio_dev {
	struct vfio_vm *vv;
	struct vfio_dev_opts opts;
	int group, group_fd, fd;
	struct vfio_device_info info;
	struct vfio_region_info cfg_region, rom_region;
	uint8_t phys_cfg[256];
	bool emulated[256];      /* config bytes iovm answers itself */
	struct pci_func func;
	struct vfio_bar bars[PCI_NBARS];
	struct vfio_msix msix;
	struct vfio_msi msi;
	struct vfio_intx intx;
	uint32_t rom_bar;        /* emulated expansion ROM BAR register */
	bool rom_mapped;
	uint64_t rom_addr;
	int req_efd, req_stop_efd;
	pthread_t req_thread;
	bool req_thread_on;
	char reset_method[64];
	pthread_mutex_t lock;
	struct vfio_dev *next;
};

struct vfio_vm {
	struct vm *vm;
	struct iommu_container container;
	struct vfio_dev *devs;
	bool unsafe_interrupts;
};

/* group.c */
int vfio_check_host_device(const char *bdf);
int vfio_group_open(int group, const char *bdf);

/* device.c */
int vfio_cfg_pread(struct vfio_dev *d, void *buf, unsigned len, unsigned off);
int vfio_cfg_pwrite(struct vfio_dev *d, const void *buf, unsigned len, unsigned off);
int vfio_set_irqs(struct vfio_dev *d, unsigned index, unsigned count, const int *fds);

/* config.c */
int vfio_config_init(struct vfio_dev *d);
extern const struct pci_func_ops vfio_pci_func_ops;

/* bars.c */
int vfio_bars_init(struct vfio_dev *d);
int vfio_bar_update(struct pci_func *f, int bar, uint64_t addr, bool enable);
void vfio_bars_release(struct vfio_dev *d);
void vfio_rom_update(struct vfio_dev *d);

/* interrupts.c */
int vfio_msix_init(struct vfio_dev *d);
void vfio_msix_control_write(struct vfio_dev *d, uint16_t ctrl);
void vfio_msix_table_access(struct vfio_dev *d, uint64_t off, void *data,
			    unsigned len, bool is_write);
void vfio_msix_pba_read(struct vfio_dev *d, uint64_t off, void *data, unsigned len);
void vfio_msi_config_changed(struct vfio_dev *d);
void vfio_irqs_release(struct vfio_dev *d);
int vfio_intx_init(struct vfio_dev *d);

#endif
