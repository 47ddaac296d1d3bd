/* SPDX-License-Identifier: MIT */
/*
 * NIC VF settings through rtnetlink (RTM_SETLINK on the PF's netdev with
 * IFLA_VFINFO_LIST), as `ip link set PF vf N ...` does. The kernel's own
 * refusal (errno and extended-ack text) is reported verbatim.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "sriov.h"

struct nlreq {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char buf[512];
};

static struct rtattr *attr_add(struct nlreq *r, unsigned type, const void *data, size_t len)
{
	struct rtattr *a = (void *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void attr_end(struct nlreq *r, struct rtattr *nest)
{
	nest->rta_len = (char *)r + r->nh.nlmsg_len - (char *)nest;
}

/* The PF's network interface name, from sysfs. */
int sriov_pf_netdev(const char *pf, char *out, size_t len)
{
	return sysfs_pci_first_entry(pf, "net", "", out, len);
}

static void build_vf_attrs(struct nlreq *r, const struct vf_net *s)
{
	struct rtattr *list = attr_add(r, IFLA_VFINFO_LIST, NULL, 0);
	struct rtattr *info = attr_add(r, IFLA_VF_INFO, NULL, 0);

	if (s->has_mac) {
		struct ifla_vf_mac m = { .vf = s->vf };

		memcpy(m.mac, s->mac, 6);
		attr_add(r, IFLA_VF_MAC, &m, sizeof(m));
	}
	if (s->vlan >= 0) {
		struct ifla_vf_vlan v = { .vf = s->vf, .vlan = s->vlan };

		attr_add(r, IFLA_VF_VLAN, &v, sizeof(v));
	}
	if (s->spoofchk >= 0) {
		struct ifla_vf_spoofchk v = { .vf = s->vf, .setting = s->spoofchk };

		attr_add(r, IFLA_VF_SPOOFCHK, &v, sizeof(v));
	}
	if (s->trust >= 0) {
		struct ifla_vf_trust v = { .vf = s->vf, .setting = s->trust };

		attr_add(r, IFLA_VF_TRUST, &v, sizeof(v));
	}
	if (s->max_rate >= 0) {
		struct ifla_vf_rate v = { .vf = s->vf, .max_tx_rate = s->max_rate };

		attr_add(r, IFLA_VF_RATE, &v, sizeof(v));
	}
	attr_end(r, info);
	attr_end(r, list);
}

/* Reads the ACK; a refusal gives the kernel's errno and extack text. */
static int read_ack(int fd, char *err, size_t errlen, const char *dev, int vf)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	struct nlmsghdr *nh = (void *)buf;
	struct nlmsgerr *e;
	const char *msg = NULL;

	if (n < (ssize_t)NLMSG_LENGTH(sizeof(*e)) || nh->nlmsg_type != NLMSG_ERROR)
		return 0;
	e = NLMSG_DATA(nh);
	if (!e->error)
		return 0;
	if (nh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = NLMSG_LENGTH(sizeof(*e)) +
			     ((nh->nlmsg_flags & NLM_F_CAPPED) ? 0 : e->msg.nlmsg_len - NLMSG_HDRLEN);
		for (struct rtattr *a = (void *)(buf + NLMSG_ALIGN(off));
		     (char *)a + sizeof(*a) <= buf + n && a->rta_len >= sizeof(*a);
		     a = (void *)((char *)a + RTA_ALIGN(a->rta_len)))
			if (a->rta_type == NLMSGERR_ATTR_MSG)
				msg = RTA_DATA(a);
	}
	snprintf(err, errlen, "%s vf %d: the kernel refused: %s%s%s", dev, vf, strerror(-e->error),
		 msg ? ": " : "", msg ? msg : "");
	return e->error;
}

int sriov_vf_set_net(const char *pf, const struct vf_net *s, char *err, size_t errlen)
{
	struct nlreq r = { 0 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char dev[IFNAMSIZ];
	int fd, one = 1, ret;

	if (sriov_pf_netdev(pf, dev, sizeof(dev))) {
		snprintf(err, errlen, "%s has no network interface: mac, vlan, spoofchk, trust and "
			 "max-rate are settings of NIC VFs", pf);
		return -ENODEV;
	}
	r.nh = (struct nlmsghdr){ .nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi)), .nlmsg_type = RTM_SETLINK,
				  .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK };
	r.ifi = (struct ifinfomsg){ .ifi_family = AF_UNSPEC, .ifi_index = if_nametoindex(dev) };
	build_vf_attrs(&r, s);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	ret = sendto(fd, &r, r.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno
		: read_ack(fd, err, errlen, dev, s->vf);
	if (ret == -EPERM || ret == -EACCES)
		snprintf(err + strlen(err), errlen - strlen(err), " (run as root)");
	close(fd);
	return ret;
}
