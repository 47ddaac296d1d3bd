#!/bin/sh
# lab-timeout: 420
# The device-assignment CLI on the lab's real sysfs: listing, NVMe SR-IOV
# with provisioned secondary controllers, a VF given to a guest (the
# passthrough acceptance on a VF), bind/restore round trips, bad input.
. /lab/lib.sh
plan 17

PF=$(pci_find 1b36:0010) || bail "no NVMe controller in the lab"
NIC=$(pci_find 8086:10d3) || bail "no e1000e in the lab"

# json_has TEXT: iovm devices --json contains TEXT (whitespace-insensitive).
iovm devices --json >/tmp/devices.json 2>&1
json_has() { tr -d ' \n' </tmp/devices.json | grep -qF -- "$1"; }
check "devices --json lists the NVMe PF with sriov_totalvfs 2" \
    json_has "\"bdf\":\"$PF\",\"id\":\"1b36:0010\""
check "... with its IOMMU group" json_has "\"iommu_group\":$(iommu_group $PF),\"numa_node\":-1,\"sriov_totalvfs\":2"
check "devices --json lists the e1000e and its group" \
    json_has "\"bdf\":\"$NIC\",\"id\":\"8086:10d3\""

# expect2 DESC PATTERN CMD...: exits 2 and says PATTERN.
expect2() {
    desc=$1 pat=$2
    shift 2
    out=$("$@" 2>&1)
    st=$?
    if [ $st -eq 2 ] && echo "$out" | grep -qF -- "$pat"; then pass "$desc"; else fail "$desc" "exit $st: $out"; fi
}
expect2 "more VFs than sriov_totalvfs is refused" "at most 2 VFs" iovm sriov enable $PF --vfs 3
expect2 "a function that is not a PF is refused" "not an SR-IOV physical function" \
    iovm sriov enable $NIC --vfs 1

OUT=$(iovm sriov enable $PF --vfs 2 2>&1)
check "sriov enable --vfs 2 makes two VFs ($OUT)" \
    sh -c "[ -e /sys/bus/pci/devices/$PF/virtfn0 ] && [ -e /sys/bus/pci/devices/$PF/virtfn1 ]"
iovm sriov show $PF >/tmp/show.txt 2>&1
check "sriov show: both secondary controllers online with queues and interrupts" \
    sh -c "[ \$(grep -c 'online, [1-9][0-9]* queues, [1-9][0-9]* interrupts' /tmp/show.txt) -eq 2 ]"
diag "$(cat /tmp/show.txt)"

# The first VF in a guest: its nvme driver binds and does I/O.
VF=$(basename $(readlink /sys/bus/pci/devices/$PF/virtfn0))
iovm bind $VF >/tmp/bind.txt 2>&1
check "iovm bind $VF binds it to vfio-pci" \
    sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$VF/driver)) = vfio-pci ]"
OUT=$(timeout 200 iovm run --mem 256M --device vfio,host=$VF --exec '
printf iovm-vf-pattern | dd of=/dev/nvme0n1 bs=4096 count=1 conv=sync oflag=direct 2>/dev/null
dd if=/dev/nvme0n1 bs=4096 count=1 iflag=direct 2>/dev/null | head -c 15; echo
grep -c nvme0q /proc/interrupts' 2>&1)
check "a guest given the VF reads back what it wrote through it" \
    sh -c "echo '$OUT' | grep -q '^iovm-vf-pattern'"
[ $? -eq 0 ] || diag "$(echo "$OUT" | tail -n 15)"
check "iovm restore $VF gives it back (no driver: autoprobe is off)" sh -c \
    "iovm restore $VF >/dev/null && [ ! -e /sys/bus/pci/devices/$VF/driver ]"

check "bind then restore round-trips the NVMe PF (nvme -> vfio-pci -> nvme)" sh -c \
    "iovm sriov disable $PF >/dev/null && iovm bind $PF >/dev/null &&
     [ \$(basename \$(readlink /sys/bus/pci/devices/$PF/driver)) = vfio-pci ] &&
     iovm restore $PF >/dev/null &&
     [ \$(basename \$(readlink /sys/bus/pci/devices/$PF/driver)) = nvme ]"
check "sriov disable removed the VFs" sh -c "[ ! -e /sys/bus/pci/devices/$PF/virtfn0 ]"

# iovm apply: converge, then nothing to do; a failure undoes what it did.
cat >/tmp/devices.conf <<CONF
# the lab's devices
[pf $PF]
vfs = 2
[vf $PF 1]
driver = vfio-pci
[device $NIC]
driver = vfio-pci
CONF
OUT=$(iovm apply /tmp/devices.conf 2>&1)
check "apply makes 2 VFs and binds VF 1 and the NIC to vfio-pci" sh -c \
    "echo '$OUT' | grep -q 'iovm apply: 3 changes' &&
     [ \$(basename \$(readlink /sys/bus/pci/devices/$NIC/driver)) = vfio-pci ]"
[ $? -eq 0 ] || diag "$OUT"
OUT=$(iovm apply /tmp/devices.conf 2>&1)
check "apply run twice changes nothing the second time" sh -c "echo '$OUT' | grep -q 'iovm apply: 0 changes'"
VF1=$(basename $(readlink /sys/bus/pci/devices/$PF/virtfn1))
expect2 "sriov set on an NVMe VF: NIC settings need a network interface" \
    "has no network interface" iovm sriov set $VF1 --mac 52:54:00:12:34:56
iovm restore $VF1 >/dev/null; iovm restore $NIC >/dev/null; iovm sriov disable $PF >/dev/null

cat >/tmp/bad.conf <<CONF
[pf $PF]
vfs = 1
[device $NIC]
driver = no-such-driver
CONF
expect2 "apply with a failing step exits 2 and says it undid the rest" "earlier changes were undone" \
    iovm apply /tmp/bad.conf
check "... the VFs it made are gone again and the NIC is unbound" sh -c \
    "[ \$(cat /sys/bus/pci/devices/$PF/sriov_numvfs) -eq 0 ] && [ ! -e /sys/bus/pci/devices/$NIC/driver ]"
