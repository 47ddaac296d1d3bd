/* SPDX-License-Identifier: MIT */
/*
 * Exit ports: one write from the guest ends the VM with a status. QEMU's
 * isa-debug-exit encoding lets test suites written for QEMU run unchanged;
 * the plain encoding carries `iovm run --exec` exit codes out of the guest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "emul_priv.h"

struct exit_port {
	struct vm *vm;
	enum exit_port_mode mode;
};

static void exit_port_write(void *opaque, uint64_t off, const void *data,
			    unsigned len)
{
	struct exit_port *e = opaque;
	uint32_t v = 0;

	(void)off;
	memcpy(&v, data, len > 4 ? 4 : len);
	if (e->mode == EXIT_PORT_QEMU_DEBUG)
		vm_request_end(e->vm, VM_END_EXIT_CODE, ((v << 1) | 1) & 0xff,
			       "guest wrote 0x%x to the debug-exit port", v);
	else
		vm_request_end(e->vm, VM_END_EXIT_CODE, v & 0xff,
			       "guest command exited with status %u", v & 0xff);
}

static const struct bus_ops exit_port_ops = { NULL, exit_port_write };

int exit_port_create(struct vm *vm, uint16_t port, enum exit_port_mode mode)
{
	struct exit_port *e = calloc(1, sizeof(*e));

	if (e)
		*e = (struct exit_port){ .vm = vm, .mode = mode };
	return emul_attach(vm, BUS_PIO, port, mode == EXIT_PORT_QEMU_DEBUG ? 4 : 1,
			   &exit_port_ops, e,
			   mode == EXIT_PORT_QEMU_DEBUG ? "debug-exit" : "exec-status");
}
