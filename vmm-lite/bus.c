/* SPDX-License-Identifier: MIT */
/*
 * The I/O bus: a sorted array of regions per address space. vCPU threads
 * look up concurrently; BAR moves take the write lock. Callbacks run after
 * the lock is dropped, on a copy of the region, because a guest config write
 * that moves a BAR re-registers regions from inside an access. Device state
 * lives as long as the VM, so a callback racing an unregister is harmless.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm.h"

int bus_init(struct bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	return -pthread_rwlock_init(&bus->lock, NULL);
}

void bus_destroy(struct bus *bus)
{
	free(bus->regions);
	bus->regions = NULL;
	bus->count = bus->cap = 0;
	pthread_rwlock_destroy(&bus->lock);
}

/* Index of the first region whose end is above addr (binary search). */
static int bus_lower_bound(const struct bus *bus, uint64_t addr)
{
	int lo = 0, hi = bus->count;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		const struct bus_region *r = &bus->regions[mid];

		if (r->base + r->len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *opaque, const char *name)
{
	int i, ret = 0;

	if (len == 0 || base + len < base)
		return -EINVAL;
	pthread_rwlock_wrlock(&bus->lock);
	i = bus_lower_bound(bus, base);
	if (i < bus->count &&
	    ranges_overlap(base, len, bus->regions[i].base, bus->regions[i].len)) {
		vmm_log("bus: %s at 0x%llx+0x%llx overlaps %s at 0x%llx+0x%llx",
			name, (unsigned long long)base, (unsigned long long)len,
			bus->regions[i].name,
			(unsigned long long)bus->regions[i].base,
			(unsigned long long)bus->regions[i].len);
		ret = -EBUSY;
		goto out;
	}
	if (bus->count == bus->cap) {
		int cap = bus->cap ? bus->cap * 2 : 16;
		struct bus_region *n = realloc(bus->regions, cap * sizeof(*n));

		if (!n) {
			ret = -ENOMEM;
			goto out;
		}
		bus->regions = n;
		bus->cap = cap;
	}
	memmove(&bus->regions[i + 1], &bus->regions[i],
		(bus->count - i) * sizeof(bus->regions[0]));
	bus->regions[i] = (struct bus_region){
		.base = base, .len = len, .ops = ops, .opaque = opaque,
	};
	strncpy(bus->regions[i].name, name ? name : "?",
		sizeof(bus->regions[i].name) - 1);
	bus->count++;
out:
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

int bus_unregister(struct bus *bus, uint64_t base)
{
	int i, ret = -ENOENT;

	pthread_rwlock_wrlock(&bus->lock);
	i = bus_lower_bound(bus, base);
	if (i < bus->count && bus->regions[i].base == base) {
		memmove(&bus->regions[i], &bus->regions[i + 1],
			(bus->count - i - 1) * sizeof(bus->regions[0]));
		bus->count--;
		ret = 0;
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret;
}

bool bus_access(struct bus *bus, uint64_t addr, void *data, unsigned len,
		bool is_write)
{
	struct bus_region r = { .ops = NULL };
	int i;

	pthread_rwlock_rdlock(&bus->lock);
	i = bus_lower_bound(bus, addr);
	if (i < bus->count && addr >= bus->regions[i].base &&
	    addr + len <= bus->regions[i].base + bus->regions[i].len) {
		__atomic_add_fetch(&bus->regions[i].accesses, 1, __ATOMIC_RELAXED);
		r = bus->regions[i];
	}
	pthread_rwlock_unlock(&bus->lock);

	if (!r.ops) {
		__atomic_add_fetch(&bus->unhandled, 1, __ATOMIC_RELAXED);
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	if (is_write) {
		if (r.ops->write)
			r.ops->write(r.opaque, addr - r.base, data, len);
	} else if (r.ops->read) {
		r.ops->read(r.opaque, addr - r.base, data, len);
	} else {
		memset(data, 0xff, len);
	}
	return true;
}
