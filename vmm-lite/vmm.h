/* SPDX-License-Identifier: MIT */
/*
 * vmm-lite: the iovm VMM core.
 *
 * This is the only header other directories include from vmm-lite. The core
 * knows devices only through what is declared here: the I/O bus (port I/O
 * and MMIO regions with ops), interrupt lines, and PCI functions with their
 * ops. It never names a device model.
 */
#ifndef IOVM_VMM_H
#define IOVM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>
#include <sys/types.h>

#define IOVM_VERSION "0.1.0"

/* ---------------------------------------------------------------------------
 * Logging: one line, with context, to stderr. Library code logs once and
 * returns -errno; the caller decides what to do.
 */
void vmm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vmm_log_set_quiet(bool quiet);

/* ---------------------------------------------------------------------------
 * Guest physical memory layout (x86 PC). Pure constants and helpers so unit
 * tests, ACPI and e820 agree with the VMM on where things are.
 */
#define LAYOUT_BOOT_GDT        0x500ULL
#define LAYOUT_BOOT_PARAMS     0x7000ULL
#define LAYOUT_CMDLINE         0x20000ULL
#define LAYOUT_CMDLINE_MAX     0x10000ULL
#define LAYOUT_PML4            0x9000ULL   /* 4 KiB PML4, PDPT, 4 PDs follow */
#define LAYOUT_EBDA            0x9fc00ULL
#define LAYOUT_ACPI_BASE       0xe0000ULL  /* RSDP must be in 0xe0000-0xfffff */
#define LAYOUT_ACPI_SIZE       0x20000ULL
#define LAYOUT_HIGH_MEM        0x100000ULL /* kernels load here */
#define LAYOUT_MMIO32_BASE     0xc0000000ULL /* end of low RAM, PCI hole */
#define LAYOUT_MMIO32_SIZE     0x20000000ULL
#define LAYOUT_ECAM_BASE       0xe0000000ULL
#define LAYOUT_ECAM_SIZE       0x10000000ULL /* room for 256 buses */
/* One root bus, no bridges: MCFG and the root's _CRS end at bus 0, which
 * spares the guest probing 255 empty buses through CF8 (~16k exits). */
#define LAYOUT_PCI_BUSES       1
#define LAYOUT_IOAPIC_BASE     0xfec00000ULL
#define LAYOUT_LAPIC_BASE      0xfee00000ULL
#define LAYOUT_4G              0x100000000ULL
#define LAYOUT_PIO_PCI_BASE    0xc000U     /* PCI I/O BAR window */
#define LAYOUT_PIO_PCI_SIZE    0x4000U
#define LAYOUT_PM_BASE         0x600U      /* ACPI PM1a event/control */
#define LAYOUT_RESET_PORT      0x608U      /* FADT RESET_REG (0xcf9 is taken by CF8) */
#define LAYOUT_SCI_IRQ         9

struct e820_range {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* 1 RAM, 2 reserved, 3 ACPI */
};

/* Low RAM ends at the PCI hole; the rest goes above 4 GiB. */
uint64_t layout_low_ram(uint64_t ram_size);
uint64_t layout_high_ram(uint64_t ram_size);
/* Fills at most max ranges; returns the count or -ENOSPC. */
int layout_e820(uint64_t ram_size, struct e820_range *out, int max);

/* ---------------------------------------------------------------------------
 * Bus: port I/O and MMIO regions. Lookups are concurrent (vCPU threads),
 * registration takes a write lock. Overlapping registrations are rejected.
 */
enum bus_space { BUS_PIO = 0, BUS_MMIO = 1, BUS_NSPACES };

struct bus_ops {
	/* off is relative to the region base; len is 1, 2, 4 or 8. */
	void (*read)(void *opaque, uint64_t off, void *data, unsigned len);
	void (*write)(void *opaque, uint64_t off, const void *data, unsigned len);
};

struct bus_region {
	uint64_t base, len;
	const struct bus_ops *ops;
	void *opaque;
	char name[32];
	uint64_t accesses; /* exits served, for --stats */
};

struct bus {
	pthread_rwlock_t lock;
	struct bus_region *regions; /* sorted by base */
	int count, cap;
	uint64_t unhandled;
};

int bus_init(struct bus *bus);
void bus_destroy(struct bus *bus);
int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *opaque, const char *name);
int bus_unregister(struct bus *bus, uint64_t base);
/* Returns true when a region served the access; unserved reads give ~0. */
bool bus_access(struct bus *bus, uint64_t addr, void *data, unsigned len,
		bool is_write);

/* ---------------------------------------------------------------------------
 * Exit statistics: every return of KVM_RUN to user space, by reason.
 */
