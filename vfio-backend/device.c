/* SPDX-License-Identifier: MIT */
/*
 * A passthrough device's lifetime: open through its group, reset, expose on
 * the PCI bus, and on the way out quiesce DMA, reset and check it came
 * back. Also the per-VM container and the device-request interrupt.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sriov.h"
#include "vfio_priv.h"

int vfio_cfg_pread(struct vfio_dev *d, void *buf, unsigned len, unsigned off)
{
	ssize_t n = pread(d->fd, buf, len, d->cfg_region.offset + off);

	return n == (ssize_t)len ? 0 : -EIO;
}

int vfio_cfg_pwrite(struct vfio_dev *d, const void *buf, unsigned len, unsigned off)
{
	ssize_t n = pwrite(d->fd, buf, len, d->cfg_region.offset + off);

	return n == (ssize_t)len ? 0 : -EIO;
}

int vfio_set_irqs(struct vfio_dev *d, unsigned index, unsigned count, const int *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + count * sizeof(int);
	struct vfio_irq_set *s = calloc(1, sz);
	int ret = 0;

	if (!s)
		return -ENOMEM;
	s->argsz = sz;
	s->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		   (count ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	s->index = index;
	s->count = count;
	if (count)
		memcpy(s->data, fds, count * sizeof(int));
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s) < 0) {
		ret = -errno;
		vmm_log("%s: VFIO_DEVICE_SET_IRQS index %u count %u: %s", d->opts.bdf,
			index, count, strerror(-ret));
	}
	free(s);
	return ret;
}

static void read_reset_method(struct vfio_dev *d)
{
	char path[512];
	FILE *f;

	snprintf(d->reset_method, sizeof(d->reset_method), "none");
	if (sysfs_pci_path(path, sizeof(path), d->opts.bdf, "reset_method") || !(f = fopen(path, "re")))
		return;
	if (fgets(d->reset_method, sizeof(d->reset_method), f))
		d->reset_method[strcspn(d->reset_method, "\n")] = 0;
	fclose(f);
}

static int device_reset(struct vfio_dev *d)
{
	uint16_t vendor = 0xffff;

	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return 0;
	if (ioctl(d->fd, VFIO_DEVICE_RESET) < 0) {
		vmm_log("%s: reset (%s) failed: %s", d->opts.bdf, d->reset_method, strerror(errno));
		return -errno;
	}
	/* A device that does not come back reads all ones. */
	if (vfio_cfg_pread(d, &vendor, 2, 0) || vendor == 0xffff) {
		vmm_log("%s: did not come back from reset (%s): config space reads all ones; "
			"it may need a host reboot", d->opts.bdf, d->reset_method);
		return -EIO;
	}
	return 0;
}

/* The host wants the device back (unbind, remove): there is no hot-unplug
 * yet, so stop the VM instead of blocking the host. */
static void *request_thread(void *arg)
{
	struct vfio_dev *d = arg;
	struct pollfd p[2] = {
		{ .fd = d->req_efd, .events = POLLIN },
		{ .fd = d->req_stop_efd, .events = POLLIN },
	};

	while (poll(p, 2, -1) < 0 && errno == EINTR)
		;
	if (p[0].revents & POLLIN)
		vm_request_end(d->vv->vm, VM_END_ERROR, 1,
			       "the host asked for %s back (VFIO device request): stopping the VM",
			       d->opts.bdf);
	return NULL;
}

static void request_irq_setup(struct vfio_dev *d)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = VFIO_PCI_REQ_IRQ_INDEX };

	if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) < 0 || irq.count == 0)
		return;
	d->req_efd = eventfd(0, EFD_CLOEXEC);
	d->req_stop_efd = eventfd(0, EFD_CLOEXEC);
	if (d->req_efd < 0 || d->req_stop_efd < 0 ||
	    vfio_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX, 1, &d->req_efd))
		return;
	d->req_thread_on = !pthread_create(&d->req_thread, NULL, request_thread, d);
}

