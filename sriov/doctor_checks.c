/* SPDX-License-Identifier: MIT */
/*
 * `iovm doctor`: every layer passthrough stands on, checked bottom up, with
 * one concrete fix per failure. The point is to send people to the right
 * place: an IOMMU that the firmware never described (no DMAR/IVRS table) is
 * fixed in the firmware setup, one the firmware described but Linux did not
 * start is fixed on the kernel command line. doctor_gather() does all the
 * reading; the deciders below only look at struct doctor_facts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sriov.h"

/* ---- result helpers ---- */

static __attribute__((format(printf, 3, 4)))
void say(struct doctor_result *r, enum doctor_status st, const char *fmt, ...)
{
	va_list ap;

	r->status = st;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static __attribute__((format(printf, 2, 3)))
void fix(struct doctor_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->fix, sizeof(r->fix), fmt, ap);
	va_end(ap);
}

static void begin(struct doctor_result *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->status = DOCTOR_SKIP;
}

/* Appends to a "; "-separated list in buf. */
static __attribute__((format(printf, 3, 4)))
void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used && used + 2 < len) {
		strcpy(buf + used, "; ");
		used += 2;
	}
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* ---- fact interpretation (pure) ---- */

/* Whole-word match in a cpuinfo flags line: "svm" must not match "svm_lock". */
static bool has_flag(const char *flags, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = flags; (p = strstr(p, word)); p += n)
		if ((p == flags || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == 0 || p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
			return true;
	return false;
}

static bool is_vm(const struct doctor_facts *f)
{
	return has_flag(f->cpu_flags, "hypervisor");
}

/*
 * The last "key" or "key=value" among the kernel's own parameters (those
 * after a lone "--" go to init); later ones override earlier ones, as in
 * the kernel. val gets the value, "" for a bare key.
 */
static bool cmdline_param(const char *cmdline, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	bool found = false;
	const char *p = cmdline;

	while (*p) {
		size_t tlen;

		p += strspn(p, " \t\n");
		tlen = strcspn(p, " \t\n");
		if (!tlen)
			break;
		if (tlen == 2 && !strncmp(p, "--", 2))
			break;
		if (tlen >= klen && !strncmp(p, key, klen) && (tlen == klen || p[klen] == '=')) {
			size_t vlen = tlen > klen ? tlen - klen - 1 : 0;

			if (vlen >= len)
				vlen = len - 1;
			memcpy(val, p + klen + (tlen > klen), vlen);
			val[vlen] = 0;
			found = true;
		}
		p += tlen;
	}
	return found;
}

/* Whether a comma-separated value list has the word (intel_iommu=on,sm_on). */
static bool value_has(const char *val, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = val; *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, word, n) && (p[n] == 0 || p[n] == ','))
			return true;
	return false;
}

/* The parameter that turns the IOMMU off in the kernel, e.g. "intel_iommu=off". */
static bool iommu_disabled_by(const char *cmdline, char *tok, size_t len)
{
	static const char *const keys[] = { "intel_iommu", "amd_iommu", "iommu" };
	char val[128];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cmdline_param(cmdline, keys[i], val, sizeof(val)) && value_has(val, "off")) {
			snprintf(tok, len, "%s=%s", keys[i], val);
			return true;
		}
	return false;
}

/* The parameter that turns interrupt remapping off, e.g. "intremap=off". */
static bool intremap_disabled_by(const char *cmdline, char *tok, size_t len)
{
	char val[64];

	if (cmdline_param(cmdline, "intremap", val, sizeof(val)) && value_has(val, "off")) {
		snprintf(tok, len, "intremap=%s", val);
		return true;
	}
	if (cmdline_param(cmdline, "nointremap", val, sizeof(val))) {
		snprintf(tok, len, "nointremap");
		return true;
	}
	return false;
}

enum vendor { VENDOR_UNKNOWN, VENDOR_INTEL, VENDOR_AMD };

/* Whose IOMMU: the firmware table says best (the lab has an AMD-flavoured
 * TCG CPU with an Intel VT-d), the CPU otherwise. */