enum exit_kind {
	EXIT_IO, EXIT_MMIO, EXIT_HLT, EXIT_SHUTDOWN, EXIT_SYSTEM_EVENT,
	EXIT_INTR, EXIT_FAIL_ENTRY, EXIT_INTERNAL_ERROR, EXIT_IOAPIC_EOI,
	EXIT_OTHER,
	EXIT_NKINDS
};
const char *exit_kind_name(enum exit_kind k);
struct vm;
/* Human-readable table, and JSON for bench/. */
void vm_stats_print(struct vm *vm, FILE *out);
int vm_stats_write_json(struct vm *vm, const char *path, double run_seconds);

/* ---------------------------------------------------------------------------
 * PCI: one host bridge, bus 0, reached through CF8/CFC and ECAM.
 */
#define PCI_CFG_SIZE 4096
#define PCI_NBARS 6

struct pci_func;
struct kvm_run;

struct pci_func_ops {
	/* Optional: override config reads/writes (passthrough devices). When
	 * absent, the generic emulation of cfg[] with BAR sizing is used. */
	uint32_t (*cfg_read)(struct pci_func *f, unsigned off, unsigned len);
	void (*cfg_write)(struct pci_func *f, unsigned off, unsigned len,
			  uint32_t val);
	/* A BAR was enabled, disabled or moved by the guest. addr is the new
	 * guest address (0 with enable == false). */
	int (*bar_update)(struct pci_func *f, int bar, uint64_t addr,
			  bool enable);
};

struct pci_bar {
	uint64_t size;      /* 0: not implemented */
	bool io;            /* I/O space BAR */
	bool mem64;         /* 64-bit memory BAR, uses the next slot too */
	bool prefetch;
	bool mapped;        /* currently decoded at addr */
	uint64_t addr;
	/* Emulated BARs: the core registers these ops on the bus at addr.
	 * Passthrough BARs leave it NULL and handle bar_update themselves. */
	const struct bus_ops *ops;
};

struct pci_func {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t cfg_wmask[PCI_CFG_SIZE]; /* bits the guest may write */
	struct pci_bar bar[PCI_NBARS];
	uint8_t devfn;
	uint16_t cap_free;  /* next free config offset for capabilities */
	const struct pci_func_ops *ops;
	void *opaque;
	char name[32];
	struct vm *vm;
};

struct pci_host {
	struct pci_func *funcs[256]; /* by devfn on bus 0 */
	uint32_t cf8;
	pthread_mutex_t lock;
	struct vm *vm;
	uint64_t mmio_next, pio_next; /* firmware-style BAR allocation */
	struct pci_func bridge;       /* 00.0, the host bridge itself */
};

/* Pure address decoding, shared by CF8/CFC and ECAM paths. */
struct pci_cfg_addr {
	uint8_t bus, devfn;
	uint16_t reg;
	bool valid;
};
struct pci_cfg_addr pci_decode_cf8(uint32_t cf8, unsigned cfc_off);
/* The GSI that INTx pin (0 = INTA) of a bus-0 slot is wired to, as the
 * DSDT's _PRT tells the guest: a swizzle over I/O APIC pins 16-23. */
static inline unsigned pci_intx_gsi(unsigned slot, unsigned pin)
{
	return 16 + (slot + pin) % 8;
}
struct pci_cfg_addr pci_decode_ecam(uint64_t off);

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device,
		   uint32_t class_code, const char *name);
/* Declares a BAR; size is a power of two. */
int pci_func_set_bar(struct pci_func *f, int bar, uint64_t size, bool io,
		     bool mem64);
/* Adds a capability; returns its offset or -ENOSPC. */
int pci_func_add_cap(struct pci_func *f, const void *cap, unsigned len);

int pci_host_init(struct pci_host *h, struct vm *vm);
/* devfn < 0: first free slot. Assigns BAR addresses like firmware would. */
int pci_host_add(struct pci_host *h, struct pci_func *f, int devfn);
uint32_t pci_host_cfg_read(struct pci_host *h, struct pci_cfg_addr a,
			   unsigned len);
void pci_host_cfg_write(struct pci_host *h, struct pci_cfg_addr a,
			unsigned len, uint32_t val);
/* Generic config space emulation, usable by ops that override part of it. */
uint32_t pci_func_cfg_read(struct pci_func *f, unsigned off, unsigned len);
void pci_func_cfg_write(struct pci_func *f, unsigned off, unsigned len,
			uint32_t val);

/* ---------------------------------------------------------------------------
 * The VM.
 */
enum irqchip_mode { IRQCHIP_KERNEL, IRQCHIP_SPLIT };

enum vm_end {
	VM_RUNNING = 0,
	VM_END_POWEROFF,   /* guest powered off: exit 0 */
	VM_END_EXIT_CODE,  /* guest reported an exit status (exec/debug-exit) */
	VM_END_RESET,      /* guest asked for a reset */
	VM_END_ERROR,      /* triple fault, KVM error, internal error */
	VM_END_SIGNAL,     /* SIGINT/SIGTERM */
};

