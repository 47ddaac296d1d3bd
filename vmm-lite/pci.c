/* SPDX-License-Identifier: MIT */
/*
 * PCI host bridge, bus 0: configuration mechanism #1 (CF8/CFC) and ECAM
 * route to the same per-function config space emulation. BARs are sized,
 * placed and moved by the guest; the core (un)registers emulated BARs on the
 * bus and tells the function through bar_update.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

#define PCI_COMMAND       0x04
#define PCI_CMD_IO        0x1
#define PCI_CMD_MEM       0x2
#define PCI_CMD_MASTER    0x4
#define PCI_CMD_INTX_DIS  0x400
#define PCI_STATUS        0x06
#define PCI_STATUS_CAP    0x10
#define PCI_BAR0          0x10
#define PCI_CAP_PTR       0x34
#define PCI_INT_LINE      0x3c
#define PCI_FIRST_CAP     0x40

struct pci_cfg_addr pci_decode_cf8(uint32_t cf8, unsigned cfc_off)
{
	return (struct pci_cfg_addr){
		.valid = (cf8 >> 31) & 1,
		.bus = (cf8 >> 16) & 0xff,
		.devfn = (cf8 >> 8) & 0xff,
		.reg = (cf8 & 0xfc) | (cfc_off & 3),
	};
}

struct pci_cfg_addr pci_decode_ecam(uint64_t off)
{
	return (struct pci_cfg_addr){
		.valid = off < LAYOUT_ECAM_SIZE,
		.bus = (off >> 20) & 0xff,
		.devfn = (off >> 12) & 0xff,
		.reg = off & 0xfff,
	};
}

static void cfg_put(uint8_t *p, unsigned len, uint32_t v)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = v >> (8 * i);
}

static uint32_t cfg_get(const uint8_t *p, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device,
		   uint32_t class_code, const char *name)
{
	memset(f, 0, sizeof(*f));
	cfg_put(&f->cfg[0x00], 2, vendor);
	cfg_put(&f->cfg[0x02], 2, device);
	cfg_put(&f->cfg[0x08], 4, class_code << 8);
	cfg_put(&f->cfg_wmask[PCI_COMMAND], 2,
		PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_DIS);
	f->cfg_wmask[PCI_INT_LINE] = 0xff;
	f->cfg_wmask[0x0c] = 0xff; /* cache line size */
	f->cfg_wmask[0x0d] = 0xff; /* latency timer */
	strncpy(f->name, name, sizeof(f->name) - 1);
}

int pci_func_set_bar(struct pci_func *f, int bar, uint64_t size, bool io,
		     bool mem64)
{
	uint32_t flags = io ? 0x1 : (mem64 ? 0x4 : 0);
	uint64_t mask = ~(size - 1);

	if (bar < 0 || bar >= PCI_NBARS || size < 4 || (size & (size - 1)) ||
	    (mem64 && (io || bar == PCI_NBARS - 1)) ||
	    (!mem64 && size > (1ULL << 31)))
		return -EINVAL;
	f->bar[bar] = (struct pci_bar){ .size = size, .io = io, .mem64 = mem64 };
	cfg_put(&f->cfg[PCI_BAR0 + 4 * bar], 4, flags);
	cfg_put(&f->cfg_wmask[PCI_BAR0 + 4 * bar], 4,
		(uint32_t)mask & (io ? ~3u : ~0xfu));
	if (mem64)
		cfg_put(&f->cfg_wmask[PCI_BAR0 + 4 * bar + 4], 4, mask >> 32);
	return 0;
}

int pci_func_add_cap(struct pci_func *f, const void *cap, unsigned len)
{
	unsigned off = f->cap_free ? f->cap_free : PCI_FIRST_CAP;
	unsigned link = PCI_CAP_PTR;

	if (len < 2)
		return -EINVAL;
	if (off + len > 256)
		return -ENOSPC;
	while (f->cfg[link])
		link = f->cfg[link] + 1;
	memcpy(&f->cfg[off], cap, len);
	f->cfg[off + 1] = 0;
	f->cfg[link] = off;
	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP;
	f->cap_free = (off + len + 3) & ~3u;
	return off;
}

/* The address a BAR currently holds, and whether it should decode. */
static uint64_t bar_addr(const struct pci_func *f, int bar)
{
	uint64_t lo = cfg_get(&f->cfg[PCI_BAR0 + 4 * bar], 4);
	uint64_t a = lo & (f->bar[bar].io ? ~3ULL : ~0xfULL);

	if (f->bar[bar].mem64)
		a = (a & 0xffffffffULL) |
		    (uint64_t)cfg_get(&f->cfg[PCI_BAR0 + 4 * bar + 4], 4) << 32;
	return a;
}

