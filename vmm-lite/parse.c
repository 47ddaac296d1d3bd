/* SPDX-License-Identifier: MIT */
/* Command-line value parsing, pure so unit tests cover every error. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1024 * 1024; /* plain numbers are MiB, as in QEMU */

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end) {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ULL << 10; break;
		case 'M': mul = 1ULL << 20; break;
		case 'G': mul = 1ULL << 30; break;
		case 'T': mul = 1ULL << 40; break;
		default: return -EINVAL;
		}
		end++;
		if (toupper((unsigned char)*end) == 'B' || toupper((unsigned char)*end) == 'I')
			end += (toupper((unsigned char)end[0]) == 'I' && toupper((unsigned char)end[1]) == 'B') ? 2 : 1;
		if (*end)
			return -EINVAL;
	}
	if (v == 0 || v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "SIZE[,hugepages=on|off]" */
int parse_mem_option(const char *s, uint64_t *size, bool *hugepages)
{
	char buf[64];
	char *comma;
	int ret;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	comma = strchr(buf, ',');
	*hugepages = false;
	if (comma) {
		*comma++ = 0;
		if (!strcmp(comma, "hugepages=on"))
			*hugepages = true;
		else if (strcmp(comma, "hugepages=off"))
			return -EINVAL;
	}
	ret = parse_size(buf, size);
	if (ret)
		return ret;
	/* hugetlbfs files grow in whole huge pages (2 MiB on x86). */
	if (*size % (*hugepages ? 2 * 1024 * 1024 : 4096))
		return -EINVAL;
	return 0;
}
