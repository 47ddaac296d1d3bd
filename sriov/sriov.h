/* SPDX-License-Identifier: MIT */
/*
 * sriov: host PCI device management for assignment: listing functions with
 * their IOMMU groups and SR-IOV state, creating VFs, provisioning NVMe
 * secondary controllers, and moving functions between drivers. Every sysfs
 * path goes through sysfs_*(), which honours IOVM_SYSFS_ROOT so unit tests
 * run on recorded trees.
 */
#ifndef IOVM_SRIOV_H
#define IOVM_SRIOV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- sysfs ---- */
/* "<root>/sys/bus/pci/devices/<bdf>/<attr>" into buf; -ENAMETOOLONG. */
int sysfs_pci_path(char *buf, size_t len, const char *bdf, const char *attr);
/* "<root><rel>" (rel starts with /sys/...). */
int sysfs_path(char *buf, size_t len, const char *rel);
/* Validates a PCI address in the full domain:bus:dev.fn form. */
int pci_bdf_valid(const char *bdf);
int sysfs_pci_read(const char *bdf, const char *attr, char *out, size_t len);
int sysfs_pci_read_int(const char *bdf, const char *attr, long *out);
int sysfs_pci_write(const char *bdf, const char *attr, const char *val);
int sysfs_write(const char *rel, const char *val);
/* Basename of the symlink bdf/attr (driver, iommu_group, physfn); "" when
 * the link does not exist. */
int sysfs_pci_link(const char *bdf, const char *attr, char *out, size_t len);
/* First entry of bdf/sub starting with prefix ("" for any): the netdev
 * under net/, the controller under nvme/. */
int sysfs_pci_first_entry(const char *bdf, const char *sub, const char *prefix,
			  char *out, size_t len);
/* sriov_totalvfs and sriov_numvfs of a PF; -ENOENT when not a PF. */
int sriov_read_vfs(const char *bdf, int *total, int *enabled);

/* ---- listing ---- */
struct pci_fn {
	char bdf[16];
	uint16_t vendor, device;
	uint32_t class_code;
	char driver[32];
	int iommu_group;           /* -1: none (IOMMU off) */
	int numa_node;             /* -1: unknown */
	int sriov_total, sriov_num;/* -1 when not a PF */
	char pf[16];               /* for a VF: its PF, else "" */
	int vf_index;              /* for a VF, else -1 */
};

int pci_fn_read(const char *bdf, struct pci_fn *f);
/* All functions, sorted by address; free with free(). */
int pci_fn_list(struct pci_fn **out);
/* Pure: whether f can be assigned to a guest as things stand; why gets
 * every reason it cannot ("; "-separated), empty when it can. */
bool pci_assess(const struct pci_fn *f, const struct pci_fn *all, int n, bool irq_remap,
		char *why, size_t len);
/* Vendor and device names from the PCI ID database (libpci). */
void pci_names(uint16_t vendor, uint16_t device, char *vname, size_t vlen,
	       char *dname, size_t dlen);
/* The VF's address; -ENOENT if the PF has no such VF. */
int sriov_vf_bdf(const char *pf, int index, char *out, size_t len);

/* ---- SR-IOV ---- */
/* Sets sriov_numvfs (through 0 when changing a non-zero count), with
 * sriov_drivers_autoprobe off so VFs stay free for guests, and waits for
 * the VFs to appear. err gets the cause and fix. */
int sriov_set_numvfs(const char *pf, int n, char *err, size_t errlen);

/* ---- NVMe secondary controllers (NVMe 2.0, Identify CNS 14h/15h and
 * Virtualization Management). Pure parsers on the 4 KiB Identify data. ---- */