static bool bar_should_decode(const struct pci_func *f, int bar, uint64_t a)
{
	uint16_t cmd = cfg_get(&f->cfg[PCI_COMMAND], 2);
	const struct pci_bar *b = &f->bar[bar];
	uint64_t sizing = b->mem64 ? ~(b->size - 1) :
			  (~(b->size - 1) & (b->io ? 0xfffffffcULL : 0xfffffff0ULL));

	if (!b->size || a == 0 || a == sizing)
		return false; /* unassigned, or the guest is sizing it */
	return b->io ? (cmd & PCI_CMD_IO) : (cmd & PCI_CMD_MEM);
}

static int bar_apply(struct pci_func *f, int bar, uint64_t a, bool on)
{
	struct pci_bar *b = &f->bar[bar];
	struct bus *bus = &f->vm->bus[b->io ? BUS_PIO : BUS_MMIO];
	int ret = 0;

	if (b->mapped && b->ops)
		bus_unregister(bus, b->addr);
	b->mapped = false;
	if (on && b->ops) {
		char name[40];

		snprintf(name, sizeof(name), "%s.bar%d", f->name, bar);
		ret = bus_register(bus, a, b->size, b->ops, f->opaque, name);
	}
	if (!ret && f->ops && f->ops->bar_update) {
		ret = f->ops->bar_update(f, bar, on ? a : 0, on);
		if (ret && on && b->ops)
			bus_unregister(bus, a); /* leave nothing half-mapped */
	}
	if (ret) {
		vmm_log("pci %02x.%x %s: cannot map BAR%d at 0x%llx: %s",
			f->devfn >> 3, f->devfn & 7, f->name, bar,
			(unsigned long long)a, strerror(-ret));
		return ret;
	}
	b->mapped = on;
	b->addr = on ? a : 0;
	return 0;
}

/* Re-evaluates every BAR after a command or BAR register write. */
static void pci_func_update_bars(struct pci_func *f)
{
	for (int i = 0; i < PCI_NBARS; i++) {
		struct pci_bar *b = &f->bar[i];
		uint64_t a;
		bool on;

		if (!b->size)
			continue;
		a = bar_addr(f, i);
		on = bar_should_decode(f, i, a);
		if (on != b->mapped || (on && a != b->addr))
			bar_apply(f, i, a, on);
		if (b->mem64)
			i++;
	}
}

uint32_t pci_func_cfg_read(struct pci_func *f, unsigned off, unsigned len)
{
	if (off + len > PCI_CFG_SIZE)
		return ~0u;
	return cfg_get(&f->cfg[off], len);
}

void pci_func_cfg_write(struct pci_func *f, unsigned off, unsigned len,
			uint32_t val)
{
	if (off + len > PCI_CFG_SIZE)
		return;
	for (unsigned i = 0; i < len; i++) {
		uint8_t m = f->cfg_wmask[off + i];

		f->cfg[off + i] = (f->cfg[off + i] & ~m) | ((val >> (8 * i)) & m);
	}
	if (off < PCI_BAR0 + 4 * PCI_NBARS && off + len > PCI_COMMAND &&
	    (off < PCI_COMMAND + 2 || off >= PCI_BAR0))
		pci_func_update_bars(f);
}

static bool cfg_access_ok(struct pci_cfg_addr a, unsigned len)
{
	return a.valid && (len == 1 || len == 2 || len == 4) &&
	       (a.reg & (len - 1)) == 0 && a.reg + len <= PCI_CFG_SIZE;
}

uint32_t pci_host_cfg_read(struct pci_host *h, struct pci_cfg_addr a,
			   unsigned len)
{
	struct pci_func *f;
	uint32_t v;

	if (!cfg_access_ok(a, len) || a.bus != 0 || !(f = h->funcs[a.devfn]))
		return len == 4 ? ~0u : (1u << (8 * len)) - 1;
	pthread_mutex_lock(&h->lock);
	v = f->ops && f->ops->cfg_read ? f->ops->cfg_read(f, a.reg, len)
				       : pci_func_cfg_read(f, a.reg, len);
	pthread_mutex_unlock(&h->lock);
	return v;
}

void pci_host_cfg_write(struct pci_host *h, struct pci_cfg_addr a,
			unsigned len, uint32_t val)
{
	struct pci_func *f;

	if (!cfg_access_ok(a, len) || a.bus != 0 || !(f = h->funcs[a.devfn]))
		return;
	pthread_mutex_lock(&h->lock);
	if (f->ops && f->ops->cfg_write)
		f->ops->cfg_write(f, a.reg, len, val);
	else
		pci_func_cfg_write(f, a.reg, len, val);
	pthread_mutex_unlock(&h->lock);
}