static void request_irq_release(struct vfio_dev *d)
{
	uint64_t one = 1;

	if (d->req_thread_on) {
		vfio_set_irqs(d, VFIO_PCI_REQ_IRQ_INDEX, 0, NULL);
		if (write(d->req_stop_efd, &one, sizeof(one)) == sizeof(one))
			pthread_join(d->req_thread, NULL);
		d->req_thread_on = false;
	}
	if (d->req_efd >= 0)
		close(d->req_efd);
	if (d->req_stop_efd >= 0)
		close(d->req_stop_efd);
	d->req_efd = d->req_stop_efd = -1;
}

static int device_open(struct vfio_dev *d)
{
	int ret;

	d->fd = ioctl(d->group_fd, VFIO_GROUP_GET_DEVICE_FD, d->opts.bdf);
	if (d->fd < 0) {
		vmm_log("%s: VFIO_GROUP_GET_DEVICE_FD: %s", d->opts.bdf, strerror(errno));
		return -errno;
	}
	d->info.argsz = sizeof(d->info);
	d->cfg_region = (struct vfio_region_info){ .argsz = sizeof(d->cfg_region),
						   .index = VFIO_PCI_CONFIG_REGION_INDEX };
	d->rom_region = (struct vfio_region_info){ .argsz = sizeof(d->rom_region),
						   .index = VFIO_PCI_ROM_REGION_INDEX };
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info) < 0 ||
	    !(d->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &d->cfg_region) < 0) {
		vmm_log("%s: not a VFIO PCI device", d->opts.bdf);
		return -ENODEV;
	}
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &d->rom_region) < 0)
		d->rom_region.size = 0;
	read_reset_method(d);
	ret = device_reset(d);
	if (!ret)
		ret = vfio_config_init(d);
	if (!ret)
		ret = vfio_bars_init(d);
	if (!ret)
		ret = vfio_msix_init(d);
	return ret;
}

static void device_close(struct vfio_dev *d)
{
	if (d->fd >= 0) {
		uint16_t cmd = 0;

		/* Bus master off first: no DMA may be in flight once the
		 * container unmaps guest RAM. */
		if (!vfio_cfg_pread(d, &cmd, 2, 0x04)) {
			cmd &= ~0x4;
			vfio_cfg_pwrite(d, &cmd, 2, 0x04);
		}
		request_irq_release(d);
		vfio_irqs_release(d);
		vfio_bars_release(d);
		device_reset(d);
		close(d->fd);
	}
	if (d->group_fd >= 0)
		close(d->group_fd);
	free(d);
}

int vfio_vm_create(struct vfio_vm **out, struct vm *vm, bool allow_unsafe_interrupts)
{
	struct vfio_vm *vv = calloc(1, sizeof(*vv));

	if (!vv)
		return -ENOMEM;
	vv->vm = vm;
	vv->container.fd = -1;
	vv->unsafe_interrupts = allow_unsafe_interrupts && !iommu_host_irq_remapping();
	*out = vv;
	return 0;
}

