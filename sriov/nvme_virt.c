/* SPDX-License-Identifier: MIT */
/*
 * NVMe SR-IOV: a VF's secondary controller starts offline with no queue or
 * interrupt resources, so the nvme driver fails on it (CSTS.CFS). The PF
 * hands it flexible resources and brings it online with Virtualization
 * Management (admin opcode 1Ch), sent through the PF's admin passthrough.
 * Identify data is parsed by the pure functions here (NVMe 2.0, 5.17.2.14
 * Primary Controller Capabilities, 5.17.2.15 Secondary Controller List).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/nvme_ioctl.h>

#include "sriov.h"

#define NVME_ADMIN_IDENTIFY     0x06
#define NVME_ADMIN_VIRT_MGMT    0x1c
#define CNS_PRIMARY_CAPS        0x14
#define CNS_SECONDARY_LIST      0x15
#define IDENTIFY_LEN            4096
#define SEC_ENTRY_LEN           32
#define SEC_MAX                 127

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

int nvme_parse_prim_caps(const void *data, size_t len, struct nvme_prim_caps *out)
{
	const uint8_t *p = data;

	if (len < 80)
		return -EINVAL;
	*out = (struct nvme_prim_caps){
		.cntlid = le16(p),
		.vq_flex_total = le32(p + 32), .vq_flex_assigned = le32(p + 36),
		.vq_max_per_sec = le16(p + 44),
		.vi_flex_total = le32(p + 64), .vi_flex_assigned = le32(p + 68),
		.vi_max_per_sec = le16(p + 76),
	};
	return 0;
}

int nvme_parse_sec_list(const void *data, size_t len, struct nvme_sec_ctrl *out, int max)
{
	const uint8_t *p = data;
	int n;

	if (len < SEC_ENTRY_LEN)
		return -EINVAL;
	n = p[0];
	if (n > SEC_MAX || (size_t)(n + 1) * SEC_ENTRY_LEN > len)
		return -EINVAL;
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++) {
		const uint8_t *e = p + SEC_ENTRY_LEN * (i + 1);

		out[i] = (struct nvme_sec_ctrl){
			.scid = le16(e), .pcid = le16(e + 2), .online = e[4] & 1,
			.vfn = le16(e + 8), .nvq = le16(e + 10), .nvi = le16(e + 12),
		};
	}
	return n;
}

uint32_t nvme_virt_mgmt_cdw10(enum nvme_vm_action act, enum nvme_vm_rtype rt, uint16_t cntlid)
{
	return (act & 0xf) | (rt & 0x7) << 8 | (uint32_t)cntlid << 16;
}

int nvme_pf_chardev(const char *pf, char *out, size_t len)
{
	char name[64];
	int ret = sysfs_pci_first_entry(pf, "nvme", "nvme", name, sizeof(name));

	if (!ret)
		snprintf(out, len, "/dev/%s", name);
	return ret;
}

static int admin_cmd(const char *pf, struct nvme_passthru_cmd *cmd, char *err, size_t errlen)
{
	char dev[64];
	int fd, ret;

	if (nvme_pf_chardev(pf, dev, sizeof(dev))) {
		snprintf(err, errlen, "%s: no NVMe controller device: bind the PF to the nvme driver "
			 "(iovm restore %s)", pf, pf);
		return -ENODEV;
	}
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open %s: %s", pf, dev, strerror(errno));
		return -errno;
	}
	ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd);
	if (ret != 0)
		snprintf(err, errlen, "%s: admin command 0x%02x (cdw10 0x%08x) failed: %s", pf,
			 cmd->opcode, cmd->cdw10,
			 ret < 0 ? strerror(errno) : "the controller returned an error status");
	close(fd);
	return ret < 0 ? -errno : ret > 0 ? -EIO : 0;
}

static int identify(const char *pf, unsigned cns, void *buf, char *err, size_t errlen)
{
	struct nvme_passthru_cmd cmd = {
		.opcode = NVME_ADMIN_IDENTIFY, .addr = (uintptr_t)buf,
		.data_len = IDENTIFY_LEN, .cdw10 = cns,
	};

	memset(buf, 0, IDENTIFY_LEN);
	return admin_cmd(pf, &cmd, err, errlen);
}

int nvme_read_prim_caps(const char *pf, struct nvme_prim_caps *caps, char *err, size_t errlen)
{
	uint8_t buf[IDENTIFY_LEN];
	int ret = identify(pf, CNS_PRIMARY_CAPS, buf, err, errlen);

	return ret ? ret : nvme_parse_prim_caps(buf, sizeof(buf), caps);
}

int nvme_read_sec_list(const char *pf, struct nvme_sec_ctrl *out, int max, char *err, size_t errlen)
{
	uint8_t buf[IDENTIFY_LEN];
	int ret = identify(pf, CNS_SECONDARY_LIST, buf, err, errlen);

	return ret ? ret : nvme_parse_sec_list(buf, sizeof(buf), out, max);
}

static int virt_mgmt(const char *pf, enum nvme_vm_action act, enum nvme_vm_rtype rt,
		     uint16_t cntlid, uint16_t nr, char *err, size_t errlen)
{
	struct nvme_passthru_cmd cmd = {
		.opcode = NVME_ADMIN_VIRT_MGMT,
		.cdw10 = nvme_virt_mgmt_cdw10(act, rt, cntlid), .cdw11 = nr,
	};

	return admin_cmd(pf, &cmd, err, errlen);
}

/* Offline, assign nvq/nvi, reset the VF, online: the order the spec wants
 * (resources change only while the secondary controller is offline). */
