#!/bin/sh
# lab-timeout: 420
# Passthrough of the lab's NVMe controller (the PF) to an iovm Linux guest:
# the guest's nvme driver binds, writes a pattern and reads it back with
# O_DIRECT, its MSI-X vectors count, the data path causes no exits to iovm,
# the lab then reads the same pattern from the device; a second VM asking
# for the device is refused, and a VM killed with SIGKILL leaves the device
# usable by the next one.
. /lab/lib.sh
plan 10

BDF=$(pci_find 1b36:0010) || bail "no NVMe controller (1b36:0010) in the lab"
PATTERN="iovm-vfio-pattern-$$"

# rebind DRIVER: move the PF to DRIVER through driver_override.
rebind() {
    [ -e /sys/bus/pci/devices/$BDF/driver ] && echo $BDF >/sys/bus/pci/devices/$BDF/driver/unbind
    echo "$1" >/sys/bus/pci/devices/$BDF/driver_override
    echo $BDF >/sys/bus/pci/drivers_probe
}

rebind vfio-pci
check "$BDF is bound to vfio-pci" sh -c "[ \$(basename \$(readlink /sys/bus/pci/devices/$BDF/driver)) = vfio-pci ]"

cat >/tmp/guest-io.sh <<GUEST
irq() { awk '/nvme0q1/ {print \$2}' /proc/interrupts; }
before=\$(irq)
printf '$PATTERN' | dd of=/dev/nvme0n1 bs=4096 count=1 conv=sync oflag=direct 2>/dev/null
got=\$(dd if=/dev/nvme0n1 bs=4096 count=1 iflag=direct 2>/dev/null | head -c ${#PATTERN})
echo "guest: readback=\$got irq_before=\$before irq_after=\$(irq)"
GUEST
OUT=$(timeout 200 iovm run --mem 256M --device vfio,host=$BDF --stats-file /tmp/vfio-stats.json \
      --exec "$(cat /tmp/guest-io.sh)" 2>&1)
ST=$?
LINE=$(echo "$OUT" | tr -d '\r' | grep '^guest: ')
check "the passthrough VM runs and exits 0" [ "$ST" -eq 0 ]
check "the guest reads back the pattern it wrote to /dev/nvme0n1" \
    sh -c "echo '$LINE' | grep -q 'readback=$PATTERN '"

# irq_counted: nvme0q1's MSI-X count went up during the I/O.
irq_counted() {
    b=$(echo "$LINE" | sed -n 's/.*irq_before=\([0-9]*\).*/\1/p')
    a=$(echo "$LINE" | sed -n 's/.*irq_after=\([0-9]*\).*/\1/p')
    [ -n "$b" ] && [ -n "$a" ] && [ "$a" -gt "$b" ]
}
check "the guest's NVMe MSI-X vector counts interrupts ($LINE)" irq_counted
[ "$ST" -eq 0 ] || diag "$(echo "$OUT" | tail -n 20)"

# region_accesses NAME: exits counted for the bus regions called NAME.
region_accesses() {
    tr -d ' ' </tmp/vfio-stats.json | grep "\"name\":\"$1\"" |
        sed 's/.*"accesses":\([0-9]*\).*/\1/' | awk '{s += $1} END {print s + 0}'
}
DATA=$(region_accesses "vfio-$BDF.bar0")
MSIX=$(region_accesses "vfio-$BDF.bar0.msix")
check "no exits on BAR0 outside the MSI-X table (data path: $DATA, MSI-X setup: $MSIX)" \
    [ "$DATA" -eq 0 -a "$MSIX" -gt 0 ]

# INTx: with MSI off in the guest, the device's legacy interrupt goes
# through an irqfd with resample to the GSI the DSDT's _PRT names.
OUT=$(timeout 200 iovm run --mem 256M --device vfio,host=$BDF \
      --cmdline "console=ttyS0 panic=-1 quiet pci=nomsi" \
      --exec "dd if=/dev/nvme0n1 bs=4096 count=1 iflag=direct 2>/dev/null | head -c ${#PATTERN}; echo; grep nvme0q0 /proc/interrupts" 2>&1)
check "INTx (guest booted with pci=nomsi): I/O works on a level IO-APIC line" \
    sh -c "echo '$OUT' | grep -q '$PATTERN' && echo '$OUT' | grep -qE '[1-9][0-9]* +IO-APIC +[0-9]+-fasteoi +nvme0q0'"

# After the VM: the lab's own nvme driver sees what the guest wrote.
rebind nvme
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/nvme0n1 ] && break; sleep 1; done
check "after the VM, the lab reads the guest's pattern from the device" \
    sh -c "dd if=/dev/nvme0n1 bs=4096 count=1 iflag=direct 2>/dev/null | head -c ${#PATTERN} | grep -q '$PATTERN'"

# One device, one VM: a second iovm is refused while the first runs.
rebind vfio-pci
iovm run --mem 128M --device vfio,host=$BDF --exec 'sleep 60' >/tmp/first.log 2>&1 &
FIRST=$!
for _ in $(seq 60); do ls -l /proc/$FIRST/fd 2>/dev/null | grep -q /dev/vfio/ && break; sleep 1; done
OUT=$(timeout 60 iovm run --mem 128M --device vfio,host=$BDF --exec true 2>&1)
ST=$?
check "a second VM asking for $BDF exits 2 naming the holder (pid $FIRST)" \
    sh -c "[ $ST -eq 2 ] && echo '$OUT' | grep -q 'in use by process $FIRST'"
[ "$ST" -eq 2 ] || diag "$OUT"

kill -9 $FIRST
wait $FIRST 2>/dev/null

# The host takes the device back while a VM uses it: VFIO's device request
# reaches iovm, which stops the VM instead of leaving the unbind hanging.
iovm run --mem 128M --device vfio,host=$BDF --exec 'sleep 60' >/tmp/req.log 2>&1 &
VMPID=$!
for _ in $(seq 60); do ls -l /proc/$VMPID/fd 2>/dev/null | grep -q /dev/vfio/ && break; sleep 1; done
sleep 2
timeout 60 sh -c "echo $BDF >/sys/bus/pci/drivers/vfio-pci/unbind"
UNBIND=$?
wait $VMPID
VMST=$?
check "unbinding the device under a running VM stops the VM (exit $VMST) and the unbind completes" \
    sh -c "[ $UNBIND -eq 0 ] && [ $VMST -ne 0 ] && grep -q 'asked for $BDF back' /tmp/req.log"
[ $UNBIND -eq 0 ] || diag "$(cat /tmp/req.log)"
rebind vfio-pci
OUT=$(timeout 200 iovm run --mem 256M --device vfio,host=$BDF --exec 'dd if=/dev/nvme0n1 bs=4096 count=1 iflag=direct 2>/dev/null | head -c 40' 2>&1)
ST=$?
check "after SIGKILL of its VM, the next VM uses the device" \
    sh -c "[ $ST -eq 0 ] && echo '$OUT' | grep -q '$PATTERN'"
[ "$ST" -eq 0 ] || diag "$(echo "$OUT" | tail -n 20)"
rebind nvme