struct nvme_prim_caps {
	uint16_t cntlid;
	uint32_t vq_flex_total, vq_flex_assigned;  /* VQFRT, VQRFA */
	uint32_t vi_flex_total, vi_flex_assigned;  /* VIFRT, VIRFA */
	uint16_t vq_max_per_sec, vi_max_per_sec;   /* VQFRSM, VIFRSM */
};
struct nvme_sec_ctrl {
	uint16_t scid, pcid, vfn, nvq, nvi;
	bool online;
};
int nvme_parse_prim_caps(const void *data, size_t len, struct nvme_prim_caps *out);
int nvme_parse_sec_list(const void *data, size_t len, struct nvme_sec_ctrl *out, int max);
enum nvme_vm_action { NVME_VM_ASSIGN = 8, NVME_VM_OFFLINE = 7, NVME_VM_ONLINE = 9 };
enum nvme_vm_rtype { NVME_VM_VQ = 0, NVME_VM_VI = 1 };
uint32_t nvme_virt_mgmt_cdw10(enum nvme_vm_action act, enum nvme_vm_rtype rt, uint16_t cntlid);

/* The PF's controller character device (/dev/nvmeN); needs the nvme driver. */
int nvme_pf_chardev(const char *pf, char *out, size_t len);
int nvme_read_sec_list(const char *pf, struct nvme_sec_ctrl *out, int max, char *err, size_t errlen);
int nvme_read_prim_caps(const char *pf, struct nvme_prim_caps *caps, char *err, size_t errlen);
/* Gives every enabled VF's secondary controller an even share of the
 * flexible queue and interrupt resources and brings it online. */
int nvme_provision_vfs(const char *pf, char *err, size_t errlen);

/* ---- driver binding ---- */
/* Binds bdf to driver through driver_override + drivers_probe, remembering
 * the original driver for restore. */
int pci_bind(const char *bdf, const char *driver, char *err, size_t errlen);
/* force: take it even from a driver that holds a mount or a route. */
int pci_bind_checked(const char *bdf, const char *driver, bool force, char *err, size_t errlen);
int pci_unbind(const char *bdf, char *err, size_t errlen);
int pci_restore(const char *bdf, char *err, size_t errlen);
/* The PID of another process holding /dev/vfio/<group> (a VM using the
 * group's devices), or 0. */
int vfio_group_holder(int group);
/* Functions in bdf's IOMMU group; returns the count. */
int pci_group_members(const char *bdf, char out[][16], int max);

/* ---- NIC VF settings (rtnetlink) ---- */
struct vf_net {
	int vf;
	bool has_mac;
	uint8_t mac[6];
	int vlan, spoofchk, trust, max_rate;   /* -1: leave as is */
};
int sriov_pf_netdev(const char *pf, char *out, size_t len);
int sriov_vf_set_net(const char *pf, const struct vf_net *s, char *err, size_t errlen);

/* ---- the declarative device file and `iovm apply` ---- */
#define DEVCONF_MAX 64
enum devconf_kind { DEVCONF_PF, DEVCONF_VF, DEVCONF_DEVICE };
struct devconf_entry {
	enum devconf_kind kind;
	char bdf[16];          /* the function, or the PF of a VF */
	int vf_index;          /* VF sections */
	int vfs;               /* PF sections: -1 when not given */
	char driver[32];       /* "" when not given */
	bool has_mac;
	uint8_t mac[6];
	int vlan, max_rate;    /* -1 when not given */
	int spoofchk, trust;   /* -1 when not given */
	int lineno;
};
struct devconf {
	struct devconf_entry e[DEVCONF_MAX];
	int n;
};
/* Pure: err gets "line L, column C: what is wrong and what to write". */
int devconf_parse(const char *text, struct devconf *conf, char *err, size_t errlen);
/* One VF setting (mac, vlan, spoofchk, trust, max-rate) from the command
 * line, checked as in the file. */
int devconf_vf_option(struct devconf_entry *e, const char *key, const char *val,
		      char *err, size_t errlen);
/* Makes the host match conf: VF counts first, then drivers, then NIC VF
 * settings; each change is printed to out. On a failure every change made
 * so far is undone, newest first. dry_run prints the changes only.
 * Returns the number of changes, or -errno with err set. */
int devconf_apply(const struct devconf *conf, bool dry_run, FILE *out, char *err, size_t errlen);

/* ---- iovm doctor: every layer passthrough needs, each failure with a
 * concrete fix. Facts are gathered once; the checks are pure. ---- */
enum doctor_status { DOCTOR_OK, DOCTOR_WARN, DOCTOR_FAIL, DOCTOR_SKIP };

