#!/bin/sh
# The q35 e1000e (no driver in the cloud kernel) binds to vfio-pci through
# driver_override, gets its /dev/vfio/<group> node, and unbinds cleanly.
. /lab/lib.sh
plan 7

bdf=$(pci_find 8086:10d3)
[ -n "$bdf" ] || bail "no e1000e (8086:10d3) in /sys/bus/pci/devices"
dev=/sys/bus/pci/devices/$bdf
group=$(iommu_group "$bdf")
check "e1000e $bdf is in IOMMU group '$group'" test -n "$group"
check "e1000e $bdf starts without a driver" test -z "$(pci_driver "$bdf")"

echo vfio-pci >"$dev/driver_override"
echo "$bdf" >/sys/bus/pci/drivers_probe
check "driver is vfio-pci after drivers_probe" test "$(pci_driver "$bdf")" = vfio-pci
check "/dev/vfio/$group is a character device" test -c "/dev/vfio/$group"

echo "$bdf" >"$dev/driver/unbind"
echo >"$dev/driver_override"
check "unbind leaves $bdf without a driver" test -z "$(pci_driver "$bdf")"
check "driver_override is cleared" test "$(cat "$dev/driver_override")" = "(null)"
check "/dev/vfio/$group is gone" test ! -e "/dev/vfio/$group"
