/* SPDX-License-Identifier: MIT */
/* VFIO type1 container: DMA mapping of all guest RAM, IOVA = GPA. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "iommu.h"
#include "vmm.h"

#define MiB (1024 * 1024ULL)
#define PREFAULT_THREADS_MAX 8

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int iova_find_conflict(const struct iova_range *usable, int nusable,
		       const struct iova_range *guest, int nguest)
{
	for (int g = 0; g < nguest; g++) {
		bool inside = false;

		for (int u = 0; u < nusable && !inside; u++)
			inside = guest[g].start >= usable[u].start &&
				 guest[g].end <= usable[u].end;
		if (!inside)
			return g;
	}
	return -1;
}

int iommu_container_open(struct iommu_container *c, struct vm *vm)
{
	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		int e = errno;

		vmm_log("cannot open /dev/vfio/vfio: %s: load the vfio-pci module (modprobe vfio-pci)",
			strerror(e));
		return -e;
	}
	if (ioctl(c->fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(c->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		vmm_log("/dev/vfio/vfio lacks the type1v2 IOMMU: is an IOMMU enabled (intel_iommu=on / amd_iommu=on)?");
		close(c->fd);
		c->fd = -1;
		return -ENODEV;
	}
	return 0;
}

int iommu_container_add_group(struct iommu_container *c, int group_fd, int group)
{
	if (ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &c->fd) < 0) {
		int e = errno;

		vmm_log("IOMMU group %d: cannot join the VM's VFIO container: %s", group,
			strerror(e));
		return -e;
	}
	if (c->iommu_set)
		return 0;
	if (ioctl(c->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		int e = errno;

		if (e == EPERM)
			vmm_log("IOMMU group %d: the host has no interrupt remapping, so VFIO refuses the device: "
				"enable it (intremap=on, x2apic) or pass --allow-unsafe-interrupts", group);
		else
			vmm_log("VFIO_SET_IOMMU type1v2: %s", strerror(e));
		ioctl(group_fd, VFIO_GROUP_UNSET_CONTAINER);
		return -e;
	}
	c->iommu_set = true;
	return 0;
}

/* The usable IOVA ranges the container reports (empty: no restriction). */
static int get_iova_ranges(struct iommu_container *c, struct iova_range *out, int max)
{
	size_t sz = 4096;
	struct vfio_iommu_type1_info *info = calloc(1, sz);
	int n = 0;

	if (!info)
		return -ENOMEM;
	info->argsz = sz;
	if (ioctl(c->fd, VFIO_IOMMU_GET_INFO, info) < 0 || !(info->flags & VFIO_IOMMU_INFO_CAPS)) {
		free(info);
		return 0;
	}
	for (uint32_t off = info->cap_offset; off && off + sizeof(struct vfio_info_cap_header) <= sz;) {
		struct vfio_info_cap_header *h = (void *)((char *)info + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;

			for (uint32_t i = 0; i < r->nr_iovas && n < max &&
			     off + sizeof(*r) + (i + 1) * sizeof(r->iova_ranges[0]) <= sz; i++, n++)
				out[n] = (struct iova_range){ r->iova_ranges[i].start,
							      r->iova_ranges[i].end };
		}
		off = h->next;
	}
	free(info);
	return n;
}

struct ram_list {
	struct iova_range r[4];
	void *hva[4];
	int n;
};

static int collect_ram(void *ctx, uint64_t gpa, uint64_t size, void *hva)
{
	struct ram_list *l = ctx;

	l->r[l->n] = (struct iova_range){ gpa, gpa + size - 1 };
	l->hva[l->n++] = hva;
	return 0;
}

static int check_iova(struct iommu_container *c, const struct ram_list *ram)
{
	struct iova_range usable[32];
	int n = get_iova_ranges(c, usable, 32), bad;

	if (n <= 0)
		return n;
	bad = iova_find_conflict(usable, n, ram->r, ram->n);
	if (bad < 0)
		return 0;
	vmm_log("guest RAM at 0x%llx-0x%llx overlaps an IOVA range the host IOMMU cannot map "
		"(usable: %d ranges, first 0x%llx-0x%llx): lower --mem",
		(unsigned long long)ram->r[bad].start, (unsigned long long)ram->r[bad].end,
		n, (unsigned long long)usable[0].start, (unsigned long long)usable[0].end);
	return -ERANGE;
}

