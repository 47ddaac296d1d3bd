#!/bin/sh
# /init of the default iovm guest (build/guest/initrd.img).
#
# With /iovm-exec.sh present (iovm appends it as a second cpio archive for
# `iovm run --exec CMD`): run it on the console and report its exit status
# to the VMM as one byte written to I/O port 0x501. Otherwise: an
# interactive shell on the console.

. /lib/iovm/common.sh
mount_basics
# A benchmark times the boot up to this line: it asks for it with
# iovm.bootmark on the kernel command line, so --exec output stays clean.
if grep -qw iovm.bootmark /proc/cmdline; then
    echo "iovm-guest: init reached"
fi
load_modules

# report_exit ST: one byte of value ST to port 0x501, the VMM's exit port.
# The cloud kernel has no /dev/port (CONFIG_DEVPORT unset), hence the tiny
# static helper doing ioperm + outb.
report_exit() {
    iovm-outb 0x501 "$1" </dev/console >/dev/console || echo "iovm-guest: could not report exit status $1 on port 0x501"
}

if [ -f /iovm-exec.sh ]; then
    sh /iovm-exec.sh </dev/console >/dev/console 2>&1
    report_exit $?
else
    echo "iovm guest ready"
    setsid cttyhack sh
fi
# Fallback when the VMM does not stop the guest on the exit port.
poweroff -f