/* Port 0xcf8: the address latch, dword accesses only. */
static void cf8_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct pci_host *h = opaque;

	if (off == 0 && len == 4)
		memcpy(data, &h->cf8, 4);
	else
		memset(data, 0xff, len);
}

static void cf8_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct pci_host *h = opaque;

	if (off == 0 && len == 4)
		memcpy(&h->cf8, data, 4);
}

static void cfc_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct pci_host *h = opaque;
	uint32_t v = pci_host_cfg_read(h, pci_decode_cf8(h->cf8, off), len);

	memcpy(data, &v, len);
}

static void cfc_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct pci_host *h = opaque;
	uint32_t v = 0;

	memcpy(&v, data, len > 4 ? 4 : len);
	pci_host_cfg_write(h, pci_decode_cf8(h->cf8, off), len, v);
}

static void ecam_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	uint32_t v = ~0u;

	if (len <= 4)
		v = pci_host_cfg_read(opaque, pci_decode_ecam(off), len);
	memset(data, 0xff, len);
	memcpy(data, &v, len > 4 ? 4 : len);
}

static void ecam_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	uint32_t v = 0;

	if (len > 4)
		return;
	memcpy(&v, data, len);
	pci_host_cfg_write(opaque, pci_decode_ecam(off), len, v);
}

static const struct bus_ops cf8_ops = { cf8_read, cf8_write };
static const struct bus_ops cfc_ops = { cfc_read, cfc_write };
static const struct bus_ops ecam_ops = { ecam_read, ecam_write };

int pci_host_init(struct pci_host *h, struct vm *vm)
{
	int ret;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	h->vm = vm;
	h->mmio_next = LAYOUT_MMIO32_BASE;
	h->pio_next = LAYOUT_PIO_PCI_BASE;
	ret = bus_register(&vm->bus[BUS_PIO], 0xcf8, 4, &cf8_ops, h, "pci-cf8");
	if (!ret)
		ret = bus_register(&vm->bus[BUS_PIO], 0xcfc, 4, &cfc_ops, h,
				   "pci-cfc");
	if (!ret)
		ret = bus_register(&vm->bus[BUS_MMIO], LAYOUT_ECAM_BASE,
				   LAYOUT_ECAM_SIZE, &ecam_ops, h, "pci-ecam");
	if (ret)
		return ret;
	/* 1b36:0008 is the ID set aside for a generic PCIe host bridge. */
	pci_func_init(&h->bridge, 0x1b36, 0x0008, 0x060000, "host-bridge");
	return pci_host_add(h, &h->bridge, 0);
}

static int pci_place_bars(struct pci_host *h, struct pci_func *f)
{
	for (int i = 0; i < PCI_NBARS; i++) {
		struct pci_bar *b = &f->bar[i];
		uint64_t *next = b->io ? &h->pio_next : &h->mmio_next;
		uint64_t end = b->io ? LAYOUT_PIO_PCI_BASE + LAYOUT_PIO_PCI_SIZE
				     : LAYOUT_MMIO32_BASE + LAYOUT_MMIO32_SIZE;
		uint64_t a;

		if (!b->size)
			continue;
		a = (*next + b->size - 1) & ~(b->size - 1);
		if (a + b->size > end) {
			vmm_log("pci %s: no room for BAR%d (%llu bytes) in the %s window",
				f->name, i, (unsigned long long)b->size,
				b->io ? "I/O" : "32-bit MMIO");
			return -ENOSPC;
		}
		*next = a + b->size;
		cfg_put(&f->cfg[PCI_BAR0 + 4 * i], 4,
			(uint32_t)a | (cfg_get(&f->cfg[PCI_BAR0 + 4 * i], 1) & 0xf));
		if (b->mem64) {
			cfg_put(&f->cfg[PCI_BAR0 + 4 * i + 4], 4, a >> 32);
			i++;
		}
	}
	return 0;
}

int pci_host_add(struct pci_host *h, struct pci_func *f, int devfn)
{
	int ret;

	if (devfn < 0) {
		for (devfn = 8; devfn < 256 && h->funcs[devfn]; devfn += 8)
			;
		if (devfn >= 256)
			return -ENOSPC;
	} else if (devfn > 255 || h->funcs[devfn]) {
		return -EBUSY;
	}
	f->devfn = devfn;
	f->vm = h->vm;
	ret = pci_place_bars(h, f);
	if (ret)
		return ret;
	h->funcs[devfn] = f;
	/* Firmware leaves decoding on, so BARs work before the OS probes. */
	pthread_mutex_lock(&h->lock);
	pci_func_cfg_write(f, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
	pthread_mutex_unlock(&h->lock);
	return 0;
}
