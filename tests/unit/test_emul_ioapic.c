/* SPDX-License-Identifier: MIT */
/*
 * emul-fallback/ioapic.c: the user-space I/O APIC of the split irqchip,
 * driven through its MMIO window on a KVM-less struct vm (fixture.c).
 * vm_fd is -1, so the MSIs it fires fail harmlessly; what it programs as
 * GSI routes stays in vm->gsi_routes (the KVM commit fails), which is how
 * the tests see the redirection entry it translated.
 */
#include <errno.h>
#include <string.h>
#include <linux/kvm.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "emul.h"
#include "fixture.h"

#define IOREGSEL  (LAYOUT_IOAPIC_BASE + 0x00)
#define IOWIN     (LAYOUT_IOAPIC_BASE + 0x10)
#define IOEOI     (LAYOUT_IOAPIC_BASE + 0x40)

#define RTE_DELIVS     (1u << 12)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL      (1u << 15)
#define RTE_MASKED     (1u << 16)

#define IOAPIC_ID 4

static void setup(void)
{
	fx_vm_setup();
	fx_vm.cfg.irqchip = IRQCHIP_SPLIT;
	cr_assert(eq(int, ioapic_create(&fx_vm, IOAPIC_ID), 0));
}

TestSuite(ioapic, .init = setup, .fini = fx_vm_teardown);

static uint32_t reg_rd(uint8_t idx)
{
	bool served = false;

	fx_mmio_write(IOREGSEL, 4, idx, &served);
	cr_assert(served, "IOREGSEL not decoded");
	return fx_mmio_read(IOWIN, 4, &served);
}

static void reg_wr(uint8_t idx, uint32_t v)
{
	bool served = false;

	fx_mmio_write(IOREGSEL, 4, idx, &served);
	cr_assert(served, "IOREGSEL not decoded");
	fx_mmio_write(IOWIN, 4, v, &served);
	cr_assert(served, "IOWIN not decoded");
}

static uint32_t rte_lo(unsigned pin) { return reg_rd(0x10 + 2 * pin); }
static uint32_t rte_hi(unsigned pin) { return reg_rd(0x11 + 2 * pin); }
static void set_rte_lo(unsigned pin, uint32_t v) { reg_wr(0x10 + 2 * pin, v); }
static void set_rte_hi(unsigned pin, uint32_t v) { reg_wr(0x11 + 2 * pin, v); }

static void eoi(uint32_t vector)
{
	bool served = false;

	fx_mmio_write(IOEOI, 4, vector, &served);
	cr_assert(served, "EOI register not decoded");
}

static const struct kvm_irq_routing_entry *route(unsigned gsi)
{
	const struct kvm_irq_routing *r = fx_vm.gsi_routes;

	for (unsigned i = 0; r && i < r->nr; i++)
		if (r->entries[i].gsi == gsi && r->entries[i].type == KVM_IRQ_ROUTING_MSI)
			return &r->entries[i];
	return NULL;
}

Test(ioapic, window_is_decoded)
{
	bool served = false;

	fx_mmio_read(LAYOUT_IOAPIC_BASE, 4, &served);
	cr_assert(served);
	fx_mmio_read(LAYOUT_IOAPIC_BASE + 0xfc, 4, &served);
	cr_assert(served);
	fx_mmio_read(LAYOUT_IOAPIC_BASE + 0x100, 4, &served);
	cr_assert_not(served);
}

Test(ioapic, select_register_reads_back)
{
	fx_mmio_write(IOREGSEL, 4, 0x1234, NULL);
	cr_assert(eq(u64, fx_mmio_read(IOREGSEL, 4, NULL), 0x34), "IOREGSEL is 8 bits");
}

Test(ioapic, id_register)
{
	cr_assert(eq(u32, reg_rd(0x00), IOAPIC_ID << 24));
	reg_wr(0x00, 0x0a000000);
	cr_assert(eq(u32, reg_rd(0x00), 0x0a000000));
	/* Only bits 27:24 are the ID. */
	reg_wr(0x00, 0xf5ffffff);
	cr_assert(eq(u32, reg_rd(0x00), 0x05000000));
	/* Arbitration ID follows it. */
	cr_assert(eq(u32, reg_rd(0x02), 0x05000000));
}

