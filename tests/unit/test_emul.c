/* SPDX-License-Identifier: MIT */
/*
 * emul-fallback device models, driven through the PIO bus of a KVM-less
 * struct vm (fixture.c) the way vCPU exits drive them: 16550A UART, CMOS
 * RTC, ACPI PM1/reset, exit ports.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "emul.h"
#include "fixture.h"

/* ---- 16550A UART ---- */

#define COM1 UART_COM1_PORT
enum { THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

static struct uart *uart;
static int out_pipe[2] = { -1, -1 };

static void uart_setup(void)
{
	fx_vm_setup();
	fx_vm_record_irqs();
	cr_assert(eq(int, pipe2(out_pipe, O_NONBLOCK | O_CLOEXEC), 0));
	uart = uart_create(&fx_vm, COM1, UART_COM1_IRQ, out_pipe[1]);
	cr_assert_not_null(uart);
}

static void uart_teardown(void)
{
	close(out_pipe[0]);
	close(out_pipe[1]);
	fx_vm_teardown();
}

static uint8_t rd(unsigned reg)
{
	bool served = false;
	uint32_t v = fx_pio_read(COM1 + reg, 1, &served);

	cr_assert(served, "UART register %u not decoded", reg);
	return v;
}

static void wr(unsigned reg, uint8_t v)
{
	bool served = false;

	fx_pio_write(COM1 + reg, 1, v, &served);
	cr_assert(served, "UART register %u not decoded", reg);
}

/* What the UART wrote to its output fd so far. */
static size_t drain_output(char *buf, size_t cap)
{
	ssize_t n = read(out_pipe[0], buf, cap);

	if (n < 0) {
		cr_assert(eq(int, errno, EAGAIN));
		return 0;
	}
	return n;
}

TestSuite(uart, .init = uart_setup, .fini = uart_teardown);

Test(uart, thr_writes_reach_out_fd)
{
	char out[16];

	wr(THR, 'o');
	wr(THR, 'k');
	wr(THR, '\n');
	cr_assert(eq(sz, drain_output(out, sizeof(out)), 3));
	cr_assert(eq(int, memcmp(out, "ok\n", 3), 0));
	cr_assert(eq(u64, uart_output_bytes(uart), 3));
}

Test(uart, lsr_transmitter_always_empty)
{
	cr_assert(eq(u8, rd(LSR), 0x60)); /* THRE | TEMT, no data */
	wr(THR, 'x');
	cr_assert(eq(u8, rd(LSR), 0x60));
	/* LSR is read-only. */
	wr(LSR, 0x00);
	cr_assert(eq(u8, rd(LSR), 0x60));
}

Test(uart, scratch_register_round_trips)
{
	wr(SCR, 0xa5);
	cr_assert(eq(u8, rd(SCR), 0xa5));
	wr(SCR, 0x5a);
	cr_assert(eq(u8, rd(SCR), 0x5a));
}

Test(uart, dlab_switches_divisor_latch)
{
	char out[4];

	wr(IER, 0x05);
	wr(LCR, 0x83);
	cr_assert(eq(u8, rd(LCR), 0x83));
	wr(THR, 0x01); /* DLL, 115200 baud */
	wr(IER, 0x02); /* DLM */
	cr_assert(eq(u8, rd(THR), 0x01));
	cr_assert(eq(u8, rd(IER), 0x02));
	/* The divisor write was not transmitted. */
	cr_assert(eq(sz, drain_output(out, sizeof(out)), 0));
	cr_assert(eq(u64, uart_output_bytes(uart), 0));

	wr(LCR, 0x03);
	cr_assert(eq(u8, rd(IER), 0x05), "IER lost under DLAB");
	wr(THR, 'a');
	cr_assert(eq(sz, drain_output(out, sizeof(out)), 1));
	cr_assert(eq(u8, out[0], 'a'));
	/* And the latch kept its value. */
	wr(LCR, 0x80);
	cr_assert(eq(u8, rd(THR), 0x01));
	cr_assert(eq(u8, rd(IER), 0x02));
}

Test(uart, loopback_mode)
{
	char out[4];

	wr(MCR, 0x1a); /* LOOP | OUT2 | RTS, as Linux's 8250 probe does */
	cr_assert(eq(u8, rd(MSR) & 0xf0, 0x90));
	wr(MCR, 0x1f);
	cr_assert(eq(u8, rd(MSR) & 0xf0, 0xf0));
	wr(MCR, 0x10);
	cr_assert(eq(u8, rd(MSR) & 0xf0, 0x00));
	/* Transmitted bytes come back as received data, not on the fd. */
	wr(THR, 'L');
	cr_assert(eq(u8, rd(LSR) & 1, 1));
	cr_assert(eq(u8, rd(THR), 'L'));
	cr_assert(eq(sz, drain_output(out, sizeof(out)), 0));
	/* Loopback off: modem lines report DCD, DSR, CTS. */
	wr(MCR, 0x0b);
	cr_assert(eq(u8, rd(MSR) & 0xf0, 0xb0));
}

Test(uart, thre_interrupt_with_fifo)
{
	cr_assert(eq(u8, rd(IIR), 0x01)); /* no interrupt, FIFO off */
	wr(FCR, 0x01);
	cr_assert(eq(u8, rd(IIR), 0xc1));
	wr(IER, 0x02);
	cr_assert(eq(u8, rd(IIR), 0xc2));
	/* Reading IIR acknowledges THRE. */
	cr_assert(eq(u8, rd(IIR), 0xc1));
	/* A transmitted byte raises it again. */
	wr(THR, 'z');
	cr_assert(eq(u8, rd(IIR), 0xc2));
	cr_assert(eq(u8, rd(IIR), 0xc1));
	/* FIFO off again. */
	wr(FCR, 0x00);
	wr(THR, 'z');
	cr_assert(eq(u8, rd(IIR), 0x02));
}

Test(uart, thre_not_raised_when_disabled)
{
	wr(THR, 'a');
	cr_assert(eq(u8, rd(IIR), 0x01));
}

Test(uart, input_is_received_in_order)
{
	const uint8_t in[] = "hello";

	cr_assert(eq(sz, uart_input_room(uart), 256));
	cr_assert(eq(u8, rd(LSR) & 0x01, 0));
	cr_assert(eq(sz, uart_input(uart, in, 5), 5));
	cr_assert(eq(sz, uart_input_room(uart), 251));
	cr_assert(eq(u8, rd(LSR), 0x61));
	/* Interrupt only when enabled. */
	cr_assert(eq(u8, rd(IIR), 0x01));
	wr(FCR, 0x01);
	wr(IER, 0x01);
	cr_assert(eq(u8, rd(IIR), 0xc4));
	for (int i = 0; i < 5; i++)
		cr_assert(eq(u8, rd(THR), in[i]), "byte %d", i);
	cr_assert(eq(u8, rd(LSR), 0x60));
	cr_assert(eq(u8, rd(IIR), 0xc1));
	cr_assert(eq(sz, uart_input_room(uart), 256));
}

Test(uart, rdi_has_priority_over_thri)
{
	const uint8_t c = 'q';

	wr(IER, 0x03);
	uart_input(uart, &c, 1);
	cr_assert(eq(u8, rd(IIR), 0x04));
	cr_assert(eq(u8, rd(IIR), 0x04), "reading IIR dropped RDI");
	cr_assert(eq(u8, rd(THR), 'q'));
	/* THRE was pending behind it all along. */
	cr_assert(eq(u8, rd(IIR), 0x02));
	cr_assert(eq(u8, rd(IIR), 0x01));
}

Test(uart, input_fills_up)
{
	uint8_t in[300];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	cr_assert(eq(sz, uart_input(uart, in, sizeof(in)), 256));
	cr_assert(eq(sz, uart_input_room(uart), 0));
	cr_assert(eq(sz, uart_input(uart, in, 1), 0));
	cr_assert(eq(u8, rd(THR), 0));
	cr_assert(eq(sz, uart_input_room(uart), 1));
	cr_assert(eq(sz, uart_input(uart, in + 7, 1), 1));
	for (int i = 1; i < 256; i++)
		cr_assert(eq(u8, rd(THR), (uint8_t)i));
	cr_assert(eq(u8, rd(THR), 7));
	cr_assert(eq(u8, rd(LSR) & 1, 0));
	/* Empty: reads 0. */
	cr_assert(eq(u8, rd(THR), 0));
}

Test(uart, fcr_clears_receive_fifo)
{
	const uint8_t in[] = "abc";

	uart_input(uart, in, 3);
	wr(FCR, 0x03);
	cr_assert(eq(u8, rd(LSR) & 1, 0));
	cr_assert(eq(sz, uart_input_room(uart), 256));
	uart_input(uart, in + 2, 1);
	cr_assert(eq(u8, rd(THR), 'c'));
}

Test(uart, output_bytes_counter)
{
	char out[64];

	for (int i = 0; i < 40; i++)
		wr(THR, 'a' + i % 26);
	cr_assert(eq(u64, uart_output_bytes(uart), 40));
	cr_assert(eq(sz, drain_output(out, sizeof(out)), 40));
	/* Bytes looped back are not output. */
	wr(MCR, 0x10);
	wr(THR, 'x');
	cr_assert(eq(u64, uart_output_bytes(uart), 40));
}

Test(uart, closed_console_does_not_stop_the_guest)
{
	/* As iovm would see it with SIGPIPE ignored: write() fails with EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	close(out_pipe[0]);
	out_pipe[0] = -1;
	wr(THR, 'a');
	wr(THR, 'b');
	cr_assert(eq(u8, rd(LSR), 0x60));
	cr_assert(eq(u64, uart_output_bytes(uart), 2));
}

Test(uart, irq_line_follows_iir)
{
	const uint8_t c = 'i';

	cr_assert_not(fx_irq_level[UART_COM1_IRQ]);
	wr(IER, 0x02);
	cr_assert(fx_irq_level[UART_COM1_IRQ], "THRI enabled, line low");
	rd(IIR);
	cr_assert_not(fx_irq_level[UART_COM1_IRQ], "THRE acknowledged, line high");
	wr(IER, 0x01);
	uart_input(uart, &c, 1);
	cr_assert(fx_irq_level[UART_COM1_IRQ], "data received, line low");
	cr_assert(eq(u8, rd(THR), 'i'));
	cr_assert_not(fx_irq_level[UART_COM1_IRQ]);
	/* Only transitions reach the irqchip. */
	cr_assert(eq(int, fx_irq_edges[UART_COM1_IRQ], 4));
	for (int i = 0; i < FX_IRQ_LINES; i++)
		if (i != UART_COM1_IRQ)
			cr_assert(eq(int, fx_irq_edges[i], 0), "line %d touched", i);
}

/* ---- CMOS RTC ---- */

static uint8_t cmos(uint8_t index)
{
	fx_pio_write(0x70, 1, index, NULL);
	return fx_pio_read(0x71, 1, NULL);
}

static bool is_bcd(uint8_t v, unsigned max)
{
	return (v & 0x0f) <= 9 && (v >> 4) <= 9 && (unsigned)((v >> 4) * 10 + (v & 0x0f)) <= max;
}

TestSuite(rtc, .init = fx_vm_setup, .fini = fx_vm_teardown);

Test(rtc, status_registers)
{
	cr_assert(eq(int, rtc_create(&fx_vm), 0));
	cr_assert(eq(u8, cmos(0x0a) & 0x80, 0), "UIP set");
	cr_assert(eq(u8, cmos(0x0b) & 0x06, 0x02), "not 24-hour BCD");
	cr_assert(eq(u8, cmos(0x0d), 0x80));
	/* NMI-mask bit in the index is ignored. */
	cr_assert(eq(u8, cmos(0x8d), 0x80));
}

Test(rtc, time_is_bcd)
{
	uint8_t sec, min, hour, day, mon, year, cent;

	cr_assert(eq(int, rtc_create(&fx_vm), 0));
	sec = cmos(0x00);
	min = cmos(0x02);
	hour = cmos(0x04);
	day = cmos(0x07);
	mon = cmos(0x08);
	year = cmos(0x09);
	cent = cmos(0x32);
	cr_assert(is_bcd(sec, 60), "seconds 0x%02x", sec);
	cr_assert(is_bcd(min, 59), "minutes 0x%02x", min);
	cr_assert(is_bcd(hour, 23), "hours 0x%02x", hour);
	cr_assert(is_bcd(day, 31) && day != 0, "day 0x%02x", day);
	cr_assert(is_bcd(mon, 12) && mon != 0, "month 0x%02x", mon);
	cr_assert(is_bcd(year, 99), "year 0x%02x", year);
	cr_assert(eq(u8, cent, 0x20));
}

Test(rtc, cmos_ram_round_trip)
{
	cr_assert(eq(int, rtc_create(&fx_vm), 0));
	fx_pio_write(0x70, 1, 0x40, NULL);
	fx_pio_write(0x71, 1, 0x5c, NULL);
	fx_pio_write(0x70, 1, 0x7f, NULL);
	fx_pio_write(0x71, 1, 0xa3, NULL);
	cr_assert(eq(u8, cmos(0x40), 0x5c));
	cr_assert(eq(u8, cmos(0x7f), 0xa3));
	/* Clock and status registers ignore writes. */
	fx_pio_write(0x70, 1, 0x0d, NULL);
	fx_pio_write(0x71, 1, 0x00, NULL);
	cr_assert(eq(u8, cmos(0x0d), 0x80));
	/* Reading the index port gives nothing useful. */
	cr_assert(eq(u32, fx_pio_read(0x70, 1, NULL), 0xff));
}

/* ---- ACPI PM1 and reset ---- */

TestSuite(acpi_pm, .init = fx_vm_setup, .fini = fx_vm_teardown);

#define PM1_CNT (LAYOUT_PM_BASE + 4)

Test(acpi_pm, s5_powers_off)
{
	cr_assert(eq(int, acpi_pm_create(&fx_vm), 0));
	fx_pio_write(PM1_CNT, 2, 0x3400, NULL); /* SLP_TYP 5 | SLP_EN */
	cr_assert(vm_ended(&fx_vm));
	cr_assert(eq(int, fx_vm.end, VM_END_POWEROFF));
	cr_assert(eq(int, vm_exit_status(&fx_vm), 0));
	cr_assert(eq(u64, fx_vm_end_signals(), 1));
}

Test(acpi_pm, sci_en_always_reads_1)
{
	cr_assert(eq(int, acpi_pm_create(&fx_vm), 0));
	cr_assert(eq(u32, fx_pio_read(PM1_CNT, 2, NULL) & 1, 1));
	fx_pio_write(PM1_CNT, 2, 0x0000, NULL);
	cr_assert(eq(u32, fx_pio_read(PM1_CNT, 2, NULL), 0x0001));
	/* SLP_EN reads back as 0. */
	fx_pio_write(PM1_CNT, 2, 0x2000, NULL);
	cr_assert(eq(u32, fx_pio_read(PM1_CNT, 2, NULL) & 0x2000, 0));
}

Test(acpi_pm, other_sleep_states_do_not_end)
{
	cr_assert(eq(int, acpi_pm_create(&fx_vm), 0));
	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ == 5)
			continue;
		fx_pio_write(PM1_CNT, 2, 0x2000 | typ << 10, NULL);
	}
	/* S5 type without SLP_EN. */
	fx_pio_write(PM1_CNT, 2, 0x1400, NULL);
	cr_assert_not(vm_ended(&fx_vm));
	cr_assert(eq(u64, fx_vm_end_signals(), 0));
}

