/* SPDX-License-Identifier: MIT */
/*
 * sriov/devconf.c: the device file parser, its defaults and every error
 * message with its line and column, and devconf_vf_option.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "sriov.h"

#define assert_has(s, sub) cr_assert(strstr((s), (sub)) != NULL, "'%s' lacks '%s'", (s), (sub))

static struct devconf conf;
static char err[512];

TestSuite(devconf);

static const char full[] =
	"# /etc/iovm/devices.conf\n"                     /* 1 */
	"\n"                                             /* 2 */
	"   \t\n"                                        /* 3 */
	"[pf 0000:3b:00.0]   # the NVMe PF\n"            /* 4 */
	"vfs = 4\n"                                      /* 5 */
	"driver = nvme\n"                                /* 6 */
	"\n"                                             /* 7 */
	"[vf 0000:3b:00.0 1]\n"                          /* 8 */
	"  driver=vfio-pci\n"                            /* 9 */
	"mac = 52:54:00:AB:cd:02\n"                      /* 10 */
	"vlan = 4094\n"                                  /* 11 */
	"spoofchk = off\n"                               /* 12 */
	"trust = yes\n"                                  /* 13 */
	"max-rate = 1000   # Mbit/s\n"                   /* 14 */
	"\n"                                             /* 15 */
	"\t[ device 0000:00:1f.3 ] # audio\n"            /* 16 */
	"driver = vfio-pci#no space before the comment\n" /* 17 */
	"[vf 0000:3b:00.0 0]\n"                          /* 18 */
	"vlan = 0\n"                                     /* 19 */
	"spoofchk = true\n"                              /* 20 */
	"trust = no\n"                                   /* 21 */
	"[pf 0000:5e:00.0]";                             /* 22, no newline */

Test(devconf, full_file)
{
	const struct devconf_entry *e = conf.e;
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x02 };

	cr_assert(eq(int, devconf_parse(full, &conf, err, sizeof(err)), 0), "%s", err);
	cr_assert(eq(int, conf.n, 5));

	cr_assert(eq(int, e[0].kind, DEVCONF_PF));
	cr_assert(eq(str, (char *)e[0].bdf, "0000:3b:00.0"));
	cr_assert(eq(int, e[0].vfs, 4));
	cr_assert(eq(str, (char *)e[0].driver, "nvme"));
	cr_assert(eq(int, e[0].lineno, 4));
	cr_assert(eq(int, e[0].vf_index, -1));

	cr_assert(eq(int, e[1].kind, DEVCONF_VF));
	cr_assert(eq(str, (char *)e[1].bdf, "0000:3b:00.0"));
	cr_assert(eq(int, e[1].vf_index, 1));
	cr_assert(eq(int, e[1].vfs, -1));
	cr_assert(eq(str, (char *)e[1].driver, "vfio-pci"));
	cr_assert(e[1].has_mac);
	cr_assert(eq(int, memcmp(e[1].mac, mac, 6), 0));
	cr_assert(eq(int, e[1].vlan, 4094));
	cr_assert(eq(int, e[1].spoofchk, 0));
	cr_assert(eq(int, e[1].trust, 1));
	cr_assert(eq(int, e[1].max_rate, 1000));
	cr_assert(eq(int, e[1].lineno, 8));

	cr_assert(eq(int, e[2].kind, DEVCONF_DEVICE));
	cr_assert(eq(str, (char *)e[2].bdf, "0000:00:1f.3"));
	cr_assert(eq(str, (char *)e[2].driver, "vfio-pci"));
	cr_assert(eq(int, e[2].vf_index, -1));
	cr_assert(eq(int, e[2].lineno, 16));

	cr_assert(eq(int, e[3].kind, DEVCONF_VF));
	cr_assert(eq(int, e[3].vf_index, 0));
	cr_assert(eq(int, e[3].vlan, 0));
	cr_assert(eq(int, e[3].spoofchk, 1));
	cr_assert(eq(int, e[3].trust, 0));
	cr_assert_not(e[3].has_mac);
	cr_assert(eq(int, e[3].max_rate, -1));
	cr_assert(eq(str, (char *)e[3].driver, ""));

	cr_assert(eq(int, e[4].kind, DEVCONF_PF));
	cr_assert(eq(str, (char *)e[4].bdf, "0000:5e:00.0"));
	cr_assert(eq(int, e[4].lineno, 22));
}

