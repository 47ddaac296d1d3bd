/* SPDX-License-Identifier: MIT */
/*
 * sriov/nvme_virt.c: the Identify parsers and the Virtualization Management
 * command word, on buffers laid out per NVMe 2.0 (Figure "Primary Controller
 * Capabilities Structure", Figure "Secondary Controller List", Figure
 * "Virtualization Management - Command Dword 10"), and what needs the nvme
 * driver failing cleanly on the recorded tree.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "fixture.h"
#include "fixture_sriov.h"
#include "sriov.h"

#define assert_has(s, sub) cr_assert(strstr((s), (sub)) != NULL, "'%s' lacks '%s'", (s), (sub))

static uint8_t buf[4096 + 64];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

/* Every field with bytes that differ, and the fields the parser does not
 * return (PORTID, CRT, VQRFAP, VQPRT, VQGRAN, VIRFAP, VIPRT, VIGRAN) set
 * too, so a field read at the wrong offset or width shows. */
static void prim_caps_image(void)
{
	memset(buf, 0xee, sizeof(buf));
	memset(buf, 0, 4096);
	put16(buf + 0, 0x0141);          /* CNTLID */
	put16(buf + 2, 0x5a5a);          /* PORTID */
	buf[4] = 0x03;                   /* CRT */
	put32(buf + 32, 0x00012345);     /* VQFRT */
	put32(buf + 36, 0x00000678);     /* VQRFA */
	put16(buf + 40, 0x1111);         /* VQRFAP */
	put16(buf + 42, 0x2222);         /* VQPRT */
	put16(buf + 44, 0x0abc);         /* VQFRSM */
	put16(buf + 46, 0x3333);         /* VQGRAN */
	put32(buf + 64, 0x00098765);     /* VIFRT */
	put32(buf + 68, 0x00000432);     /* VIRFA */
	put16(buf + 72, 0x4444);         /* VIRFAP */
	put16(buf + 74, 0x5555);         /* VIPRT */
	put16(buf + 76, 0x0def);         /* VIFRSM */
	put16(buf + 78, 0x6666);         /* VIGRAN */
}

Test(nvme_parse, primary_controller_capabilities)
{
	struct nvme_prim_caps c;

	prim_caps_image();
	cr_assert(eq(int, nvme_parse_prim_caps(buf, 4096, &c), 0));
	cr_assert(eq(u16, c.cntlid, 0x0141));
	cr_assert(eq(u32, c.vq_flex_total, 0x00012345));
	cr_assert(eq(u32, c.vq_flex_assigned, 0x00000678));
	cr_assert(eq(u16, c.vq_max_per_sec, 0x0abc));
	cr_assert(eq(u32, c.vi_flex_total, 0x00098765));
	cr_assert(eq(u32, c.vi_flex_assigned, 0x00000432));
	cr_assert(eq(u16, c.vi_max_per_sec, 0x0def));
}

Test(nvme_parse, primary_caps_use_all_32_bits)
{
	struct nvme_prim_caps c;

	prim_caps_image();
	put32(buf + 32, 0xfedcba98);
	put32(buf + 68, 0x80000001);
	cr_assert(eq(int, nvme_parse_prim_caps(buf, 4096, &c), 0));
	cr_assert(eq(u32, c.vq_flex_total, 0xfedcba98));
	cr_assert(eq(u32, c.vi_flex_assigned, 0x80000001));
}

Test(nvme_parse, primary_caps_short_buffer)
{
	struct nvme_prim_caps c, before;

	prim_caps_image();
	memset(&c, 0xa5, sizeof(c));
	before = c;
	cr_assert(eq(int, nvme_parse_prim_caps(buf, 0, &c), -EINVAL));
	cr_assert(eq(int, nvme_parse_prim_caps(buf, 64, &c), -EINVAL));
	/* VIFRSM ends at byte 77. */
	cr_assert(eq(int, nvme_parse_prim_caps(buf, 77, &c), -EINVAL));
	cr_assert(eq(int, memcmp(&c, &before, sizeof(c)), 0), "written on failure");
}

static void sec_entry(int i, uint16_t scid, uint16_t pcid, uint8_t scs, uint16_t vfn,
		      uint16_t nvq, uint16_t nvi)
{
	uint8_t *e = buf + 32 + 32 * i;

	put16(e + 0, scid);
	put16(e + 2, pcid);
	e[4] = scs;
	memset(e + 5, 0xcc, 3);          /* reserved */
	put16(e + 8, vfn);
	put16(e + 10, nvq);
	put16(e + 12, nvi);
	memset(e + 14, 0xcc, 18);        /* reserved */
}

static void sec_list_image(int count)
{
	memset(buf, 0, sizeof(buf));
	buf[0] = count;                  /* NUMID */
	memset(buf + 1, 0xcc, 31);       /* reserved */
	sec_entry(0, 0x0102, 0x0141, 0x01, 0x0001, 0x0010, 0x0008);
	sec_entry(1, 0x0203, 0x0141, 0x00, 0x0002, 0x0000, 0x0000);
	sec_entry(2, 0x0304, 0x0141, 0xfe, 0x0103, 0xa0b0, 0xc0d0);
}