Test(acpi_pm, event_block)
{
	cr_assert(eq(int, acpi_pm_create(&fx_vm), 0));
	/* PM1_EN is read/write; PM1_STS is write-1-to-clear (nothing set). */
	fx_pio_write(LAYOUT_PM_BASE + 2, 2, 0x0120, NULL);
	cr_assert(eq(u32, fx_pio_read(LAYOUT_PM_BASE, 4, NULL), 0x01200000));
	fx_pio_write(LAYOUT_PM_BASE, 4, 0x0000ffff, NULL);
	cr_assert(eq(u32, fx_pio_read(LAYOUT_PM_BASE, 4, NULL), 0x00000000));
}

Test(acpi_pm, reset_register)
{
	cr_assert(eq(int, acpi_pm_create(&fx_vm), 0));
	fx_pio_write(LAYOUT_RESET_PORT, 1, 0x02, NULL); /* no CPU reset bit */
	cr_assert_not(vm_ended(&fx_vm));
	fx_pio_write(LAYOUT_RESET_PORT, 1, 0x06, NULL);
	cr_assert(vm_ended(&fx_vm));
	cr_assert(eq(int, fx_vm.end, VM_END_RESET));
	cr_assert(eq(int, vm_exit_status(&fx_vm), 1));
	cr_assert(eq(u64, fx_vm_end_signals(), 1));
}