Test(devconf, defaults)
{
	const char *text = "[pf 0000:3b:00.0]\n[vf 0000:3b:00.0 3]\n[device 0000:00:02.0]\n";

	cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), 0), "%s", err);
	cr_assert(eq(int, conf.n, 3));
	for (int i = 0; i < 3; i++) {
		const struct devconf_entry *e = &conf.e[i];

		cr_assert(eq(int, e->vfs, -1), "entry %d", i);
		cr_assert(eq(int, e->vlan, -1), "entry %d", i);
		cr_assert(eq(int, e->spoofchk, -1), "entry %d", i);
		cr_assert(eq(int, e->trust, -1), "entry %d", i);
		cr_assert(eq(int, e->max_rate, -1), "entry %d", i);
		cr_assert_not(e->has_mac, "entry %d", i);
		cr_assert(eq(str, (char *)e->driver, ""), "entry %d", i);
		cr_assert(eq(int, e->lineno, i + 1));
	}
	cr_assert(eq(int, conf.e[0].vf_index, -1));
	cr_assert(eq(int, conf.e[1].vf_index, 3));
	cr_assert(eq(int, conf.e[2].vf_index, -1));
}

Test(devconf, empty_and_comment_only)
{
	conf.n = 7;
	cr_assert(eq(int, devconf_parse("", &conf, err, sizeof(err)), 0));
	cr_assert(eq(int, conf.n, 0));
	cr_assert(eq(int, devconf_parse("# nothing\n\n  # here\n", &conf, err, sizeof(err)), 0));
	cr_assert(eq(int, conf.n, 0));
}

Test(devconf, limits_are_inclusive)
{
	const char *text = "[pf 0000:3b:00.0]\nvfs = 4096\n"
			   "[vf 0000:3b:00.0 0]\nvlan = 0\nmax-rate = 1000000\n";

	cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), 0), "%s", err);
	cr_assert(eq(int, conf.e[0].vfs, 4096));
	cr_assert(eq(int, conf.e[1].max_rate, 1000000));
}

Test(devconf, booleans)
{
	static const char *const yes[] = { "on", "yes", "true" }, *const no[] = { "off", "no", "false" };
	char text[128];

	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "[vf 0000:3b:00.0 0]\ntrust = %s\nspoofchk = %s\n",
			 yes[i], no[i]);
		cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), 0), "%s", err);
		cr_assert(eq(int, conf.e[0].trust, 1), "%s", yes[i]);
		cr_assert(eq(int, conf.e[0].spoofchk, 0), "%s", no[i]);
	}
}

/* ---- errors ---- */

/* The whole message when want is complete; an error has no other form. */
static void expect(const char *text, const char *want)
{
	memset(err, 0, sizeof(err));
	cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), -EINVAL),
		  "accepted:\n%s", text);
	cr_assert(eq(str, err, (char *)want), "for:\n%s", text);
}

Test(devconf, unknown_section)
{
	expect("# devices\n[pfx 0000:3b:00.0]\n",
	       "line 2, column 2: unknown section 'pfx': use [pf BDF], [vf PF-BDF INDEX] or [device BDF]");
	expect("  [  nic 0000:3b:00.0]\n",
	       "line 1, column 6: unknown section 'nic': use [pf BDF], [vf PF-BDF INDEX] or [device BDF]");
	expect("[]\n",
	       "line 1, column 2: unknown section '': use [pf BDF], [vf PF-BDF INDEX] or [device BDF]");
}

Test(devconf, bad_address_points_at_it)
{
	expect("[pf 3b:00.0]\n",
	       "line 1, column 5: '3b:00.0' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it");
	expect("[pf 0000:3b:00.0]\n[device   0000:00:1f.8]\n",
	       "line 2, column 11: '0000:00:1f.8' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it");
	expect("[vf]\n",
	       "line 1, column 4: '' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it");
}

Test(devconf, vf_needs_an_index)
{
	expect("[vf 0000:3b:00.0]\n",
	       "line 1, column 17: a [vf] section needs the VF index after the PF address, e.g. [vf 0000:3b:00.0 0]");
	expect("[vf 0000:3b:00.0 x]\n",
	       "line 1, column 18: a [vf] section needs the VF index after the PF address, e.g. [vf 0000:3b:00.0 0]");
	expect("[vf 0000:3b:00.0 -1]\n",
	       "line 1, column 18: a [vf] section needs the VF index after the PF address, e.g. [vf 0000:3b:00.0 0]");
	expect("[vf 0000:3b:00.0 1x]\n",
	       "line 1, column 18: a [vf] section needs the VF index after the PF address, e.g. [vf 0000:3b:00.0 0]");
}

