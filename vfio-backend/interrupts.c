/* SPDX-License-Identifier: MIT */
/*
 * Passthrough interrupts. The guest programs MSI-X entries (trapped table)
 * or the MSI capability (emulated config); each vector becomes an eventfd
 * that VFIO signals from the host interrupt handler and KVM turns into the
 * guest's MSI through an irqfd: no exit, no VMM thread on the path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_priv.h"

#define MSIX_CTRL_ENABLE  0x8000
#define MSIX_CTRL_FMASK   0x4000
#define MSI_CTRL_ENABLE   0x0001

/* A device whose MSI-X table or PBA lies outside its BAR is refused with
 * a clear message rather than failing later when the BAR is mapped. */
static bool msix_part_fits(struct vfio_dev *d, int bar, uint64_t off, uint64_t len,
			   const char *what)
{
	if (bar < PCI_NBARS && d->func.bar[bar].size && off + len <= d->func.bar[bar].size)
		return true;
	vmm_log("%s: MSI-X %s (BAR%d+0x%llx) lies outside its BAR", d->opts.bdf, what, bar,
		(unsigned long long)off);
	return false;
}

int vfio_msix_init(struct vfio_dev *d)
{
	struct vfio_msix *m = &d->msix;
	unsigned p = m->cap;
	uint16_t ctrl;
	uint32_t table, pba;
	int ret;

	if (!p)
		return 0;
	ctrl = d->phys_cfg[p + 2] | d->phys_cfg[p + 3] << 8;
	memcpy(&table, &d->phys_cfg[p + 4], 4);
	memcpy(&pba, &d->phys_cfg[p + 8], 4);
	m->table_bar = table & 7;
	m->table_off = table & ~7u;
	m->pba_bar = pba & 7;
	m->pba_off = pba & ~7u;
	ret = msix_init(&m->st, (ctrl & 0x7ff) + 1);
	if (ret)
		return ret;
	if (!msix_part_fits(d, m->table_bar, m->table_off, m->st.nvec * MSIX_ENTRY_SIZE, "table") ||
	    !msix_part_fits(d, m->pba_bar, m->pba_off, (m->st.nvec + 63) / 64 * 8, "PBA"))
		return -EINVAL;
	m->vec = calloc(m->st.nvec, sizeof(*m->vec));
	if (!m->vec)
		return -ENOMEM;
	for (unsigned i = 0; i < m->st.nvec; i++)
		irq_vector_init(&m->vec[i]);
	/* The guest sees MSI-X disabled and may set enable and function mask. */
	d->func.cfg[p + 3] &= ~((MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK) >> 8);
	d->func.cfg_wmask[p + 3] = (MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK) >> 8;
	return 0;
}

static void msix_vector_sync(struct vfio_dev *d, unsigned i)
{
	struct vfio_msix *m = &d->msix;
	struct msi_msg msg = msix_vector_msg(&m->st, i);

	if (irq_vector_update(d->vv->vm, &m->vec[i], msix_vector_live(&m->st, i), &msg))
		vmm_log("%s: MSI-X vector %u cannot be routed", d->opts.bdf, i);
}

/* ---- INTx: a level interrupt through an irqfd with a resample fd: KVM
 * raises the GSI, and on the guest's EOI signals resample_efd, which VFIO
 * takes as "unmask" and re-arms the host line. Only with the in-kernel
 * I/O APIC (KVM resamples only there). */

static int intx_set(struct vfio_dev *d, bool on)
{
	struct vfio_intx *x = &d->intx;
	size_t sz = sizeof(struct vfio_irq_set) + sizeof(int);
	struct vfio_irq_set *s;
	int ret;

	if (x->gsi < 0 || on == x->irqs_on)
		return 0;
	ret = vfio_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX, on ? 1 : 0, &x->trigger_efd);
	if (ret || !on) {
		x->irqs_on = false;
		return ret;
	}
	s = calloc(1, sz);
	if (!s)
		return -ENOMEM;
	*s = (struct vfio_irq_set){ .argsz = sz, .index = VFIO_PCI_INTX_IRQ_INDEX, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK };
	memcpy(s->data, &x->resample_efd, sizeof(int));
	ret = ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s) < 0 ? -errno : 0;
	free(s);
	x->irqs_on = !ret;
	return ret;
}

int vfio_intx_init(struct vfio_dev *d)
{
	struct vfio_intx *x = &d->intx;
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = VFIO_PCI_INTX_IRQ_INDEX };
	uint8_t pin = d->phys_cfg[0x3d];
	int ret;

	x->gsi = x->trigger_efd = x->resample_efd = -1;
	if (!pin || pin > 4 || ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) < 0 || !irq.count ||
	    d->vv->vm->cfg.irqchip != IRQCHIP_KERNEL) {
		d->func.cfg[0x3d] = 0; /* no INTx offered to the guest */
		return 0;
	}
	x->trigger_efd = eventfd(0, EFD_CLOEXEC);
	x->resample_efd = eventfd(0, EFD_CLOEXEC);
	if (x->trigger_efd < 0 || x->resample_efd < 0)
		return -errno;
	x->gsi = pci_intx_gsi(d->func.devfn >> 3, pin - 1);
	d->func.cfg[0x3c] = x->gsi;
	ret = vm_irqfd(d->vv->vm, x->trigger_efd, x->gsi, x->resample_efd);
	x->irqfd_on = !ret;
	return ret ? ret : intx_set(d, true);
}