/* ---- exit ports ---- */

TestSuite(exit_port, .init = fx_vm_setup, .fini = fx_vm_teardown);

Test(exit_port, qemu_debug_exit)
{
	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_QEMU_DEBUG_PORT,
					   EXIT_PORT_QEMU_DEBUG), 0));
	fx_pio_write(EXIT_PORT_QEMU_DEBUG_PORT, 1, 0x10, NULL);
	cr_assert(eq(int, fx_vm.end, VM_END_EXIT_CODE));
	cr_assert(eq(int, fx_vm.exit_code, 33));
	cr_assert(eq(int, vm_exit_status(&fx_vm), 33));
	cr_assert(eq(u64, fx_vm_end_signals(), 1));
}

Test(exit_port, qemu_debug_exit_dword)
{
	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_QEMU_DEBUG_PORT,
					   EXIT_PORT_QEMU_DEBUG), 0));
	fx_pio_write(EXIT_PORT_QEMU_DEBUG_PORT, 4, 0, NULL);
	cr_assert(eq(int, vm_exit_status(&fx_vm), 1));
}

Test(exit_port, status_exit)
{
	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_STATUS_PORT,
					   EXIT_PORT_STATUS), 0));
	fx_pio_write(EXIT_PORT_STATUS_PORT, 1, 3, NULL);
	cr_assert(eq(int, fx_vm.end, VM_END_EXIT_CODE));
	cr_assert(eq(int, fx_vm.exit_code, 3));
	cr_assert(eq(int, vm_exit_status(&fx_vm), 3));
	cr_assert_not_null(strstr(fx_vm.end_reason, "status 3"), "%s", fx_vm.end_reason);
}