Test(devconf, section_not_closed)
{
	expect("[pf 0000:3b:00.0\n", "line 1, column 17: expected ']' to close the section");
	expect("[pf 0000:3b:00.0 4]\n", "line 1, column 18: expected ']' to close the section");
	expect("[device 0000:00:1f.3 # x]\n", "line 1, column 22: expected ']' to close the section");
}

Test(devconf, text_after_the_section)
{
	expect("[pf 0000:3b:00.0] vfs = 4\n", "line 1, column 19: unexpected text after ']'");
	expect("[pf 0000:3b:00.0]]\n", "line 1, column 18: unexpected text after ']'");
}

Test(devconf, key_before_any_section)
{
	expect("# x\nvfs = 4\n[pf 0000:3b:00.0]\n",
	       "line 2, column 1: 'vfs' before any section: start with [pf ...], [vf ...] or [device ...]");
}

Test(devconf, missing_equals)
{
	expect("[pf 0000:3b:00.0]\nvfs 4\n", "line 2, column 5: expected '=' after 'vfs'");
	expect("[pf 0000:3b:00.0]\nvfs\n", "line 2, column 4: expected '=' after 'vfs'");
	expect("[pf 0000:3b:00.0]\nvfs: 4\n", "line 2, column 6: expected '=' after 'vfs:'");
}

Test(devconf, empty_value)
{
	expect("[pf 0000:3b:00.0]\nvfs =\n", "line 2, column 6: 'vfs' needs a value");
	expect("[pf 0000:3b:00.0]\ndriver =   # later\n", "line 2, column 12: 'driver' needs a value");
}

Test(devconf, text_after_the_value)
{
	expect("[pf 0000:3b:00.0]\nvfs = 4 5\n", "line 2, column 9: unexpected text after the value of 'vfs'");
	expect("[pf 0000:3b:00.0]\ndriver = vfio-pci]\n",
	       "line 2, column 18: unexpected text after the value of 'driver'");
}

Test(devconf, not_a_key)
{
	expect("[pf 0000:3b:00.0]\n  = 4\n", "line 2, column 3: expected a [section] or 'key = value'");
	expect("[pf 0000:3b:00.0]\n4 = vfs\n", "line 2, column 1: expected a [section] or 'key = value'");
}

#define VF_KEYS "(vf: driver, mac, vlan, spoofchk, trust, max-rate)"
#define SECTION_KEYS "(pf: vfs, driver; device: driver; vf: driver, mac, vlan, spoofchk, trust, max-rate)"

Test(devconf, unknown_key)
{
	expect("[vf 0000:3b:00.0 0]\ncolour = red\n", "line 2, column 1: unknown setting 'colour' " VF_KEYS);
	expect("[pf 0000:3b:00.0]\ncolour = red\n",
	       "line 2, column 1: 'colour' is not a setting of this section " SECTION_KEYS);
}

Test(devconf, key_of_another_section)
{
	expect("[vf 0000:3b:00.0 0]\nvfs = 2\n", "line 2, column 1: unknown setting 'vfs' " VF_KEYS);
	expect("[pf 0000:3b:00.0]\nmac = 52:54:00:12:34:56\n",
	       "line 2, column 1: 'mac' is not a setting of this section " SECTION_KEYS);
	expect("[device 0000:00:1f.3]\nvfs = 2\n",
	       "line 2, column 1: 'vfs' is not a setting of this section " SECTION_KEYS);
	expect("[device 0000:00:1f.3]\nvlan = 2\n",
	       "line 2, column 1: 'vlan' is not a setting of this section " SECTION_KEYS);
}

Test(devconf, bad_mac)
{
	static const char *const bad[] = {
		"52:54:00:12:34", "52:54:00:12:34:5g", "52:54:00:12:34:567", "52-54-00-12-34-56",
		"525400123456", "52:54:00:12:34:56:", "5:54:00:12:34:567", "5:54:00:12:34:56",
	};
	char text[128], want[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[vf 0000:3b:00.0 0]\nmac = %s\n", bad[i]);
		snprintf(want, sizeof(want),
			 "line 2, column 7: '%s' is not a MAC address like 52:54:00:12:34:56", bad[i]);
		expect(text, want);
	}
}