static int check_memlock(uint64_t bytes)
{
	struct rlimit rl;

	/* Root (CAP_IPC_LOCK) is exempt from the limit in VFIO type1. */
	if (geteuid() == 0 || getrlimit(RLIMIT_MEMLOCK, &rl) < 0 ||
	    rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= bytes)
		return 0;
	vmm_log("the locked-memory limit is %llu MiB but DMA needs all %llu MiB of guest RAM pinned: "
		"raise it (ulimit -l, or LimitMEMLOCK= in a systemd unit) or grant CAP_IPC_LOCK",
		(unsigned long long)(rl.rlim_cur / MiB), (unsigned long long)(bytes / MiB));
	return -ENOMEM;
}

struct prefault_job {
	uint8_t *start;
	size_t len;
};

static void *prefault_thread(void *arg)
{
	struct prefault_job *j = arg;

#ifdef MADV_POPULATE_WRITE
	if (madvise(j->start, j->len, MADV_POPULATE_WRITE) == 0)
		return NULL;
#endif
	for (size_t off = 0; off < j->len; off += 4096)
		__atomic_fetch_add(&j->start[off], 0, __ATOMIC_RELAXED);
	return NULL;
}

/* Faulting RAM in from several threads is much faster than letting
 * MAP_DMA fault it page by page on one. */
static void prefault(const struct ram_list *ram)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = ncpu < 1 ? 1 : ncpu > PREFAULT_THREADS_MAX ? PREFAULT_THREADS_MAX : ncpu;

	for (int i = 0; i < ram->n; i++) {
		size_t len = ram->r[i].end - ram->r[i].start + 1;
		size_t chunk = ((len / nthreads) + 0x1fffff) & ~(size_t)0x1fffff;
		struct prefault_job jobs[PREFAULT_THREADS_MAX];
		pthread_t th[PREFAULT_THREADS_MAX];
		int started = 0;

		for (size_t off = 0; off < len && started < nthreads; off += chunk) {
			jobs[started] = (struct prefault_job){
				(uint8_t *)ram->hva[i] + off, off + chunk > len ? len - off : chunk };
			if (pthread_create(&th[started], NULL, prefault_thread, &jobs[started]))
				prefault_thread(&jobs[started]);
			else
				started++;
		}
		for (int t = 0; t < started; t++)
			pthread_join(th[t], NULL);
	}
}

static int map_range(struct iommu_container *c, uint64_t iova, uint64_t size, void *hva)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)hva, .iova = iova, .size = size,
	};

	if (ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		int e = errno;

		vmm_log("VFIO_IOMMU_MAP_DMA of guest RAM 0x%llx+0x%llx: %s%s",
			(unsigned long long)iova, (unsigned long long)size, strerror(e),
			e == ENOMEM ? " (locked-memory limit?)" : "");
		return -e;
	}
	c->pinned_bytes += size;
	return 0;
}

int iommu_map_guest_ram(struct iommu_container *c)
{
	struct ram_list ram = { .n = 0 };
	uint64_t total = 0;
	double t;
	int ret;

	vm_for_each_ram(c->vm, collect_ram, &ram);
	for (int i = 0; i < ram.n; i++)
		total += ram.r[i].end - ram.r[i].start + 1;
	if ((ret = check_iova(c, &ram)) || (ret = check_memlock(total)))
		return ret;
	t = now_s();
	prefault(&ram);
	c->prefault_seconds = now_s() - t;
	t = now_s();
	for (int i = 0; i < ram.n && !ret; i++)
		ret = map_range(c, ram.r[i].start, ram.r[i].end - ram.r[i].start + 1, ram.hva[i]);
	c->pin_seconds = now_s() - t;
	c->mapped = !ret;
	return ret;
}

void iommu_container_close(struct iommu_container *c)
{
	if (c->fd < 0)
		return;
	if (c->mapped) {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap), .flags = VFIO_DMA_UNMAP_FLAG_ALL,
		};

		/* UNMAP_ALL needs Linux 5.16; otherwise closing the container
		 * unmaps everything anyway. */
		ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
		c->mapped = false;
	}
	close(c->fd);
	c->fd = -1;
}
