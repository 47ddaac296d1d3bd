#!/bin/sh
# The lab's emulated Intel VT-d is up: DMA remapping, interrupt remapping,
# an IOMMU device in sysfs and IOMMU groups.
. /lab/lib.sh
plan 4

# dmesg_has PATTERN: prints the DMAR lines as evidence when PATTERN is missing.
dmesg_has() {
    dmesg | grep -q -- "$1" || { dmesg | grep -i -e dmar -e iommu | tail -n 20; return 1; }
}

check "dmesg shows 'DMAR: IOMMU enabled'" dmesg_has 'DMAR: IOMMU enabled'
check "dmesg shows 'Enabled IRQ remapping'" dmesg_has 'Enabled IRQ remapping'
check "/sys/class/iommu has an entry" sh -c 'ls /sys/class/iommu | grep .'
check "/sys/kernel/iommu_groups is not empty" sh -c 'ls /sys/kernel/iommu_groups | grep .'
