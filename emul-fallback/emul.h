/* SPDX-License-Identifier: MIT */
/*
 * emul-fallback: fully emulated devices (every register access traps to the
 * VMM) and, later, paravirtual virtio devices. Each device model registers
 * itself on the VMM core's bus; the core never names them.
 */
#ifndef IOVM_EMUL_H
#define IOVM_EMUL_H

#include <stddef.h>
#include <stdint.h>

#include "vmm.h"

/* 16550A UART. Output goes to out_fd; input is fed with uart_input(). */
struct uart;
#define UART_COM1_PORT 0x3f8
#define UART_COM1_IRQ  4
struct uart *uart_create(struct vm *vm, uint16_t port, unsigned irq, int out_fd);
/* Queues guest-bound bytes; returns how many fitted. */
size_t uart_input(struct uart *u, const uint8_t *buf, size_t n);
size_t uart_input_room(struct uart *u);
/* Bytes the guest has written so far (boot watchdog, benches). */
uint64_t uart_output_bytes(struct uart *u);

/* ACPI PM1a event/control block (poweroff via S5) and the FADT reset register. */
int acpi_pm_create(struct vm *vm);

/* I/O APIC in user space (split irqchip): takes over the VM's legacy
 * interrupt lines. id is its APIC ID (the MADT puts it after the CPUs). */
int ioapic_create(struct vm *vm, uint8_t id);

/* MC146818 CMOS real-time clock at 0x70/0x71, reading host UTC. */
int rtc_create(struct vm *vm);

/* Exit ports: a guest write ends the VM with a status.
 * EXIT_PORT_QEMU_DEBUG: QEMU's isa-debug-exit, status (v << 1) | 1.
 * EXIT_PORT_STATUS: iovm's exec channel, status v (used by --exec). */
enum exit_port_mode { EXIT_PORT_QEMU_DEBUG, EXIT_PORT_STATUS };
#define EXIT_PORT_QEMU_DEBUG_PORT 0xf4
#define EXIT_PORT_STATUS_PORT     0x501
int exit_port_create(struct vm *vm, uint16_t port, enum exit_port_mode mode);

#endif