static enum vendor iommu_vendor(const struct doctor_facts *f)
{
	if (f->dmar)
		return VENDOR_INTEL;
	if (f->ivrs)
		return VENDOR_AMD;
	if (has_flag(f->cpu_flags, "vmx") || !strcmp(f->cpu_vendor, "GenuineIntel"))
		return VENDOR_INTEL;
	if (has_flag(f->cpu_flags, "svm") || !strcmp(f->cpu_vendor, "AuthenticAMD") ||
	    !strcmp(f->cpu_vendor, "HygonGenuine"))
		return VENDOR_AMD;
	return VENDOR_UNKNOWN;
}

static const char *const vendor_iommu_name[] = {
	[VENDOR_UNKNOWN] = "VT-d (Intel) or AMD-Vi (AMD)",
	[VENDOR_INTEL] = "VT-d",
	[VENDOR_AMD] = "AMD-Vi",
};

static const char grub_how[] =
	"GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot";

/* The fix for an IOMMU the firmware does not describe. */
static void fix_firmware_iommu(const struct doctor_facts *f, struct doctor_result *r)
{
	static const char *const where[] = {
		[VENDOR_UNKNOWN] = "VT-d (Intel) or the IOMMU / AMD-Vi (AMD)",
		[VENDOR_INTEL] = "VT-d ('Intel Virtualization Technology for Directed I/O')",
		[VENDOR_AMD] = "the IOMMU ('IOMMU' or 'AMD-Vi')",
	};

	if (is_vm(f))
		fix(r, "this is a VM, whose firmware is its hypervisor's: give it a virtual "
		       "IOMMU (QEMU: -machine q35,kernel-irqchip=split -device "
		       "intel-iommu,intremap=on), or run on bare metal with %s enabled in "
		       "the firmware setup", vendor_iommu_name[iommu_vendor(f)]);
	else
		fix(r, "enable %s in the firmware (BIOS/UEFI) setup, then reboot",
		    where[iommu_vendor(f)]);
}

/* The fix for an IOMMU the firmware describes but Linux did not start. */
static void fix_kernel_iommu(const struct doctor_facts *f, struct doctor_result *r)
{
	char tok[160];

	if (iommu_disabled_by(f->cmdline, tok, sizeof(tok)))
		fix(r, "remove '%s' from the kernel command line (%s)", tok, grub_how);
	else if (iommu_vendor(f) == VENDOR_AMD)
		fix(r, "AMD-Vi starts by default in a kernel built with CONFIG_AMD_IOMMU=y: "
		       "boot one ('dmesg | grep -i AMD-Vi' names anything else that stopped "
		       "it)");
	else
		fix(r, "boot with intel_iommu=on (add it to %s)", grub_how);
}

/* ---- the deciders ---- */

void doctor_check_cpu(const struct doctor_facts *f, struct doctor_result *r)
{
	begin(r, "cpu virtualization");
	if (!f->cpu_flags[0]) {
		say(r, DOCTOR_SKIP, "cannot read the flags line of /proc/cpuinfo");
		return;
	}
	if (has_flag(f->cpu_flags, "vmx")) {
		say(r, DOCTOR_OK, "vmx (Intel VT-x)");
		return;
	}
	if (has_flag(f->cpu_flags, "svm")) {
		say(r, DOCTOR_OK, "svm (AMD-V)");
		return;
	}
	if (!is_vm(f)) {
		say(r, DOCTOR_FAIL, "no vmx or svm flag: hardware virtualization is off in "
				    "firmware");
		fix(r, "enable VT-x ('Intel Virtualization Technology') or AMD-V ('SVM "
		       "Mode') in the firmware (BIOS/UEFI) setup, then reboot");
		return;
	}
	say(r, DOCTOR_FAIL, "no vmx or svm flag: this is a VM whose hypervisor does not "
			    "pass VT-x/AMD-V through%s", f->kvm_pvm ?
			    " (/dev/kvm here is KVM on PVM: software virtualization, no "
			    "passthrough, Linux guests crawl)" : "");
	fix(r, "enable nested virtualization on the outer host (kvm_intel/kvm_amd "
	       "nested=1, and -cpu host for this VM), or run on bare metal");
}