Test(nvme_parse, secondary_controller_list)
{
	struct nvme_sec_ctrl s[4];

	sec_list_image(3);
	cr_assert(eq(int, nvme_parse_sec_list(buf, 4096, s, 4), 3));
	cr_assert(eq(u16, s[0].scid, 0x0102));
	cr_assert(eq(u16, s[0].pcid, 0x0141));
	cr_assert(s[0].online);
	cr_assert(eq(u16, s[0].vfn, 1));
	cr_assert(eq(u16, s[0].nvq, 0x10));
	cr_assert(eq(u16, s[0].nvi, 8));
	cr_assert(eq(u16, s[1].scid, 0x0203));
	cr_assert_not(s[1].online);
	cr_assert(eq(u16, s[1].vfn, 2));
	cr_assert(eq(u16, s[1].nvq, 0));
	/* SCS: only bit 0 is the online state. */
	cr_assert_not(s[2].online);
	cr_assert(eq(u16, s[2].scid, 0x0304));
	cr_assert(eq(u16, s[2].vfn, 0x0103));
	cr_assert(eq(u16, s[2].nvq, 0xa0b0));
	cr_assert(eq(u16, s[2].nvi, 0xc0d0));
}

Test(nvme_parse, secondary_list_empty)
{
	struct nvme_sec_ctrl s[1];

	sec_list_image(0);
	cr_assert(eq(int, nvme_parse_sec_list(buf, 4096, s, 1), 0));
}

Test(nvme_parse, secondary_list_count_past_the_buffer)
{
	struct nvme_sec_ctrl s[4];

	sec_list_image(3);
	/* Header and three entries: 128 bytes. */
	cr_assert(eq(int, nvme_parse_sec_list(buf, 127, s, 4), -EINVAL));
	cr_assert(eq(int, nvme_parse_sec_list(buf, 96, s, 4), -EINVAL));
	cr_assert(eq(int, nvme_parse_sec_list(buf, 128, s, 4), 3));
	cr_assert(eq(int, nvme_parse_sec_list(buf, 16, s, 4), -EINVAL));
}

Test(nvme_parse, secondary_list_full_and_over_full)
{
	static struct nvme_sec_ctrl s[128];

	/* 127 entries fill the 4 KiB; NUMID 128 is not a valid count. */
	sec_list_image(127);
	put16(buf + 32 + 32 * 126, 0x7f7f);
	cr_assert(eq(int, nvme_parse_sec_list(buf, 4096, s, 128), 127));
	cr_assert(eq(u16, s[126].scid, 0x7f7f));
	buf[0] = 128;
	cr_assert(eq(int, nvme_parse_sec_list(buf, sizeof(buf), s, 128), -EINVAL));
}

Test(nvme_parse, secondary_list_max_limits)
{
	struct nvme_sec_ctrl s[3];

	sec_list_image(3);
	memset(s, 0xa5, sizeof(s));
	cr_assert(eq(int, nvme_parse_sec_list(buf, 4096, s, 2), 2));
	cr_assert(eq(u16, s[1].scid, 0x0203));
	cr_assert(eq(u16, s[2].scid, 0xa5a5), "wrote past max");
	cr_assert(eq(int, nvme_parse_sec_list(buf, 4096, s, 0), 0));
}

Test(nvme_parse, virt_mgmt_cdw10_layout)
{
	/* ACT 3:0, RT 10:8, CNTLID 31:16. */
	cr_assert(eq(u32, nvme_virt_mgmt_cdw10(NVME_VM_ASSIGN, NVME_VM_VQ, 0x1234), 0x12340008));
	cr_assert(eq(u32, nvme_virt_mgmt_cdw10(NVME_VM_ASSIGN, NVME_VM_VI, 0x0002), 0x00020108));
	cr_assert(eq(u32, nvme_virt_mgmt_cdw10(NVME_VM_OFFLINE, NVME_VM_VQ, 0x0001), 0x00010007));
	cr_assert(eq(u32, nvme_virt_mgmt_cdw10(NVME_VM_ONLINE, NVME_VM_VQ, 0xffff), 0xffff0009));
	/* The action codes are the spec's. */
	cr_assert(eq(int, NVME_VM_OFFLINE, 7));
	cr_assert(eq(int, NVME_VM_ASSIGN, 8));
	cr_assert(eq(int, NVME_VM_ONLINE, 9));
}

Test(nvme_parse, virt_mgmt_cdw10_keeps_reserved_bits_clear)
{
	uint32_t v = nvme_virt_mgmt_cdw10((enum nvme_vm_action)0xff, (enum nvme_vm_rtype)0xff, 0);

	/* Bits 7:4 and 15:11 are reserved. */
	cr_assert(eq(u32, v, 0x0000070f));
}

/* ---- what needs the nvme driver, on the recorded tree ---- */

TestSuite(nvme_tree, .init = fxs_setup, .fini = fxs_teardown);

Test(nvme_tree, chardev_of_the_pf)
{
	char dev[64];

	cr_assert(eq(int, nvme_pf_chardev(FXS_PF, dev, sizeof(dev)), -ENOENT));
	fxs_attr(FXS_PF, "nvme/nvme3/dev", "259:3\n");
	cr_assert(eq(int, nvme_pf_chardev(FXS_PF, dev, sizeof(dev)), 0));
	cr_assert(eq(str, dev, "/dev/nvme3"));
	cr_assert(eq(int, nvme_pf_chardev(FXS_VF1, dev, sizeof(dev)), -ENOENT));
}

Test(nvme_tree, provisioning_without_the_nvme_driver)
{
	char err[256];

	cr_assert(eq(int, nvme_provision_vfs(FXS_PF, err, sizeof(err)), -ENODEV));
	cr_assert(eq(str, err, FXS_PF ": no NVMe controller device: bind the PF to the nvme "
		     "driver (iovm restore " FXS_PF ")"));
}