Test(ioapic, version_register)
{
	/* 24 entries (max redirection entry 23), version 0x20 (EOI register). */
	cr_assert(eq(u32, reg_rd(0x01), 0x00170020));
	reg_wr(0x01, 0);
	cr_assert(eq(u32, reg_rd(0x01), 0x00170020), "version is read-only");
}

Test(ioapic, entries_start_masked)
{
	for (unsigned pin = 0; pin < 24; pin++) {
		cr_assert(eq(u32, rte_lo(pin), RTE_MASKED), "pin %u", pin);
		cr_assert(eq(u32, rte_hi(pin), 0), "pin %u", pin);
	}
	/* Past the last entry. */
	cr_assert(eq(u32, reg_rd(0x10 + 2 * 24), 0xffffffffu));
}

Test(ioapic, entry_round_trip)
{
	/* vector 0x31, lowest priority, logical, level, active low, masked. */
	uint32_t lo = 0x31 | 1u << 8 | 1u << 11 | 1u << 13 | RTE_LEVEL | RTE_MASKED;

	set_rte_lo(5, lo);
	set_rte_hi(5, 0xab000000);
	cr_assert(eq(u32, rte_lo(5), lo));
	cr_assert(eq(u32, rte_hi(5), 0xab000000));
	/* The halves are independent, neighbours untouched. */
	set_rte_hi(5, 0x03000000);
	cr_assert(eq(u32, rte_lo(5), lo));
	cr_assert(eq(u32, rte_lo(4), RTE_MASKED));
	cr_assert(eq(u32, rte_lo(6), RTE_MASKED));
	set_rte_lo(23, 0x40);
	cr_assert(eq(u32, rte_lo(23), 0x40));
}

Test(ioapic, delivery_status_and_remote_irr_are_read_only)
{
	set_rte_lo(3, 0x41 | RTE_DELIVS | RTE_REMOTE_IRR | RTE_MASKED);
	cr_assert(eq(u32, rte_lo(3), 0x41 | RTE_MASKED));
	set_rte_lo(3, 0xffffffffu);
	cr_assert(eq(u32, rte_lo(3) & (RTE_DELIVS | RTE_REMOTE_IRR), 0));
}

Test(ioapic, takes_over_the_legacy_lines)
{
	cr_assert_not_null(fx_vm.irqchip_ops);
	cr_assert_not_null(fx_vm.irqchip_ops->set_line);
	cr_assert_not_null(fx_vm.irqchip_ops->eoi);
	/* Lines past the last pin are refused by the I/O APIC (KVM would
	 * have been asked otherwise, failing with EBADF on vm_fd -1). */
	cr_assert(eq(int, vm_set_irq_line(&fx_vm, 24, true), -EINVAL));
	cr_assert(eq(int, vm_set_irq_line(&fx_vm, 10, true), 0));
}

Test(ioapic, unmasked_entry_becomes_a_gsi_route)
{
	const struct kvm_irq_routing_entry *e;

	cr_assert_null(route(9));
	/* dest 3, logical, lowest priority, level, vector 0x39 */
	set_rte_hi(9, 0x03000000);
	set_rte_lo(9, 0x39 | 1u << 8 | 1u << 11 | RTE_LEVEL);
	e = route(9);
	cr_assert_not_null(e, "unmasked pin 9 has no GSI route");
	cr_assert(eq(u32, e->u.msi.address_lo, 0xfee03004u));
	cr_assert(eq(u32, e->u.msi.address_hi, 0));
	cr_assert(eq(u32, e->u.msi.data, 0x8139));
	/* Masking drops it. */
	set_rte_lo(9, 0x39 | RTE_MASKED);
	cr_assert_null(route(9));
}

/* ---- level-triggered pins: Remote IRR and EOI ---- */

#define LVL_VEC 0x52

static void level_pin(unsigned pin, bool masked)
{
	set_rte_hi(pin, 0);
	set_rte_lo(pin, LVL_VEC | RTE_LEVEL | (masked ? RTE_MASKED : 0));
}

Test(ioapic, asserted_level_pin_sets_remote_irr)
{
	level_pin(11, false);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, 0));
	cr_assert(eq(int, vm_set_irq_line(&fx_vm, 11, true), 0));
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, RTE_REMOTE_IRR));
	/* Deasserting does not clear it: only an EOI does. */
	vm_set_irq_line(&fx_vm, 11, false);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, RTE_REMOTE_IRR));
}

