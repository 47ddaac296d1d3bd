/* SPDX-License-Identifier: MIT */
/*
 * vCPUs: one thread each, running KVM_RUN and dispatching its exits to the
 * bus. vCPU 0 starts at the kernel entry; the others wait for INIT/SIPI in
 * the in-kernel LAPIC, as on real hardware.
 */
#include <errno.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vmm.h"

#define SIG_VCPU_KICK SIGUSR1
#define CPUID_MAX 256

static const char *const exit_names[EXIT_NKINDS] = {
	[EXIT_IO] = "io", [EXIT_MMIO] = "mmio", [EXIT_HLT] = "hlt",
	[EXIT_SHUTDOWN] = "shutdown", [EXIT_SYSTEM_EVENT] = "system_event",
	[EXIT_INTR] = "intr", [EXIT_FAIL_ENTRY] = "fail_entry",
	[EXIT_INTERNAL_ERROR] = "internal_error", [EXIT_IOAPIC_EOI] = "ioapic_eoi",
	[EXIT_OTHER] = "other",
};

const char *exit_kind_name(enum exit_kind k)
{
	return k < EXIT_NKINDS ? exit_names[k] : "?";
}

static int vcpu_set_cpuid(struct vcpu *v)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + CPUID_MAX * sizeof(c->entries[0]));
	int ret = 0;

	if (!c)
		return -ENOMEM;
	c->nent = CPUID_MAX;
	if (ioctl(v->vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		ret = -errno;
		goto out;
	}
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* APIC ID and the hypervisor bit. */
			e->ebx = (e->ebx & 0x00ffffff) | (uint32_t)v->id << 24;
			e->ecx |= 1u << 31;
			/* KVM emulates the TSC-deadline timer but leaves
			 * advertising it to user space. */
			if (ioctl(v->vm->kvm_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_TSC_DEADLINE_TIMER) > 0)
				e->ecx |= 1u << 24;
			break;
		case 0xb:
		case 0x1f:
			e->edx = v->id;
			break;
		}
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
out:
	if (ret)
		vmm_log("vcpu %d: cannot set CPUID: %s", v->id, strerror(-ret));
	free(c);
	return ret;
}

/* LINT0 takes the 8259's ExtINT, LINT1 is NMI: what firmware sets up. */
static int vcpu_set_lapic(struct vcpu *v)
{
	struct kvm_lapic_state l;
	uint32_t *lint0, *lint1;

	if (v->vm->cfg.irqchip != IRQCHIP_KERNEL && v->vm->cfg.irqchip != IRQCHIP_SPLIT)
		return 0;
	if (ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	lint0 = (uint32_t *)&l.regs[0x350];
	lint1 = (uint32_t *)&l.regs[0x360];
	*lint0 = (*lint0 & ~0x1ff00u & ~0x10000u) | (7 << 8);
	*lint1 = (*lint1 & ~0x1ff00u & ~0x10000u) | (4 << 8);
	if (ioctl(v->fd, KVM_SET_LAPIC, &l) < 0)
		return -errno;
	return 0;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type, bool l)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .db = !l, .l = l, .g = 1,
	};
}

