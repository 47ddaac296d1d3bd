#!/bin/sh
# lab-vfs: 2
# The QEMU NVMe PF exposes SR-IOV: two VFs appear, each in its own IOMMU
# group, and disappear again.
. /lab/lib.sh
plan 8

pf=
for d in /sys/bus/pci/devices/*; do
    if [ -f "$d/sriov_totalvfs" ] && [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1b36:0x0010 ]; then
        pf=$(basename "$d")
        break
    fi
done
[ -n "$pf" ] || bail "no NVMe PF (1b36:0010) with sriov_totalvfs"
dev=/sys/bus/pci/devices/$pf

check "NVMe PF $pf has sriov_totalvfs = 2" test "$(cat "$dev/sriov_totalvfs")" = 2

# No autoprobe: the nvme driver cannot use a VF before it is set online.
echo 0 >"$dev/sriov_drivers_autoprobe"
check "writing 2 to sriov_numvfs succeeds" sh -c "echo 2 >$dev/sriov_numvfs"
check "virtfn0 and virtfn1 appear" test -e "$dev/virtfn0" -a -e "$dev/virtfn1"

vf0=$(basename "$(readlink "$dev/virtfn0")")
vf1=$(basename "$(readlink "$dev/virtfn1")")
gpf=$(iommu_group "$pf")
g0=$(iommu_group "$vf0")
g1=$(iommu_group "$vf1")
diag "PF $pf group $gpf, VF $vf0 group $g0, VF $vf1 group $g1"
check "VF $vf0 has an IOMMU group" test -n "$g0"
check "VF $vf1 has an IOMMU group" test -n "$g1"
check "VF groups differ from the PF's" test -n "$gpf" -a "$g0" != "$gpf" -a "$g1" != "$gpf"
check "VF groups differ from each other" test "$g0" != "$g1"

echo 0 >"$dev/sriov_numvfs"
echo 1 >"$dev/sriov_drivers_autoprobe"
check "VFs are gone after writing 0" \
    test ! -e "$dev/virtfn0" -a ! -e "/sys/bus/pci/devices/$vf0" -a ! -e "/sys/bus/pci/devices/$vf1"
