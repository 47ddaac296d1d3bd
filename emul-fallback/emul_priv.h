/* SPDX-License-Identifier: MIT */
/* Shared by the device models in this directory only. */
#ifndef IOVM_EMUL_PRIV_H
#define IOVM_EMUL_PRIV_H

#include "vmm.h"

/* Puts a device's state on the bus. On success the VM owns the state and
 * frees it in vm_destroy; on failure it is freed here. */
int emul_attach(struct vm *vm, enum bus_space space, uint64_t base, uint64_t len,
		const struct bus_ops *ops, void *state, const char *name);

#endif
