/* SPDX-License-Identifier: MIT */
/*
 * ACPI fixed hardware: PM1a event block (status/enable) and control block,
 * as the FADT describes them, plus the FADT reset register. Writing
 * SLP_EN with the \_S5 sleep type powers the VM off.
 */
#include <pthread.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "emul_priv.h"

#define PM1_SCI_EN   0x0001
#define PM1_SLP_EN   0x2000
#define PM1_SLP_TYP(v) (((v) >> 10) & 7)
#define S5_SLP_TYP   5      /* matches the DSDT's \_S5 package */
#define RESET_CPU    0x04

struct acpi_pm {
	struct vm *vm;
	pthread_mutex_t lock;
	uint16_t sts, en, cnt;
};

static void pm_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct acpi_pm *pm = opaque;
	uint8_t regs[6];

	pthread_mutex_lock(&pm->lock);
	memcpy(regs, &pm->sts, 2);
	memcpy(regs + 2, &pm->en, 2);
	memcpy(regs + 4, &pm->cnt, 2);
	pthread_mutex_unlock(&pm->lock);
	memset(data, 0, len);
	if (off < sizeof(regs))
		memcpy(data, regs + off, len < sizeof(regs) - off ? len : sizeof(regs) - off);
}

static void pm_write_cnt(struct acpi_pm *pm, uint16_t v)
{
	/* SCI_EN stays set: there is no legacy mode to go back to. */
	pm->cnt = (v & ~PM1_SLP_EN) | PM1_SCI_EN;
	if ((v & PM1_SLP_EN) && PM1_SLP_TYP(v) == S5_SLP_TYP)
		vm_request_end(pm->vm, VM_END_POWEROFF, 0, "guest powered off (ACPI S5)");
}

static void pm_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct acpi_pm *pm = opaque;
	uint32_t v = 0;

	memcpy(&v, data, len > 4 ? 4 : len);
	pthread_mutex_lock(&pm->lock);
	if (off == 0) {
		pm->sts &= ~(uint16_t)v;       /* write 1 to clear */
		if (len == 4)
			pm->en = v >> 16;
	} else if (off == 2) {
		pm->en = v;
	} else if (off == 4) {
		pm_write_cnt(pm, v);
	}
	pthread_mutex_unlock(&pm->lock);
}

static void reset_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct acpi_pm *pm = opaque;

	(void)off;
	(void)len;
	if (*(const uint8_t *)data & RESET_CPU)
		vm_request_end(pm->vm, VM_END_RESET, 1,
			       "guest requested a reset (iovm does not reboot guests)");
}

static const struct bus_ops pm_ops = { pm_read, pm_write };
static const struct bus_ops reset_ops = { NULL, reset_write };

int acpi_pm_create(struct vm *vm)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int ret;

	if (pm) {
		pm->vm = vm;
		pm->cnt = PM1_SCI_EN;
		pthread_mutex_init(&pm->lock, NULL);
	}
	ret = emul_attach(vm, BUS_PIO, LAYOUT_PM_BASE, 6, &pm_ops, pm, "acpi-pm");
	if (ret)
		return ret;
	/* The reset register shares the state, which the PM block owns. */
	ret = bus_register(&vm->bus[BUS_PIO], LAYOUT_RESET_PORT, 1, &reset_ops, pm, "reset");
	if (ret)
		bus_unregister(&vm->bus[BUS_PIO], LAYOUT_PM_BASE);
	return ret;
}
