/* SPDX-License-Identifier: MIT */
/*
 * Passthrough BARs. Memory BARs are mmap'ed from the device and installed
 * as KVM memory slots where the guest placed them, so the data path (e.g.
 * NVMe doorbells) never exits; the pages holding the MSI-X table and PBA,
 * and whatever VFIO does not let us mmap, trap to iovm through bus regions
 * (slots take precedence over them): "<bdf>.barN.msix" for the MSI-X pages
 * and "<bdf>.barN" for the rest, so --stats tells interrupt setup from data
 * path exits. I/O BARs always trap and are forwarded with pread/pwrite.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vfio_priv.h"

#define PAGE 4096ULL

int vfio_range_subtract(struct vfio_range area, const struct vfio_range *holes,
			int nholes, struct vfio_range *out, int max)
{
	uint64_t cur = area.start;
	int n = 0;

	/* Holes are few: pick the lowest hole at or after cur each time. */
	while (cur < area.end) {
		const struct vfio_range *next = NULL;

		for (int i = 0; i < nholes; i++)
			if (holes[i].end > cur && holes[i].start < area.end &&
			    (!next || holes[i].start < next->start))
				next = &holes[i];
		if (!next || next->start >= area.end) {
			if (n < max)
				out[n++] = (struct vfio_range){ cur, area.end };
			break;
		}
		if (next->start > cur && n < max)
			out[n++] = (struct vfio_range){ cur, next->start };
		cur = next->end > cur ? next->end : cur + 1;
	}
	return n;
}

static void bar_read(void *opaque, uint64_t off, void *data, unsigned len);
static void bar_write(void *opaque, uint64_t off, const void *data, unsigned len);
static const struct bus_ops vfio_bar_ops = { bar_read, bar_write };

/* Reads the sparse-mmap capability, or takes the whole BAR. */
static void bar_areas(struct vfio_dev *d, struct vfio_bar *b)
{
	size_t sz = sizeof(struct vfio_region_info) + 1024;
	struct vfio_region_info *ri = calloc(1, sz);

	b->nareas = 0;
	if (!(b->info.flags & VFIO_REGION_INFO_FLAG_MMAP) || !ri)
		goto out;
	ri->argsz = sz;
	ri->index = b->index;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, ri) == 0 &&
	    (ri->flags & VFIO_REGION_INFO_FLAG_CAPS) && ri->argsz <= sz) {
		for (uint32_t off = ri->cap_offset; off && off + 16 <= sz;) {
			struct vfio_info_cap_header *h = (void *)((char *)ri + off);

			if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
				struct vfio_region_info_cap_sparse_mmap *sp = (void *)h;

				for (uint32_t i = 0; i < sp->nr_areas && b->nareas < VFIO_MAX_AREAS; i++)
					b->areas[b->nareas++] = (struct vfio_range){
						sp->areas[i].offset,
						sp->areas[i].offset + sp->areas[i].size };
				goto out;
			}
			off = h->next;
		}
	}
	b->areas[b->nareas++] = (struct vfio_range){ 0, b->info.size };
out:
	free(ri);
}

static void bar_mmap_areas(struct vfio_dev *d, struct vfio_bar *b)
{
	for (int i = 0; i < b->nareas; i++) {
		uint64_t len = b->areas[i].end - b->areas[i].start;

		b->maps[i] = NULL;
		if (len < PAGE || (b->areas[i].start % PAGE))
			continue;
		b->maps[i] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
				  b->info.offset + b->areas[i].start);
		if (b->maps[i] == MAP_FAILED)
			b->maps[i] = NULL; /* that part traps instead */
	}
}

int vfio_bars_init(struct vfio_dev *d)
{
	for (int i = 0; i < PCI_NBARS; i++) {
		struct vfio_bar *b = &d->bars[i];
		uint32_t raw = d->phys_cfg[0x10 + 4 * i] | d->phys_cfg[0x11 + 4 * i] << 8 |
			       d->phys_cfg[0x12 + 4 * i] << 16 | (uint32_t)d->phys_cfg[0x13 + 4 * i] << 24;
		bool io = raw & 1, mem64 = !io && ((raw >> 1) & 3) == 2;
		int ret;

		b->dev = d;
		b->index = i;
		b->info = (struct vfio_region_info){ .argsz = sizeof(b->info), .index = i };
		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &b->info) < 0 || !b->info.size)
			continue;
		snprintf(b->name, sizeof(b->name), "vfio-%s.bar%d", d->opts.bdf, i);
		snprintf(b->msix_name, sizeof(b->msix_name), "vfio-%s.bar%d.msix", d->opts.bdf, i);
		ret = pci_func_set_bar(&d->func, i, b->info.size < 4 ? 4 : b->info.size, io, mem64);
		if (ret) {
			vmm_log("%s: BAR%d of %llu bytes cannot be exposed", d->opts.bdf, i,
				(unsigned long long)b->info.size);
			return ret;
		}
		d->func.bar[i].prefetch = !io && (raw & 8);
		d->func.cfg[0x10 + 4 * i] |= raw & 0xf & (io ? 1 : 0xf);
		if (!io) {
			bar_areas(d, b);
			bar_mmap_areas(d, b);
		}
		if (mem64)
			i++;
	}
	return 0;
}

