#!/bin/sh
# shellcheck shell=dash
# (busybox ash: dash-like, with local)
# Runs inside the lab (installed as /lab/bench/boot.sh; bench/boot.sh on the
# host starts it). Boots the default guest's kernel and initramfs RUNS times
# each with iovm (the kernel as vmlinux through PVH, iovm's default, and as
# the bzImage) and with QEMU on every machine of MACHINES (M: the bzImage,
# M-pvh: the same vmlinux through PVH), alternating, all timed with
# boottime from the start of the VMM to the guest /init's mark.
# Prints one "boottime label=VMM ..." line per boot (see bench/boottime.c),
# "info KEY=VALUE" lines about the lab, iovm's exit counters as "stats"
# lines and, from one more boot per VMM with earlyprintk on the serial port,
# "breakdown label=VMM kernel_start_ms=S ms=T kernel_ms=K": S is when the
# kernel proper printed its first line (after the VMM's start, firmware and
# the bzImage's decompression), K the kernel's own time from its clock's
# start to running /init (its dmesg). And RUNS boots per VMM of a tiny PVH
# guest that prints at its first instructions, given the vmlinux as its
# module (the same bytes to load): "boottime label=start-VMM ...", the
# VMM's own start with no guest kernel work in it. Exits non-zero only when
# nothing could be measured.
#
# usage: boot.sh [--runs N] [--mem MIB] [--cpus N] [--machines 'pc pc-pvh microvm']
#                [--timeout S]

RUNS=5
MEM=512
CPUS=1
MACHINES="pc pc-pvh microvm"
# iovm's labels and kernel files: its default guest boots the vmlinux.
IOVM_VARIANTS="iovm:vmlinux iovm-bzimage:bzImage"
TIMEOUT=120
while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=$2; shift ;;
        --mem) MEM=$2; shift ;;
        --cpus) CPUS=$2; shift ;;
        --machines) MACHINES=$(echo "$2" | tr ',' ' '); shift ;;
        --timeout) TIMEOUT=$2; shift ;;
        *) echo "# boot.sh: unknown argument '$1'"; exit 2 ;;
    esac
    shift
done

export PATH=/lab/bench:/opt/iovm:/usr/bin:/bin:/sbin
GUEST=/opt/iovm/guest
MARK="iovm-guest: init reached"
# The VMM-start guest (tests/guests/pvh.S; every lab image carries the
# test guests in /lab/guests/) and the start of what it prints first.
START_GUEST=/lab/guests/pvh.elf
START_MARK="pvh start_info ok"
CMDLINE="console=ttyS0 reboot=acpi panic=-1 quiet iovm.bootmark"
QEMU=/usr/bin/qemu-system-x86_64
WORK=/tmp/bench-boot
mkdir -p "$WORK"
MEASURED=0

# guest_file F: F when it is a path, else the default guest's file F.
guest_file() {
    case $1 in */*) echo "$1" ;; *) echo "$GUEST/$1" ;; esac
}

# iovm_cmd KERNEL [INITRD [CMDLINE [ARGS...]]]: the iovm command line of
# one boot of KERNEL (the guest's vmlinux or bzImage, or a path).
iovm_cmd() {
    local kernel initrd="${2:-$GUEST/initrd.img}" cmdline="${3:-$CMDLINE}"
    kernel=$(guest_file "$1")
    if [ $# -le 3 ]; then set --; else shift 3; fi
    echo iovm run --kernel "$kernel" --initrd "$initrd" --mem "${MEM}M" \
        --cpus "$CPUS" --cmdline "'$cmdline'" "$@"
}

# qemu_cmd MACHINE [INITRD [CMDLINE [KERNEL]]]: QEMU booting the same kernel,
# initramfs and command line with the same RAM (memfd-backed, as iovm's)
# and vCPU count. MACHINE M-pvh: machine M given the vmlinux, which QEMU
# enters through PVH as iovm does; M alone: the bzImage.
qemu_cmd() {
    local machine=${1%-pvh} kernel=bzImage
    [ "$machine" = "$1" ] || kernel=vmlinux
    kernel=$(guest_file "${4:-$kernel}")
    echo "$QEMU" -machine "$machine,memory-backend=ram" -accel kvm -cpu host \
        -object "memory-backend-memfd,id=ram,size=${MEM}M" -m "${MEM}M" -smp "$CPUS" \
        -kernel "$kernel" -initrd "${2:-$GUEST/initrd.img}" -append "'${3:-$CMDLINE}'" \
        -nographic -nodefaults -no-reboot -serial stdio
}

# leftovers: VMM processes still there after a boot ended (they should
# not be): their threads' states and kernel stacks as comments, then SIGKILL.
leftovers() {
    local dir pid t
    for dir in /proc/[0-9]*; do
        case $(cat "$dir/comm" 2>/dev/null) in
            iovm|qemu-system-x86) ;;
            *) continue ;;
        esac
        pid=${dir#/proc/}
        echo "# leftover VMM process $pid: $(tr '\0' ' ' <"$dir/cmdline" | cut -c1-80)"
        for t in "$dir"/task/*; do
            echo "#   thread ${t##*/}: $(cut -d' ' -f3 "$t/stat") $(cat "$t/wchan" 2>/dev/null)"
            head -n 8 "$t/stack" 2>/dev/null | sed 's/^/#     /'
        done
        kill -KILL "$pid" 2>/dev/null
    done
}

