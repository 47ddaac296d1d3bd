/* SPDX-License-Identifier: MIT */
/* A fake VFIO device on a memfd, for the vfio-backend suite. See
 * fixture_vfio.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "fixture_vfio.h"

static struct vfio_vm fxv_vv;
struct vfio_dev fxv_dev;         /* static storage: reachable for LSan */
uint8_t fxv_img[256];

void fxv_put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

void fxv_put32(uint8_t *p, uint32_t v)
{
	fxv_put16(p, v);
	fxv_put16(p + 2, v >> 16);
}

/* An e1000e-like function: PM -> vendor-specific -> MSI (64-bit,
 * maskable, 8 vectors capable, enable bits left set) -> PCIe -> MSI-X (4
 * vectors, table BAR0+0x2000, PBA BAR0+0x3000, enable and mask set). */
void fxv_default_image(void)
{
	memset(fxv_img, 0, sizeof(fxv_img));
	fxv_put16(&fxv_img[0x00], 0x8086);
	fxv_put16(&fxv_img[0x02], 0x10d3);
	fxv_put16(&fxv_img[0x04], 0x0100);      /* SERR# enable */
	fxv_put16(&fxv_img[0x06], 0x0010);      /* capability list */
	fxv_put32(&fxv_img[0x08], 0x02000003);  /* Ethernet, revision 3 */
	fxv_img[0x0c] = 0x10;
	fxv_put32(&fxv_img[0x10], 0xfebc0000);  /* BAR0 mem32 */
	fxv_put32(&fxv_img[0x14], 0xfebe0000);  /* BAR1 mem32 */
	fxv_put32(&fxv_img[0x18], 0x0000e001);  /* BAR2 I/O */
	fxv_put32(&fxv_img[0x1c], 0xfebf000c);  /* BAR3 mem64 prefetchable */
	fxv_put16(&fxv_img[0x2c], 0x8086);
	fxv_put16(&fxv_img[0x2e], 0xa01f);
	fxv_put32(&fxv_img[0x30], 0xfeb80000);  /* ROM, disabled */
	fxv_img[0x34] = CAP_PM;
	fxv_img[0x3c] = 11;
	fxv_img[0x3d] = 1;                      /* INTA */

	fxv_img[CAP_PM] = 0x01;
	fxv_img[CAP_PM + 1] = CAP_VNDR;
	fxv_put16(&fxv_img[CAP_PM + 2], 0xc823); /* PMC */
	fxv_put16(&fxv_img[CAP_PM + 4], 0x0008); /* PMCSR: D0, no soft reset */

	fxv_img[CAP_VNDR] = 0x09;
	fxv_img[CAP_VNDR + 1] = CAP_MSI;
	fxv_img[CAP_VNDR + 2] = 0x0c;
	fxv_put32(&fxv_img[CAP_VNDR + 4], 0xdeadbeef);

	fxv_img[CAP_MSI] = 0x05;
	fxv_img[CAP_MSI + 1] = CAP_EXP;
	/* mask-capable, 64-bit, MME 7, MMC 3 (8 vectors), enable */
	fxv_put16(&fxv_img[CAP_MSI + 2], 0x0100 | 0x0080 | 0x0070 | 0x0006 | 0x0001);
	fxv_put32(&fxv_img[CAP_MSI + 4], 0xfee00000);
	fxv_put16(&fxv_img[CAP_MSI + 12], 0x4021);
	fxv_put32(&fxv_img[CAP_MSI + 20], 0x1); /* pending */

	fxv_img[CAP_EXP] = 0x10;
	fxv_img[CAP_EXP + 1] = CAP_MSIX;
	fxv_put16(&fxv_img[CAP_EXP + 2], 0x0002);
	fxv_put32(&fxv_img[CAP_EXP + 4], 0x00008cc1); /* DevCap */

	fxv_img[CAP_MSIX] = 0x11;
	fxv_img[CAP_MSIX + 1] = 0;
	fxv_put16(&fxv_img[CAP_MSIX + 2], 0xc003); /* enable, function mask, 4 vectors */
	fxv_put32(&fxv_img[CAP_MSIX + 4], 0x00002000); /* table: BIR 0, offset 0x2000 */
	fxv_put32(&fxv_img[CAP_MSIX + 8], 0x00003000); /* PBA: BIR 0, offset 0x3000 */
}

void fxv_fd_write(uint64_t off, const void *p, size_t len)
{
	cr_assert(eq(i64, pwrite(fxv_dev.fd, p, len, off), (int64_t)len));
}

uint32_t fxv_fd_read(uint64_t off, unsigned len)
{
	uint32_t v = 0;

	cr_assert(eq(i64, pread(fxv_dev.fd, &v, len, off), (int64_t)len));
	return v;
}