Test(exit_port, first_end_wins)
{
	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_STATUS_PORT,
					   EXIT_PORT_STATUS), 0));
	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_QEMU_DEBUG_PORT,
					   EXIT_PORT_QEMU_DEBUG), 0));
	cr_assert(eq(int, acpi_pm_create(&fx_vm), 0));
	fx_pio_write(EXIT_PORT_STATUS_PORT, 1, 3, NULL);
	fx_pio_write(EXIT_PORT_QEMU_DEBUG_PORT, 1, 0x10, NULL);
	fx_pio_write(EXIT_PORT_STATUS_PORT, 1, 7, NULL);
	fx_pio_write(PM1_CNT, 2, 0x3400, NULL);
	cr_assert(eq(int, fx_vm.end, VM_END_EXIT_CODE));
	cr_assert(eq(int, vm_exit_status(&fx_vm), 3));
	cr_assert(eq(u64, fx_vm_end_signals(), 1), "end signalled more than once");
}

Test(exit_port, status_port_is_one_byte_wide)
{
	bool served = true;

	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_STATUS_PORT,
					   EXIT_PORT_STATUS), 0));
	fx_pio_write(EXIT_PORT_STATUS_PORT + 1, 1, 9, &served);
	cr_assert_not(served);
	cr_assert_not(vm_ended(&fx_vm));
}

