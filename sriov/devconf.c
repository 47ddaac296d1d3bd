/* SPDX-License-Identifier: MIT */
/*
 * The declarative device file (/etc/iovm/devices.conf). Pure parser: every
 * error names the line and column and says what was expected.
 *
 *   [pf 0000:3b:00.0]          a physical function
 *   vfs = 4                    how many VFs it should have
 *   driver = ice               the PF's own driver (optional)
 *
 *   [vf 0000:3b:00.0 2]        VF 2 of that PF (never an IOMMU group number:
 *   driver = vfio-pci          those change across boots)
 *   mac = 52:54:00:00:00:02    NIC VFs: mac, vlan, spoofchk, trust, max-rate
 *
 *   [device 0000:00:02.0]      any other function
 *   driver = vfio-pci
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sriov.h"

struct cursor {
	const char *line;
	int lineno;
	char *err;
	size_t errlen;
};

static int perr(struct cursor *c, const char *at, const char *fmt, const char *arg)
{
	/* lineno 0: a command-line option, where a position means nothing. */
	int n = c->lineno ? snprintf(c->err, c->errlen, "line %d, column %d: ", c->lineno,
				     (int)(at - c->line) + 1) : 0;

	if (n >= 0 && (size_t)n < c->errlen)
		snprintf(c->err + n, c->errlen - n, fmt, arg);
	return -EINVAL;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copies the next token (up to whitespace, ']' or '='). */
static const char *token(const char *p, char *out, size_t len)
{
	size_t n = 0;

	while (*p && !isspace((unsigned char)*p) && *p != ']' && *p != '=' && *p != '#') {
		if (n + 1 < len)
			out[n++] = *p;
		p++;
	}
	out[n] = 0;
	return p;
}

static int parse_section(struct cursor *c, const char *p, struct devconf *conf)
{
	struct devconf_entry *e;
	char kind[16], bdf[32], idx[16] = "";
	const char *at, *kat;

	if (conf->n == DEVCONF_MAX)
		return perr(c, p, "more than %s sections", "64");
	e = &conf->e[conf->n];
	memset(e, 0, sizeof(*e));
	e->vfs = -1;
	e->vf_index = -1;
	e->spoofchk = e->trust = e->vlan = e->max_rate = -1;
	e->lineno = c->lineno;
	kat = skip_ws(p + 1);
	p = token(kat, kind, sizeof(kind));
	if (!strcmp(kind, "pf"))
		e->kind = DEVCONF_PF;
	else if (!strcmp(kind, "vf"))
		e->kind = DEVCONF_VF;
	else if (!strcmp(kind, "device"))
		e->kind = DEVCONF_DEVICE;
	else
		return perr(c, kat, "unknown section '%s': use [pf BDF], [vf PF-BDF INDEX] or [device BDF]", kind);
	at = skip_ws(p);
	p = token(at, bdf, sizeof(bdf));
	if (!pci_bdf_valid(bdf))
		return perr(c, at, "'%s' is not a PCI address: write DDDD:BB:DD.F as lspci -D shows it", bdf);
	snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
	if (e->kind == DEVCONF_VF) {
		char *end;
		long index;

		at = skip_ws(p);
		p = token(at, idx, sizeof(idx));
		index = strtol(idx, &end, 10);
		if (!idx[0] || *end || index < 0 || index > 65535)
			return perr(c, at, "a [vf] section needs the VF index after the PF address, e.g. [vf %s 0]", bdf);
		e->vf_index = index;
	}
	p = skip_ws(p);
	if (*p != ']')
		return perr(c, p, "expected ']' to close the section%s", "");
	p = skip_ws(p + 1);
	if (*p && *p != '#')
		return perr(c, p, "unexpected text after ']'%s", "");
	conf->n++;
	return 0;
}

static int parse_bool(struct cursor *c, const char *at, const char *v, int *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
		*out = 1;
	else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
		*out = 0;
	else
		return perr(c, at, "'%s' is not on or off", v);
	return 0;
}

static int parse_number(struct cursor *c, const char *at, const char *v, long max, long *out)
{
	char *end;

	*out = strtol(v, &end, 10);
	if (!v[0] || *end || *out < 0 || *out > max)
		return perr(c, at, "'%s' is not a number in range", v);
	return 0;
}