/* The device as device_open has it after VFIO_GROUP_GET_DEVICE_FD, then
 * vfio_config_init. */
static void fxv_open(void)
{
	static const uint32_t aer = 0x14010001;  /* extended cap: AER v1 at 0x100 */
	static const uint8_t rom[] = { 0x55, 0xaa, 0x40 };

	memset(&fxv_vv, 0, sizeof(fxv_vv));
	memset(&fxv_dev, 0, sizeof(fxv_dev));
	fxv_vv.vm = &fx_vm;
	fxv_vv.container.fd = -1;
	fxv_dev.vv = &fxv_vv;
	snprintf(fxv_dev.opts.bdf, sizeof(fxv_dev.opts.bdf), "0000:00:03.0");
	fxv_dev.req_efd = fxv_dev.req_stop_efd = fxv_dev.group_fd = -1;
	fxv_dev.intx.gsi = fxv_dev.intx.trigger_efd = fxv_dev.intx.resample_efd = -1;
	fxv_dev.group = -1;
	pthread_mutex_init(&fxv_dev.lock, NULL);
	fxv_dev.fd = memfd_create("iovm-unit-vfio", MFD_CLOEXEC);
	cr_assert(ge(int, fxv_dev.fd, 0), "memfd_create: %s", strerror(errno));
	cr_assert(eq(int, ftruncate(fxv_dev.fd, FD_SIZE), 0));
	fxv_fd_write(0, fxv_img, sizeof(fxv_img));
	fxv_fd_write(0x100, &aer, sizeof(aer));
	fxv_fd_write(ROM_OFF, rom, sizeof(rom));
	fxv_dev.cfg_region.offset = 0;
	fxv_dev.cfg_region.size = 4096;
	cr_assert(eq(int, vfio_config_init(&fxv_dev), 0));
}

void fxv_config_setup(void)
{
	fx_vm_setup_pci();
	fxv_default_image();
	fxv_open();
}

/* What vfio_bars_init records for BAR0 when VFIO reports a 16 KiB
 * non-mmap'able memory region at BAR0_OFF of the device fd: the region
 * info and the guest-visible BAR. */
void fxv_fake_bar0(void)
{
	fxv_dev.bars[0].info.size = BAR0_SIZE;
	fxv_dev.bars[0].info.offset = BAR0_OFF;
	cr_assert(eq(int, pci_func_set_bar(&fxv_dev.func, 0, BAR0_SIZE, false, false), 0));
}

/* device_open's order, then the PCI bus: config, BARs, MSI-X, pci_host_add,
 * INTx. */
void fxv_device_setup(void)
{
	fxv_config_setup();
	cr_assert(eq(int, vfio_bars_init(&fxv_dev), 0));
	for (int i = 0; i < PCI_NBARS; i++)
		cr_assert(eq(u64, fxv_dev.func.bar[i].size, 0), "BAR%d without VFIO region info", i);
	fxv_fake_bar0();
	cr_assert(eq(int, vfio_msix_init(&fxv_dev), 0));
	cr_assert(eq(int, pci_host_add(&fx_vm.pci, &fxv_dev.func, -1), 0));
	cr_assert(eq(u8, fxv_dev.func.devfn, 8));
	cr_assert(eq(int, vfio_intx_init(&fxv_dev), 0));
}

static void dev_close(void)
{
	vfio_bars_release(&fxv_dev);
	vfio_irqs_release(&fxv_dev);
	if (fxv_dev.fd >= 0)
		close(fxv_dev.fd);
	fxv_dev.fd = -1;
}

void fxv_teardown(void)
{
	dev_close();
	fx_vm_teardown();
}

/* The same VM, the device reopened from fxv_img (after a test changed it). */
void fxv_reopen(void)
{
	dev_close();
	fxv_open();
}

uint32_t fxv_cfg_rd(unsigned off, unsigned len)
{
	return fxv_dev.func.ops->cfg_read(&fxv_dev.func, off, len);
}

void fxv_cfg_wr(unsigned off, unsigned len, uint32_t v)
{
	fxv_dev.func.ops->cfg_write(&fxv_dev.func, off, len, v);
}

const struct kvm_irq_routing_entry *fxv_msi_route(int gsi)
{
	const struct kvm_irq_routing *r = fx_vm.gsi_routes;

	for (unsigned i = 0; r && gsi >= 0 && i < r->nr; i++)
		if (r->entries[i].gsi == (unsigned)gsi && r->entries[i].type == KVM_IRQ_ROUTING_MSI)
			return &r->entries[i];
	return NULL;
}