void doctor_check_kvm(const struct doctor_facts *f, struct doctor_result *r)
{
	bool vmx = has_flag(f->cpu_flags, "vmx"), svm = has_flag(f->cpu_flags, "svm");

	begin(r, "/dev/kvm");
	if (f->kvm_dev) {
		say(r, DOCTOR_OK, "present%s", f->kvm_pvm ? " (served by kvm_pvm)" : "");
		return;
	}
	say(r, DOCTOR_FAIL, "no /dev/kvm: the KVM module is not loaded");
	if (vmx || svm)
		fix(r, "modprobe %s", vmx ? "kvm_intel" : "kvm_amd");
	else
		fix(r, "fix 'cpu virtualization' first, then modprobe kvm_intel or kvm_amd");
}

void doctor_check_firmware(const struct doctor_facts *f, struct doctor_result *r)
{
	begin(r, "firmware IOMMU table");
	if (f->dmar) {
		say(r, DOCTOR_OK, "DMAR (Intel VT-d)");
		return;
	}
	if (f->ivrs) {
		say(r, DOCTOR_OK, "IVRS (AMD-Vi)");
		return;
	}
	say(r, DOCTOR_FAIL, "no DMAR or IVRS table in /sys/firmware/acpi/tables: the "
			    "IOMMU is off in firmware%s",
	    is_vm(f) ? " (this VM's hypervisor gives it none)" : "");
	fix_firmware_iommu(f, r);
}

void doctor_check_iommu(const struct doctor_facts *f, struct doctor_result *r)
{
	begin(r, "kernel IOMMU");
	if (f->iommu_units > 0) {
		say(r, DOCTOR_OK, "%d unit%s in /sys/class/iommu (%s)", f->iommu_units,
		    f->iommu_units == 1 ? "" : "s", f->iommu_unit);
		return;
	}
	if (!f->dmar && !f->ivrs) {
		say(r, DOCTOR_FAIL, "/sys/class/iommu is empty: the IOMMU is off in firmware "
				    "(no DMAR or IVRS table)");
		fix(r, "turn the IOMMU on in firmware first (see 'firmware IOMMU table'): the "
		       "kernel cannot start one the firmware does not describe");
		return;
	}
	say(r, DOCTOR_FAIL, "/sys/class/iommu is empty although the firmware has %s: "
			    "the IOMMU is off in the kernel", f->dmar ? "DMAR" : "IVRS");
	fix_kernel_iommu(f, r);
}

/* The IOMMU-related parameters that are there, for the OK line. */
static void describe_cmdline(const char *cmdline, char *buf, size_t len)
{
	static const char *const keys[] = { "intel_iommu", "amd_iommu", "iommu", "intremap" };
	char val[128];

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!cmdline_param(cmdline, keys[i], val, sizeof(val)))
			continue;
		if (!strcmp(keys[i], "iommu") && value_has(val, "pt"))
			append(buf, len, "iommu=pt (passthrough mode for host-owned devices; "
					 "VFIO devices are still translated: fine)");
		else
			append(buf, len, "%s%s%s", keys[i], val[0] ? "=" : "", val);
	}
	if (!buf[0])
		snprintf(buf, len, "no IOMMU parameters: the kernel's defaults apply");
}