/* ---- creation errors ---- */

/*
 * A device whose ports are taken fails with -EBUSY and must not leak its
 * state. Leaks are only visible with LeakSanitizer: under ASan the test
 * runs a leak check, elsewhere it checks the return values only.
 */
static void check_no_leaks(const char *what)
{
#ifdef __SANITIZE_ADDRESS__
	cr_assert(eq(int, __lsan_do_recoverable_leak_check(), 0),
		  "%s leaked its state after failing", what);
#else
	(void)what;
#endif
}

TestSuite(create_errors, .init = fx_vm_setup, .fini = fx_vm_teardown);

Test(create_errors, exit_port_busy)
{
	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_STATUS_PORT,
					   EXIT_PORT_STATUS), 0));
	cr_assert(eq(int, exit_port_create(&fx_vm, EXIT_PORT_STATUS_PORT,
					   EXIT_PORT_STATUS), -EBUSY));
	check_no_leaks("exit_port_create");
}

Test(create_errors, rtc_busy)
{
	cr_assert(eq(int, rtc_create(&fx_vm), 0));
	cr_assert(eq(int, rtc_create(&fx_vm), -EBUSY));
	check_no_leaks("rtc_create");
}

Test(create_errors, acpi_pm_busy)
{
	cr_assert(eq(int, acpi_pm_create(&fx_vm), 0));
	cr_assert(eq(int, acpi_pm_create(&fx_vm), -EBUSY));
	check_no_leaks("acpi_pm_create");
}

Test(create_errors, uart_busy)
{
	cr_assert_not_null(uart_create(&fx_vm, COM1, UART_COM1_IRQ, -1));
	cr_assert_null(uart_create(&fx_vm, COM1, UART_COM1_IRQ, -1));
	check_no_leaks("uart_create");
}
