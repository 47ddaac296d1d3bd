#!/bin/bash
# bench/boot: time from starting the VMM to the guest's /init, iovm beside
# QEMU booting the same kernel and initramfs in the same lab run, and iovm's
# resident memory without guest RAM. See bench/README.md.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lab/lib.sh
source "$BENCH_DIR/../tests/lab/lib.sh"

# The issue's targets: iovm at most half of QEMU's time to /init, and under
# 8 MiB resident outside guest RAM.
RATIO_TARGET=0.5
RSS_TARGET_KIB=8192
CMDLINE="console=ttyS0 reboot=acpi panic=-1 quiet iovm.bootmark"

usage() {
    cat <<EOF
usage: ${0##*/} [--build-dir DIR] [--runs N] [--mem MIB] [--cpus N]
                [--machines LIST] [--boot-timeout S] [--no-build]

Builds iovm, boottime and the lab image with QEMU (images.sh lab
--with-qemu), boots the lab once and in it boots iovm's default guest
(kernel + busybox initramfs, cmdline '$CMDLINE')
N times with iovm (label iovm: the kernel's vmlinux through PVH, iovm's
default; iovm-bzimage: the bzImage) and N times with QEMU -accel kvm on each
machine of LIST (M: the bzImage; M-pvh: the same vmlinux, through PVH),
alternating, each timed by boottime from the VMM's start to the guest
/init's "iovm-guest: init reached". Prints a table: median/min time per VMM,
the ratios iovm/QEMU (target <= $RATIO_TARGET), iovm's default boot against each
QEMU machine and the boot of the same kernel file against it, and iovm's
RSS without guest RAM (target < $((RSS_TARGET_KIB / 1024)) MiB), each PASS or MISS.
Also N boots per VMM of a tiny PVH guest (tests/guests/pvh.S) given the
vmlinux as its module, timed to its first output: the VMM's own start,
without the guest kernel's work. Writes BUILD/bench/boot.json.

  --build-dir DIR    meson and lab build directory (default: build/)
  --runs N           timed boots per VMM (default 5), after one untimed each
  --mem MIB          guest RAM for both VMMs (default 512)
  --cpus N           guest vCPUs for both VMMs (default 1)
  --machines LIST    QEMU machines, comma-separated; M-pvh boots the vmlinux
                     (default pc,pc-pvh,microvm)
  --boot-timeout S   give up on one boot after S seconds (default 120)
  --no-build         use what BUILD holds, build nothing but the lab image

Exits 0 when it measured, even when a target is missed; non-zero when it
could not measure (build failed, the lab died, no boot reached /init).
EOF
}

RUNS=5
MEM=512
CPUS=1
MACHINES=pc,pc-pvh,microvm
BOOT_TIMEOUT=120
BUILD=yes

parse_args() {
    local build_dir=build
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h|--help) usage; exit 0 ;;
            --build-dir) need_arg "$1" $#; build_dir=$2; shift ;;
            --runs) need_arg "$1" $#; RUNS=$2; shift ;;
            --mem) need_arg "$1" $#; MEM=$2; shift ;;
            --cpus) need_arg "$1" $#; CPUS=$2; shift ;;
            --machines) need_arg "$1" $#; MACHINES=$2; shift ;;
            --boot-timeout) need_arg "$1" $#; BOOT_TIMEOUT=$2; shift ;;
            --no-build) BUILD=no ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done
    for n in "$RUNS" "$MEM" "$CPUS" "$BOOT_TIMEOUT"; do
        [[ $n =~ ^[1-9][0-9]*$ ]] || die "'$n' is not a positive number"
    done
    [[ $MACHINES =~ ^[a-z0-9.-]+(,[a-z0-9.-]+)*$ ]] || die "bad --machines '$MACHINES'"
    set_build_dir "$build_dir"
    BUILD_ARG=$build_dir
    OUT_DIR=$BUILD_DIR/bench
}

