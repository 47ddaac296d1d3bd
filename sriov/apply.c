/* SPDX-License-Identifier: MIT */
/*
 * `iovm apply`: the host converges on the device file. Changes happen in
 * dependency order (VFs exist before they are bound) and are journaled, so
 * a failure half way leaves the host as it was, not half changed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sriov.h"

#define MAX_UNDO (DEVCONF_MAX * 2)

struct undo {
	enum { UNDO_NUMVFS, UNDO_DRIVER } kind;
	char bdf[16];
	int numvfs;
	char driver[32];
};

struct run {
	const struct devconf *conf;
	bool dry;
	FILE *out;
	struct undo undo[MAX_UNDO];
	int nundo, changes;
	char *err;
	size_t errlen;
};

static void note(struct run *r, const char *fmt, const char *a, const char *b)
{
	fprintf(r->out, r->dry ? "would: " : "apply: ");
	fprintf(r->out, fmt, a, b);
	fputc('\n', r->out);
	r->changes++;
}

static int set_numvfs(struct run *r, const struct devconf_entry *e)
{
	int total, cur, ret;
	char change[32], now[16];

	if (e->vfs < 0)
		return 0;
	if ((ret = sriov_read_vfs(e->bdf, &total, &cur))) {
		snprintf(r->err, r->errlen, "line %d: %s is not an SR-IOV PF on this host", e->lineno, e->bdf);
		return ret == -ENOENT ? -ENODEV : ret;
	}
	if (cur == e->vfs)
		return 0;
	snprintf(change, sizeof(change), "%d -> %d", cur, e->vfs);
	note(r, "%s: VFs %s", e->bdf, change);
	if (r->dry)
		return 0;
	r->undo[r->nundo++] = (struct undo){ .kind = UNDO_NUMVFS, .numvfs = cur };
	snprintf(r->undo[r->nundo - 1].bdf, 16, "%s", e->bdf);
	ret = sriov_set_numvfs(e->bdf, e->vfs, r->err, r->errlen);
	if (!ret && e->vfs > 0 && nvme_pf_chardev(e->bdf, now, sizeof(now)) == 0)
		ret = nvme_provision_vfs(e->bdf, r->err, r->errlen);
	return ret;
}

/* The VF count the file asks of pf, or -1 when it has no [pf] section. */
static int planned_vfs(const struct run *r, const char *pf)
{
	for (int i = 0; i < r->conf->n; i++)
		if (r->conf->e[i].kind == DEVCONF_PF && !strcmp(r->conf->e[i].bdf, pf))
			return r->conf->e[i].vfs;
	return -1;
}

/* In a dry run the VF counts are not changed yet: whether pf's VFs are
 * going to be made anew (and so come up without a driver). */
static bool vfs_remade(const struct run *r, const char *pf)
{
	int total, cur, want = planned_vfs(r, pf);

	return r->dry && want >= 0 && sriov_read_vfs(pf, &total, &cur) == 0 && cur != want;
}

/* The function a section names. A VF missing in a dry run is fine only
 * when the file creates it. */
static int entry_bdf(struct run *r, const struct devconf_entry *e, char *bdf, size_t len)
{
	if (e->kind != DEVCONF_VF) {
		snprintf(bdf, len, "%s", e->bdf);
		return 0;
	}
	if (sriov_vf_bdf(e->bdf, e->vf_index, bdf, len) == 0)
		return 0;
	if (r->dry && planned_vfs(r, e->bdf) > e->vf_index) {
		snprintf(bdf, len, "VF%d", e->vf_index);
		return 0;
	}
	snprintf(r->err, r->errlen, "line %d: %s has no VF %d (set vfs in its [pf] section)",
		 e->lineno, e->bdf, e->vf_index);
	return -ENODEV;
}

static int set_driver(struct run *r, const struct devconf_entry *e)
{
	char bdf[16], cur[32] = "";
	int ret;

	if (!e->driver[0])
		return 0;
	if ((ret = entry_bdf(r, e, bdf, sizeof(bdf))))
		return ret;
	if (!(e->kind == DEVCONF_VF && vfs_remade(r, e->bdf)))
		sysfs_pci_link(bdf, "driver", cur, sizeof(cur));
	if (!strcmp(cur, e->driver))
		return 0;
	note(r, "%s: driver -> %s", bdf, e->driver);
	if (r->dry)
		return 0;
	r->undo[r->nundo] = (struct undo){ .kind = UNDO_DRIVER };
	snprintf(r->undo[r->nundo].bdf, 16, "%s", bdf);
	snprintf(r->undo[r->nundo++].driver, 32, "%s", cur);
	return pci_bind(bdf, e->driver, r->err, r->errlen);
}

static int set_vf_net(struct run *r, const struct devconf_entry *e)
{
	struct vf_net s = { .vf = e->vf_index, .has_mac = e->has_mac, .vlan = e->vlan,
			    .spoofchk = e->spoofchk, .trust = e->trust, .max_rate = e->max_rate };
	char vf[16];

	if (e->kind != DEVCONF_VF || (!s.has_mac && s.vlan < 0 && s.spoofchk < 0 &&
				      s.trust < 0 && s.max_rate < 0))
		return 0;
	memcpy(s.mac, e->mac, 6);
	snprintf(vf, sizeof(vf), "%d", e->vf_index);
	note(r, "%s: VF settings (mac/vlan/spoofchk/trust/max-rate) for VF %s", e->bdf, vf);
	/* Settings are not read back, so they are re-applied every run. */
	return r->dry ? 0 : sriov_vf_set_net(e->bdf, &s, r->err, r->errlen);
}

static void rollback(struct run *r)
{
	char ignored[512];

	while (r->nundo > 0) {
		struct undo *u = &r->undo[--r->nundo];

		fprintf(r->out, "undo: %s\n", u->bdf);
		if (u->kind == UNDO_NUMVFS)
			sriov_set_numvfs(u->bdf, u->numvfs, ignored, sizeof(ignored));
		else if (u->driver[0])
			pci_bind_checked(u->bdf, u->driver, true, ignored, sizeof(ignored));
		else
			pci_unbind(u->bdf, ignored, sizeof(ignored));
	}
}

int devconf_apply(const struct devconf *conf, bool dry_run, FILE *out, char *err, size_t errlen)
{
	struct run r = { .conf = conf, .dry = dry_run, .out = out, .err = err, .errlen = errlen };
	int ret = 0;

	err[0] = 0;
	for (int i = 0; i < conf->n && !ret; i++)
		if (conf->e[i].kind == DEVCONF_PF)
			ret = set_numvfs(&r, &conf->e[i]);
	for (int i = 0; i < conf->n && !ret; i++)
		ret = set_driver(&r, &conf->e[i]);
	for (int i = 0; i < conf->n && !ret; i++)
		ret = set_vf_net(&r, &conf->e[i]);
	if (ret) {
		rollback(&r);
		return ret;
	}
	return r.changes;
}
