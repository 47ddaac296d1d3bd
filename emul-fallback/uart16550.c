/* SPDX-License-Identifier: MIT */
/*
 * 16550A UART: what Linux's 8250 driver and simple test guests need.
 * Transmission is instant, so THR is always empty again after a write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emul.h"
#include "emul_priv.h"

#define RX_SIZE 256

enum { R_DATA, R_IER, R_IIR_FCR, R_LCR, R_MCR, R_LSR, R_MSR, R_SCR };
#define LCR_DLAB    0x80
#define MCR_LOOP    0x10
#define LSR_DR      0x01
#define LSR_THRE    0x20
#define LSR_TEMT    0x40
#define IER_RDI     0x01
#define IER_THRI    0x02
#define IIR_NONE    0x01
#define IIR_THRI    0x02
#define IIR_RDI     0x04
#define IIR_FIFO    0xc0
#define FCR_ENABLE  0x01
#define FCR_CLR_RX  0x02

struct uart {
	struct vm *vm;
	pthread_mutex_t lock;
	unsigned irq;
	int out_fd;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending, irq_level;
	uint8_t rx[RX_SIZE];
	unsigned rx_head, rx_count;
	uint64_t out_bytes;
};

static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((u->ier & IER_RDI) && u->rx_count)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

/* Level-triggered line, changed only on transitions (each is an ioctl). */
static void uart_update_irq(struct uart *u)
{
	bool level = !(uart_iir(u) & IIR_NONE);

	if (level != u->irq_level) {
		u->irq_level = level;
		vm_set_irq_line(u->vm, u->irq, level);
	}
}

static void uart_rx_push(struct uart *u, uint8_t c)
{
	if (u->rx_count < RX_SIZE) {
		u->rx[(u->rx_head + u->rx_count) % RX_SIZE] = c;
		u->rx_count++;
	}
}

static uint8_t uart_rx_pop(struct uart *u)
{
	uint8_t c = 0;

	if (u->rx_count) {
		c = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % RX_SIZE;
		u->rx_count--;
	}
	return c;
}

static void uart_transmit(struct uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		uart_rx_push(u, c);
	} else {
		u->out_bytes++;
		if (u->out_fd >= 0 && write(u->out_fd, &c, 1) < 0)
			u->out_fd = -1; /* console gone: keep the guest running */
	}
	u->thre_pending = true;
}

static uint8_t uart_msr(const struct uart *u)
{
	/* Loopback wires RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
	if (u->mcr & MCR_LOOP)
		return ((u->mcr & 0x2) << 3) | ((u->mcr & 0x1) << 5) |
		       ((u->mcr & 0x4) << 4) | ((u->mcr & 0x8) << 4);
	return 0xb0; /* DCD, DSR, CTS */
}

static uint8_t uart_read_reg(struct uart *u, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case R_DATA:
		return (u->lcr & LCR_DLAB) ? u->dll : uart_rx_pop(u);
	case R_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case R_IIR_FCR:
		v = uart_iir(u);
		if ((v & 0x0f) == IIR_THRI)
			u->thre_pending = false; /* reading IIR acks THRE */
		return v;
	case R_LCR:
		return u->lcr;
	case R_MCR:
		return u->mcr;
	case R_LSR:
		return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
	case R_MSR:
		return uart_msr(u);
	default:
		return u->scr;
	}
}

static void uart_write_reg(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case R_DATA:
		if (u->lcr & LCR_DLAB)
			u->dll = v;
		else
			uart_transmit(u, v);
		break;
	case R_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling THRI with THR empty raises it at once. */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = true;
		u->ier = v & 0x0f;
		break;
	case R_IIR_FCR:
		u->fcr = v & (FCR_ENABLE | 0xc0);
		if (v & FCR_CLR_RX)
			u->rx_count = 0;
		break;
	case R_LCR:
		u->lcr = v;
		break;
	case R_MCR:
		u->mcr = v & 0x1f;
		break;
	case R_SCR:
		u->scr = v;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}

static void uart_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct uart *u = opaque;

	memset(data, 0, len);
	pthread_mutex_lock(&u->lock);
	*(uint8_t *)data = uart_read_reg(u, off);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void uart_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct uart *u = opaque;

	(void)len;
	pthread_mutex_lock(&u->lock);
	uart_write_reg(u, off, *(const uint8_t *)data);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static const struct bus_ops uart_ops = { uart_read, uart_write };

struct uart *uart_create(struct vm *vm, uint16_t port, unsigned irq, int out_fd)
{
	struct uart *u = calloc(1, sizeof(*u));

	if (u) {
		u->vm = vm;
		u->irq = irq;
		u->out_fd = out_fd;
		pthread_mutex_init(&u->lock, NULL);
	}
	return emul_attach(vm, BUS_PIO, port, 8, &uart_ops, u, "uart16550") ? NULL : u;
}

size_t uart_input_room(struct uart *u)
{
	size_t room;

	pthread_mutex_lock(&u->lock);
	room = RX_SIZE - u->rx_count;
	pthread_mutex_unlock(&u->lock);
	return room;
}

size_t uart_input(struct uart *u, const uint8_t *buf, size_t n)
{
	size_t i;

	pthread_mutex_lock(&u->lock);
	for (i = 0; i < n && u->rx_count < RX_SIZE; i++)
		uart_rx_push(u, buf[i]);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return i;
}

uint64_t uart_output_bytes(struct uart *u)
{
	return __atomic_load_n(&u->out_bytes, __ATOMIC_RELAXED);
}
