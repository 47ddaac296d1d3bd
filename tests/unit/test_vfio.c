/* SPDX-License-Identifier: MIT */
/* vfio-backend: group.c on recorded sysfs trees (IOVM_SYSFS_ROOT), and the
 * pure helpers: BAR range subtraction, --device parsing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "vfio.h"

static void setup(void)
{
	fx_sysfs_create();
}

TestSuite(vfio, .init = setup, .fini = fx_sysfs_destroy);

static void add_with_group(const char *bdf, const char *target)
{
	const char *dev = fx_sysfs_add_pci(bdf);
	char link[256];

	snprintf(link, sizeof(link), "%s/iommu_group", dev);
	fx_sysfs_symlink(link, target);
}

Test(vfio, group_from_link)
{
	fx_sysfs_mkdir("sys/kernel/iommu_groups/7/devices");
	add_with_group("0000:00:02.0", "../../../kernel/iommu_groups/7");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), 7));
}

Test(vfio, multi_digit_group)
{
	add_with_group("0000:3b:00.1", "../../../kernel/iommu_groups/142");
	cr_assert(eq(int, vfio_iommu_group("0000:3b:00.1"), 142));
}

Test(vfio, missing_link)
{
	fx_sysfs_add_pci("0000:00:02.0");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), -ENOENT));
	/* No such device. */
	cr_assert(eq(int, vfio_iommu_group("0000:00:03.0"), -ENOENT));
}

Test(vfio, invalid_bdf)
{
	cr_assert(eq(int, vfio_iommu_group("00:02.0"), -EINVAL));
	cr_assert(eq(int, vfio_iommu_group("0000:00:20.0"), -EINVAL));
	cr_assert(eq(int, vfio_iommu_group(NULL), -EINVAL));
}

Test(vfio, link_not_to_a_group)
{
	add_with_group("0000:00:02.0", "../../../kernel/iommu_groups/seven");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), -EINVAL));
}

Test(vfio, link_with_trailing_slash)
{
	/* The basename of ".../iommu_groups/7/" is empty: not a group. */
	add_with_group("0000:00:02.0", "../../../kernel/iommu_groups/7/");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), -EINVAL));
}

Test(vfio, link_to_a_negative_or_partly_numeric_group)
{
	add_with_group("0000:00:02.0", "../../../kernel/iommu_groups/-1");
	cr_assert(eq(int, vfio_iommu_group("0000:00:02.0"), -EINVAL));
	add_with_group("0000:00:03.0", "../../../kernel/iommu_groups/7x");
	cr_assert(eq(int, vfio_iommu_group("0000:00:03.0"), -EINVAL));
}

/* ---- vfio_range_subtract (pure) ---- */

TestSuite(vfio_range);

#define R(s, e) ((struct vfio_range){ (s), (e) })

/* Subtracts and checks the pieces against want (count first). */
static void check_subtract(struct vfio_range area, const struct vfio_range *holes, int nholes,
			   int max, const struct vfio_range *want, int nwant)
{
	struct vfio_range out[8];
	int n;

	cr_assert(le(int, max, 8));
	for (int i = 0; i < 8; i++)
		out[i] = R(0xdead, 0xbeef);
	n = vfio_range_subtract(area, holes, nholes, out, max);
	cr_assert(eq(int, n, nwant), "[0x%llx, 0x%llx) minus %d holes: %d pieces, want %d",
		  (unsigned long long)area.start, (unsigned long long)area.end, nholes, n, nwant);
	for (int i = 0; i < nwant; i++) {
		cr_assert(eq(u64, out[i].start, want[i].start), "piece %d start", i);
		cr_assert(eq(u64, out[i].end, want[i].end), "piece %d end", i);
	}
	/* Nothing written past the count. */
	for (int i = n; i < 8; i++)
		cr_assert(eq(u64, out[i].start, 0xdead), "piece %d written past the count", i);
}

Test(vfio_range, no_holes)
{
	const struct vfio_range want[] = { R(0x1000, 0x5000) };

	check_subtract(R(0x1000, 0x5000), NULL, 0, 8, want, 1);
}

Test(vfio_range, hole_at_start_middle_end)
{
	const struct vfio_range start[] = { R(0, 0x1000) };
	const struct vfio_range mid[] = { R(0x2000, 0x3000) };
	const struct vfio_range end[] = { R(0x3000, 0x4000) };
	const struct vfio_range w_start[] = { R(0x1000, 0x4000) };
	const struct vfio_range w_mid[] = { R(0, 0x2000), R(0x3000, 0x4000) };
	const struct vfio_range w_end[] = { R(0, 0x3000) };

	check_subtract(R(0, 0x4000), start, 1, 8, w_start, 1);
	check_subtract(R(0, 0x4000), mid, 1, 8, w_mid, 2);
	check_subtract(R(0, 0x4000), end, 1, 8, w_end, 1);
}

