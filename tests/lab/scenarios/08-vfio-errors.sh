#!/bin/sh
# lab-timeout: 300
# Passthrough bad input: each case exits 2 with a message that names the
# problem and the fix, and leaves the host as it was. Then the e1000e NIC
# given to a guest shows up there with its real IDs.
. /lab/lib.sh
plan 9

NIC=$(pci_find 8086:10d3) || bail "no e1000e (8086:10d3) in the lab"
NVME=$(pci_find 1b36:0010) || bail "no NVMe controller in the lab"

# expect_refusal DESC PATTERN ARGS...: iovm run ARGS exits 2, says PATTERN.
expect_refusal() {
    desc=$1 pat=$2
    shift 2
    out=$(timeout 60 iovm run --mem 128M "$@" --exec true 2>&1)
    st=$?
    if [ $st -eq 2 ] && echo "$out" | grep -qF -- "$pat"; then
        pass "$desc"
    else
        fail "$desc" "exit $st, want 2 and '$pat' in:" "$out"
    fi
}

expect_refusal "a device that does not exist" "0000:00:1e.0: no such PCI device" \
    --device vfio,host=0000:00:1e.0
expect_refusal "a malformed --device" "write host=DDDD:BB:DD.F" --device vfio,host=00:02.0
expect_refusal "a device with no driver: the fix is printed" \
    "echo vfio-pci > /sys/bus/pci/devices/$NIC/driver_override" --device vfio,host=$NIC
check "... and the NIC is still without a driver" sh -c "[ ! -e /sys/bus/pci/devices/$NIC/driver ]"
expect_refusal "a device bound to another driver" "is bound to nvme, not vfio-pci" \
    --device vfio,host=$NVME
check "... and the NVMe controller is still bound to nvme" \
    sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$NVME/driver)) = nvme ]"
expect_refusal "the same device twice" "is given twice" \
    --device vfio,host=$NIC --device vfio,host=$NIC

# The NIC in a guest: its config space shows the real IDs and its BARs.
echo vfio-pci >/sys/bus/pci/devices/$NIC/driver_override
echo $NIC >/sys/bus/pci/drivers_probe
OUT=$(timeout 200 iovm run --mem 256M --device vfio,host=$NIC --stats --exec '
for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor):$(cat $d/device)" = "0x8086:0x10d3" ] && echo "guest-nic: $(basename $d) irq=$(cat $d/irq) bar0=$(head -n1 $d/resource)"
done' 2>&1)
ST=$?
check "the e1000e guest exits 0" [ $ST -eq 0 ]
check "the guest reads 8086:10d3 from the NIC's config space" \
    sh -c "echo '$OUT' | grep -q '^guest-nic: '"
[ $ST -eq 0 ] || diag "$(echo "$OUT" | tail -n 20)"
echo $NIC >/sys/bus/pci/devices/$NIC/driver/unbind
echo >/sys/bus/pci/devices/$NIC/driver_override
