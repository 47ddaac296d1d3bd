/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "emul_priv.h"

int emul_attach(struct vm *vm, enum bus_space space, uint64_t base, uint64_t len,
		const struct bus_ops *ops, void *state, const char *name)
{
	int ret;

	if (!state)
		return -ENOMEM;
	ret = bus_register(&vm->bus[space], base, len, ops, state, name);
	if (!ret) {
		ret = vm_add_cleanup(vm, free, state);
		if (ret)
			bus_unregister(&vm->bus[space], base);
	}
	if (ret)
		free(state);
	return ret;
}