Test(devconf, numbers_out_of_range)
{
	expect("[vf 0000:3b:00.0 0]\nvlan = 4095\n", "line 2, column 8: '4095' is not a number in range");
	expect("[vf 0000:3b:00.0 0]\nvlan = -1\n", "line 2, column 8: '-1' is not a number in range");
	expect("[vf 0000:3b:00.0 0]\nvlan = 0x10\n", "line 2, column 8: '0x10' is not a number in range");
	expect("[vf 0000:3b:00.0 0]\nmax-rate = 1000001\n",
	       "line 2, column 12: '1000001' is not a number in range");
	expect("[pf 0000:3b:00.0]\nvfs = 4097\n", "line 2, column 7: '4097' is not a number in range");
	expect("[pf 0000:3b:00.0]\nvfs = four\n", "line 2, column 7: 'four' is not a number in range");
}

Test(devconf, not_a_boolean)
{
	expect("[vf 0000:3b:00.0 0]\nspoofchk = maybe\n", "line 2, column 12: 'maybe' is not on or off");
	expect("[vf 0000:3b:00.0 0]\ntrust = 1\n", "line 2, column 9: '1' is not on or off");
}

Test(devconf, duplicate_section_names_both_lines)
{
	expect("[pf 0000:3b:00.0]\nvfs = 2\n\n[pf 0000:3b:00.0]\nvfs = 4\n",
	       "line 4: this section repeats the one on line 1");
	expect("[vf 0000:3b:00.0 1]\n[vf 0000:3b:00.0 2]\n[device 0000:00:1f.3]\n[vf 0000:3b:00.0 2]\n",
	       "line 4: this section repeats the one on line 2");
}

Test(devconf, same_address_in_other_kinds_is_no_duplicate)
{
	const char *text = "[pf 0000:3b:00.0]\n[vf 0000:3b:00.0 0]\n[vf 0000:3b:00.0 1]\n";

	cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), 0), "%s", err);
	cr_assert(eq(int, conf.n, 3));
}

Test(devconf, over_long_line)
{
	char text[1200];
	int n;

	/* 511 characters are fine, 512 are not. */
	n = snprintf(text, sizeof(text), "[pf 0000:3b:00.0]\n#");
	memset(text + n, 'x', 510);
	text[n + 510] = 0;
	cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), 0), "%s", err);
	strcat(text, "x\nvfs = 2\n");
	expect(text, "line 2: longer than 511 characters");
}

Test(devconf, at_most_64_sections)
{
	static char text[64 * 32 + 64];
	size_t n = 0;

	for (int i = 0; i < 64; i++)
		n += snprintf(text + n, sizeof(text) - n, "[device 0000:%02x:00.0]\n", i);
	cr_assert(eq(int, devconf_parse(text, &conf, err, sizeof(err)), 0), "%s", err);
	cr_assert(eq(int, conf.n, 64));
	snprintf(text + n, sizeof(text) - n, "  [device 0000:ff:00.0]\n");
	expect(text, "line 65, column 3: more than 64 sections");
}

Test(devconf, message_fits_in_err)
{
	char small[24];

	memset(small, 'x', sizeof(small));
	cr_assert(eq(int, devconf_parse("[pf 0000:3b:00.0]\nvfs 4\n", &conf, small, 16), -EINVAL));
	cr_assert(eq(str, small, "line 2, column "));
	for (size_t i = 16; i < sizeof(small); i++)
		cr_assert(eq(int, small[i], 'x'), "byte %zu written", i);
}

/* ---- devconf_vf_option: the same checks, without a position ---- */

static struct devconf_entry fresh(void)
{
	return (struct devconf_entry){ .kind = DEVCONF_VF, .vf_index = 0, .vfs = -1, .vlan = -1,
				       .max_rate = -1, .spoofchk = -1, .trust = -1 };
}

