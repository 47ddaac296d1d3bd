/* SPDX-License-Identifier: MIT */
/*
 * sriov/vfs.c: sriov_set_numvfs on the recorded tree (fixture_sriov.h).
 * A regular file keeps only the bytes of the last write, so the order of
 * writes is checked on a FIFO served by a thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "fixture_sriov.h"
#include "sriov.h"

#define assert_has(s, sub) cr_assert(strstr((s), (sub)) != NULL, "'%s' lacks '%s'", (s), (sub))

#define NUMVFS "sys/devices/pci0000:00/" FXS_PF "/sriov_numvfs"
#define AUTOPROBE "sys/devices/pci0000:00/" FXS_PF "/sriov_drivers_autoprobe"

static char err[512];

TestSuite(sriov_numvfs, .init = fxs_setup, .fini = fxs_teardown);

static void assert_untouched(void)
{
	char buf[32];

	fxs_read(NUMVFS, buf, sizeof(buf));
	cr_assert(eq(str, buf, "2\n"));
	fxs_read(AUTOPROBE, buf, sizeof(buf));
	cr_assert(eq(str, buf, "1\n"));
	cr_assert(eq(i64, (int64_t)fxs_mtime(NUMVFS), 0), "sriov_numvfs was written");
	cr_assert(eq(i64, (int64_t)fxs_mtime(AUTOPROBE), 0), "sriov_drivers_autoprobe was written");
}

static void age_attrs(void)
{
	fxs_age(NUMVFS);
	fxs_age(AUTOPROBE);
}

Test(sriov_numvfs, bad_address)
{
	age_attrs();
	cr_assert(eq(int, sriov_set_numvfs("3b:00.0", 1, err, sizeof(err)), -EINVAL));
	cr_assert(eq(str, err, "'3b:00.0' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it"));
	assert_untouched();
}

Test(sriov_numvfs, not_a_pf)
{
	cr_assert(eq(int, sriov_set_numvfs(FXS_VF0, 1, err, sizeof(err)), -ENODEV));
	assert_has(err, FXS_VF0);
	assert_has(err, "not an SR-IOV physical function");
	assert_has(err, "sriov_totalvfs");
}

Test(sriov_numvfs, no_such_device)
{
	cr_assert(eq(int, sriov_set_numvfs("0000:3c:00.0", 1, err, sizeof(err)), -ENODEV));
	assert_has(err, "0000:3c:00.0: no such device");
}

Test(sriov_numvfs, unreadable_state)
{
	fxs_attr(FXS_PF, "sriov_numvfs", "gone\n");
	cr_assert(eq(int, sriov_set_numvfs(FXS_PF, 1, err, sizeof(err)), -EIO));
	cr_assert(eq(str, err, FXS_PF ": cannot read its SR-IOV state"));
}

Test(sriov_numvfs, more_than_total)
{
	age_attrs();
	cr_assert(eq(int, sriov_set_numvfs(FXS_PF, 5, err, sizeof(err)), -ERANGE));
	cr_assert(eq(str, err, FXS_PF " supports at most 4 VFs (sriov_totalvfs), not 5"));
	assert_untouched();
}

Test(sriov_numvfs, negative_count)
{
	age_attrs();
	cr_assert(eq(int, sriov_set_numvfs(FXS_PF, -1, err, sizeof(err)), -ERANGE));
	assert_has(err, "not -1");
	assert_untouched();
}

Test(sriov_numvfs, same_count_writes_nothing)
{
	age_attrs();
	err[0] = 0;
	cr_assert(eq(int, sriov_set_numvfs(FXS_PF, 2, err, sizeof(err)), 0));
	cr_assert(eq(str, err, ""));
	assert_untouched();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(sriov_numvfs, change_ends_at_the_new_count_with_autoprobe_off)
{
	char buf[32];
	double t0;

	/* The kernel would make virtfn2; made here so the wait ends at once. */
	fxs_link(FXS_PF, "virtfn2", "../0000:3b:00.3");
	err[0] = 0;
	t0 = now_s();
	cr_assert(eq(int, sriov_set_numvfs(FXS_PF, 3, err, sizeof(err)), 0), "%s", err);
	cr_assert(lt(dbl, now_s() - t0, 2.0), "it waited for VFs that were there");
	cr_assert(eq(str, err, ""));
	fxs_read(NUMVFS, buf, sizeof(buf));
	cr_assert(eq(str, buf, "3\n"));
	fxs_read(AUTOPROBE, buf, sizeof(buf));
	cr_assert(eq(str, buf, "0\n"));
}