void doctor_check_cmdline(const struct doctor_facts *f, struct doctor_result *r)
{
	char tok[160], acs[128], seen[400];
	bool acs_on = cmdline_param(f->cmdline, "pcie_acs_override", acs, sizeof(acs));

	begin(r, "kernel command line");
	if (!f->cmdline_read) {
		say(r, DOCTOR_SKIP, "cannot read /proc/cmdline");
		return;
	}
	if (iommu_disabled_by(f->cmdline, tok, sizeof(tok)) ||
	    intremap_disabled_by(f->cmdline, tok, sizeof(tok))) {
		say(r, DOCTOR_FAIL, "%s turns %s off in the kernel%s", tok,
		    strstr(tok, "intremap") ? "interrupt remapping" : "the IOMMU",
		    acs_on ? "; also pcie_acs_override: groups are not trustworthy" : "");
		fix(r, "remove '%s' from the kernel command line (%s)", tok, grub_how);
		return;
	}
	if (acs_on) {
		say(r, DOCTOR_WARN, "pcie_acs_override%s%s: ACS override taint: groups are not "
				    "trustworthy (devices in different groups may still reach "
				    "each other by peer-to-peer DMA)", acs[0] ? "=" : "", acs);
		fix(r, "remove pcie_acs_override from the kernel command line and give the "
		       "device a slot behind an ACS-capable port ('iovm devices -v' shows "
		       "what shares its group)");
		return;
	}
	describe_cmdline(f->cmdline, seen, sizeof(seen));
	say(r, DOCTOR_OK, "%s", seen);
}

/* Drivers that leave a group usable by VFIO: none, VFIO's own, pci-stub,
 * and pcieport on bridges. */
static bool driver_viable(const char *drv)
{
	return !drv[0] || !strcmp(drv, "vfio-pci") || !strcmp(drv, "pci-stub") ||
	       !strcmp(drv, "pcieport");
}

static void describe_members(const struct doctor_facts *f, char *buf, size_t len)
{
	int n = snprintf(buf, len, "group %d:", f->group);

	for (int i = 0; i < f->nmembers && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - n, "%s %s (%s)", i ? "," : "", f->members[i].bdf,
			      f->members[i].driver[0] ? f->members[i].driver : "no driver");
	if (!f->nmembers && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " members unreadable");
}

void doctor_check_groups(const struct doctor_facts *f, struct doctor_result *r)
{
	char members[400];
	const struct doctor_member *bad = NULL;

	begin(r, "IOMMU groups");
	if (!f->bdf[0] || f->iommu_groups <= 0) {
		if (f->iommu_groups > 0) {
			say(r, DOCTOR_OK, "%d in /sys/kernel/iommu_groups", f->iommu_groups);
			return;
		}
		say(r, DOCTOR_FAIL, "/sys/kernel/iommu_groups is empty");
		fix(r, "groups come with the IOMMU: fix 'kernel IOMMU' first");
		return;
	}
	if (f->group < 0) {
		say(r, DOCTOR_FAIL, "%s has no iommu_group link: no IOMMU translates its DMA",
		    f->bdf);
		fix(r, "check 'dmesg | grep -i -e DMAR -e AMD-Vi' for why the IOMMU skipped "
		       "%s (a device outside every DRHD/IVHD scope)", f->bdf);
		return;
	}
	for (int i = 0; i < f->nmembers && !bad; i++)
		if (strcmp(f->members[i].bdf, f->bdf) && !driver_viable(f->members[i].driver))
			bad = &f->members[i];
	describe_members(f, members, sizeof(members));
	if (!bad) {
		say(r, DOCTOR_OK, "%s", members);
		return;
	}
	say(r, DOCTOR_FAIL, "group %d is not viable: %s is bound to %s (%s)", f->group,
	    bad->bdf, bad->driver, members);
	fix(r, "iovm bind --group %s (moves every function in group %d to vfio-pci)", f->bdf,
	    f->group);
}

