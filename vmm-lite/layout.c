/* SPDX-License-Identifier: MIT */
/* Guest physical memory layout and the e820 map that describes it. */
#include <errno.h>

#include "vmm.h"

uint64_t layout_low_ram(uint64_t ram_size)
{
	return ram_size < LAYOUT_MMIO32_BASE ? ram_size : LAYOUT_MMIO32_BASE;
}

uint64_t layout_high_ram(uint64_t ram_size)
{
	return ram_size - layout_low_ram(ram_size);
}

static int e820_add(struct e820_range *out, int max, int n, uint64_t addr,
		    uint64_t size, uint32_t type)
{
	if (n < 0 || size == 0)
		return n;
	if (n >= max)
		return -ENOSPC;
	out[n] = (struct e820_range){ .addr = addr, .size = size, .type = type };
	return n + 1;
}

int layout_e820(uint64_t ram_size, struct e820_range *out, int max)
{
	uint64_t low = layout_low_ram(ram_size);
	int n = 0;

	if (low < 2 * LAYOUT_HIGH_MEM)
		return -EINVAL;
	/* Conventional memory up to the EBDA, then the legacy hole whose top
	 * (BIOS area) holds the ACPI tables: reserved so Linux leaves it. */
	n = e820_add(out, max, n, 0, LAYOUT_EBDA, 1);
	n = e820_add(out, max, n, LAYOUT_EBDA, 0xa0000 - LAYOUT_EBDA, 2);
	n = e820_add(out, max, n, LAYOUT_ACPI_BASE, LAYOUT_ACPI_SIZE, 2);
	n = e820_add(out, max, n, LAYOUT_HIGH_MEM, low - LAYOUT_HIGH_MEM, 1);
	/* ECAM must be reserved in e820 or Linux ignores MCFG. */
	n = e820_add(out, max, n, LAYOUT_ECAM_BASE, LAYOUT_ECAM_SIZE, 2);
	n = e820_add(out, max, n, LAYOUT_4G, layout_high_ram(ram_size), 1);
	return n;
}