/* A user-space interrupt controller (the I/O APIC in split-irqchip mode)
 * takes over legacy lines and sees EOIs of level-triggered vectors. */
struct irqchip_ops {
	int (*set_line)(void *opaque, unsigned gsi, bool level);
	void (*eoi)(void *opaque, uint8_t vector);
};

struct kvm_irq_routing;

struct vm_config {
	uint64_t ram_size;
	int cpus;
	bool hugepages;
	int numa_node;          /* -1: no binding */
	enum irqchip_mode irqchip;
};

struct vcpu {
	struct vm *vm;
	int id, fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
};

struct vm {
	struct vm_config cfg;
	int kvm_fd, vm_fd;
	int mem_fd;
	uint8_t *ram;           /* host mapping of all guest RAM (memfd) */
	uint64_t ram_size;
	struct bus bus[BUS_NSPACES];
	struct pci_host pci;
	struct vcpu *vcpus;
	int ncpus;

	/* Boot state handed to vCPU 0. */
	uint64_t entry_rip, entry_rsi, entry_rbx, entry_rax;
	bool entry_long_mode;
	bool linux_boot;        /* a Linux kernel was loaded (not multiboot) */

	/* End of life. */
	pthread_mutex_t end_lock;
	int end_fd;             /* eventfd the main loop waits on */
	enum vm_end end;
	int exit_code;
	char end_reason[512];

	/* Interrupt routing. */
	const struct irqchip_ops *irqchip_ops;
	void *irqchip_opaque;
	pthread_mutex_t gsi_lock;
	struct kvm_irq_routing *gsi_routes;
	unsigned next_gsi;
	uint64_t slots_used;     /* bitmap: bit n = memory slot n in use */

	/* Device state freed by vm_destroy, newest first. */
	struct vm_cleanup *cleanups;

	/* Exit counters (atomic adds). */
	uint64_t exits[EXIT_NKINDS];
	/* iovm's own start-up, for --stats: from the start of `run` to the
	 * vCPUs starting, and the part of it spent loading the guest images. */
	double setup_seconds, load_seconds;
	bool pwrite_ok;          /* guest RAM's memfd takes write() (not hugetlbfs) */
};

struct vm_cleanup {
	void (*fn)(void *opaque);
	void *opaque;
	struct vm_cleanup *next;
};
/* Device models register their state to be freed when the VM goes. */
int vm_add_cleanup(struct vm *vm, void (*fn)(void *opaque), void *opaque);

/* Checks /dev/kvm and the capabilities iovm needs; -errno with a message. */
int vm_create(struct vm *vm, const struct vm_config *cfg);
void vm_destroy(struct vm *vm);
/* Host pointer for guest physical [gpa, gpa+len), or NULL if outside RAM. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);
/* Copies a boot image into guest RAM at gpa, which must be untouched
 * since vm_create (zero): all-zero pages are skipped. -ERANGE outside RAM. */
int vm_load_image(struct vm *vm, uint64_t gpa, const void *src, size_t len);
/* Drive a legacy (ISA) interrupt line. */
int vm_set_irq_line(struct vm *vm, unsigned gsi, bool level);
void vm_set_irqchip(struct vm *vm, const struct irqchip_ops *ops, void *opaque);
/* GSI routing: GSI -> MSI message, committed with KVM_SET_GSI_ROUTING. In
 * kernel-irqchip mode the table starts with KVM's default PIC/IOAPIC pins. */
int vm_gsi_route_msi(struct vm *vm, unsigned gsi, uint64_t addr, uint32_t data);
int vm_gsi_route_remove(struct vm *vm, unsigned gsi);
int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data);
/* A fresh GSI above the I/O APIC pins, for MSI vectors. */
int vm_gsi_alloc(struct vm *vm);
/* KVM_IRQFD: a write to fd raises gsi in the kernel, with no exit to user
 * space. resample_fd >= 0 makes it a level interrupt re-armed on EOI. */
int vm_irqfd(struct vm *vm, int fd, unsigned gsi, int resample_fd);
int vm_irqfd_remove(struct vm *vm, int fd, unsigned gsi);

/* Extra memory slots: device memory (passthrough BARs) mapped straight into
 * the guest, so its accesses never exit. Returns the slot or -errno. */
int vm_map_slot(struct vm *vm, uint64_t gpa, uint64_t size, void *hva);
int vm_unmap_slot(struct vm *vm, int slot);
/* Calls fn for each guest RAM range (gpa, size, host address). */
int vm_for_each_ram(struct vm *vm, int (*fn)(void *ctx, uint64_t gpa,
		    uint64_t size, void *hva), void *ctx);
