/* SPDX-License-Identifier: MIT */
/*
 * doctor: is this host ready for passthrough, and if not, what exactly to
 * change. doctor_gather() reads every fact once (the only I/O: /sys under
 * IOVM_SYSFS_ROOT, /proc under IOVM_PROC_ROOT); the doctor_check_*()
 * deciders are pure functions of those facts, so each verdict and its
 * wording ("off in firmware" vs "off in the kernel") is unit-tested on
 * hand-written facts.
 */
#ifndef IOVM_DOCTOR_H
#define IOVM_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