Test(vfio_range, holes_reaching_past_the_area)
{
	const struct vfio_range before[] = { R(0x0, 0x2000) };      /* starts before */
	const struct vfio_range after[] = { R(0x3000, 0x9000) };    /* ends after */
	const struct vfio_range w_before[] = { R(0x2000, 0x4000) };
	const struct vfio_range w_after[] = { R(0x1000, 0x3000) };

	check_subtract(R(0x1000, 0x4000), before, 1, 8, w_before, 1);
	check_subtract(R(0x1000, 0x4000), after, 1, 8, w_after, 1);
}

Test(vfio_range, two_holes_unsorted)
{
	/* MSI-X PBA page listed before the table page. */
	const struct vfio_range holes[] = { R(0x6000, 0x7000), R(0x2000, 0x3000) };
	const struct vfio_range want[] = { R(0, 0x2000), R(0x3000, 0x6000), R(0x7000, 0x8000) };

	check_subtract(R(0, 0x8000), holes, 2, 8, want, 3);
}

Test(vfio_range, adjacent_holes)
{
	const struct vfio_range holes[] = { R(0x3000, 0x4000), R(0x2000, 0x3000) };
	const struct vfio_range want[] = { R(0, 0x2000), R(0x4000, 0x8000) };

	check_subtract(R(0, 0x8000), holes, 2, 8, want, 2);
}

Test(vfio_range, overlapping_holes)
{
	const struct vfio_range holes[] = { R(0x2000, 0x4000), R(0x3000, 0x5000) };
	const struct vfio_range nested[] = { R(0x1000, 0x6000), R(0x2000, 0x3000) };
	const struct vfio_range want[] = { R(0, 0x2000), R(0x5000, 0x8000) };
	const struct vfio_range w_nested[] = { R(0, 0x1000), R(0x6000, 0x8000) };

	check_subtract(R(0, 0x8000), holes, 2, 8, want, 2);
	check_subtract(R(0, 0x8000), nested, 2, 8, w_nested, 2);
}

Test(vfio_range, hole_covering_everything)
{
	const struct vfio_range exact[] = { R(0x1000, 0x3000) };
	const struct vfio_range wider[] = { R(0, 0x10000) };
	const struct vfio_range two[] = { R(0x2000, 0x3000), R(0x1000, 0x2000) };

	check_subtract(R(0x1000, 0x3000), exact, 1, 8, NULL, 0);
	check_subtract(R(0x1000, 0x3000), wider, 1, 8, NULL, 0);
	check_subtract(R(0x1000, 0x3000), two, 2, 8, NULL, 0);
}

Test(vfio_range, holes_outside_the_area)
{
	const struct vfio_range holes[] = { R(0x8000, 0x9000), R(0, 0x1000), R(0x4000, 0x5000) };
	const struct vfio_range want[] = { R(0x1000, 0x4000) };

	/* One touches the area's start, one its end: neither overlaps. */
	check_subtract(R(0x1000, 0x4000), holes, 3, 8, want, 1);
}

Test(vfio_range, max_limits_the_output)
{
	const struct vfio_range holes[] = { R(0x1000, 0x2000), R(0x3000, 0x4000), R(0x5000, 0x6000) };
	const struct vfio_range want[] = { R(0, 0x1000), R(0x2000, 0x3000), R(0x4000, 0x5000),
					   R(0x6000, 0x8000) };

	check_subtract(R(0, 0x8000), holes, 3, 8, want, 4);
	check_subtract(R(0, 0x8000), holes, 3, 2, want, 2);
	check_subtract(R(0, 0x8000), holes, 3, 1, want, 1);
	check_subtract(R(0, 0x8000), holes, 3, 0, NULL, 0);
}

Test(vfio_range, empty_area)
{
	const struct vfio_range holes[] = { R(0x1000, 0x2000) };

	check_subtract(R(0x1000, 0x1000), NULL, 0, 8, NULL, 0);
	check_subtract(R(0x1000, 0x1000), holes, 1, 8, NULL, 0);
}

/* ---- vfio_parse_device_opt (pure) ---- */

TestSuite(vfio_opt);

static char err[512];

static int parse(const char *s, struct vfio_dev_opts *o)
{
	memset(o, 0xa5, sizeof(*o)); /* every field must be written */
	memset(err, 0, sizeof(err));
	return vfio_parse_device_opt(s, o, err, sizeof(err));
}

