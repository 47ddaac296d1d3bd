/* SPDX-License-Identifier: MIT */
/*
 * VM creation: /dev/kvm checks, guest RAM (memfd, optionally hugetlb and
 * NUMA-bound), memory slots, the interrupt controller, and end-of-life.
 */
#include <errno.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vmm.h"

#define MiB (1024 * 1024ULL)

static int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		vmm_log("/dev/kvm does not exist: enable virtualization (VT-x/AMD-V) in firmware and load kvm-intel or kvm-amd");
	else if (errno == EACCES || errno == EPERM)
		vmm_log("no permission to open /dev/kvm: run as root or add the user to the 'kvm' group");
	else
		vmm_log("cannot open /dev/kvm: %s", strerror(errno));
	return -errno;
}

static int kvm_check_caps(struct vm *vm)
{
	static const struct { int cap; const char *name; } need[] = {
		{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
		{ KVM_CAP_IRQCHIP, "IRQCHIP" },
		{ KVM_CAP_IRQFD, "IRQFD" },
		{ KVM_CAP_IOEVENTFD, "IOEVENTFD" },
		{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	};
	int max;

	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		vmm_log("/dev/kvm speaks an unknown KVM API version");
		return -ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
			vmm_log("KVM lacks KVM_CAP_%s, which iovm needs", need[i].name);
			return -ENOTSUP;
		}
	}
	if (vm->cfg.irqchip == IRQCHIP_SPLIT &&
	    ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) <= 0) {
		vmm_log("KVM lacks KVM_CAP_SPLIT_IRQCHIP: use --irqchip kernel");
		return -ENOTSUP;
	}
	max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max <= 0)
		max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (max > 254)
		max = 254; /* xAPIC IDs, one I/O APIC ID after them */
	if (vm->cfg.cpus < 1 || vm->cfg.cpus > max) {
		vmm_log("--cpus %d is out of range: this host's KVM allows 1 to %d",
			vm->cfg.cpus, max);
		return -EINVAL;
	}
	return 0;
}

static int ram_alloc(struct vm *vm)
{
	unsigned flags = MFD_CLOEXEC | (vm->cfg.hugepages ? MFD_HUGETLB : 0);

	vm->mem_fd = memfd_create("iovm-guest-ram", flags);
	vm->pwrite_ok = !vm->cfg.hugepages;
	if (vm->mem_fd < 0 || ftruncate(vm->mem_fd, vm->ram_size) < 0) {
		int e = errno;

		vmm_log("cannot allocate %llu MiB of guest RAM%s: %s%s",
			(unsigned long long)(vm->ram_size / MiB),
			vm->cfg.hugepages ? " from hugetlbfs" : "", strerror(e),
			vm->cfg.hugepages ? " (reserve pages in /proc/sys/vm/nr_hugepages)" : "");
		return -e;
	}
	/* Hugetlb pages are reserved at mmap time, so a short pool fails here
	 * rather than as SIGBUS when the guest first touches the memory. */
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | (vm->cfg.hugepages ? 0 : MAP_NORESERVE),
		       vm->mem_fd, 0);
	if (vm->ram == MAP_FAILED) {
		int e = errno;

		vm->ram = NULL;
		vmm_log("cannot map %llu MiB of guest RAM%s: %s",
			(unsigned long long)(vm->ram_size / MiB),
			vm->cfg.hugepages ? ": not enough free hugepages (raise /proc/sys/vm/nr_hugepages)" : "",
			strerror(e));
		return -e;
	}
	if (vm->cfg.numa_node >= 0) {
		if (numa_available() < 0 || vm->cfg.numa_node > numa_max_node()) {
			vmm_log("--numa-node %d: no such NUMA node on this host",
				vm->cfg.numa_node);
			return -EINVAL;
		}
		numa_tonode_memory(vm->ram, vm->ram_size, vm->cfg.numa_node);
	}
	return 0;
}