Test(sriov_numvfs, to_zero_leaves_autoprobe_alone)
{
	char buf[32];

	age_attrs();
	cr_assert(eq(int, sriov_set_numvfs(FXS_PF, 0, err, sizeof(err)), 0), "%s", err);
	fxs_read(NUMVFS, buf, sizeof(buf));
	cr_assert(eq(str, buf, "0\n"));
	cr_assert(eq(i64, (int64_t)fxs_mtime(AUTOPROBE), 0));
}

/* ---- the order of writes, on a FIFO ---- */

struct fifo {
	char path[PATH_MAX];
	const char *count;   /* what a read of sriov_numvfs gives */
	char seen[64];       /* every byte written after that */
};

static void *serve(void *arg)
{
	struct fifo *f = arg;
	size_t used = 0;
	ssize_t n;
	int wfd, rfd, unread;

	/* sriov_read_vfs reads the current count first. The reader end for
	 * the writes opens only once that count is consumed (else it could
	 * take part of it), and stays open throughout: a pipe whose last
	 * reader closes drops what a writer just put in it. */
	wfd = open(f->path, O_WRONLY);
	if (wfd < 0 || write(wfd, f->count, strlen(f->count)) < 0)
		return NULL;
	while (ioctl(wfd, FIONREAD, &unread) == 0 && unread > 0)
		usleep(1000);
	rfd = open(f->path, O_RDONLY | O_NONBLOCK);
	close(wfd);
	/* The test ends the sequence with "\n". */
	while (rfd >= 0 && !strchr(f->seen, '\n') && used < sizeof(f->seen) - 1) {
		n = read(rfd, f->seen + used, sizeof(f->seen) - 1 - used);
		if (n > 0) {
			used += n;
			f->seen[used] = 0;
		} else {
			usleep(1000);   /* no writer now (0) or nothing yet (EAGAIN) */
		}
	}
	if (rfd >= 0)
		close(rfd);
	return NULL;
}

static void writes_on_fifo(const char *count, int n, const char *want)
{
	static struct fifo f;
	pthread_t t;
	int fd;

	fxs_path(f.path, sizeof(f.path), NUMVFS);
	f.count = count;
	cr_assert(eq(int, unlink(f.path), 0));
	cr_assert(eq(int, mkfifo(f.path, 0600), 0));
	cr_assert(eq(int, pthread_create(&t, NULL, serve, &f), 0));
	cr_assert(eq(int, sriov_set_numvfs(FXS_PF, n, err, sizeof(err)), 0), "%s", err);
	fd = open(f.path, O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert(eq(int, write(fd, "\n", 1), 1));
	close(fd);
	pthread_join(t, NULL);
	cr_assert(eq(str, f.seen, (char *)want));
}

Test(sriov_numvfs, change_goes_through_zero, .timeout = 10)
{
	fxs_link(FXS_PF, "virtfn2", "../0000:3b:00.3");
	writes_on_fifo("2\n", 3, "03\n");
}

Test(sriov_numvfs, from_zero_writes_the_count_only, .timeout = 10)
{
	writes_on_fifo("0\n", 2, "2\n");
}

Test(sriov_numvfs, to_zero_writes_zero_once, .timeout = 10)
{
	writes_on_fifo("2\n", 0, "0\n");
}
