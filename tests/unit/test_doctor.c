/* SPDX-License-Identifier: MIT */
/*
 * sriov/doctor.c: the pure deciders on hand-written facts (above all the
 * wording that tells an IOMMU off in firmware from one off in the kernel),
 * the output format, and doctor_gather() on recorded /sys and /proc trees.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/new/assert.h>

#include "sriov.h"
#include "fixture.h"

static struct doctor_facts f;
static struct doctor_result r;

#define INTEL_FLAGS "fpu vme de pse tsc msr pae vmx smx est tm2 ssse3 x2apic"
#define AMD_VM_FLAGS "fpu vme de pse x2apic hypervisor lahf_lm svm_lock nrip_save"

/* A bare-metal Intel host where everything passthrough needs is in place,
 * with 0000:3b:00.0 bound to vfio-pci alone in group 12. */
static void healthy(void)
{
	memset(&f, 0, sizeof(f));
	snprintf(f.cpu_vendor, sizeof(f.cpu_vendor), "GenuineIntel");
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), INTEL_FLAGS);
	snprintf(f.cmdline, sizeof(f.cmdline), "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on");
	f.cmdline_read = true;
	f.modules_file = true;
	f.interrupts_read = f.irq_remap = true;
	f.hugepages_free = 512;
	f.vfio = f.vfio_iommu_type1 = f.vfio_pci = true;
	f.kvm_dev = true;
	f.dmar = true;
	f.dmar_flags = DMAR_FLAG_INTR_REMAP;
	f.iommu_units = 2;
	snprintf(f.iommu_unit, sizeof(f.iommu_unit), "dmar0");
	f.iommu_groups = 40;
	f.memlock_exempt = true;
	f.memlock_limit = 8 << 20;
	f.group = f.numa_node = -1;
	f.hp_node_free = -1;
}

static void with_device(void)
{
	snprintf(f.bdf, sizeof(f.bdf), "0000:3b:00.0");
	snprintf(f.driver, sizeof(f.driver), "vfio-pci");
	f.group = 12;
	f.numa_node = 1;
	f.nmembers = 1;
	snprintf(f.members[0].bdf, 16, "0000:3b:00.0");
	snprintf(f.members[0].driver, 32, "vfio-pci");
	f.hp_node = 1;
	f.hp_node_free = 100;
}

static void member(const char *bdf, const char *driver)
{
	snprintf(f.members[f.nmembers].bdf, 16, "%s", bdf);
	snprintf(f.members[f.nmembers].driver, 32, "%s", driver);
	f.nmembers++;
}

static void cmdline(const char *s)
{
	snprintf(f.cmdline, sizeof(f.cmdline), "%s", s);
}

#define assert_has(s, sub) cr_assert(strstr((s), (sub)) != NULL, "'%s' lacks '%s'", (s), (sub))
#define assert_lacks(s, sub) cr_assert(strstr((s), (sub)) == NULL, "'%s' has '%s'", (s), (sub))

TestSuite(doctor, .init = healthy);

Test(doctor, healthy_host_and_device_pass_everything)
{
	struct doctor_result res[DOCTOR_MAX_CHECKS];
	int n;

	with_device();
	n = doctor_run(&f, res, DOCTOR_MAX_CHECKS);
	cr_assert(eq(int, n, 11));
	for (int i = 0; i < n; i++) {
		cr_assert(eq(int, res[i].status, DOCTOR_OK), "%s: %s", res[i].name, res[i].detail);
		cr_assert(eq(str, res[i].fix, ""), "%s", res[i].name);
	}
	cr_assert(eq(str, (char *)res[n - 1].name, "driver"));
}

Test(doctor, without_a_device_the_driver_check_is_left_out)
{
	struct doctor_result res[DOCTOR_MAX_CHECKS];
	int n = doctor_run(&f, res, DOCTOR_MAX_CHECKS);

	cr_assert(eq(int, n, 10));
	for (int i = 0; i < n; i++)
		cr_assert(ne(str, (char *)res[i].name, "driver"));
}

/* ---- CPU and /dev/kvm ---- */