# run_boottime ARGS...: boottime ARGS (a string, eval'ed), its stderr in
# $WORK/stderr, under a hard limit in case it cannot end itself.
run_boottime() {
    eval "timeout -s KILL $((TIMEOUT + 60)) boottime $*" 2>"$WORK/stderr"
}

# measure LABEL CMD: one timed boot; prints boottime's line, or the reason
# and the console's tail when the mark never came.
measure() {
    local label="$1" line
    shift
    line=$(run_boottime "-k -m '$MARK' -t $TIMEOUT -l $label -c $WORK/console -- $*")
    echo "${line:-boottime label=$label ms=-1 exit=-1}"
    case $line in
        *" ms=-1 "*|"")
            echo "# $label: no boot mark; stderr and console tail:"
            tail -n 8 "$WORK/stderr" | sed 's/^/#   /'
            tail -n 15 "$WORK/console" | sed 's/^/#   /' ;;
        *" exit=-1"*)
            MEASURED=$((MEASURED + 1))
            echo "# $label: the VMM did not end:"
            sed 's/^/#   /' "$WORK/stderr" ;;
        *) MEASURED=$((MEASURED + 1)) ;;
    esac
    leftovers
}

# info: what the lab is, for the report.
info() {
    echo "info lab_kernel=$(uname -r)"
    echo "info lab_cpus=$(grep -c ^processor /proc/cpuinfo)"
    echo "info lab_cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr ' ' '_')"
    echo "info lab_kvm_module=$(grep -o '^kvm_[a-z]*' /proc/modules | head -n 1)"
    echo "info qemu_version=$("$QEMU" --version 2>/dev/null | head -n 1 | awk '{ print $4 }')"
    echo "info guest_mem_mib=$MEM"
    echo "info guest_cpus=$CPUS"
    echo "info machines=$(echo "$MACHINES" | tr ' ' ',')"
}

# diagnose: one untimed iovm boot ended at the mark, with iovm's exit
# counters by reason and device; it also warms the caches.
diagnose() {
    eval "timeout -s KILL $((TIMEOUT + 60)) boottime -k -m '$MARK' -t $TIMEOUT -l iovm-stats \
        -- $(iovm_cmd vmlinux '' '' --stats)" 2>"$WORK/stats" | sed 's/^boottime /warmup /'
    grep -v '^iovm: stopped by signal' "$WORK/stats" | sed 's/^/stats /'
    leftovers
    measure warmup-iovm-bzimage "$(iovm_cmd bzImage)" | sed 's/^boottime /warmup /'
    for m in $MACHINES; do
        measure "warmup-qemu-$m" "$(qemu_cmd "$m")" | sed 's/^boottime /warmup /'
    done
}