/* The BAR pages that must trap: MSI-X table and PBA, page-rounded. */
static int bar_trap_pages(struct vfio_dev *d, int bar, struct vfio_range *holes)
{
	int n = 0;

	if (!d->msix.cap)
		return 0;
	if (d->msix.table_bar == bar)
		holes[n++] = (struct vfio_range){
			d->msix.table_off & ~(PAGE - 1),
			(d->msix.table_off + d->msix.st.nvec * MSIX_ENTRY_SIZE + PAGE - 1) & ~(PAGE - 1) };
	if (d->msix.pba_bar == bar)
		holes[n++] = (struct vfio_range){
			d->msix.pba_off & ~(PAGE - 1),
			(d->msix.pba_off + (d->msix.st.nvec + 63) / 64 * 8 + PAGE - 1) & ~(PAGE - 1) };
	return n;
}

static void bar_unmap(struct vfio_bar *b)
{
	struct vm *vm = b->dev->vv->vm;
	struct bus *bus = &vm->bus[b->dev->func.bar[b->index].io ? BUS_PIO : BUS_MMIO];

	for (int i = 0; i < b->nslots; i++)
		vm_unmap_slot(vm, b->slots[i]);
	b->nslots = 0;
	for (int i = 0; i < VFIO_MAX_TRAPS; i++) {
		if (b->traps[i].registered)
			bus_unregister(bus, b->traps[i].guest_addr);
		b->traps[i].registered = false;
	}
}

static int bar_add_trap(struct vfio_bar *b, int i, uint64_t addr, struct vfio_range r,
			const char *name)
{
	struct vfio_trap *t = &b->traps[i];
	struct bus *bus = &b->dev->vv->vm->bus[b->dev->func.bar[b->index].io ? BUS_PIO : BUS_MMIO];
	int ret;

	*t = (struct vfio_trap){ .bar = b, .off = r.start, .guest_addr = addr + r.start };
	ret = bus_register(bus, t->guest_addr, r.end - r.start, &vfio_bar_ops, t, name);
	t->registered = !ret;
	return ret;
}

/* Bus regions: the MSI-X pages, then the rest of the BAR around them. */
static int bar_map_traps(struct vfio_bar *b, uint64_t addr, uint64_t size)
{
	struct vfio_range holes[2], rest[VFIO_MAX_TRAPS - 2];
	int nholes = bar_trap_pages(b->dev, b->index, holes), nrest, t = 0, ret = 0;

	for (int i = 0; i < nholes && !ret; i++) {
		if (holes[i].end > size)
			holes[i].end = size;
		if (i == 1 && holes[1].start < holes[0].end) {
			holes[0].end = holes[1].end > holes[0].end ? holes[1].end : holes[0].end;
			nholes = 1; /* table and PBA share pages */
			break;
		}
	}
	for (int i = 0; i < nholes && !ret; i++)
		ret = bar_add_trap(b, t++, addr, holes[i], b->msix_name);
	nrest = vfio_range_subtract((struct vfio_range){ 0, size }, holes, nholes, rest,
				    VFIO_MAX_TRAPS - 2);
	for (int i = 0; i < nrest && !ret; i++)
		ret = bar_add_trap(b, t++, addr, rest[i], b->name);
	return ret;
}

static int bar_map_slots(struct vfio_bar *b, uint64_t addr)
{
	struct vfio_range holes[2], pieces[VFIO_MAX_SLOTS];
	int nholes = bar_trap_pages(b->dev, b->index, holes);

	for (int a = 0; a < b->nareas; a++) {
		int n;

		if (!b->maps[a])
			continue;
		n = vfio_range_subtract(b->areas[a], holes, nholes, pieces, VFIO_MAX_SLOTS);
		for (int p = 0; p < n && b->nslots < VFIO_MAX_SLOTS; p++) {
			uint8_t *hva = (uint8_t *)b->maps[a] + (pieces[p].start - b->areas[a].start);
			int slot = vm_map_slot(b->dev->vv->vm, addr + pieces[p].start,
					       pieces[p].end - pieces[p].start, hva);

			if (slot < 0)
				return slot;
			b->slots[b->nslots++] = slot;
		}
	}
	return 0;
}