Test(doctor, cpu_vmx_and_svm)
{
	doctor_check_cpu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "vmx");
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), "fpu svm lbrv svm_lock");
	doctor_check_cpu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "svm (AMD-V)");
}

Test(doctor, cpu_flag_is_a_whole_word)
{
	/* svm_lock and vmx_foo are not svm and vmx. */
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), "fpu svm_lock vmxfoo xvmx nrip_save");
	doctor_check_cpu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
}

Test(doctor, cpu_off_in_firmware_on_bare_metal)
{
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), "fpu vme de pse x2apic");
	doctor_check_cpu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "no vmx or svm flag");
	assert_has(r.detail, "off in firmware");
	assert_has(r.fix, "VT-x");
	assert_has(r.fix, "AMD-V");
	assert_has(r.fix, "firmware (BIOS/UEFI) setup");
}

Test(doctor, cpu_in_a_vm_without_nesting_names_kvm_on_pvm)
{
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), AMD_VM_FLAGS);
	f.kvm_pvm = true;
	doctor_check_cpu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "VM whose hypervisor does not pass VT-x/AMD-V through");
	assert_has(r.detail, "KVM on PVM");
	assert_has(r.fix, "nested");
	f.kvm_pvm = false;
	doctor_check_cpu(&f, &r);
	assert_lacks(r.detail, "PVM");
}

Test(doctor, cpu_unreadable_is_skipped)
{
	f.cpu_flags[0] = 0;
	doctor_check_cpu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_SKIP));
}

Test(doctor, kvm_missing_says_which_module)
{
	f.kvm_dev = false;
	doctor_check_kvm(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	cr_assert(eq(str, r.fix, "modprobe kvm_intel"));
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), "fpu svm");
	doctor_check_kvm(&f, &r);
	cr_assert(eq(str, r.fix, "modprobe kvm_amd"));
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), "fpu");
	doctor_check_kvm(&f, &r);
	assert_has(r.fix, "'cpu virtualization' first");
}

/* ---- firmware table and the kernel's IOMMU: firmware vs kernel ---- */

Test(doctor, firmware_table_present)
{
	doctor_check_firmware(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "DMAR");
	f.dmar = false;
	f.ivrs = true;
	doctor_check_firmware(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "IVRS (AMD-Vi)");
}

Test(doctor, no_table_is_off_in_firmware_intel)
{
	f.dmar = false;
	f.iommu_units = 0;
	doctor_check_firmware(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "off in firmware");
	assert_lacks(r.detail, "kernel");
	assert_has(r.fix, "enable VT-d");
	assert_has(r.fix, "firmware (BIOS/UEFI) setup");
	assert_lacks(r.fix, "intel_iommu");

	doctor_check_iommu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "off in firmware");
	assert_lacks(r.detail, "off in the kernel");
	assert_has(r.fix, "in firmware first");
	assert_lacks(r.fix, "intel_iommu");
}

Test(doctor, no_table_is_off_in_firmware_amd)
{
	f.dmar = false;
	snprintf(f.cpu_vendor, sizeof(f.cpu_vendor), "AuthenticAMD");
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), "fpu svm");
	doctor_check_firmware(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "off in firmware");
	assert_has(r.fix, "AMD-Vi");
	assert_lacks(r.fix, "VT-d");
}

Test(doctor, no_table_in_a_vm_asks_for_a_virtual_iommu)
{
	f.dmar = false;
	snprintf(f.cpu_vendor, sizeof(f.cpu_vendor), "AuthenticAMD");
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), AMD_VM_FLAGS);
	doctor_check_firmware(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "off in firmware");
	assert_has(r.detail, "VM");
	assert_has(r.fix, "intel-iommu,intremap=on");
	assert_has(r.fix, "AMD-Vi");
}

Test(doctor, table_without_units_is_off_in_the_kernel_intel)
{
	f.iommu_units = 0;
	cmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 quiet");
	doctor_check_iommu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "firmware has DMAR");
	assert_has(r.detail, "off in the kernel");
	assert_lacks(r.detail, "off in firmware");
	assert_has(r.fix, "boot with intel_iommu=on");
	assert_lacks(r.fix, "firmware");
}