struct doctor_result {
	const char *name;
	enum doctor_status status;
	char detail[512];
	char fix[512];          /* "" for OK and SKIP */
};

#define DOCTOR_MAX_MEMBERS 32
#define DOCTOR_MAX_CHECKS 16

struct doctor_member {
	char bdf[16];
	char driver[32];        /* "" when none */
};

/* DMAR table flags (ACPI DMAR header byte 37, VT-d spec 8.1). */
#define DMAR_FLAG_INTR_REMAP 0x1

struct doctor_facts {
	/* /proc (IOVM_PROC_ROOT) */
	char cpu_vendor[16];    /* vendor_id: GenuineIntel, AuthenticAMD; "" unknown */
	char cpu_flags[4096];   /* the first "flags" line's value; "" unreadable */
	char cmdline[4096];     /* "" when unreadable and cmdline_read is false */
	bool cmdline_read;
	bool modules_file;      /* /proc/modules exists: the kernel loads modules */
	bool interrupts_read;
	bool irq_remap;         /* IR-PCI-MSI / IR-IO-APIC chips in /proc/interrupts */
	long hugepages_free;    /* HugePages_Free in /proc/meminfo; -1 unknown */
	/* loaded (/proc/modules) or built in (/sys/module/NAME) */
	bool vfio, vfio_iommu_type1, vfio_pci, iommufd;
	/* /sys (IOVM_SYSFS_ROOT) and /dev */
	bool kvm_dev;           /* /dev/kvm exists (never under a root) */
	bool kvm_pvm;           /* /sys/module/kvm_pvm: /dev/kvm is KVM on PVM */
	bool dmar, ivrs;        /* /sys/firmware/acpi/tables/{DMAR,IVRS} */
	int dmar_flags;         /* DMAR flags byte; -1 unreadable (not root) */
	int iommu_units;        /* entries in /sys/class/iommu */
	char iommu_unit[32];    /* the first one by name (dmar0, ivhd0) */
	int iommu_groups;       /* entries in /sys/kernel/iommu_groups */
	/* this process */
	bool memlock_exempt;    /* has CAP_IPC_LOCK: VFIO does not count pins */
	uint64_t memlock_limit; /* RLIMIT_MEMLOCK in bytes; UINT64_MAX unlimited */
	/* the device asked about; bdf[0] == 0 when none */
	char bdf[16];
	char driver[32];
	int group;              /* -1: no iommu_group link */
	int numa_node;          /* -1: unknown */
	int nmembers;           /* its IOMMU group, itself included */
	struct doctor_member members[DOCTOR_MAX_MEMBERS];
	int hp_node;            /* NUMA node whose hugepages were read */
	long hp_node_free;      /* its free 2 MiB pages; -1 unknown */
};

/* "<IOVM_PROC_ROOT><rel>" (rel starts with /proc/...); IOVM_PROC_ROOT
 * defaults to "" and, like IOVM_SYSFS_ROOT, lets tests use recorded
 * files. -ENAMETOOLONG when it does not fit. */
int doctor_proc_path(char *buf, size_t len, const char *rel);

/* Reads all facts, and the device's when bdf is not NULL. -EINVAL for a
 * malformed address, -ENODEV when no such function exists. */
int doctor_gather(struct doctor_facts *f, const char *bdf);

/* The pure deciders, in the order doctor_run() calls them. */
void doctor_check_cpu(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_kvm(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_firmware(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_iommu(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_cmdline(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_groups(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_vfio_modules(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_irq_remap(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_memlock(const struct doctor_facts *f, struct doctor_result *r);
void doctor_check_hugepages(const struct doctor_facts *f, struct doctor_result *r);
/* Only with a device. */
void doctor_check_driver(const struct doctor_facts *f, struct doctor_result *r);

/* Every check that applies, into out (DOCTOR_MAX_CHECKS); the count. */
int doctor_run(const struct doctor_facts *f, struct doctor_result *out, int max);

/* One line per result ("[ OK ] name: detail"), "       fix: ..." after a
 * WARN or FAIL, then a summary line. Returns the number of FAILs. */
int doctor_print(FILE *out, const struct doctor_result *r, int n);

#endif
