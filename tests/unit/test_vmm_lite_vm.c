/* SPDX-License-Identifier: MIT */
/* vmm-lite/vm.c: device cleanups and vm_destroy on a KVM-less struct vm. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "vmm.h"

TestSuite(vm_cleanup, .init = fx_vm_setup, .fini = fx_vm_teardown);

static int order[8];
static int norder;

static void record(void *opaque)
{
	cr_assert(lt(int, norder, 8));
	order[norder++] = *(int *)opaque;
}

Test(vm_cleanup, run_newest_first_once)
{
	static int tags[] = { 1, 2, 3 };

	norder = 0;
	for (int i = 0; i < 3; i++)
		cr_assert(eq(int, vm_add_cleanup(&fx_vm, record, &tags[i]), 0));
	cr_assert(eq(int, norder, 0), "a cleanup ran at registration");
	vm_destroy(&fx_vm);
	cr_assert(eq(int, norder, 3));
	cr_assert(eq(int, order[0], 3));
	cr_assert(eq(int, order[1], 2));
	cr_assert(eq(int, order[2], 1));
	cr_assert_null(fx_vm.cleanups);
	/* A second vm_destroy finds nothing left to run or close. */
	vm_destroy(&fx_vm);
	cr_assert(eq(int, norder, 3));
}

/* Cleanups see the VM still whole: they run before the buses go. */
static void check_bus(void *opaque)
{
	(void)opaque;
	cr_assert_not_null(fx_vm.bus[BUS_PIO].regions, "bus destroyed before the cleanups");
	order[norder++] = 99;
}

static void nop_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	(void)opaque;
	(void)off;
	(void)data;
	(void)len;
}

static const struct bus_ops nop_ops = { nop_read, NULL };

Test(vm_cleanup, run_before_the_buses_go)
{
	norder = 0;
	cr_assert(eq(int, bus_register(&fx_vm.bus[BUS_PIO], 0x80, 1, &nop_ops, NULL, "nop"), 0));
	cr_assert(eq(int, vm_add_cleanup(&fx_vm, check_bus, NULL), 0));
	vm_destroy(&fx_vm);
	cr_assert(eq(int, norder, 1));
	cr_assert_null(fx_vm.bus[BUS_PIO].regions);
	cr_assert(eq(int, fx_vm.bus[BUS_PIO].count, 0));
}

/* A cleanup may free what it is given (emul_attach hands free itself). */
Test(vm_cleanup, free_as_cleanup)
{
	void *p = malloc(64);

	cr_assert_not_null(p);
	cr_assert(eq(int, vm_add_cleanup(&fx_vm, free, p), 0));
	vm_destroy(&fx_vm);
	cr_assert_null(fx_vm.cleanups);
}

Test(vm_cleanup, destroy_with_no_kvm_closes_only_what_is_open)
{
	int end_fd = fx_vm.end_fd;

	/* Fixture VM: kvm/vm/mem fds are -1, end_fd is an eventfd. */
	cr_assert(ge(int, end_fd, 0));
	fx_vm.gsi_routes = calloc(1, 64);   /* freed by vm_destroy */
	cr_assert_not_null(fx_vm.gsi_routes);
	vm_destroy(&fx_vm);
	cr_assert(eq(int, fx_vm.end_fd, -1));
	cr_assert(eq(int, fx_vm.vm_fd, -1));
	cr_assert(eq(int, fx_vm.kvm_fd, -1));
	cr_assert(eq(int, fx_vm.mem_fd, -1));
	cr_assert_null(fx_vm.gsi_routes);
	cr_assert_null(fx_vm.vcpus);
	cr_assert_null(fx_vm.ram);
	/* The eventfd is really closed. */
	cr_assert(eq(int, fcntl(end_fd, F_GETFD), -1));
	cr_assert(eq(int, errno, EBADF));
}