static int set_slot(struct vm *vm, int slot, uint64_t gpa, uint64_t size,
		    void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		vmm_log("KVM_SET_USER_MEMORY_REGION slot %d at 0x%llx: %s", slot,
			(unsigned long long)gpa, strerror(errno));
		return -errno;
	}
	return 0;
}

#define MAX_SLOTS 64

static void slot_release(struct vm *vm, int slot)
{
	pthread_mutex_lock(&vm->gsi_lock);
	vm->slots_used &= ~(1ULL << slot);
	pthread_mutex_unlock(&vm->gsi_lock);
}

int vm_map_slot(struct vm *vm, uint64_t gpa, uint64_t size, void *hva)
{
	int slot, ret;

	pthread_mutex_lock(&vm->gsi_lock);
	for (slot = 2; slot < MAX_SLOTS && (vm->slots_used >> slot) & 1; slot++)
		;
	if (slot < MAX_SLOTS)
		vm->slots_used |= 1ULL << slot;
	pthread_mutex_unlock(&vm->gsi_lock);
	if (slot >= MAX_SLOTS)
		return -ENOSPC;
	ret = set_slot(vm, slot, gpa, size, hva);
	if (ret) {
		slot_release(vm, slot);
		return ret;
	}
	return slot;
}

int vm_unmap_slot(struct vm *vm, int slot)
{
	int ret = set_slot(vm, slot, 0, 0, NULL);

	slot_release(vm, slot);
	return ret;
}

int vm_for_each_ram(struct vm *vm, int (*fn)(void *ctx, uint64_t gpa,
		    uint64_t size, void *hva), void *ctx)
{
	uint64_t low = layout_low_ram(vm->ram_size);
	int ret = fn(ctx, 0, low, vm->ram);

	if (!ret && vm->ram_size > low)
		ret = fn(ctx, LAYOUT_4G, vm->ram_size - low, vm->ram + low);
	return ret;
}

static int irqchip_create(struct vm *vm)
{
	if (vm->cfg.irqchip == IRQCHIP_SPLIT) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
		};

		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
			vmm_log("cannot enable the split irqchip: %s", strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		vmm_log("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -errno;
	}
	struct kvm_pit_config pit = { .flags = 0 };

	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
		vmm_log("KVM_CREATE_PIT2: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int vm_setup(struct vm *vm)
{
	uint64_t low = layout_low_ram(vm->ram_size);
	int ret;

	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		vmm_log("KVM_CREATE_VM: %s", strerror(errno));
		return -errno;
	}
	/* Intel needs these three pages below 4 GiB; AMD ignores them. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		return -errno;
	uint64_t ident = 0xfffbc000ULL;

	ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	if ((ret = ram_alloc(vm)))
		return ret;
	if ((ret = set_slot(vm, 0, 0, low, vm->ram)))
		return ret;
	if (vm->ram_size > low &&
	    (ret = set_slot(vm, 1, LAYOUT_4G, vm->ram_size - low, vm->ram + low)))
		return ret;
	vm->slots_used = 0x3; /* slots 0 and 1 are RAM */
	if ((ret = irqchip_create(vm)))
		return ret;
	for (int i = 0; i < BUS_NSPACES; i++)
		if ((ret = bus_init(&vm->bus[i])))
			return ret;
	return pci_host_init(&vm->pci, vm);
}

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = *cfg;
	vm->ram_size = cfg->ram_size;
	vm->kvm_fd = vm->vm_fd = vm->mem_fd = vm->end_fd = -1;
	pthread_mutex_init(&vm->end_lock, NULL);
	pthread_mutex_init(&vm->gsi_lock, NULL);
	if (cfg->ram_size < 16 * MiB) {
		vmm_log("--mem %lluM is too small: iovm needs at least 16M",
			(unsigned long long)(cfg->ram_size / MiB));
		return -EINVAL;
	}
	vm->end_fd = eventfd(0, EFD_CLOEXEC);
	vm->kvm_fd = kvm_open();
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	ret = kvm_check_caps(vm);
	if (!ret)
		ret = vm_setup(vm);
	return ret;
}

