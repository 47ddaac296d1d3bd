/* SPDX-License-Identifier: MIT */
/*
 * The passthrough device's config space as the guest sees it. The header
 * (IDs, BARs, ROM BAR, capability pointer) and the MSI/MSI-X capabilities
 * are emulated; the capability list keeps only what a guest may drive (PM,
 * MSI, PCIe, MSI-X); other bytes below 256 go to the device; extended
 * config space reads as zeros, hiding extended capabilities (AER, SR-IOV).
 */
#include <errno.h>
#include <string.h>

#include "vfio_priv.h"

#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_CAP_PTR     0x34
#define PCI_ROM_BAR     0x30
#define PCI_HEADER_END  0x40
#define CAP_PM          0x01
#define CAP_MSI         0x05
#define CAP_PCIE        0x10
#define CAP_MSIX        0x11
#define CMD_FORWARD     0x0407   /* I/O, memory, bus master, INTx disable */
#define MSI_CTRL_64     0x80
#define MSI_CTRL_MASK   0x100

static bool cap_kept(uint8_t id)
{
	return id == CAP_PM || id == CAP_MSI || id == CAP_PCIE || id == CAP_MSIX;
}

static unsigned msi_cap_len(uint16_t ctrl)
{
	return 10 + ((ctrl & MSI_CTRL_64) ? 4 : 0) + ((ctrl & MSI_CTRL_MASK) ? 10 : 0);
}

static void mark_emulated(struct vfio_dev *d, unsigned off, unsigned len)
{
	for (unsigned i = off; i < off + len && i < 256; i++)
		d->emulated[i] = true;
}

/* Relinks the capability list through the kept capabilities only. Walks
 * with a step limit: a broken or looping list on the device is cut. */
static void filter_caps(struct vfio_dev *d)
{
	uint8_t *cfg = d->func.cfg;
	unsigned link = PCI_CAP_PTR;
	unsigned p = d->phys_cfg[PCI_CAP_PTR] & ~3u;

	cfg[PCI_CAP_PTR] = 0;
	for (int steps = 0; p >= PCI_HEADER_END && p < 256 && steps < 48; steps++) {
		uint8_t id = d->phys_cfg[p];

		if (cap_kept(id)) {
			cfg[link] = p;
			link = p + 1;
			cfg[link] = 0;
			if (id == CAP_MSIX) {
				d->msix.cap = p;
				mark_emulated(d, p, 12);
			} else if (id == CAP_MSI) {
				d->msi.cap = p;
				mark_emulated(d, p, msi_cap_len(d->phys_cfg[p + 2] | d->phys_cfg[p + 3] << 8));
			}
			d->emulated[p + 1] = true; /* next pointers are ours */
		}
		p = d->phys_cfg[p + 1] & ~3u;
	}
	if (!cfg[PCI_CAP_PTR])
		cfg[PCI_STATUS] &= ~0x10;
}

/* MSI: one vector offered (Multiple Message Capable 0), mask bits kept. */
static void msi_setup(struct vfio_dev *d)
{
	unsigned p = d->msi.cap;
	uint16_t ctrl = d->phys_cfg[p + 2] | d->phys_cfg[p + 3] << 8;
	uint8_t *wm = d->func.cfg_wmask;

	d->msi.is64 = ctrl & MSI_CTRL_64;
	d->msi.maskable = ctrl & MSI_CTRL_MASK;
	ctrl &= MSI_CTRL_64 | MSI_CTRL_MASK;  /* disabled, 1 vector */
	d->func.cfg[p + 2] = ctrl;
	d->func.cfg[p + 3] = ctrl >> 8;
	wm[p + 2] = 0x01;                      /* enable */
	memset(&wm[p + 4], 0xff, d->msi.is64 ? 10 : 6); /* address (+hi), data */
	wm[p + 4] = 0xfc;
	if (d->msi.maskable)
		wm[p + (d->msi.is64 ? 16 : 12)] = 0x01;
	irq_vector_init(&d->msi.vec);
}

static void header_setup(struct vfio_dev *d)
{
	uint8_t *wm = d->func.cfg_wmask;

	wm[PCI_COMMAND] = CMD_FORWARD & 0xff;
	wm[PCI_COMMAND + 1] = CMD_FORWARD >> 8;
	wm[0x0c] = wm[0x0d] = wm[0x3c] = 0xff; /* cache line, latency, INTx line */
	memset(&d->func.cfg[0x10], 0, 24);     /* BARs: placed by pci_host_add */
	d->func.cfg[PCI_COMMAND] = d->func.cfg[PCI_COMMAND + 1] = 0;
	mark_emulated(d, 0, PCI_HEADER_END);
	d->rom_bar = 0;
}

