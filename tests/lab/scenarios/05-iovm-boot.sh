#!/bin/sh
# lab-timeout: 300
# iovm boots its default guest inside the lab and passes the exit status of
# `--exec` back.
. /lab/lib.sh
plan 7

[ -x /opt/iovm/iovm ] || bail "no iovm in the lab: build it with images.sh lab --iovm PATH"

# expect_status DESC STATUS
expect_status() {
    if [ "$ST" -eq "$2" ]; then
        pass "$1"
    else
        fail "$1" "exit status $ST, output:" "$(echo "$OUT" | tail -n 20)"
    fi
}

# output_has_line LINE: OUT holds LINE as a whole line (serial CRs aside).
output_has_line() {
    echo "$OUT" | tr -d '\r' | grep -qx -- "$1" || { echo "$OUT" | tail -n 20; return 1; }
}

run_iovm --exec 'cat /proc/cpuinfo | grep -c processor' --cpus 2
expect_status "iovm run --cpus 2 exits 0" 0
check "the guest counts 2 processors" output_has_line 2

run_iovm --exec 'exit 3'
expect_status "iovm run --exec 'exit 3' exits 3" 3

# The exit status must not overtake the output: all of it comes back.
run_iovm --irqchip split --cpus 2 --exec 'seq 1 3000'
check "--exec output arrives whole before the VM ends (3000 lines)" \
    sh -c "[ \$(echo '$OUT' | tr -d '\r' | grep -cE '^[0-9]+$') -eq 3000 ] && echo '$OUT' | tr -d '\r' | grep -qx 3000"

# How the kernel was entered, from the boot_params it kept: a PVH entry
# (the default guest's vmlinux) leaves type_of_loader 0xb0, iovm's
# boot-protocol loader (a bzImage) 0xff.
LOADER="od -An -tx1 -j 528 -N1 /sys/kernel/boot_params/data | tr -d ' '"
run_iovm --exec "$LOADER"
check "the default guest's vmlinux is entered through PVH (type_of_loader b0)" \
    output_has_line b0
run_iovm --kernel /opt/iovm/guest/bzImage --initrd /opt/iovm/guest/initrd.img \
    --exec "$LOADER; exit 4"
expect_status "the bzImage boots too and passes --exec's status (4)" 4
check "the bzImage is entered through the 64-bit boot protocol (type_of_loader ff)" \
    output_has_line ff