Test(devconf, vf_option_sets)
{
	struct devconf_entry e = fresh();
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x07 };

	cr_assert(eq(int, devconf_vf_option(&e, "mac", "52:54:00:00:00:07", err, sizeof(err)), 0));
	cr_assert(e.has_mac);
	cr_assert(eq(int, memcmp(e.mac, mac, 6), 0));
	cr_assert(eq(int, devconf_vf_option(&e, "vlan", "12", err, sizeof(err)), 0));
	cr_assert(eq(int, e.vlan, 12));
	cr_assert(eq(int, devconf_vf_option(&e, "spoofchk", "off", err, sizeof(err)), 0));
	cr_assert(eq(int, e.spoofchk, 0));
	cr_assert(eq(int, devconf_vf_option(&e, "trust", "on", err, sizeof(err)), 0));
	cr_assert(eq(int, e.trust, 1));
	cr_assert(eq(int, devconf_vf_option(&e, "max-rate", "2500", err, sizeof(err)), 0));
	cr_assert(eq(int, e.max_rate, 2500));
}

static void expect_option(const char *key, const char *val, const char *want)
{
	struct devconf_entry e = fresh(), before = e;

	memset(err, 0, sizeof(err));
	cr_assert(eq(int, devconf_vf_option(&e, key, val, err, sizeof(err)), -EINVAL),
		  "accepted %s=%s", key, val);
	cr_assert(eq(str, err, (char *)want));
	cr_assert(eq(int, e.vlan, before.vlan));
	cr_assert(eq(int, e.has_mac, before.has_mac));
}

/* Regression (found by this suite, fixed): perr writes the message only when the "line L, column C: "
 * prefix was written (n > 0), and devconf_vf_option has no line, so every
 * command-line VF option error comes back as "". Fix (devconf.c, perr):
 * test n >= 0 instead of n > 0. */
Test(devconf, vf_option_messages_have_no_position)
{
	expect_option("vlan", "4095", "'4095' is not a number in range");
	expect_option("mac", "52:54:00:12:34", "'52:54:00:12:34' is not a MAC address like 52:54:00:12:34:56");
	expect_option("spoofchk", "maybe", "'maybe' is not on or off");
	expect_option("colour", "red", "unknown setting 'colour' " VF_KEYS);
	expect_option("vfs", "2", "unknown setting 'vfs' " VF_KEYS);
}

/* ---- product bugs: these fail until devconf.c is fixed ---- */

/* parse_mac's %2x takes a sign, so "-1" and "+f" pass as bytes ff and 0f.
 * Fix: check every byte is two hex digits (isxdigit) before sscanf. */
Test(devconf, mac_with_a_sign_is_not_a_mac)
{
	expect("[vf 0000:3b:00.0 0]\nmac = 52:54:00:12:34:-1\n",
	       "line 2, column 7: '52:54:00:12:34:-1' is not a MAC address like 52:54:00:12:34:56");
	expect("[vf 0000:3b:00.0 0]\nmac = +2:54:00:12:34:56\n",
	       "line 2, column 7: '+2:54:00:12:34:56' is not a MAC address like 52:54:00:12:34:56");
}

/* parse_section stores strtol's long in the int vf_index, so 4294967296
 * becomes VF 0 and the settings land on the wrong VF. Fix: check the long
 * against a bound (a PF has at most 65535 VFs) before storing it. */
Test(devconf, vf_index_beyond_int_is_not_vf_0)
{
	expect("[vf 0000:3b:00.0 4294967296]\n",
	       "line 1, column 18: a [vf] section needs the VF index after the PF address, e.g. [vf 0000:3b:00.0 0]");
}

/* Errors about a key give column 1 even when the line is indented: every
 * other error points at its token. Fix: pass the key's position (p in
 * parse_setting) instead of c->line to perr. */
Test(devconf, key_errors_point_at_the_key)
{
	expect("[vf 0000:3b:00.0 0]\n    colour = red\n", "line 2, column 5: unknown setting 'colour' " VF_KEYS);
	expect("[pf 0000:3b:00.0]\n\tmac = 52:54:00:12:34:56\n",
	       "line 2, column 2: 'mac' is not a setting of this section " SECTION_KEYS);
	expect("  vfs = 4\n",
	       "line 1, column 3: 'vfs' before any section: start with [pf ...], [vf ...] or [device ...]");
}

/* A section kind longer than 15 characters is cut in kind[16], and the
 * column is computed back from the cut length. Fix: remember where the
 * token started instead of p - strlen(kind). */
Test(devconf, long_section_kind_column)
{
	cr_assert(eq(int, devconf_parse("[physical-function 0000:3b:00.0]\n", &conf, err, sizeof(err)),
		     -EINVAL));
	assert_has(err, "line 1, column 2: unknown section 'physical-functi");
}