static int parse_mac(struct cursor *c, const char *at, const char *v, uint8_t mac[6])
{
	/* Exactly hh:hh:hh:hh:hh:hh: sscanf alone would take signs and blanks. */
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? v[i] != ':' : !isxdigit((unsigned char)v[i]))
			return perr(c, at, "'%s' is not a MAC address like 52:54:00:12:34:56", v);
	if (v[17])
		return perr(c, at, "'%s' is not a MAC address like 52:54:00:12:34:56", v);
	for (int i = 0; i < 6; i++)
		mac[i] = strtoul(v + 3 * i, NULL, 16);
	return 0;
}

static int vf_setting(struct cursor *c, struct devconf_entry *e, const char *key,
		      const char *kat, const char *val, const char *vat)
{
	long n;

	if (!strcmp(key, "mac"))
		return parse_mac(c, vat, val, e->mac) ?: (e->has_mac = true, 0);
	if (!strcmp(key, "vlan"))
		return parse_number(c, vat, val, 4094, &n) ?: (e->vlan = n, 0);
	if (!strcmp(key, "spoofchk"))
		return parse_bool(c, vat, val, &e->spoofchk);
	if (!strcmp(key, "trust"))
		return parse_bool(c, vat, val, &e->trust);
	if (!strcmp(key, "max-rate"))
		return parse_number(c, vat, val, 1000000, &n) ?: (e->max_rate = n, 0);
	return perr(c, kat, "unknown setting '%s' (vf: driver, mac, vlan, spoofchk, trust, max-rate)", key);
}

int devconf_vf_option(struct devconf_entry *e, const char *key, const char *val,
		      char *err, size_t errlen)
{
	struct cursor c = { .line = val, .err = err, .errlen = errlen };

	return vf_setting(&c, e, key, val, val, val);
}

static int parse_setting(struct cursor *c, const char *p, struct devconf *conf)
{
	struct devconf_entry *e = conf->n ? &conf->e[conf->n - 1] : NULL;
	char key[32], val[64];
	const char *vat, *kat = p;
	long n;

	p = token(p, key, sizeof(key));
	p = skip_ws(p);
	if (!e)
		return perr(c, kat, "'%s' before any section: start with [pf ...], [vf ...] or [device ...]", key);
	if (*p != '=')
		return perr(c, p, "expected '=' after '%s'", key);
	vat = skip_ws(p + 1);
	p = skip_ws(token(vat, val, sizeof(val)));
	if (!val[0])
		return perr(c, vat, "'%s' needs a value", key);
	if (*p && *p != '#')
		return perr(c, p, "unexpected text after the value of '%s'", key);
	if (!strcmp(key, "driver")) {
		snprintf(e->driver, sizeof(e->driver), "%s", val);
		return 0;
	}
	if (!strcmp(key, "vfs") && e->kind == DEVCONF_PF) {
		if (parse_number(c, vat, val, 4096, &n))
			return -EINVAL;
		e->vfs = n;
		return 0;
	}
	if (e->kind != DEVCONF_VF)
		return perr(c, kat, "'%s' is not a setting of this section (pf: vfs, driver; "
			    "device: driver; vf: driver, mac, vlan, spoofchk, trust, max-rate)", key);
	return vf_setting(c, e, key, kat, val, vat);
}

static int parse_line(struct cursor *c, struct devconf *conf)
{
	const char *p = skip_ws(c->line);

	if (!*p || *p == '#')
		return 0;
	if (*p == '[')
		return parse_section(c, p, conf);
	if (!isalpha((unsigned char)*p))
		return perr(c, p, "expected a [section] or 'key = value'%s", "");
	return parse_setting(c, p, conf);
}

int devconf_parse(const char *text, struct devconf *conf, char *err, size_t errlen)
{
	struct cursor c = { .err = err, .errlen = errlen };
	char line[512];
	int ret = 0;

	memset(conf, 0, sizeof(*conf));
	for (const char *p = text; *p && !ret;) {
		size_t n = strcspn(p, "\n");

		c.lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %d: longer than %zu characters", c.lineno, sizeof(line) - 1);
			return -EINVAL;
		}
		memcpy(line, p, n);
		line[n] = 0;
		if (n && line[n - 1] == '\r')
			line[n - 1] = 0; /* files written on Windows */
		c.line = line;
		ret = parse_line(&c, conf);
		p += n + (p[n] == '\n');
	}
	for (int i = 0; i < conf->n && !ret; i++)
		for (int j = 0; j < i; j++)
			if (conf->e[i].kind == conf->e[j].kind && !strcmp(conf->e[i].bdf, conf->e[j].bdf) &&
			    conf->e[i].vf_index == conf->e[j].vf_index) {
				snprintf(err, errlen, "line %d: this section repeats the one on line %d",
					 conf->e[i].lineno, conf->e[j].lineno);
				return -EINVAL;
			}
	return ret;
}
