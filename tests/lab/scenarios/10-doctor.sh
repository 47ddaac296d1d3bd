#!/bin/sh
# iovm doctor on a host that can do passthrough: every host layer passes
# (nested SVM, the DMAR table, VT-d, interrupt remapping, vfio), so for the
# e1000e, which starts without a driver, the one failure is its driver,
# with 'iovm bind' as the fix; once bound, doctor passes. Bad input exits 2.
. /lab/lib.sh
plan 12

NIC=$(pci_find 8086:10d3) || bail "no e1000e in the lab"
[ -z "$(pci_driver "$NIC")" ] || bail "e1000e $NIC has a driver: an earlier scenario left it bound"

# shows FILE TEXT: FILE contains TEXT; else FILE is the evidence.
shows() { grep -q -F -- "$2" "$1" || { cat "$1"; return 1; }; }
# status_is WANT GOT FILE: the exit status was WANT; else FILE is the evidence.
status_is() { [ "$1" -eq "$2" ] || { cat "$3"; return 1; }; }

iovm doctor >/tmp/doctor.txt 2>&1
st=$?
check "doctor exits 0 on the lab host (exit $st)" status_is 0 $st /tmp/doctor.txt
check "... cpu virtualization OK (nested svm)" shows /tmp/doctor.txt "[ OK ] cpu virtualization: svm"
check "... firmware IOMMU table OK (DMAR)" shows /tmp/doctor.txt "[ OK ] firmware IOMMU table: DMAR"
check "... kernel IOMMU OK" shows /tmp/doctor.txt "[ OK ] kernel IOMMU: "
check "... interrupt remapping OK" shows /tmp/doctor.txt "[ OK ] interrupt remapping: "
check "... vfio modules OK" shows /tmp/doctor.txt "[ OK ] vfio modules: "

iovm doctor "$NIC" >/tmp/doctor-nic.txt 2>&1
st=$?
check "doctor $NIC exits 1 (exit $st)" status_is 1 $st /tmp/doctor-nic.txt
check "... [FAIL] driver, fix: iovm bind $NIC" sh -c \
    "grep -q -F '[FAIL] driver: $NIC has no driver' /tmp/doctor-nic.txt &&
     grep -q -x -F '       fix: iovm bind $NIC' /tmp/doctor-nic.txt || { cat /tmp/doctor-nic.txt; false; }"
check "... and that is the only failure" shows /tmp/doctor-nic.txt " 1 failed"

# bound_passes: after iovm bind, doctor NIC exits 0; restores either way.
bound_passes() {
    iovm bind "$NIC" >/dev/null || return 1
    iovm doctor "$NIC" >/tmp/doctor-bound.txt 2>&1
    st=$?
    iovm restore "$NIC" >/dev/null || { echo "iovm restore $NIC failed"; return 1; }
    [ $st -eq 0 ] || { cat /tmp/doctor-bound.txt; return 1; }
}
check "after iovm bind $NIC, doctor $NIC exits 0 (then restored)" bound_passes

# exits2 CMD...: exits 2 with a message on stderr and nothing on stdout.
exits2() {
    out=$("$@" 2>/dev/null)
    err=$("$@" 2>&1 >/dev/null)
    st=$?
    if [ $st -eq 2 ] && [ -z "$out" ] && [ -n "$err" ]; then return 0; fi
    echo "exit $st: $out $err"
    return 1
}
check "a malformed address exits 2" exits2 iovm doctor 00:02.0
check "an address with no function behind it exits 2" exits2 iovm doctor 0000:00:1e.7