# build: iovm and boottime (meson, ninja); the images come with lab.sh.
build() {
    [[ $BUILD == yes ]] || return 0
    if [[ ! -f $BUILD_DIR/build.ninja ]]; then
        meson setup "$BUILD_DIR" "$REPO_ROOT" >&2 || die "meson setup $BUILD_DIR failed"
    fi
    ninja -C "$BUILD_DIR" iovm bench/boottime tests/guests/pvh.elf >&2 || die "ninja -C $BUILD_DIR failed"
}

# lab_limit: seconds the whole lab run may take: its boot and power-off,
# plus every VM boot (one untimed and RUNS timed per VMM) at its limit.
lab_limit() {
    local vmms n
    n=$(tr ',' '\n' <<<"$MACHINES" | wc -l)
    # iovm twice and each machine, plus the VMM-start boots (at most iovm
    # and each machine again).
    vmms=$((3 + 2 * n))
    echo $((300 + (RUNS + 1) * vmms * (BOOT_TIMEOUT + 20)))
}

# progress: one short line on stderr per boot of the in-lab bench's output.
progress() {
    local line re='^(boottime|warmup) label=([^ ]*) ms=([^ ]*)'
    while IFS= read -r line; do
        if [[ $line =~ $re ]]; then
            note "${BASH_REMATCH[2]}: ${BASH_REMATCH[3]} ms to /init"
        elif [[ $line == "# "* ]]; then
            note "$line"
        fi
    done
}

# run_lab LOG: boots the lab with QEMU once and runs the in-lab bench
# (bench/in-lab/boot.sh); its output goes to LOG, progress to stderr.
run_lab() {
    local log=$1 rc cmd
    local -a st
    cmd="sh /lab/bench/boot.sh --runs $RUNS --mem $MEM --cpus $CPUS"
    cmd+=" --machines $MACHINES --timeout $BOOT_TIMEOUT"
    note "booting the lab: $((RUNS + 1)) boots each of iovm and QEMU ($MACHINES)"
    set +e
    # A boot prints its line within BOOT_TIMEOUT + 60 s; longer silence is
    # a frozen lab (seen under nested KVM in TCG), killed early.
    "$LAB_SRC/lab.sh" --build-dir "$BUILD_ARG" --iovm "$BUILD_DIR/iovm" --with-qemu \
        --timeout "$(lab_limit)" --idle-timeout $((BOOT_TIMEOUT + 120)) \
        --run "$cmd" | tee "$log" | progress
    st=("${PIPESTATUS[@]}")
    set -e
    rc=${st[0]}
    grep -q '^boottime label=iovm ms=[0-9]' "$log" ||
        die "no iovm boot reached /init (lab exit status $rc); raw output: $log"
    # The timed boots come first: report them even if the lab died later.
    [[ $rc -ne $LAB_DIED_STATUS ]] ||
        note "the lab died before the bench ended (see above): reporting the boots it measured"
    [[ $rc -eq 0 ]] || note "the in-lab bench exited with status $rc; reporting what it measured"
}
LAB_DIED_STATUS=125

# host_cpu: this machine's CPU model, which the lab's TCG runs on.
host_cpu() {
    sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1
}

# report LOG: the table on stdout and OUT_DIR/boot.json.
report() {
    local log=$1 rev
    rev=$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo unknown)
    awk -v json="$OUT_DIR/boot.json" -v ratio_target="$RATIO_TARGET" \
        -v rss_target="$RSS_TARGET_KIB" -v runs="$RUNS" -v cmdline="$CMDLINE" \
        -v host_cpu="$(host_cpu)" -v host_cpus="$(nproc)" -v host_kernel="$(uname -r)" \
        -v date="$(date -Is)" -v rev="$rev" -v machines="$MACHINES" \
        -f "$BENCH_DIR/boot-report.awk" "$log"
}

main() {
    parse_args "$@"
    command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86 is not installed: run 'make deps'"
    build
    [[ -x $BUILD_DIR/bench/boottime ]] || die "no $BUILD_DIR/bench/boottime: build it (ninja -C $BUILD_DIR)"
    mkdir -p "$OUT_DIR"
    run_lab "$OUT_DIR/boot-lab.log"
    report "$OUT_DIR/boot-lab.log"
    note "raw output: $OUT_DIR/boot-lab.log; results: $OUT_DIR/boot.json"
}

main "$@"
