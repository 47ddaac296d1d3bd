/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "vmm.h"

static bool log_quiet;

void vmm_log_set_quiet(bool quiet)
{
	log_quiet = quiet;
}

void vmm_log(const char *fmt, ...)
{
	va_list ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	fputs("iovm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
