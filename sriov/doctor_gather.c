/* SPDX-License-Identifier: MIT */
/*
 * iovm doctor, the reading half: every fact the checks decide on, read from
 * /sys (IOVM_SYSFS_ROOT) and /proc (IOVM_PROC_ROOT) so tests can use
 * recorded trees. The checks themselves are pure (doctor_checks.c).
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

/* ---- gathering (the only I/O) ---- */

int doctor_proc_path(char *buf, size_t len, const char *rel)
{
	const char *root = getenv("IOVM_PROC_ROOT");
	int n = snprintf(buf, len, "%s%s", root ? root : "", rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static FILE *proc_open(const char *rel)
{
	char path[PATH_MAX];

	return doctor_proc_path(path, sizeof(path), rel) ? NULL : fopen(path, "re");
}

static bool sys_exists(const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return !sysfs_path(path, sizeof(path), rel) && stat(path, &st) == 0;
}

/* "key<spaces>: value" lines (cpuinfo): copies value when line has key. */
static bool field(const char *line, const char *key, char *out, size_t len)
{
	size_t n = strlen(key);
	const char *colon;

	if (strncmp(line, key, n) || (line[n] != ' ' && line[n] != '\t' && line[n] != ':'))
		return false;
	colon = strchr(line + n, ':');
	if (!colon)
		return false;
	colon += strspn(colon + 1, " \t") + 1;
	snprintf(out, len, "%.*s", (int)strcspn(colon, "\n"), colon);
	return true;
}

static void gather_cpuinfo(struct doctor_facts *f)
{
	FILE *in = proc_open("/proc/cpuinfo");
	char *line = NULL;
	size_t cap = 0;

	while (in && !(f->cpu_vendor[0] && f->cpu_flags[0]) && getline(&line, &cap, in) > 0) {
		if (!f->cpu_vendor[0])
			field(line, "vendor_id", f->cpu_vendor, sizeof(f->cpu_vendor));
		if (!f->cpu_flags[0])
			field(line, "flags", f->cpu_flags, sizeof(f->cpu_flags));
	}
	free(line);
	if (in)
		fclose(in);
}

static void gather_cmdline(struct doctor_facts *f)
{
	FILE *in = proc_open("/proc/cmdline");
	size_t n;

	if (!in)
		return;
	n = fread(f->cmdline, 1, sizeof(f->cmdline) - 1, in);
	f->cmdline[n] = 0;
	f->cmdline[strcspn(f->cmdline, "\n")] = 0;
	f->cmdline_read = true;
	fclose(in);
}

/* Loaded modules are in /proc/modules; built-in ones (and loaded ones)
 * with parameters have /sys/module/NAME, which all the vfio ones do. */
static bool module_present(FILE *modules, const char *name)
{
	char line[256], rel[96];
	size_t n = strlen(name);

	snprintf(rel, sizeof(rel), "/sys/module/%s", name);
	if (sys_exists(rel))
		return true;
	if (!modules)
		return false;
	rewind(modules);
	while (fgets(line, sizeof(line), modules))
		if (!strncmp(line, name, n) && line[n] == ' ')
			return true;
	return false;
}

static void gather_modules(struct doctor_facts *f)
{
	FILE *in = proc_open("/proc/modules");

	f->modules_file = in != NULL;
	f->vfio = module_present(in, "vfio");
	f->vfio_iommu_type1 = module_present(in, "vfio_iommu_type1");
	f->vfio_pci = module_present(in, "vfio_pci");
	f->iommufd = module_present(in, "iommufd");
	f->kvm_pvm = module_present(in, "kvm_pvm");
	if (in)
		fclose(in);
}

/* The same test as iommu_host_irq_remapping(), under IOVM_PROC_ROOT. */
static void gather_interrupts(struct doctor_facts *f)
{
	FILE *in = proc_open("/proc/interrupts");
	char *line = NULL;
	size_t cap = 0;

	f->interrupts_read = in != NULL;
	while (in && !f->irq_remap && getline(&line, &cap, in) > 0)
		f->irq_remap = strstr(line, " IR-") != NULL;
	free(line);
	if (in)
		fclose(in);
}

static void gather_meminfo(struct doctor_facts *f)
{
	FILE *in = proc_open("/proc/meminfo");
	char line[256];

	f->hugepages_free = -1;
	while (in && fgets(line, sizeof(line), in))
		if (!strncmp(line, "HugePages_Free:", 15))
			f->hugepages_free = strtol(line + 15, NULL, 10);
	if (in)
		fclose(in);
}

/* The entries of a sysfs directory; first gets the smallest name. */
static int count_dir(const char *rel, char *first, size_t len)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if (first)
		first[0] = 0;
	if (sysfs_path(path, sizeof(path), rel) || !(dir = opendir(path)))
		return 0;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (first && (!first[0] || strcmp(d->d_name, first) < 0))
			snprintf(first, len, "%s", d->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

/* Byte 37 of the DMAR table; readable by root only. */
static int read_dmar_flags(void)
{
	char path[PATH_MAX];
	unsigned char hdr[38];
	int fd;
	ssize_t n;

	if (sysfs_path(path, sizeof(path), "/sys/firmware/acpi/tables/DMAR"))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, hdr, sizeof(hdr));
	close(fd);
	return n == (ssize_t)sizeof(hdr) ? hdr[37] : -1;
}

static void gather_firmware(struct doctor_facts *f)
{
	f->kvm_dev = access("/dev/kvm", F_OK) == 0;
	f->dmar = sys_exists("/sys/firmware/acpi/tables/DMAR");
	f->ivrs = sys_exists("/sys/firmware/acpi/tables/IVRS");
	f->dmar_flags = f->dmar ? read_dmar_flags() : -1;
	f->iommu_units = count_dir("/sys/class/iommu", f->iommu_unit, sizeof(f->iommu_unit));
	f->iommu_groups = count_dir("/sys/kernel/iommu_groups", NULL, 0);
}

static bool has_cap_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return data[CAP_IPC_LOCK / 32].effective & (1u << (CAP_IPC_LOCK % 32));
}

static void gather_limits(struct doctor_facts *f)
{
	struct rlimit rl;

	f->memlock_exempt = has_cap_ipc_lock();
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		f->memlock_limit = 0;
	else
		f->memlock_limit = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur;
}

static long read_node_free_hugepages(int node)
{
	char rel[128], path[PATH_MAX], buf[32] = "";
	FILE *in;

	snprintf(rel, sizeof(rel),
		 "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/free_hugepages",
		 node);
	if (sysfs_path(path, sizeof(path), rel) || !(in = fopen(path, "re")))
		return -1;
	if (!fgets(buf, sizeof(buf), in))
		buf[0] = 0;
	fclose(in);
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

static int by_bdf(const void *a, const void *b)
{
	return strcmp(((const struct doctor_member *)a)->bdf,
		      ((const struct doctor_member *)b)->bdf);
}

static int gather_device(struct doctor_facts *f, const char *bdf)
{
	char path[PATH_MAX], members[DOCTOR_MAX_MEMBERS][16];
	struct pci_fn fn;
	struct stat st;
	int n, ret;

	if (!pci_bdf_valid(bdf))
		return -EINVAL;
	if (sysfs_pci_path(path, sizeof(path), bdf, NULL) || stat(path, &st))
		return -ENODEV;
	ret = pci_fn_read(bdf, &fn);
	if (ret)
		return ret;
	snprintf(f->bdf, sizeof(f->bdf), "%s", bdf);
	snprintf(f->driver, sizeof(f->driver), "%s", fn.driver);
	f->group = fn.iommu_group;
	f->numa_node = fn.numa_node;
	n = pci_group_members(bdf, members, DOCTOR_MAX_MEMBERS);
	for (int i = 0; i < n; i++) {
		snprintf(f->members[i].bdf, sizeof(f->members[i].bdf), "%s", members[i]);
		sysfs_pci_link(members[i], "driver", f->members[i].driver,
			       sizeof(f->members[i].driver));
	}
	f->nmembers = n > 0 ? n : 0;
	qsort(f->members, f->nmembers, sizeof(f->members[0]), by_bdf);
	f->hp_node = f->numa_node < 0 ? 0 : f->numa_node;
	f->hp_node_free = read_node_free_hugepages(f->hp_node);
	return 0;
}

int doctor_gather(struct doctor_facts *f, const char *bdf)
{
	memset(f, 0, sizeof(*f));
	f->group = -1;
	f->numa_node = -1;
	f->hp_node_free = -1;
	if (bdf) {
		int ret = gather_device(f, bdf);

		if (ret)
			return ret;
	}
	gather_cpuinfo(f);
	gather_cmdline(f);
	gather_modules(f);
	gather_interrupts(f);
	gather_meminfo(f);
	gather_firmware(f);
	gather_limits(f);
	return 0;
}
