# TAP and sysfs helpers for lab scenarios (busybox sh). Installed as
# /lab/lib.sh; a scenario starts with `. /lab/lib.sh` and `plan N`.

TAP_COUNT=0

plan() { echo "1..$1"; }

# diag TEXT...: TAP diagnostic lines, one per argument and per line in it.
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

pass() {
    TAP_COUNT=$((TAP_COUNT + 1))
    echo "ok $TAP_COUNT - $1"
}

# fail DESC [DIAG...]
fail() {
    TAP_COUNT=$((TAP_COUNT + 1))
    echo "not ok $TAP_COUNT - $1"
    shift
    [ $# -eq 0 ] || diag "$@"
}

# check DESC CMD...: ok if CMD succeeds; otherwise not ok, with CMD's
# output as diagnostics.
check() {
    local desc="$1" out
    shift
    if out=$("$@" 2>&1); then
        pass "$desc"
    else
        fail "$desc" "command failed: $*" "$out"
    fi
}

# pci_find VENDOR:DEVICE: the first PCI address with that ID, e.g. 0000:00:02.0.
pci_find() {
    local dev want="$1"
    for dev in /sys/bus/pci/devices/*; do
        if [ "$(cat "$dev/vendor"):$(cat "$dev/device")" = "0x${want%:*}:0x${want#*:}" ]; then
            basename "$dev"
            return 0
        fi
    done
    return 1
}

# iommu_group BDF: the number of BDF's IOMMU group.
iommu_group() {
    basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"
}

# pci_driver BDF: name of the bound driver, empty if none.
pci_driver() {
    local link="/sys/bus/pci/devices/$1/driver"
    [ -e "$link" ] && basename "$(readlink "$link")"
}

# bail REASON: stop the scenario; the runner counts the tests not run as failed.
bail() {
    echo "Bail out! $*"
    exit 1
}

# run_iovm ARGS...: `iovm run ARGS` with a time limit of its own, so one
# hang does not cost the other checks their time; sets OUT (stdout and
# stderr) and ST (exit status).
run_iovm() {
    OUT=$(timeout 140 iovm run "$@" 2>&1)
    ST=$?
}