static int provision_one(const char *pf, const struct nvme_sec_ctrl *sc, uint16_t nvq,
			 uint16_t nvi, char *err, size_t errlen)
{
	char vf[16];
	int ret;

	if (sriov_vf_bdf(pf, sc->vfn - 1, vf, sizeof(vf)))
		return 0; /* its VF is not enabled */
	ret = virt_mgmt(pf, NVME_VM_OFFLINE, NVME_VM_VQ, sc->scid, 0, err, errlen);
	if (!ret)
		ret = virt_mgmt(pf, NVME_VM_ASSIGN, NVME_VM_VQ, sc->scid, nvq, err, errlen);
	if (!ret)
		ret = virt_mgmt(pf, NVME_VM_ASSIGN, NVME_VM_VI, sc->scid, nvi, err, errlen);
	if (!ret && (ret = sysfs_pci_write(vf, "reset", "1")))
		snprintf(err, errlen, "%s: cannot reset VF %s: %s", pf, vf, strerror(-ret));
	if (!ret)
		ret = virt_mgmt(pf, NVME_VM_ONLINE, NVME_VM_VQ, sc->scid, 0, err, errlen);
	return ret;
}

int nvme_provision_vfs(const char *pf, char *err, size_t errlen)
{
	struct nvme_sec_ctrl sec[SEC_MAX];
	struct nvme_prim_caps caps;
	int n, enabled = 0, total, ret;
	uint32_t nvq, nvi;

	if ((ret = nvme_read_prim_caps(pf, &caps, err, errlen)))
		return ret;
	if ((n = nvme_read_sec_list(pf, sec, SEC_MAX, err, errlen)) < 0)
		return n;
	sriov_read_vfs(pf, &total, &enabled);
	if (enabled <= 0)
		return 0;
	/* An even share of the flexible pool; a VF needs 2 queues (admin +
	 * one I/O) and 1 interrupt to be usable. */
	nvq = caps.vq_flex_total / enabled;
	nvi = caps.vi_flex_total / enabled;
	if (caps.vq_max_per_sec && nvq > caps.vq_max_per_sec)
		nvq = caps.vq_max_per_sec;
	if (caps.vi_max_per_sec && nvi > caps.vi_max_per_sec)
		nvi = caps.vi_max_per_sec;
	if (nvq < 2 || nvi < 1) {
		snprintf(err, errlen, "%s: %u flexible queues and %u interrupts cannot give each of %d VFs "
			 "the 2 queues and 1 interrupt it needs: enable fewer VFs", pf,
			 caps.vq_flex_total, caps.vi_flex_total, enabled);
		return -ENOSPC;
	}
	for (int i = 0; i < n && !ret; i++)
		ret = provision_one(pf, &sec[i], nvq, nvi, err, errlen);
	return ret;
}