/* Ends the VM (first caller wins); safe from any thread. */
void vm_request_end(struct vm *vm, enum vm_end end, int code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool vm_ended(struct vm *vm);
int vm_start_vcpus(struct vm *vm);
void vm_stop_vcpus(struct vm *vm);
/* Process exit status for how the VM ended. */
int vm_exit_status(const struct vm *vm);
/* Host checks, for diagnostics. */
bool host_has_hw_virt(void);
uint64_t host_mem_total(void);

/* ---------------------------------------------------------------------------
 * Boot: Linux bzImage (boot protocol 2.12+, 64-bit entry), PVH ELF (vmlinux)
 * and multiboot v1.
 */
struct bzimage_info {
	uint16_t protocol;      /* boot protocol version */
	uint8_t setup_sects;
	uint32_t syssize_bytes; /* protected-mode kernel size */
	uint32_t setup_bytes;   /* real-mode part, including the boot sector */
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	bool xloadflags_64;     /* has 64-bit entry point */
	bool relocatable;
};

/* Pure: validates and reads the setup header of a bzImage in memory. */
int bzimage_parse(const void *img, size_t len, struct bzimage_info *info,
		  char *err, size_t errlen);

struct boot_args {
	const char *cmdline;
	uint64_t initrd_addr, initrd_size;
	uint64_t ram_size;
	uint64_t rsdp_addr;
};
/* Pure: fills the 4 KiB zero page from the image's setup header. */
int bootparams_build(void *zero_page, const void *img, size_t img_len,
		     const struct boot_args *args);

/* Loads kernel (+ initrd, + extra cpio appended after it) into guest RAM
 * and sets the vCPU 0 entry state. err gets a one-line reason. */
struct boot_images {
	const char *kernel_path;
	const char *initrd_path;   /* may be NULL */
	const void *initrd_extra;  /* appended cpio (e.g. --exec), may be NULL */
	size_t initrd_extra_len;
	const char *cmdline;
};
int boot_load(struct vm *vm, const struct boot_images *img, char *err,
	      size_t errlen);
/* PVH: an uncompressed ELF kernel (vmlinux, CONFIG_PVH=y) entered in 32-bit
 * mode at its XEN_ELFNOTE_PHYS32_ENTRY with ebx = an hvm_start_info. */
#define PVH_MAX_SEGS 16
struct pvh_segment {
	uint64_t paddr, offset, filesz, memsz;
};
struct pvh_image {
	uint64_t entry;          /* 32-bit physical entry point */
	uint64_t end;            /* highest physical byte + 1 of any segment */
	int nsegs;
	struct pvh_segment seg[PVH_MAX_SEGS];
};
/* True when the file is a 64-bit ELF (then it must be a PVH kernel). */
bool pvh_detect(const void *img, size_t len);
/* Pure: checks the ELF headers and finds the load segments and entry. */
int pvh_parse(const void *img, size_t len, struct pvh_image *out,
	      char *err, size_t errlen);
struct pvh_boot_args {
	uint64_t cmdline_addr, rsdp_addr;
	uint64_t initrd_addr, initrd_size;
	const struct e820_range *map;
	int nmap;
};
/* Pure: writes hvm_start_info, its module list and memory map into buf,
 * which the guest sees at gpa. Returns bytes used or -ENOSPC. */
ssize_t pvh_start_info_build(void *buf, size_t cap, uint64_t gpa,
			     const struct pvh_boot_args *args);

/* True when the file is a multiboot v1 ELF kernel. */
bool multiboot_detect(const void *img, size_t len);
int multiboot_load(struct vm *vm, const void *img, size_t len,
		   const char *cmdline, char *err, size_t errlen);

/* Writes identity-mapped long-mode page tables and a boot GDT. */
void boot_write_page_tables(struct vm *vm);

/* Pure: a newc cpio archive holding one file; returns its length or -errno. */
ssize_t cpio_one_file(void *buf, size_t cap, const char *name,
		      const void *data, size_t len, unsigned mode);

/* ---------------------------------------------------------------------------
 * ACPI tables, written by iovm into [LAYOUT_ACPI_BASE, +SIZE).
 */
struct acpi_config {
	int cpus;
	uint64_t ecam_base;
	uint8_t ecam_end_bus;
};
/* Pure: builds RSDP, XSDT, FADT, FACS, DSDT, MADT, MCFG into buf, which the
 * guest will see at guest address base. Returns bytes used or -ENOSPC;
 * *rsdp_off gets the RSDP's offset in buf. */
ssize_t acpi_build(void *buf, size_t cap, uint64_t base,
		   const struct acpi_config *cfg, size_t *rsdp_off);
uint8_t acpi_checksum(const void *p, size_t len);

#endif /* IOVM_VMM_H */