static void intx_release(struct vfio_dev *d)
{
	struct vfio_intx *x = &d->intx;

	intx_set(d, false);
	if (x->irqfd_on)
		vm_irqfd_remove(d->vv->vm, x->trigger_efd, x->gsi);
	if (x->trigger_efd >= 0)
		close(x->trigger_efd);
	if (x->resample_efd >= 0)
		close(x->resample_efd);
	x->trigger_efd = x->resample_efd = x->gsi = -1;
	x->irqfd_on = false;
}

/* Hands VFIO one eventfd per vector (all of them, masked or not: a masked
 * vector's eventfd simply has no irqfd and keeps the signal pending). */
static int msix_irqs_on(struct vfio_dev *d)
{
	struct vfio_msix *m = &d->msix;
	int *fds = calloc(m->st.nvec, sizeof(int)), ret = 0;

	if (!fds)
		return -ENOMEM;
	for (unsigned i = 0; i < m->st.nvec && !ret; i++) {
		struct msi_msg msg = msix_vector_msg(&m->st, i);

		ret = irq_vector_update(d->vv->vm, &m->vec[i], false, &msg);
		fds[i] = m->vec[i].efd;
	}
	/* VFIO runs one interrupt mode at a time: INTx steps aside. */
	if (!ret)
		ret = intx_set(d, false);
	if (!ret)
		ret = vfio_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX, m->st.nvec, fds);
	free(fds);
	m->irqs_on = !ret;
	return ret;
}

void vfio_msix_control_write(struct vfio_dev *d, uint16_t ctrl)
{
	struct vfio_msix *m = &d->msix;

	pthread_mutex_lock(&d->lock);
	m->st.enabled = ctrl & MSIX_CTRL_ENABLE;
	m->st.func_masked = ctrl & MSIX_CTRL_FMASK;
	if (m->st.enabled && !m->irqs_on)
		msix_irqs_on(d);
	else if (!m->st.enabled && m->irqs_on) {
		vfio_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX, 0, NULL);
		m->irqs_on = false;
		intx_set(d, true);
	}
	for (unsigned i = 0; i < m->st.nvec; i++)
		msix_vector_sync(d, i);
	pthread_mutex_unlock(&d->lock);
}

void vfio_msix_table_access(struct vfio_dev *d, uint64_t off, void *data,
			    unsigned len, bool is_write)
{
	unsigned vec;

	pthread_mutex_lock(&d->lock);
	if (!is_write)
		msix_table_read(&d->msix.st, off, data, len);
	else if (msix_table_write(&d->msix.st, off, data, len, &vec) && d->msix.irqs_on)
		msix_vector_sync(d, vec);
	pthread_mutex_unlock(&d->lock);
}

void vfio_msix_pba_read(struct vfio_dev *d, uint64_t off, void *data, unsigned len)
{
	pthread_mutex_lock(&d->lock);
	msix_pba_read(&d->msix.st, off, data, len);
	pthread_mutex_unlock(&d->lock);
}

static struct msi_msg msi_read_msg(struct vfio_dev *d, bool *masked)
{
	const uint8_t *c = &d->func.cfg[d->msi.cap];
	struct msi_msg msg = { 0, 0, 0 };
	unsigned data_off = d->msi.is64 ? 12 : 8;
	uint16_t data16;

	memcpy(&msg.addr_lo, c + 4, 4);
	if (d->msi.is64)
		memcpy(&msg.addr_hi, c + 8, 4);
	memcpy(&data16, c + data_off, 2);
	msg.data = data16;
	*masked = d->msi.maskable && (c[data_off + 4] & 1);
	return msg;
}

void vfio_msi_config_changed(struct vfio_dev *d)
{
	struct vfio_msi *m = &d->msi;
	bool enabled = d->func.cfg[m->cap + 2] & MSI_CTRL_ENABLE, masked;
	struct msi_msg msg = msi_read_msg(d, &masked);

	pthread_mutex_lock(&d->lock);
	if (irq_vector_update(d->vv->vm, &m->vec, enabled && !masked, &msg))
		vmm_log("%s: MSI vector cannot be routed", d->opts.bdf);
	if (enabled && !m->irqs_on)
		m->irqs_on = !intx_set(d, false) &&
			     !vfio_set_irqs(d, VFIO_PCI_MSI_IRQ_INDEX, 1, &m->vec.efd);
	else if (!enabled && m->irqs_on) {
		vfio_set_irqs(d, VFIO_PCI_MSI_IRQ_INDEX, 0, NULL);
		m->irqs_on = false;
		intx_set(d, true);
	}
	pthread_mutex_unlock(&d->lock);
}

void vfio_irqs_release(struct vfio_dev *d)
{
	struct vm *vm = d->vv->vm;

	intx_release(d);
	if (d->msix.irqs_on)
		vfio_set_irqs(d, VFIO_PCI_MSIX_IRQ_INDEX, 0, NULL);
	if (d->msi.irqs_on)
		vfio_set_irqs(d, VFIO_PCI_MSI_IRQ_INDEX, 0, NULL);
	d->msix.irqs_on = d->msi.irqs_on = false;
	for (unsigned i = 0; d->msix.vec && i < d->msix.st.nvec; i++)
		irq_vector_release(vm, &d->msix.vec[i]);
	free(d->msix.vec);
	d->msix.vec = NULL;
	msix_free(&d->msix.st);
	if (d->msi.cap)
		irq_vector_release(vm, &d->msi.vec);
}
