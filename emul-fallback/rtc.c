/* SPDX-License-Identifier: MIT */
/*
 * MC146818 CMOS RTC: index port 0x70, data port 0x71. Time registers read
 * host UTC in BCD; update-in-progress is never set, so a guest polling UIP
 * never spins.
 */
#include <pthread.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emul.h"
#include "emul_priv.h"

#define RTC_REG_A   0x0a
#define RTC_REG_B   0x0b
#define RTC_REG_C   0x0c
#define RTC_REG_D   0x0d
#define RTC_CENTURY 0x32

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t cmos[128];
};

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t rtc_time_reg(unsigned reg)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (reg) {
	case 0x00: return bcd(tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return bcd(tm.tm_wday + 1);
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	default:   return bcd((tm.tm_year + 1900) / 100);
	}
}

static uint8_t rtc_reg(struct rtc *r, unsigned reg)
{
	switch (reg) {
	case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08:
	case 0x09: case RTC_CENTURY:
		return rtc_time_reg(reg);
	case RTC_REG_A:
		return 0x26;               /* 32.768 kHz, 1024 Hz, UIP clear */
	case RTC_REG_B:
		return 0x02;               /* 24-hour, BCD, no interrupts */
	case RTC_REG_C:
		return 0;
	case RTC_REG_D:
		return 0x80;               /* battery good */
	default:
		return r->cmos[reg & 0x7f];
	}
}

static void rtc_read(void *opaque, uint64_t off, void *data, unsigned len)
{
	struct rtc *r = opaque;

	memset(data, 0xff, len);
	pthread_mutex_lock(&r->lock);
	if (off == 1)
		*(uint8_t *)data = rtc_reg(r, r->index);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_write(void *opaque, uint64_t off, const void *data, unsigned len)
{
	struct rtc *r = opaque;
	uint8_t v = *(const uint8_t *)data;

	(void)len;
	pthread_mutex_lock(&r->lock);
	if (off == 0)
		r->index = v & 0x7f;       /* bit 7 is the NMI mask */
	else if (r->index > RTC_REG_D && r->index != RTC_CENTURY)
		r->cmos[r->index] = v;     /* clock writes are ignored */
	pthread_mutex_unlock(&r->lock);
}

static const struct bus_ops rtc_ops = { rtc_read, rtc_write };

int rtc_create(struct vm *vm)
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (r)
		pthread_mutex_init(&r->lock, NULL);
	return emul_attach(vm, BUS_PIO, 0x70, 2, &rtc_ops, r, "rtc");
}