Test(ioapic, eoi_with_line_deasserted_clears_remote_irr)
{
	level_pin(11, false);
	vm_set_irq_line(&fx_vm, 11, true);
	vm_set_irq_line(&fx_vm, 11, false);
	eoi(LVL_VEC);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, 0));
	/* Stays clear. */
	eoi(LVL_VEC);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, 0));
}

Test(ioapic, eoi_with_line_still_asserted_fires_again)
{
	level_pin(11, false);
	vm_set_irq_line(&fx_vm, 11, true);
	/* The EOI clears Remote IRR, the pin is still asserted, so it is
	 * delivered again at once and Remote IRR is set again. */
	eoi(LVL_VEC);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, RTE_REMOTE_IRR));
	vm_set_irq_line(&fx_vm, 11, false);
	eoi(LVL_VEC);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, 0));
}

Test(ioapic, eoi_of_another_vector_does_nothing)
{
	level_pin(11, false);
	vm_set_irq_line(&fx_vm, 11, true);
	vm_set_irq_line(&fx_vm, 11, false);
	eoi(LVL_VEC + 1);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, RTE_REMOTE_IRR));
	/* Only the low 8 bits of the EOI register are the vector. */
	eoi(0x100 | LVL_VEC);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, 0));
}

Test(ioapic, kvm_eoi_exit_clears_remote_irr)
{
	/* KVM_EXIT_IOAPIC_EOI reaches the I/O APIC through irqchip_ops->eoi. */
	level_pin(7, false);
	vm_set_irq_line(&fx_vm, 7, true);
	vm_set_irq_line(&fx_vm, 7, false);
	cr_assert_not_null(fx_vm.irqchip_ops);
	fx_vm.irqchip_ops->eoi(fx_vm.irqchip_opaque, LVL_VEC);
	cr_assert(eq(u32, rte_lo(7) & RTE_REMOTE_IRR, 0));
}

Test(ioapic, eoi_serves_every_pin_with_the_vector)
{
	level_pin(2, false);
	level_pin(12, false);
	vm_set_irq_line(&fx_vm, 2, true);
	vm_set_irq_line(&fx_vm, 12, true);
	vm_set_irq_line(&fx_vm, 2, false);
	cr_assert(eq(u32, rte_lo(2) & RTE_REMOTE_IRR, RTE_REMOTE_IRR));
	cr_assert(eq(u32, rte_lo(12) & RTE_REMOTE_IRR, RTE_REMOTE_IRR));
	eoi(LVL_VEC);
	cr_assert(eq(u32, rte_lo(2) & RTE_REMOTE_IRR, 0));
	cr_assert(eq(u32, rte_lo(12) & RTE_REMOTE_IRR, RTE_REMOTE_IRR), "pin 12 still asserted");
}

Test(ioapic, masked_level_pin_fires_when_unmasked)
{
	level_pin(11, true);
	vm_set_irq_line(&fx_vm, 11, true);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, 0), "masked pin delivered");
	set_rte_lo(11, LVL_VEC | RTE_LEVEL);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, RTE_REMOTE_IRR),
		  "unmasking an asserted level pin did not deliver");
	/* Remote IRR survives rewriting the entry (it is read-only). */
	set_rte_lo(11, LVL_VEC | RTE_LEVEL);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, RTE_REMOTE_IRR));
}

Test(ioapic, unmasking_a_deasserted_level_pin_does_not_fire)
{
	level_pin(11, true);
	vm_set_irq_line(&fx_vm, 11, true);
	vm_set_irq_line(&fx_vm, 11, false);
	set_rte_lo(11, LVL_VEC | RTE_LEVEL);
	cr_assert(eq(u32, rte_lo(11) & RTE_REMOTE_IRR, 0));
}

Test(ioapic, edge_pin_never_sets_remote_irr)
{
	set_rte_lo(4, 0x44);                      /* edge, unmasked */
	vm_set_irq_line(&fx_vm, 4, true);
	vm_set_irq_line(&fx_vm, 4, false);
	vm_set_irq_line(&fx_vm, 4, true);
	cr_assert(eq(u32, rte_lo(4), 0x44));
	eoi(0x44);
	cr_assert(eq(u32, rte_lo(4), 0x44));
}
