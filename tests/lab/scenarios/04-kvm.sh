#!/bin/sh
# Nested KVM is available in the lab (-cpu max gives the lab SVM).
. /lab/lib.sh
plan 5

check "/dev/kvm is a character device" test -c /dev/kvm
check "kvm_amd or kvm_intel is loaded" grep -E '^kvm_(amd|intel) ' /proc/modules

# nested_enabled: the vendor module's "nested" parameter is on (1 or Y).
nested_enabled() {
    cat /sys/module/kvm_amd/parameters/nested /sys/module/kvm_intel/parameters/nested 2>/dev/null |
        grep -q -e 1 -e Y
}
check "nested virtualization is enabled" nested_enabled

# A real KVM VM: iovm runs a tiny multiboot guest that prints and powers off.
hello_guest() {
    out=$(timeout 60 iovm run --kernel /lab/guests/hello.elf 2>&1) || { echo "$out"; return 1; }
    echo "$out" | grep -q "Hello from the iovm test guest" || { echo "$out"; return 1; }
}
check "iovm runs a tiny guest on the lab's /dev/kvm" hello_guest
check "the split irqchip runs the tiny guest too" sh -c \
    'timeout 60 iovm run --irqchip split --kernel /lab/guests/hello.elf | grep -q Hello'