void doctor_check_vfio_modules(const struct doctor_facts *f, struct doctor_result *r)
{
	/* iommufd's VFIO container compatibility serves the same type1 ioctls. */
	bool type1 = f->vfio_iommu_type1 || f->iommufd;
	char missing[128];

	begin(r, "vfio modules");
	snprintf(missing, sizeof(missing), "%s%s%s", f->vfio ? "" : ", vfio",
		 type1 ? "" : ", vfio_iommu_type1", f->vfio_pci ? "" : ", vfio_pci");
	if (!missing[0]) {
		say(r, DOCTOR_OK, "vfio, %s, vfio_pci", f->vfio_iommu_type1 ?
		    "vfio_iommu_type1" : "iommufd (type1 compatible)");
		return;
	}
	say(r, DOCTOR_FAIL, "not loaded or built in: %s", missing + 2);
	if (!f->modules_file)
		fix(r, "this kernel cannot load modules (no /proc/modules): boot one built "
		       "with CONFIG_VFIO=y, CONFIG_VFIO_IOMMU_TYPE1=y, CONFIG_VFIO_PCI=y");
	else if (!f->vfio_pci)
		/* vfio-pci pulls in vfio; type1 is only a soft dependency. */
		fix(r, "%s", type1 ? "modprobe vfio-pci" : "modprobe -a vfio-pci vfio_iommu_type1");
	else
		fix(r, "modprobe %s", type1 ? "vfio" : "vfio_iommu_type1");
}

void doctor_check_irq_remap(const struct doctor_facts *f, struct doctor_result *r)
{
	static const char last_resort[] =
		"; last resort: iovm run --allow-unsafe-interrupts (the device can then "
		"raise any interrupt on the host)";
	char tok[64];

	begin(r, "interrupt remapping");
	if (!f->interrupts_read) {
		say(r, DOCTOR_SKIP, "cannot read /proc/interrupts");
		return;
	}
	if (f->irq_remap) {
		say(r, DOCTOR_OK, "IR- irq chips in /proc/interrupts");
		return;
	}
	if (f->iommu_units <= 0) {
		say(r, DOCTOR_FAIL, "off: it comes with the IOMMU, which is off");
		fix(r, "fix 'kernel IOMMU' first");
		return;
	}
	if (intremap_disabled_by(f->cmdline, tok, sizeof(tok))) {
		say(r, DOCTOR_FAIL, "off in the kernel (%s on the command line)", tok);
		fix(r, "remove '%s' from the kernel command line (%s)%s", tok, grub_how,
		    last_resort);
		return;
	}
	if (f->dmar && f->dmar_flags >= 0 && !(f->dmar_flags & DMAR_FLAG_INTR_REMAP)) {
		say(r, DOCTOR_FAIL, "off in firmware: the DMAR table does not offer interrupt "
				    "remapping (INTR_REMAP flag clear)");
		if (is_vm(f))
			fix(r, "give the VM's virtual IOMMU interrupt remapping (QEMU: -device "
			       "intel-iommu,intremap=on with -machine kernel-irqchip=split)%s",
			    last_resort);
		else
			fix(r, "enable interrupt remapping (often with x2APIC, under the VT-d "
			       "options) in the firmware setup%s", last_resort);
		return;
	}
	say(r, DOCTOR_FAIL, "off in the kernel: the IOMMU is on but /proc/interrupts has no "
			    "IR- irq chips");
	fix(r, "boot with intremap=on and without nox2apic ('dmesg | grep -i remapping' says "
	       "why it is off)%s", last_resort);
}