/* vCPU 0 enters the kernel in 64-bit (bzImage) or 32-bit (multiboot) mode. */
static int vcpu_set_boot_regs(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct kvm_sregs s;
	struct kvm_regs r = { .rflags = 2 };
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	seg_flat(&s.cs, vm->entry_long_mode ? 0x10 : 0x20, 0xb, vm->entry_long_mode);
	seg_flat(&s.ds, 0x18, 0x3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = LAYOUT_BOOT_GDT;
	s.gdt.limit = 5 * 8 - 1;
	s.cr0 = 0x11; /* PE, ET */
	if (vm->entry_long_mode) {
		s.cr3 = LAYOUT_PML4;
		s.cr4 |= 0x20;            /* PAE */
		s.efer |= 0x500;          /* LME, LMA */
		s.cr0 |= 0x80000000u;     /* PG */
	}
	r.rip = vm->entry_rip;
	r.rsi = vm->entry_rsi;
	r.rax = vm->entry_rax;
	r.rbx = vm->entry_rbx;
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0 ||
	    ioctl(v->fd, KVM_SET_REGS, &r) < 0 || ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return 0;
}

static int vcpu_create(struct vm *vm, struct vcpu *v, int id)
{
	int ret;

	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		vmm_log("vcpu %d: KVM_CREATE_VCPU: %s", id, strerror(errno));
		return -errno;
	}
	v->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	if ((ret = vcpu_set_cpuid(v)))
		return ret;
	if ((ret = vcpu_set_lapic(v))) {
		vmm_log("vcpu %d: cannot set up the local APIC: %s", id, strerror(-ret));
		return ret;
	}
	if (id == 0 && (ret = vcpu_set_boot_regs(v))) {
		vmm_log("vcpu 0: cannot set boot registers: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

static void count_exit(struct vm *vm, enum exit_kind k)
{
	__atomic_add_fetch(&vm->exits[k], 1, __ATOMIC_RELAXED);
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		bus_access(&v->vm->bus[BUS_PIO], run->io.port, data, run->io.size,
			   run->io.direction == KVM_EXIT_IO_OUT);
}

static void handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_end(v->vm, VM_END_POWEROFF, 0, "guest powered off");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_end(v->vm, VM_END_RESET, 1, "guest requested a reset");
		break;
	default:
		vm_request_end(v->vm, VM_END_ERROR, 1, "guest crashed (system event %u)",
			       v->run->system_event.type);
	}
}

/* One KVM_RUN exit; returns false when the vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		count_exit(v->vm, EXIT_IO);
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		count_exit(v->vm, EXIT_MMIO);
		bus_access(&v->vm->bus[BUS_MMIO], run->mmio.phys_addr, run->mmio.data,
			   run->mmio.len, run->mmio.is_write);
		return true;
	case KVM_EXIT_INTR:
		count_exit(v->vm, EXIT_INTR);
		return true;
	case KVM_EXIT_IOAPIC_EOI:
		count_exit(v->vm, EXIT_IOAPIC_EOI);
		if (v->vm->irqchip_ops && v->vm->irqchip_ops->eoi)
			v->vm->irqchip_ops->eoi(v->vm->irqchip_opaque, run->eoi.vector);
		return true;
	case KVM_EXIT_HLT:
		count_exit(v->vm, EXIT_HLT);
		vm_request_end(v->vm, VM_END_POWEROFF, 0, "guest halted");
		return false;
	case KVM_EXIT_SHUTDOWN:
		count_exit(v->vm, EXIT_SHUTDOWN);
		vm_request_end(v->vm, VM_END_ERROR, 1, "guest triple fault on vCPU %d", v->id);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		count_exit(v->vm, EXIT_SYSTEM_EVENT);
		handle_system_event(v);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		count_exit(v->vm, EXIT_FAIL_ENTRY);
		vm_request_end(v->vm, VM_END_ERROR, 1,
			       "KVM could not enter vCPU %d (hardware reason 0x%llx)", v->id,
			       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		count_exit(v->vm, EXIT_INTERNAL_ERROR);
		vm_request_end(v->vm, VM_END_ERROR, 1, "KVM internal error on vCPU %d (suberror %u)",
			       v->id, run->internal.suberror);
		return false;
	default:
		count_exit(v->vm, EXIT_OTHER);
		vm_request_end(v->vm, VM_END_ERROR, 1, "unhandled KVM exit %u on vCPU %d",
			       run->exit_reason, v->id);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t set;
	char name[16];

	snprintf(name, sizeof(name), "iovm-vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
	if (v->vm->cfg.numa_node >= 0)
		numa_run_on_node(v->vm->cfg.numa_node);
	sigemptyset(&set);
	sigaddset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!vm_ended(v->vm)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_request_end(v->vm, VM_END_ERROR, 1, "KVM_RUN on vCPU %d: %s",
				       v->id, strerror(errno));
			break;
		}
		if (!vcpu_handle_exit(v))
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vm_start_vcpus(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	int ret;

	sigaction(SIG_VCPU_KICK, &sa, NULL);
	vm->vcpus = calloc(vm->cfg.cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (int i = 0; i < vm->cfg.cpus; i++)
		vm->vcpus[i].fd = -1;
	for (vm->ncpus = 0; vm->ncpus < vm->cfg.cpus; vm->ncpus++) {
		ret = vcpu_create(vm, &vm->vcpus[vm->ncpus], vm->ncpus);
		if (ret)
			return ret;
	}
	for (int i = 0; i < vm->ncpus; i++) {
		ret = -pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (ret)
			return ret;
		vm->vcpus[i].started = true;
	}
	return 0;
}

void vm_stop_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		if (v->started)
			pthread_kill(v->thread, SIG_VCPU_KICK);
	}
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->started)
			pthread_join(v->thread, NULL);
		v->started = false;
		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
		v->run = NULL;
		v->fd = -1;
	}
}
