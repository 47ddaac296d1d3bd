/* SPDX-License-Identifier: MIT */
/*
 * A newc cpio archive with one file. Linux unpacks every cpio archive
 * concatenated in the initrd, so `iovm run --exec` appends one holding the
 * command to the default guest image instead of rebuilding it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm.h"

static size_t cpio_header(char *out, size_t cap, const char *name, size_t len,
			  unsigned mode, unsigned nlink)
{
	/* magic ino mode uid gid nlink mtime filesize devmaj devmin rdevmaj
	 * rdevmin namesize check, each 8 hex digits */
	return snprintf(out, cap, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		       1u, mode, 0u, 0u, nlink, 0u, len, 0u, 0u, 0u, 0u,
		       strlen(name) + 1, 0u);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static ssize_t cpio_entry(char *buf, size_t cap, size_t at, const char *name,
			  const void *data, size_t len, unsigned mode)
{
	char hdr[128];
	size_t hlen = cpio_header(hdr, sizeof(hdr), name, len, mode, 1);
	size_t name_end = pad4(at + hlen + strlen(name) + 1);
	size_t end = pad4(name_end + len);

	if (end > cap)
		return -ENOSPC;
	memset(buf + at, 0, end - at);
	memcpy(buf + at, hdr, hlen);
	memcpy(buf + at + hlen, name, strlen(name));
	if (len)
		memcpy(buf + name_end, data, len);
	return end;
}

ssize_t cpio_one_file(void *buf, size_t cap, const char *name,
		      const void *data, size_t len, unsigned mode)
{
	ssize_t at;

	if (!name || !*name || strlen(name) > 255)
		return -EINVAL;
	at = cpio_entry(buf, cap, 0, name, data, len, 0100000 | (mode & 07777));
	if (at < 0)
		return at;
	return cpio_entry(buf, cap, at, "TRAILER!!!", NULL, 0, 0);
}