/* Fails with -EINVAL and a message holding every one of the needles. */
static void check_bad(const char *s, const char *const *needles, int n)
{
	struct vfio_dev_opts o;

	cr_assert(eq(int, parse(s, &o), -EINVAL), "'%s' accepted", s);
	cr_assert(ne(sz, strlen(err), 0), "'%s': no message", s);
	for (int i = 0; i < n; i++)
		cr_assert_not_null(strstr(err, needles[i]), "'%s': message '%s' lacks '%s'",
				   s, err, needles[i]);
}

Test(vfio_opt, host_only)
{
	struct vfio_dev_opts o;

	cr_assert(eq(int, parse("vfio,host=0000:00:03.0", &o), 0), "%s", err);
	cr_assert(eq(str, o.bdf, "0000:00:03.0"));
	cr_assert_not(o.rombar_off);
}

Test(vfio_opt, rombar_off_and_on)
{
	struct vfio_dev_opts o;

	cr_assert(eq(int, parse("vfio,host=0000:3b:00.1,rombar=off", &o), 0), "%s", err);
	cr_assert(eq(str, o.bdf, "0000:3b:00.1"));
	cr_assert(o.rombar_off);
	/* Order does not matter; the last rombar wins. */
	cr_assert(eq(int, parse("vfio,rombar=off,host=0000:00:03.0", &o), 0), "%s", err);
	cr_assert(o.rombar_off);
	cr_assert(eq(str, o.bdf, "0000:00:03.0"));
	cr_assert(eq(int, parse("vfio,host=0000:00:03.0,rombar=off,rombar=on", &o), 0), "%s", err);
	cr_assert_not(o.rombar_off);
}

Test(vfio_opt, missing_host)
{
	static const char *const need[] = { "host=", "no device" };

	check_bad("vfio,rombar=off", need, 2);
	check_bad("vfio,", need, 2);
}

Test(vfio_opt, short_bdf)
{
	static const char *const need[] = { "host=00:03.0", "DDDD:BB:DD.F" };

	check_bad("vfio,host=00:03.0", need, 2);
}

Test(vfio_opt, invalid_bdfs)
{
	static const char *const need[] = { "DDDD:BB:DD.F" };

	check_bad("vfio,host=0000:00:20.0", need, 1);  /* device 0x20 > 31 */
	check_bad("vfio,host=0000:00:03.8", need, 1);  /* function 8 */
	check_bad("vfio,host=", need, 1);
}

Test(vfio_opt, unknown_key)
{
	static const char *const need[] = { "'foo=bar'", "not understood" };
	static const char *const rombar[] = { "'rombar=maybe'", "rombar=off" };

	check_bad("vfio,host=0000:00:03.0,foo=bar", need, 2);
	check_bad("vfio,host=0000:00:03.0,rombar=maybe", rombar, 2);
}

Test(vfio_opt, not_vfio)
{
	static const char *const need[] = { "virtio,host=0000:00:03.0", "vfio,host=BDF" };
	static const char *const bare[] = { "vfio,host=BDF" };

	check_bad("virtio,host=0000:00:03.0", need, 2);
	check_bad("vfio", bare, 1);
	check_bad("", bare, 1);
	check_bad("VFIO,host=0000:00:03.0", bare, 1);
	check_bad("host=0000:00:03.0", bare, 1);
}

/* 127 characters fit the parser's buffer; one more does not. */
static void long_opt(char *buf, size_t len)
{
	/* 22 + 10 * 10 = 122, then commas (empty fields are skipped). */
	int n = snprintf(buf, 128, "vfio,host=0000:00:03.0");

	for (int i = 0; i < 10; i++)
		n += snprintf(buf + n, 128 - n, ",rombar=on");
	while ((size_t)n < len)
		buf[n++] = ',';
	buf[n] = 0;
}

Test(vfio_opt, longest_accepted)
{
	char s[200];
	struct vfio_dev_opts o;

	long_opt(s, 127);
	cr_assert(eq(sz, strlen(s), 127));
	cr_assert(eq(int, parse(s, &o), 0), "%s", err);
	cr_assert(eq(str, o.bdf, "0000:00:03.0"));
}

Test(vfio_opt, too_long)
{
	char s[200];
	static const char *const need[] = { "too long" };

	/* A well-formed vfio device: the message must say what is wrong
	 * (its length), not that only vfio devices exist. */
	long_opt(s, 128);
	cr_assert(eq(sz, strlen(s), 128));
	check_bad(s, need, 1);
}