Test(doctor, table_without_units_names_the_parameter_that_disables_it)
{
	f.iommu_units = 0;
	cmdline("root=/dev/sda1 intel_iommu=off quiet");
	doctor_check_iommu(&f, &r);
	assert_has(r.detail, "off in the kernel");
	assert_has(r.fix, "remove 'intel_iommu=off'");
	cmdline("root=/dev/sda1 iommu=off");
	doctor_check_iommu(&f, &r);
	assert_has(r.fix, "remove 'iommu=off'");
}

Test(doctor, table_without_units_amd)
{
	f.dmar = false;
	f.ivrs = true;
	f.iommu_units = 0;
	doctor_check_iommu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "firmware has IVRS");
	assert_has(r.detail, "off in the kernel");
	assert_has(r.fix, "AMD-Vi");
	assert_lacks(r.fix, "intel_iommu");
	cmdline("amd_iommu=off");
	doctor_check_iommu(&f, &r);
	assert_has(r.fix, "remove 'amd_iommu=off'");
}

Test(doctor, iommu_units_present)
{
	doctor_check_iommu(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	cr_assert(eq(str, r.detail, "2 units in /sys/class/iommu (dmar0)"));
}

/* ---- kernel command line ---- */

Test(doctor, cmdline_iommu_pt_is_fine_with_a_note)
{
	cmdline("root=/dev/sda1 intel_iommu=on iommu=pt");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "intel_iommu=on");
	assert_has(r.detail, "iommu=pt (passthrough");
	assert_has(r.detail, "fine");
}

Test(doctor, cmdline_without_iommu_parameters)
{
	cmdline("root=/dev/sda1 quiet");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "defaults");
}

Test(doctor, cmdline_acs_override_is_a_taint)
{
	cmdline("intel_iommu=on pcie_acs_override=downstream,multifunction");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_WARN));
	assert_has(r.detail, "pcie_acs_override=downstream,multifunction");
	assert_has(r.detail, "ACS override taint: groups are not trustworthy");
	assert_has(r.fix, "remove pcie_acs_override");
}

Test(doctor, cmdline_iommu_off_fails)
{
	cmdline("root=/dev/sda1 intel_iommu=off pcie_acs_override=downstream");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "intel_iommu=off turns the IOMMU off in the kernel");
	assert_has(r.detail, "groups are not trustworthy");
	assert_has(r.fix, "remove 'intel_iommu=off'");
	cmdline("intremap=off");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "interrupt remapping off in the kernel");
}

Test(doctor, cmdline_last_parameter_wins_and_init_args_do_not_count)
{
	cmdline("intel_iommu=off intel_iommu=on,sm_on");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "intel_iommu=on,sm_on");
	/* After a lone "--" the words are init's, not the kernel's. */
	cmdline("root=/dev/sda1 -- intel_iommu=off pcie_acs_override=id:1:2");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	/* A longer name that starts with a known one is another parameter. */
	cmdline("iommu.strict=1 intel_iommu_foo=off");
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
}

Test(doctor, cmdline_unreadable_is_skipped)
{
	f.cmdline_read = false;
	doctor_check_cmdline(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_SKIP));
}

/* ---- IOMMU groups ---- */

Test(doctor, groups_host_level)
{
	doctor_check_groups(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	cr_assert(eq(str, r.detail, "40 in /sys/kernel/iommu_groups"));
	f.iommu_groups = 0;
	doctor_check_groups(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.fix, "'kernel IOMMU'");
}

Test(doctor, group_viable_lists_members_with_drivers)
{
	with_device();
	member("0000:3a:00.0", "pcieport");
	member("0000:3b:00.1", "");
	member("0000:3b:00.2", "pci-stub");
	doctor_check_groups(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK), "%s", r.detail);
	cr_assert(eq(str, r.detail, "group 12: 0000:3b:00.0 (vfio-pci), 0000:3a:00.0 (pcieport), "
				    "0000:3b:00.1 (no driver), 0000:3b:00.2 (pci-stub)"));
}

Test(doctor, group_with_a_host_driver_is_not_viable)
{
	with_device();
	member("0000:3b:00.1", "snd_hda_intel");
	doctor_check_groups(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "group 12 is not viable: 0000:3b:00.1 is bound to snd_hda_intel");
	assert_has(r.fix, "iovm bind --group 0000:3b:00.0");
}

