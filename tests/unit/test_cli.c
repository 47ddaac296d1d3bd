/* SPDX-License-Identifier: MIT */
/* vmm-lite/parse.c: command-line values (compiled in: not in a library). */
#include <errno.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "cli.h"

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define TiB (1ULL << 40)

TestSuite(cli);

static uint64_t size_ok(const char *s)
{
	uint64_t v = 0xdeadbeef;

	cr_assert(eq(int, parse_size(s, &v), 0), "parse_size(\"%s\")", s);
	return v;
}

static void size_bad(const char *s)
{
	uint64_t v = 0xdeadbeef;
	int ret = parse_size(s, &v);

	cr_assert(ret == -EINVAL || ret == -ERANGE, "parse_size(\"%s\") = %d", s, ret);
	cr_assert(eq(u64, v, 0xdeadbeef), "parse_size(\"%s\") wrote a result", s);
}

Test(cli, size_suffixes)
{
	cr_assert(eq(u64, size_ok("512M"), 512 * MiB));
	cr_assert(eq(u64, size_ok("2G"), 2 * GiB));
	cr_assert(eq(u64, size_ok("4k"), 4 * KiB));
	cr_assert(eq(u64, size_ok("4K"), 4 * KiB));
	cr_assert(eq(u64, size_ok("1T"), TiB));
	cr_assert(eq(u64, size_ok("512m"), 512 * MiB));
}

Test(cli, size_plain_number_is_mib)
{
	cr_assert(eq(u64, size_ok("1024"), 1024 * MiB));
	cr_assert(eq(u64, size_ok("1"), MiB));
}

Test(cli, size_binary_unit_spellings)
{
	cr_assert(eq(u64, size_ok("1GiB"), GiB));
	cr_assert(eq(u64, size_ok("1GB"), GiB));
	cr_assert(eq(u64, size_ok("256MiB"), 256 * MiB));
	cr_assert(eq(u64, size_ok("8kib"), 8 * KiB));
}

Test(cli, size_errors)
{
	size_bad("0");
	size_bad("0G");
	size_bad("abc");
	size_bad("12X");
	size_bad("");
	size_bad(NULL);
	size_bad("-1G");
	size_bad(" 1G");
	size_bad("1.5G");
	size_bad("1GX");
	size_bad("1GiBB");
	size_bad("G");
	cr_assert(eq(int, parse_size("12X", &(uint64_t){ 0 }), -EINVAL));
	cr_assert(eq(int, parse_size("0", &(uint64_t){ 0 }), -ERANGE));
}

Test(cli, size_overflow)
{
	size_bad("18446744073709551616");       /* 2^64 */
	size_bad("99999999999999999999999");
	size_bad("17179869184G");               /* 2^64 bytes */
	size_bad("17592186044416");             /* 2^44 MiB = 2^64 bytes */
	cr_assert(eq(u64, size_ok("17179869183G"), 17179869183ULL * GiB));
	cr_assert(eq(int, parse_size("17179869184G", &(uint64_t){ 0 }), -ERANGE));
}

Test(cli, int_ranges)
{
	long v = -99;

	cr_assert(eq(int, parse_int("4", 1, 1024, &v), 0));
	cr_assert(eq(long, v, 4));
	cr_assert(eq(int, parse_int("1", 1, 1024, &v), 0));
	cr_assert(eq(int, parse_int("1024", 1, 1024, &v), 0));
	cr_assert(eq(long, v, 1024));
	cr_assert(eq(int, parse_int("-3", -5, 5, &v), 0));
	cr_assert(eq(long, v, -3));
	v = -99;
	cr_assert(eq(int, parse_int("0", 1, 1024, &v), -ERANGE));
	cr_assert(eq(int, parse_int("1025", 1, 1024, &v), -ERANGE));
	cr_assert(eq(int, parse_int("-1", 0, 1023, &v), -ERANGE));
	cr_assert(eq(long, v, -99), "out-of-range value stored");
}

Test(cli, int_errors)
{
	long v = -99;

	cr_assert(eq(int, parse_int("", 0, 10, &v), -EINVAL));
	cr_assert(eq(int, parse_int(NULL, 0, 10, &v), -EINVAL));
	cr_assert(eq(int, parse_int("4x", 0, 10, &v), -EINVAL));
	cr_assert(eq(int, parse_int("x4", 0, 10, &v), -EINVAL));
	cr_assert(eq(int, parse_int("4 ", 0, 10, &v), -EINVAL));
	cr_assert(eq(int, parse_int("0x4", 0, 10, &v), -EINVAL));
	cr_assert(parse_int("99999999999999999999", 0, 10, &v) < 0);
	cr_assert(eq(long, v, -99));
}

Test(cli, mem_option)
{
	uint64_t size = 0;
	bool huge = true;

	cr_assert(eq(int, parse_mem_option("512M", &size, &huge), 0));
	cr_assert(eq(u64, size, 512 * MiB));
	cr_assert_not(huge);
	cr_assert(eq(int, parse_mem_option("1G,hugepages=on", &size, &huge), 0));
	cr_assert(eq(u64, size, GiB));
	cr_assert(huge);
	cr_assert(eq(int, parse_mem_option("2G,hugepages=off", &size, &huge), 0));
	cr_assert(eq(u64, size, 2 * GiB));
	cr_assert_not(huge);
}

Test(cli, mem_option_errors)
{
	uint64_t size = 0;
	bool huge;

	cr_assert(eq(int, parse_mem_option("1G,hugepages=maybe", &size, &huge), -EINVAL));
	cr_assert(eq(int, parse_mem_option("1G,hugepages", &size, &huge), -EINVAL));
	cr_assert(eq(int, parse_mem_option("1G,", &size, &huge), -EINVAL));
	cr_assert(eq(int, parse_mem_option("1G,hugepages=on,x", &size, &huge), -EINVAL));
	cr_assert(eq(int, parse_mem_option(",hugepages=on", &size, &huge), -EINVAL));
	cr_assert(lt(int, parse_mem_option("0,hugepages=on", &size, &huge), 0));
	/* Not a whole number of 4 KiB pages. */
	cr_assert(eq(int, parse_mem_option("4097k", &size, &huge), -EINVAL));
	cr_assert(eq(int, parse_mem_option("1k", &size, &huge), -EINVAL));
	cr_assert(eq(int, parse_mem_option("8k", &size, &huge), 0));
	/* Longer than any sane option. */
	cr_assert(eq(int, parse_mem_option("1G,hugepages=on                                                    ",
					   &size, &huge), -EINVAL));
}

/*
 * Guest RAM with hugepages=on comes from a MFD_HUGETLB memfd, whose size
 * must be a multiple of the huge page size (2 MiB on x86): ftruncate()
 * fails with EINVAL otherwise, and vm_create() reports it as a hugetlbfs
 * reservation problem. The option parser should reject the size up front.
 */
Test(cli, mem_option_hugepages_needs_2m_multiple)
{
	uint64_t size = 0;
	bool huge;

	cr_assert(eq(int, parse_mem_option("1026M,hugepages=on", &size, &huge), 0));
	cr_assert(eq(int, parse_mem_option("1025M,hugepages=off", &size, &huge), 0));
	cr_assert(eq(int, parse_mem_option("1025M,hugepages=on", &size, &huge), -EINVAL),
		  "1025M accepted with hugepages=on: MFD_HUGETLB ftruncate will fail");
}
