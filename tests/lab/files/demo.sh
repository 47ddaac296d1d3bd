#!/bin/sh
# `make demo`: what iovm does, inside the lab. Each step prints the command
# it runs and what came back.
step() {
    echo
    echo "==> $*"
}

NVME=$(for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor):$(cat $d/device)" = "0x1b36:0x0010" ] && basename $d && break; done)

step "the lab: IOMMU, interrupt remapping, SR-IOV NVMe, nested KVM"
dmesg | grep -E 'DMAR: IOMMU enabled|Enabled IRQ remapping' | sed 's/^\[[^]]*\] //'
ls -l /dev/kvm

step "iovm devices: what can be given to a guest"
iovm devices

step "iovm run --cpus 2 --exec '...': a Debian guest with emulated devices only"
iovm run --cpus 2 --stats --exec 'uname -sr; grep -c processor /proc/cpuinfo'
echo "iovm exited with status $?"

step "iovm bind $NVME; iovm run --device vfio,host=$NVME: the NVMe controller in the guest"
iovm bind $NVME
iovm run --mem 256M --stats --device vfio,host=$NVME --exec '
printf "written by the guest" | dd of=/dev/nvme0n1 bs=4096 count=1 conv=sync oflag=direct 2>/dev/null
dd if=/dev/nvme0n1 bs=4096 count=1 iflag=direct 2>/dev/null | head -c 20; echo
grep nvme /proc/interrupts'
echo "iovm exited with status $? (note: no exits on vfio-...bar0, only .msix setup)"
iovm restore $NVME

step "iovm sriov enable $NVME --vfs 2: VFs with provisioned NVMe secondary controllers"
iovm sriov enable $NVME --vfs 2
iovm sriov show $NVME
VF=$(basename $(readlink /sys/bus/pci/devices/$NVME/virtfn0))

step "the VF $VF in a guest"
iovm bind $VF
iovm run --mem 256M --device vfio,host=$VF --exec 'dd if=/dev/nvme0n1 bs=4096 count=1 iflag=direct 2>/dev/null | head -c 20; echo; grep nvme /proc/interrupts'
echo "iovm exited with status $?"
iovm restore $VF
iovm sriov disable $NVME