int vfio_config_init(struct vfio_dev *d)
{
	int ret = vfio_cfg_pread(d, d->phys_cfg, sizeof(d->phys_cfg), 0);

	if (ret) {
		vmm_log("%s: cannot read config space", d->opts.bdf);
		return ret;
	}
	memset(&d->func, 0, sizeof(d->func));
	memcpy(d->func.cfg, d->phys_cfg, sizeof(d->phys_cfg));
	snprintf(d->func.name, sizeof(d->func.name), "vfio-%s", d->opts.bdf);
	d->func.ops = &vfio_pci_func_ops;
	d->func.opaque = d;
	header_setup(d);
	filter_caps(d);
	if (d->msi.cap)
		msi_setup(d);
	return 0;
}

static uint32_t rom_bar_read(struct vfio_dev *d)
{
	return d->opts.rombar_off || !d->rom_region.size ? 0 : d->rom_bar;
}

static void rom_bar_write(struct vfio_dev *d, unsigned off, unsigned len, uint32_t v)
{
	uint32_t mask = d->rom_region.size ? ~((uint32_t)d->rom_region.size - 1) | 1 : 0;
	uint32_t cur = d->rom_bar;

	if (d->opts.rombar_off || !mask)
		return;
	for (unsigned i = 0; i < len; i++) {
		unsigned shift = 8 * (off - PCI_ROM_BAR + i);

		cur = (cur & ~(0xffu << shift)) | (((v >> (8 * i)) & 0xff) << shift);
	}
	d->rom_bar = cur & mask;
	vfio_rom_update(d);
}

static uint32_t vfio_cfg_read(struct pci_func *f, unsigned off, unsigned len)
{
	struct vfio_dev *d = f->opaque;
	uint8_t phys[4] = { 0 };
	uint32_t v = 0;

	if (off >= 256)
		return 0;
	if (off >= PCI_ROM_BAR && off < PCI_ROM_BAR + 4)
		return rom_bar_read(d) >> (8 * (off - PCI_ROM_BAR));
	for (unsigned i = 0; i < len; i++)
		if (!d->emulated[off + i]) {
			vfio_cfg_pread(d, phys, len, off);
			break;
		}
	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)(d->emulated[off + i] ? f->cfg[off + i] : phys[i]) << (8 * i);
	return v;
}

static bool touches(unsigned off, unsigned len, unsigned reg, unsigned reglen)
{
	return off < reg + reglen && reg < off + len;
}

static void forward_command(struct vfio_dev *d)
{
	uint16_t phys = 0, v = d->func.cfg[PCI_COMMAND] | d->func.cfg[PCI_COMMAND + 1] << 8;

	vfio_cfg_pread(d, &phys, 2, PCI_COMMAND);
	phys = (phys & ~CMD_FORWARD) | (v & CMD_FORWARD);
	vfio_cfg_pwrite(d, &phys, 2, PCI_COMMAND);
}

static void vfio_cfg_write(struct pci_func *f, unsigned off, unsigned len, uint32_t v)
{
	struct vfio_dev *d = f->opaque;

	if (off >= 256)
		return;
	if (off >= PCI_ROM_BAR && off < PCI_ROM_BAR + 4) {
		rom_bar_write(d, off, len, v);
		return;
	}
	if (!d->emulated[off]) {
		vfio_cfg_pwrite(d, &v, len, off);
		return;
	}
	/* Emulated bytes follow the write mask; BAR and command changes
	 * reach bar_update through the generic code. */
	pci_func_cfg_write(f, off, len, v);
	if (touches(off, len, PCI_COMMAND, 2)) {
		forward_command(d);
		vfio_rom_update(d); /* the ROM decodes only with Memory Space on */
	}
	if (d->msix.cap && touches(off, len, d->msix.cap + 2, 2))
		vfio_msix_control_write(d, f->cfg[d->msix.cap + 2] | f->cfg[d->msix.cap + 3] << 8);
	if (d->msi.cap && touches(off, len, d->msi.cap + 2,
				  msi_cap_len(f->cfg[d->msi.cap + 2] | f->cfg[d->msi.cap + 3] << 8) - 2))
		vfio_msi_config_changed(d);
}

const struct pci_func_ops vfio_pci_func_ops = {
	.cfg_read = vfio_cfg_read,
	.cfg_write = vfio_cfg_write,
	.bar_update = vfio_bar_update,
};