# measure_iovm: one timed boot of each of iovm's variants.
measure_iovm() {
    local v
    for v in $IOVM_VARIANTS; do
        measure "${v%%:*}" "$(iovm_cmd "${v#*:}")"
    done
}

# start_machines: the QEMU machines of MACHINES, each once (M-pvh is M).
start_machines() {
    echo "$MACHINES" | tr ' ' '\n' | sed 's/-pvh$//' | awk 'NF && !seen[$0]++'
}

# measure_start: one boot of the VMM-start guest with each VMM, the vmlinux
# as its module so that each VMM loads the bytes it loads for Linux. MARK
# is local here: ash scopes it dynamically, so measure waits for this one.
measure_start() {
    local MARK="$START_MARK" m
    [ -f "$START_GUEST" ] || { echo "# boot.sh: no $START_GUEST: no VMM-start boots"; return 0; }
    measure start-iovm "$(iovm_cmd "$START_GUEST" "$GUEST/vmlinux" x)"
    [ -x "$QEMU" ] || return 0
    for m in $(start_machines); do
        measure "start-qemu-$m" "$(qemu_cmd "$m" "$GUEST/vmlinux" x "$START_GUEST")"
    done
}

# pad_to N FILE: appends zeros to FILE up to a multiple of N bytes.
pad_to() {
    local size
    size=$(wc -c <"$2")
    head -c $(( ($1 - size % $1) % $1 )) /dev/zero >>"$2"
}

# exec_initrd: the guest initramfs plus /iovm-exec.sh (what iovm --exec
# appends), which prints when the kernel ran /init by its own clock; the
# guest's /init then powers off.
exec_initrd() {
    mkdir -p "$WORK/exec"
    cat >"$WORK/exec/iovm-exec.sh" <<'EXEC'
dmesg | sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/bench-kernel-init-s \1/p'
EXEC
    (cd "$WORK/exec" && echo iovm-exec.sh | cpio -o -H newc 2>/dev/null) >"$WORK/exec.cpio"
    cp $GUEST/initrd.img "$WORK/initrd-exec.img"
    # The kernel finds an appended archive only at a 4-byte aligned offset;
    # it skips zeros before it.
    pad_to 512 "$WORK/initrd-exec.img"
    cat "$WORK/exec.cpio" >>"$WORK/initrd-exec.img"
    echo "$WORK/initrd-exec.img"
}

# breakdown LABEL CMD: one boot timed to the kernel's first line and to
# the mark, then run to power-off; prints "breakdown label=LABEL
# kernel_start_ms=S ms=T kernel_ms=K".
breakdown() {
    local label="$1" line s ms k
    shift
    line=$(run_boottime "-s none -m 'Linux version' -m '$MARK' -t $TIMEOUT -l $label \
        -c $WORK/console -- $*")
    s=$(echo "$line" | sed -n 's/.* mark1_ms=\([0-9.]*\) .*/\1/p')
    ms=$(echo "$line" | sed -n 's/.* ms=\([0-9.-]*\) .*/\1/p')
    k=$(tr -d '\r' <"$WORK/console" | sed -n 's/^bench-kernel-init-s \([0-9.]*\)$/\1/p')
    if [ -z "$k" ] || [ -z "$s" ] || [ "${ms:--1}" = -1 ]; then
        echo "# breakdown $label: no result; console tail:"
        tail -n 10 "$WORK/console" | sed 's/^/#   /'
        leftovers
        return
    fi
    echo "breakdown label=$label kernel_start_ms=$s ms=$ms" \
        "kernel_ms=$(awk -v k="$k" 'BEGIN { printf "%.1f", k * 1000 }')"
}

# breakdowns: one boot per VMM with earlyprintk (the kernel proper's first
# line marks the end of the VMM's start, firmware and decompression) and an
# exec script reporting the kernel's own time to /init.
breakdowns() {
    # earlyprintk before quiet: the early console then replays "Linux version".
    local initrd m v cmdline="console=ttyS0 earlyprintk=serial,ttyS0,115200 ${CMDLINE#console=ttyS0 }"
    initrd=$(exec_initrd)
    for v in $IOVM_VARIANTS; do
        breakdown "${v%%:*}" "$(iovm_cmd "${v#*:}" "$initrd" "$cmdline")"
    done
    [ -x "$QEMU" ] || return 0
    for m in $MACHINES; do
        # The lab froze (its QEMU spinning, no output) on this boot for
        # QEMU given the vmlinux, in both bench runs that reached it.
        case $m in *-pvh) echo "# breakdown qemu-$m: skipped (it froze the lab)"; continue ;; esac
        breakdown "qemu-$m" "$(qemu_cmd "$m" "$initrd" "$cmdline")"
    done
}

[ -c /dev/kvm ] || { echo "# boot.sh: no /dev/kvm in the lab"; exit 1; }
[ -x "$QEMU" ] || echo "# boot.sh: no $QEMU: boot the lab image built with --with-qemu"
info
diagnose
MEASURED=0
i=1
while [ "$i" -le "$RUNS" ]; do
    measure_iovm
    if [ -x "$QEMU" ]; then
        for m in $MACHINES; do
            measure "qemu-$m" "$(qemu_cmd "$m")"
        done
    fi
    measure_start
    i=$((i + 1))
done
breakdowns
[ "$MEASURED" -gt 0 ]