static void format_bytes(uint64_t b, char *buf, size_t len)
{
	if (b >= (1ull << 30) && !(b % (1ull << 30)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b >= (1ull << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
}

void doctor_check_memlock(const struct doctor_facts *f, struct doctor_result *r)
{
	char limit[32];

	begin(r, "locked memory");
	if (f->memlock_exempt) {
		say(r, DOCTOR_OK, "exempt (CAP_IPC_LOCK): VFIO can pin all guest RAM");
		return;
	}
	if (f->memlock_limit == UINT64_MAX) {
		say(r, DOCTOR_OK, "unlimited");
		return;
	}
	format_bytes(f->memlock_limit, limit, sizeof(limit));
	say(r, DOCTOR_WARN, "RLIMIT_MEMLOCK is %s: VFIO pins all guest RAM, so a guest with "
			    "more cannot start with a passthrough device", limit);
	fix(r, "ulimit -l unlimited before iovm run (systemd: LimitMEMLOCK=infinity; PAM: "
	       "memlock in /etc/security/limits.conf), or run iovm as root");
}

void doctor_check_hugepages(const struct doctor_facts *f, struct doctor_result *r)
{
	begin(r, "hugepages");
	if (f->bdf[0] && f->hp_node_free >= 0) {
		const char *whose = f->numa_node < 0 ? "the device reports no NUMA node" :
						       "the device's NUMA node";

		if (f->hp_node_free > 0) {
			say(r, DOCTOR_OK, "%ld free 2 MiB pages on node %d (%s)", f->hp_node_free,
			    f->hp_node, whose);
			return;
		}
		say(r, DOCTOR_WARN, "no free 2 MiB hugepages on node %d (%s): guest RAM gets "
				    "4 KiB pages, slower to pin and map", f->hp_node, whose);
		fix(r, "echo 512 > /sys/devices/system/node/node%d/hugepages/hugepages-2048kB/"
		       "nr_hugepages (1 GiB), then iovm run --mem SIZE,hugepages=on "
		       "--numa-node %d", f->hp_node, f->hp_node);
		return;
	}
	if (f->hugepages_free < 0) {
		say(r, DOCTOR_SKIP, "cannot read HugePages_Free in /proc/meminfo");
		return;
	}
	if (f->hugepages_free > 0) {
		say(r, DOCTOR_OK, "%ld free", f->hugepages_free);
		return;
	}
	say(r, DOCTOR_WARN, "no free hugepages: guest RAM gets 4 KiB pages, slower to pin "
			    "and map");
	fix(r, "echo 512 > /proc/sys/vm/nr_hugepages (1 GiB of 2 MiB pages), then iovm run "
	       "--mem SIZE,hugepages=on");
}

void doctor_check_driver(const struct doctor_facts *f, struct doctor_result *r)
{
	begin(r, "driver");
	if (!strcmp(f->driver, "vfio-pci")) {
		say(r, DOCTOR_OK, "%s is bound to vfio-pci", f->bdf);
		return;
	}
	if (f->driver[0])
		say(r, DOCTOR_FAIL, "%s is bound to %s, a host driver", f->bdf, f->driver);
	else
		say(r, DOCTOR_FAIL, "%s has no driver (passthrough needs vfio-pci)", f->bdf);
	fix(r, "iovm bind %s%s", f->bdf, f->group < 0 ?
	    " (once the IOMMU is on: vfio-pci needs an IOMMU group)" : "");
}

int doctor_run(const struct doctor_facts *f, struct doctor_result *out, int max)
{
	static void (*const checks[])(const struct doctor_facts *, struct doctor_result *) = {
		doctor_check_cpu, doctor_check_kvm, doctor_check_firmware, doctor_check_iommu,
		doctor_check_cmdline, doctor_check_groups, doctor_check_vfio_modules,
		doctor_check_irq_remap, doctor_check_memlock, doctor_check_hugepages,
		doctor_check_driver,
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]) && n < max; i++) {
		if (checks[i] == doctor_check_driver && !f->bdf[0])
			continue;
		checks[i](f, &out[n++]);
	}
	return n;
}

int doctor_print(FILE *out, const struct doctor_result *r, int n)
{
	static const char *const tag[] = {
		[DOCTOR_OK] = "[ OK ]", [DOCTOR_WARN] = "[WARN]",
		[DOCTOR_FAIL] = "[FAIL]", [DOCTOR_SKIP] = "[SKIP]",
	};
	int count[4] = { 0 };

	for (int i = 0; i < n; i++) {
		fprintf(out, "%s %s: %s\n", tag[r[i].status], r[i].name, r[i].detail);
		if (r[i].fix[0])
			fprintf(out, "       fix: %s\n", r[i].fix);
		count[r[i].status]++;
	}
	fprintf(out, "%d ok, %d warning%s, %d failed%s\n", count[DOCTOR_OK], count[DOCTOR_WARN],
		count[DOCTOR_WARN] == 1 ? "" : "s", count[DOCTOR_FAIL],
		count[DOCTOR_SKIP] ? ", some checks skipped" : "");
	return count[DOCTOR_FAIL];
}