Test(doctor, group_check_leaves_the_device_itself_to_the_driver_check)
{
	with_device();
	snprintf(f.driver, sizeof(f.driver), "ixgbe");
	snprintf(f.members[0].driver, 32, "ixgbe");
	doctor_check_groups(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	doctor_check_driver(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
}

Test(doctor, device_without_a_group)
{
	with_device();
	f.group = -1;
	f.nmembers = 0;
	doctor_check_groups(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "0000:3b:00.0 has no iommu_group link");
}

/* ---- vfio modules ---- */

Test(doctor, vfio_modules_loaded_or_iommufd)
{
	doctor_check_vfio_modules(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	cr_assert(eq(str, r.detail, "vfio, vfio_iommu_type1, vfio_pci"));
	f.vfio_iommu_type1 = false;
	f.iommufd = true;
	doctor_check_vfio_modules(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "iommufd");
}

Test(doctor, vfio_pci_missing_says_modprobe)
{
	f.vfio = f.vfio_iommu_type1 = f.vfio_pci = false;
	doctor_check_vfio_modules(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	cr_assert(eq(str, r.detail, "not loaded or built in: vfio, vfio_iommu_type1, vfio_pci"));
	cr_assert(eq(str, r.fix, "modprobe -a vfio-pci vfio_iommu_type1"));
	f.vfio_iommu_type1 = true;
	doctor_check_vfio_modules(&f, &r);
	cr_assert(eq(str, r.fix, "modprobe vfio-pci"));
	f.vfio = f.vfio_pci = true;
	f.vfio_iommu_type1 = false;
	doctor_check_vfio_modules(&f, &r);
	cr_assert(eq(str, r.fix, "modprobe vfio_iommu_type1"));
}

Test(doctor, vfio_missing_on_a_kernel_without_modules)
{
	f.vfio_pci = false;
	f.modules_file = false;
	doctor_check_vfio_modules(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.fix, "CONFIG_VFIO_PCI=y");
	assert_lacks(r.fix, "modprobe");
}

/* ---- interrupt remapping ---- */

Test(doctor, irq_remap_on)
{
	doctor_check_irq_remap(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
}

Test(doctor, irq_remap_needs_the_iommu_first)
{
	f.irq_remap = false;
	f.iommu_units = 0;
	doctor_check_irq_remap(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.fix, "'kernel IOMMU'");
	/* Unsafe interrupts do not help without an IOMMU at all. */
	assert_lacks(r.fix, "allow-unsafe-interrupts");
}

Test(doctor, irq_remap_off_in_firmware)
{
	f.irq_remap = false;
	f.dmar_flags = 0;
	doctor_check_irq_remap(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "off in firmware");
	assert_has(r.fix, "firmware setup");
	assert_has(r.fix, "--allow-unsafe-interrupts");
	snprintf(f.cpu_flags, sizeof(f.cpu_flags), "vmx hypervisor");
	doctor_check_irq_remap(&f, &r);
	assert_has(r.fix, "intel-iommu,intremap=on");
}

Test(doctor, irq_remap_off_in_the_kernel)
{
	f.irq_remap = false;
	doctor_check_irq_remap(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "off in the kernel");
	assert_has(r.fix, "intremap=on");
	assert_has(r.fix, "--allow-unsafe-interrupts");
	/* Unknown DMAR flags (not root): still the kernel's, not the firmware's. */
	f.dmar_flags = -1;
	doctor_check_irq_remap(&f, &r);
	assert_has(r.detail, "off in the kernel");
	cmdline("intel_iommu=on intremap=off");
	doctor_check_irq_remap(&f, &r);
	assert_has(r.detail, "off in the kernel (intremap=off");
	assert_has(r.fix, "remove 'intremap=off'");
	cmdline("nointremap");
	doctor_check_irq_remap(&f, &r);
	assert_has(r.fix, "remove 'nointremap'");
}

Test(doctor, irq_remap_unreadable_is_skipped)
{
	f.interrupts_read = false;
	doctor_check_irq_remap(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_SKIP));
}

/* ---- locked memory ---- */

Test(doctor, memlock)
{
	doctor_check_memlock(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "exempt");
	f.memlock_exempt = false;
	f.memlock_limit = UINT64_MAX;
	doctor_check_memlock(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	cr_assert(eq(str, r.detail, "unlimited"));
	f.memlock_limit = 8 << 20;
	doctor_check_memlock(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_WARN));
	assert_has(r.detail, "RLIMIT_MEMLOCK is 8 MiB");
	assert_has(r.fix, "ulimit -l");
	assert_has(r.fix, "LimitMEMLOCK");
}

/* ---- hugepages ---- */

Test(doctor, hugepages_on_the_device_node)
{
	with_device();
	doctor_check_hugepages(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	assert_has(r.detail, "100 free 2 MiB pages on node 1");
	f.hp_node_free = 0;
	doctor_check_hugepages(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_WARN));
	assert_has(r.fix, "/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages");
	assert_has(r.fix, "--numa-node 1");
}

Test(doctor, hugepages_node_0_when_the_device_has_none)
{
	with_device();
	f.numa_node = -1;
	f.hp_node = 0;
	f.hp_node_free = 0;
	doctor_check_hugepages(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_WARN));
	assert_has(r.detail, "node 0 (the device reports no NUMA node)");
	assert_has(r.fix, "node0/hugepages");
}

Test(doctor, hugepages_host_wide)
{
	doctor_check_hugepages(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	f.hugepages_free = 0;
	doctor_check_hugepages(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_WARN));
	assert_has(r.fix, "/proc/sys/vm/nr_hugepages");
	f.hugepages_free = -1;
	doctor_check_hugepages(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_SKIP));
}

/* ---- driver ---- */

Test(doctor, driver_not_vfio_pci)
{
	with_device();
	f.driver[0] = 0;
	doctor_check_driver(&f, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.detail, "no driver");
	cr_assert(eq(str, r.fix, "iovm bind 0000:3b:00.0"));
	snprintf(f.driver, sizeof(f.driver), "nvme");
	doctor_check_driver(&f, &r);
	assert_has(r.detail, "bound to nvme");
	f.group = -1;
	doctor_check_driver(&f, &r);
	assert_has(r.fix, "iovm bind 0000:3b:00.0 (once the IOMMU is on");
}

/* ---- output ---- */

Test(doctor, print_format_and_fail_count)
{
	struct doctor_result res[3] = {
		{ .name = "cpu virtualization", .status = DOCTOR_OK, .detail = "vmx (Intel VT-x)" },
		{ .name = "driver", .status = DOCTOR_FAIL, .detail = "no driver",
		  .fix = "iovm bind 0000:00:02.0" },
		{ .name = "hugepages", .status = DOCTOR_WARN, .detail = "none", .fix = "echo" },
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int fails = doctor_print(out, res, 3);

	fclose(out);
	cr_assert(eq(int, fails, 1));
	cr_assert(eq(str, buf, "[ OK ] cpu virtualization: vmx (Intel VT-x)\n"
			       "[FAIL] driver: no driver\n"
			       "       fix: iovm bind 0000:00:02.0\n"
			       "[WARN] hugepages: none\n"
			       "       fix: echo\n"
			       "1 ok, 1 warning, 1 failed\n"));
	free(buf);
}

/* ---- doctor_gather() on recorded trees ---- */

static const char *root;

static void tree_setup(void)
{
	root = fx_sysfs_create();
	cr_assert(eq(int, setenv("IOVM_PROC_ROOT", root, 1), 0));
}

static void tree_teardown(void)
{
	unsetenv("IOVM_PROC_ROOT");
	fx_sysfs_destroy();
}

/* The lab, as its /sys and /proc show it: VT-d with interrupt remapping,
 * vfio loaded, an e1000e without a driver alone in group 3. */
static void record_lab(void)
{
	char dmar[39];

	fx_sysfs_write("proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n"
		       "flags\t\t: fpu vme svm hypervisor\n\nprocessor\t: 1\n"
		       "vendor_id\t: AuthenticAMD\nflags\t\t: fpu vme svm hypervisor\n");
	fx_sysfs_write("proc/cmdline", "console=ttyS0 intel_iommu=on rdinit=/init panic=-1\n");
	fx_sysfs_write("proc/modules", "vfio_pci 16384 0 - Live 0x0\n"
		       "vfio_pci_core 69632 1 vfio_pci, Live 0x0\n"
		       "vfio_iommu_type1 40960 0 - Live 0x0\nvfio 40960 3 vfio_pci_core,"
		       "vfio_iommu_type1, Live 0x0\n");
	fx_sysfs_write("proc/interrupts", "           CPU0       CPU1\n"
		       " 24:          0          0  IR-PCI-MSI-0000:00:01.0   0-edge      nvme0q0\n");
	fx_sysfs_write("proc/meminfo", "MemTotal:        2014172 kB\nHugePages_Total:       0\n"
		       "HugePages_Free:        0\n");
	/* ACPI header (36 bytes), host address width, flags = INTR_REMAP.
	 * Non-zero filler: fx_sysfs_write() writes a C string. */
	memset(dmar, 'x', 38);
	memcpy(dmar, "DMAR", 4);
	dmar[37] = DMAR_FLAG_INTR_REMAP;
	dmar[38] = 0;
	fx_sysfs_write("sys/firmware/acpi/tables/DMAR", dmar);
	fx_sysfs_mkdir("sys/class/iommu/dmar0");
	fx_sysfs_mkdir("sys/kernel/iommu_groups/0/devices");
	fx_sysfs_mkdir("sys/kernel/iommu_groups/3/devices");
	fx_sysfs_mkdir("sys/module/vfio");
	fx_sysfs_write("sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages",
		       "0\n");
}

static void record_nic(void)
{
	const char *dev = fx_sysfs_add_pci("0000:00:02.0");
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/numa_node", dev);
	fx_sysfs_write(rel, "-1\n");
	snprintf(rel, sizeof(rel), "%s/iommu_group", dev);
	fx_sysfs_symlink(rel, "../../../kernel/iommu_groups/3");
	fx_sysfs_symlink("sys/kernel/iommu_groups/3/devices/0000:00:02.0",
			 "../../../../devices/pci0000:00/0000:00:02.0");
}

TestSuite(doctor_gather, .init = tree_setup, .fini = tree_teardown);

Test(doctor_gather, proc_path_honours_the_root)
{
	char buf[512], want[512];

	cr_assert(eq(int, doctor_proc_path(buf, sizeof(buf), "/proc/cmdline"), 0));
	snprintf(want, sizeof(want), "%s/proc/cmdline", root);
	cr_assert(eq(str, buf, want));
	unsetenv("IOVM_PROC_ROOT");
	cr_assert(eq(int, doctor_proc_path(buf, sizeof(buf), "/proc/cmdline"), 0));
	cr_assert(eq(str, buf, "/proc/cmdline"));
	cr_assert(eq(int, doctor_proc_path(buf, 10, "/proc/cmdline"), -ENAMETOOLONG));
}

Test(doctor_gather, lab_host)
{
	static struct doctor_facts g;

	record_lab();
	cr_assert(eq(int, doctor_gather(&g, NULL), 0));
	cr_assert(eq(str, g.cpu_vendor, "AuthenticAMD"));
	cr_assert(eq(str, g.cpu_flags, "fpu vme svm hypervisor"));
	cr_assert(eq(str, g.cmdline, "console=ttyS0 intel_iommu=on rdinit=/init panic=-1"));
	cr_assert(g.cmdline_read && g.modules_file && g.interrupts_read && g.irq_remap);
	cr_assert(g.vfio && g.vfio_iommu_type1 && g.vfio_pci);
	cr_assert(g.iommufd == false && g.kvm_pvm == false);
	cr_assert(g.dmar && g.ivrs == false);
	cr_assert(eq(int, g.dmar_flags, DMAR_FLAG_INTR_REMAP));
	cr_assert(eq(int, g.iommu_units, 1));
	cr_assert(eq(str, g.iommu_unit, "dmar0"));
	cr_assert(eq(int, g.iommu_groups, 2));
	cr_assert(eq(long, g.hugepages_free, 0));
	cr_assert(eq(str, g.bdf, ""));

	doctor_check_cpu(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	doctor_check_firmware(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	doctor_check_iommu(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	doctor_check_vfio_modules(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	doctor_check_irq_remap(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
}

Test(doctor_gather, lab_nic_without_a_driver)
{
	static struct doctor_facts g;

	record_lab();
	record_nic();
	cr_assert(eq(int, doctor_gather(&g, "0000:00:02.0"), 0));
	cr_assert(eq(str, g.bdf, "0000:00:02.0"));
	cr_assert(eq(str, g.driver, ""));
	cr_assert(eq(int, g.group, 3));
	cr_assert(eq(int, g.numa_node, -1));
	cr_assert(eq(int, g.nmembers, 1));
	cr_assert(eq(str, g.members[0].bdf, "0000:00:02.0"));
	cr_assert(eq(int, g.hp_node, 0));
	cr_assert(eq(long, g.hp_node_free, 0));

	doctor_check_groups(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_OK));
	cr_assert(eq(str, r.detail, "group 3: 0000:00:02.0 (no driver)"));
	doctor_check_driver(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	cr_assert(eq(str, r.fix, "iovm bind 0000:00:02.0"));
	doctor_check_hugepages(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_WARN));
}

Test(doctor_gather, host_without_iommu_or_module_support)
{
	static struct doctor_facts g;

	fx_sysfs_write("proc/cpuinfo", "vendor_id\t: AuthenticAMD\nflags\t\t: fpu hypervisor\n");
	fx_sysfs_write("proc/cmdline", "console=ttyS0 -- --init-arg\n");
	fx_sysfs_write("proc/interrupts", " 4: 10 IO-APIC 4-edge ttyS0\n");
	fx_sysfs_mkdir("sys/module/kvm_pvm");
	cr_assert(eq(int, doctor_gather(&g, NULL), 0));
	cr_assert(g.modules_file == false && g.vfio == false && g.vfio_pci == false);
	cr_assert(g.kvm_pvm && g.interrupts_read && g.irq_remap == false);
	cr_assert(g.dmar == false && g.ivrs == false && g.dmar_flags == -1);
	cr_assert(eq(int, g.iommu_units, 0));
	cr_assert(eq(long, g.hugepages_free, -1));

	doctor_check_firmware(&g, &r);
	assert_has(r.detail, "off in firmware");
	doctor_check_iommu(&g, &r);
	assert_has(r.detail, "off in firmware");
	doctor_check_vfio_modules(&g, &r);
	assert_has(r.fix, "CONFIG_VFIO_PCI=y");
	doctor_check_cpu(&g, &r);
	assert_has(r.detail, "KVM on PVM");
}

Test(doctor_gather, bad_or_unknown_address)
{
	static struct doctor_facts g;

	record_lab();
	cr_assert(eq(int, doctor_gather(&g, "00:02.0"), -EINVAL));
	cr_assert(eq(int, doctor_gather(&g, "0000:00:09.0"), -ENODEV));
}

Test(doctor_gather, group_members_are_sorted_with_their_drivers)
{
	static struct doctor_facts g;
	const char *dev;
	char rel[256];

	record_lab();
	record_nic();
	dev = fx_sysfs_add_pci("0000:00:01.0");
	snprintf(rel, sizeof(rel), "%s/driver", dev);
	fx_sysfs_symlink(rel, "../../../bus/pci/drivers/snd_hda_intel");
	fx_sysfs_symlink("sys/kernel/iommu_groups/3/devices/0000:00:01.0",
			 "../../../../devices/pci0000:00/0000:00:01.0");
	cr_assert(eq(int, doctor_gather(&g, "0000:00:02.0"), 0));
	cr_assert(eq(int, g.nmembers, 2));
	cr_assert(eq(str, g.members[0].bdf, "0000:00:01.0"));
	cr_assert(eq(str, g.members[0].driver, "snd_hda_intel"));
	doctor_check_groups(&g, &r);
	cr_assert(eq(int, r.status, DOCTOR_FAIL));
	assert_has(r.fix, "iovm bind --group 0000:00:02.0");
}