int vm_add_cleanup(struct vm *vm, void (*fn)(void *opaque), void *opaque)
{
	struct vm_cleanup *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	*c = (struct vm_cleanup){ .fn = fn, .opaque = opaque, .next = vm->cleanups };
	vm->cleanups = c;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	while (vm->cleanups) {
		struct vm_cleanup *c = vm->cleanups;

		vm->cleanups = c->next;
		c->fn(c->opaque);
		free(c);
	}
	free(vm->vcpus);
	free(vm->gsi_routes);
	vm->vcpus = NULL;
	vm->gsi_routes = NULL;
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	vm->ram = NULL;
	for (int i = 0; i < BUS_NSPACES; i++)
		if (vm->bus[i].regions)
			bus_destroy(&vm->bus[i]);
	if (vm->mem_fd >= 0)
		close(vm->mem_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->end_fd >= 0)
		close(vm->end_fd);
	vm->mem_fd = vm->vm_fd = vm->kvm_fd = vm->end_fd = -1;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t low = layout_low_ram(vm->ram_size);

	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= low)
		return vm->ram + gpa;
	if (gpa >= LAYOUT_4G && gpa + len - LAYOUT_4G <= vm->ram_size - low)
		return vm->ram + low + (gpa - LAYOUT_4G);
	return NULL;
}

#define LOAD_CHUNK 4096

static bool page_is_zero(const uint8_t *p, size_t len)
{
	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/* Writes one run through the memfd: the kernel allocates each page and
 * fills it in one go, where a memcpy would fault every 4 KiB page in and
 * zero it first. hugetlbfs has no write(): memcpy there. */
static void write_run(struct vm *vm, uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t done = 0;

	while (vm->pwrite_ok && done < len) {
		ssize_t n = pwrite(vm->mem_fd, src + done, len - done,
				   dst - vm->ram + done);

		if (n <= 0) {
			vm->pwrite_ok = false;
			break;
		}
		done += n;
	}
	memcpy(dst + done, src + done, len - done);
}

int vm_load_image(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	uint8_t *dst = vm_gpa_to_hva(vm, gpa, len);
	const uint8_t *s = src;
	size_t run = 0;

	if (!dst)
		return -ERANGE;
	/* All-zero pages (a vmlinux holds megabytes: .bss, padding) are
	 * skipped: fresh guest RAM reads as zero already. */
	for (size_t off = 0; off < len; off += LOAD_CHUNK) {
		size_t n = len - off < LOAD_CHUNK ? len - off : LOAD_CHUNK;

		if (!page_is_zero(s + off, n)) {
			run += n;
			continue;
		}
		write_run(vm, dst + off - run, s + off - run, run);
		run = 0;
	}
	write_run(vm, dst + len - run, s + len - run, run);
	return 0;
}

void vm_request_end(struct vm *vm, enum vm_end end, int code,
		    const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	pthread_mutex_lock(&vm->end_lock);
	if (vm->end == VM_RUNNING) {
		vm->end = end;
		vm->exit_code = code;
		va_start(ap, fmt);
		vsnprintf(vm->end_reason, sizeof(vm->end_reason), fmt, ap);
		va_end(ap);
		if (write(vm->end_fd, &one, sizeof(one)) < 0)
			vmm_log("cannot signal the end of the VM: %s", strerror(errno));
	}
	pthread_mutex_unlock(&vm->end_lock);
}

bool vm_ended(struct vm *vm)
{
	return __atomic_load_n(&vm->end, __ATOMIC_ACQUIRE) != VM_RUNNING;
}

int vm_exit_status(const struct vm *vm)
{
	switch (vm->end) {
	case VM_END_POWEROFF:
		return 0;
	case VM_END_EXIT_CODE:
	case VM_END_SIGNAL:
		return vm->exit_code;
	default:
		return 1;
	}
}

bool host_has_hw_virt(void)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return true; /* unknown: assume a real host */
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5))
			found = strstr(line, " vmx") || strstr(line, " svm");
	fclose(f);
	return found;
}

uint64_t host_mem_total(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	return pages > 0 && psz > 0 ? (uint64_t)pages * psz : 0;
}