int vfio_bar_update(struct pci_func *f, int bar, uint64_t addr, bool enable)
{
	struct vfio_dev *d = f->opaque;
	struct vfio_bar *b = &d->bars[bar];
	int ret;

	bar_unmap(b);
	if (!enable)
		return 0;
	ret = bar_map_traps(b, addr, f->bar[bar].size);
	if (!ret && !f->bar[bar].io && (addr % PAGE) == 0)
		ret = bar_map_slots(b, addr);
	if (ret)
		bar_unmap(b);
	return ret;
}

static bool in_range(uint64_t off, unsigned len, uint64_t start, uint64_t size)
{
	return off >= start && off + len <= start + size;
}

enum trap_target { TO_DEVICE, TO_MSIX_TABLE, TO_MSIX_PBA };

/* Where an access at BAR offset off goes: the emulated MSI-X table or PBA,
 * or the device itself. */
static enum trap_target trap_target(const struct vfio_bar *b, uint64_t off, unsigned len)
{
	const struct vfio_msix *m = &b->dev->msix;

	if (m->cap && m->table_bar == b->index &&
	    in_range(off, len, m->table_off, m->st.nvec * MSIX_ENTRY_SIZE))
		return TO_MSIX_TABLE;
	if (m->cap && m->pba_bar == b->index &&
	    in_range(off, len, m->pba_off, (m->st.nvec + 63) / 64 * 8))
		return TO_MSIX_PBA;
	return TO_DEVICE;
}

static void bar_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct vfio_trap *t = opaque;
	struct vfio_bar *b = t->bar;
	struct vfio_dev *d = b->dev;

	off += t->off;
	switch (trap_target(b, off, len)) {
	case TO_MSIX_TABLE:
		vfio_msix_table_access(d, off - d->msix.table_off, data, len, false);
		break;
	case TO_MSIX_PBA:
		vfio_msix_pba_read(d, off - d->msix.pba_off, data, len);
		break;
	case TO_DEVICE:
		if (off + len > b->info.size ||
		    pread(d->fd, data, len, b->info.offset + off) != (ssize_t)len)
			memset(data, 0xff, len);
	}
}

static void bar_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct vfio_trap *t = opaque;
	struct vfio_bar *b = t->bar;
	struct vfio_dev *d = b->dev;

	off += t->off;
	switch (trap_target(b, off, len)) {
	case TO_MSIX_TABLE:
		vfio_msix_table_access(d, off - d->msix.table_off, (void *)data, len, true);
		break;
	case TO_MSIX_PBA:
		break; /* the PBA is read-only */
	case TO_DEVICE:
		if (off + len <= b->info.size &&
		    pwrite(d->fd, data, len, b->info.offset + off) != (ssize_t)len)
			vmm_log("%s: write to BAR%d+0x%llx failed", d->opts.bdf, b->index,
				(unsigned long long)off);
	}
}

/* ---- expansion ROM: read-only, trapped, present only while enabled ---- */

static void rom_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct vfio_dev *d = opaque;

	if (off + len > d->rom_region.size ||
	    pread(d->fd, data, len, d->rom_region.offset + off) != (ssize_t)len)
		memset(data, 0xff, len);
}

static const struct bus_ops vfio_rom_ops = { rom_read, NULL };

void vfio_rom_update(struct vfio_dev *d)
{
	struct vm *vm = d->vv->vm;
	uint64_t addr = d->rom_bar & ~0x7ffULL;
	uint16_t cmd = d->func.cfg[0x04];
	bool on = (d->rom_bar & 1) && addr && (cmd & 0x2);

	if (d->rom_mapped && (!on || addr != d->rom_addr)) {
		bus_unregister(&vm->bus[BUS_MMIO], d->rom_addr);
		d->rom_mapped = false;
	}
	if (on && !d->rom_mapped &&
	    !bus_register(&vm->bus[BUS_MMIO], addr, d->rom_region.size, &vfio_rom_ops, d, "vfio-rom")) {
		d->rom_mapped = true;
		d->rom_addr = addr;
	}
}

void vfio_bars_release(struct vfio_dev *d)
{
	for (int i = 0; i < PCI_NBARS; i++) {
		struct vfio_bar *b = &d->bars[i];

		if (!b->dev)
			continue;
		bar_unmap(b);
		for (int a = 0; a < b->nareas; a++)
			if (b->maps[a])
				munmap(b->maps[a], b->areas[a].end - b->areas[a].start);
		b->nareas = 0;
	}
	if (d->rom_mapped)
		bus_unregister(&d->vv->vm->bus[BUS_MMIO], d->rom_addr);
	d->rom_mapped = false;
}
