#!/bin/sh
# lab-timeout: 300
# The e1000e NIC given to a guest running Debian's generic kernel: the
# guest's e1000e driver binds, brings the link up, and the NIC's MSI-X
# vectors reach the guest through irqfds.
. /lab/lib.sh
plan 5

NIC=$(pci_find 8086:10d3) || bail "no e1000e in the lab"
[ -f /opt/iovm/guest-nic/bzImage ] || bail "no NIC guest image (images.sh guest-nic)"

iovm bind $NIC >/dev/null
OUT=$(timeout 200 iovm run --mem 256M --kernel /opt/iovm/guest-nic/bzImage \
      --initrd /opt/iovm/guest-nic/initrd.img --device vfio,host=$NIC --stats --exec '
dev=$(ls /sys/class/net | grep -v lo | head -n1)
echo "guest-nic: $dev $(cat /sys/class/net/$dev/device/vendor):$(cat /sys/class/net/$dev/device/device) driver=$(basename $(readlink /sys/class/net/$dev/device/driver))"
ip link set $dev up
sleep 3
grep -E "PCI-MSI.*$dev" /proc/interrupts | sed "s/^/guest-irq: /"' 2>&1)
ST=$?
iovm restore $NIC >/dev/null

check "the e1000e guest exits 0" [ $ST -eq 0 ]
check "the guest sees 8086:10d3 and its e1000e driver binds" \
    sh -c "echo '$OUT' | grep -q 'guest-nic: .* 0x8086:0x10d3 driver=e1000e'"
check "the driver uses message-signalled vectors (rx, tx, other)" sh -c \
    "[ \$(echo '$OUT' | grep -c 'guest-irq: .*PCI-MSI') -ge 3 ]"
# msix_counted: some MSI-X vector of the NIC counted at least one interrupt.
msix_counted() {
    echo "$OUT" | grep 'guest-irq: ' | awk '{ if ($3 + 0 > 0) found = 1 } END { exit !found }'
}
check "the NIC's MSI-X interrupts reach the guest" msix_counted
check "its MSI-X table traps, and nothing else on its BARs exits" sh -c \
    "echo '$OUT' | grep -qE 'vfio-$NIC.bar[0-5].msix +[1-9]' &&
     ! echo '$OUT' | grep -qE 'vfio-$NIC.bar[0-5] +[1-9]'"
[ $ST -eq 0 ] || diag "$(echo "$OUT" | tail -n 25)"
diag "$(echo "$OUT" | grep -E 'guest-|vfio-' )"