static int allow_unsafe(void)
{
	FILE *f = fopen("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "we");

	if (!f || fputs("1", f) < 0) {
		if (f)
			fclose(f);
		vmm_log("cannot allow unsafe interrupts in vfio_iommu_type1: %s", strerror(errno));
		return -errno;
	}
	return fclose(f) ? -errno : 0;
}

static int check_interrupt_safety(struct vfio_vm *vv, const char *bdf)
{
	if (iommu_host_irq_remapping())
		return 0;
	if (!vv->unsafe_interrupts) {
		vmm_log("%s: the host has no interrupt remapping, so a device could inject "
			"arbitrary interrupts: enable it (intel_iommu=on with intremap, or "
			"amd_iommu=on) or accept the risk with --allow-unsafe-interrupts", bdf);
		return -EPERM;
	}
	return allow_unsafe();
}

int vfio_vm_add_device(struct vfio_vm *vv, const struct vfio_dev_opts *o)
{
	struct vfio_dev *d;
	int ret;

	if ((ret = vfio_check_host_device(o->bdf)) || (ret = check_interrupt_safety(vv, o->bdf)))
		return ret;
	if (vv->container.fd < 0 && (ret = iommu_container_open(&vv->container, vv->vm)))
		return ret;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->vv = vv;
	d->opts = *o;
	d->fd = d->req_efd = d->req_stop_efd = -1;
	d->intx.gsi = d->intx.trigger_efd = d->intx.resample_efd = -1;
	pthread_mutex_init(&d->lock, NULL);
	d->group = vfio_iommu_group(o->bdf);
	d->group_fd = vfio_group_open(d->group, o->bdf);
	if (d->group_fd < 0) {
		ret = d->group_fd;
		d->group_fd = -1;
	} else {
		ret = iommu_container_add_group(&vv->container, d->group_fd, d->group);
	}
	if (!ret)
		ret = device_open(d);
	if (!ret)
		ret = pci_host_add(&vv->vm->pci, &d->func, -1);
	if (!ret)
		ret = vfio_intx_init(d);
	if (ret) {
		device_close(d);
		return ret;
	}
	request_irq_setup(d);
	d->next = vv->devs;
	vv->devs = d;
	return 0;
}

int vfio_vm_start(struct vfio_vm *vv)
{
	if (!vv->devs)
		return 0;
	return iommu_map_guest_ram(&vv->container);
}

void vfio_vm_destroy(struct vfio_vm *vv)
{
	if (!vv)
		return;
	while (vv->devs) {
		struct vfio_dev *d = vv->devs;

		vv->devs = d->next;
		device_close(d);
	}
	iommu_container_close(&vv->container);
	free(vv);
}

void vfio_vm_print_stats(struct vfio_vm *vv, FILE *out)
{
	if (!vv || !vv->devs)
		return;
	for (struct vfio_dev *d = vv->devs; d; d = d->next)
		fprintf(out, "iovm passthrough: %s (%04x:%04x) IOMMU group %d, reset %s, MSI-X %u vectors%s\n",
			d->opts.bdf, d->func.cfg[0] | d->func.cfg[1] << 8,
			d->func.cfg[2] | d->func.cfg[3] << 8, d->group, d->reset_method,
			d->msix.st.nvec, vv->unsafe_interrupts ? " [TAINT: unsafe interrupts]" : "");
	fprintf(out, "iovm passthrough: %llu MiB pinned for DMA: prefault %.3f s, map %.3f s\n",
		(unsigned long long)(vv->container.pinned_bytes >> 20),
		vv->container.prefault_seconds, vv->container.pin_seconds);
}

int vfio_parse_device_opt(const char *s, struct vfio_dev_opts *o, char *err, size_t errlen)
{
	char buf[128], *tok, *save = NULL;
	bool have_host = false;

	memset(o, 0, sizeof(*o));
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.32s...' is too long: at most %zu characters", s,
			 sizeof(buf) - 1);
		return -EINVAL;
	}
	if (strncmp(s, "vfio,", 5) != 0) {
		snprintf(err, errlen, "'%s': only 'vfio,host=BDF[,rombar=off]' devices exist", s);
		return -EINVAL;
	}
	strcpy(buf, s + 5);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "host=", 5) && pci_bdf_valid(tok + 5)) {
			snprintf(o->bdf, sizeof(o->bdf), "%s", tok + 5);
			have_host = true;
		} else if (!strcmp(tok, "rombar=off") || !strcmp(tok, "rombar=on")) {
			o->rombar_off = !strcmp(tok, "rombar=off");
		} else {
			snprintf(err, errlen, "'%s' in '%s' is not understood: write host=DDDD:BB:DD.F "
				 "(as lspci -D shows it) and optionally rombar=off", tok, s);
			return -EINVAL;
		}
	}
	if (!have_host) {
		snprintf(err, errlen, "'%s' names no device: add host=DDDD:BB:DD.F", s);
		return -EINVAL;
	}
	return 0;
}
