#!/bin/sh
# `make demo`: what iovm can do so far, inside the lab. Each step prints the
# command it runs and what came back.
step() {
    echo
    echo "==> $*"
}

step "the lab: IOMMU, interrupt remapping, SR-IOV NVMe, nested KVM"
dmesg | grep -E 'DMAR: IOMMU enabled|Enabled IRQ remapping' | sed 's/^\[[^]]*\] //'
echo "IOMMU groups: $(ls /sys/kernel/iommu_groups | wc -l)"
ls -l /dev/kvm

step "iovm run --cpus 2 --stats --exec '...': a Debian guest, 2 vCPUs, exit counters"
iovm run --cpus 2 --stats --exec 'uname -sr; grep -c processor /proc/cpuinfo; cat /proc/cmdline; lspci 2>/dev/null || ls /sys/bus/pci/devices'
echo "iovm exited with status $?"

step "iovm run --irqchip split: the I/O APIC in user space"
iovm run --irqchip split --exec 'grep -E "IO-APIC" /proc/interrupts'
echo "iovm exited with status $?"

step "iovm run --exec 'exit 7': the guest's status comes back"
iovm run --exec 'exit 7'
echo "iovm exited with status $? (want 7)"
