#!/bin/bash
# Runs iovm's lab: a TCG-emulated q35 QEMU machine with intel-iommu, an
# SR-IOV NVMe controller, an e1000e and nested KVM, booting Debian's cloud
# kernel with a busybox initramfs. See tests/lab/README.md.
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<EOF
usage: ${0##*/} [OPTIONS] [SCENARIO...]   run scenarios (default: all), print TAP
       ${0##*/} [OPTIONS] --run 'CMD'     run CMD in the lab, exit with its status
       ${0##*/} [OPTIONS] --shell         interactive shell in the lab (Ctrl-A x quits)

SCENARIO is a file name in tests/lab/scenarios/ without .sh, e.g. 01-iommu.
Scenarios needing the same lab hardware share one boot.

options:
  --build-dir DIR   build directory (default: build/, relative to the repo root)
  --iovm PATH       iovm binary to put in the lab (default: the previous one;
                    'none' for a lab without iovm)
  --with-qemu       boot the bigger lab image that also holds QEMU
                    (images.sh lab --with-qemu; bench/boot.sh uses it)
  --log FILE        console log (default: BUILD/lab/logs/lab-<timestamp>.log)
  --timeout S       host wall-clock limit per lab boot (default: the sum of the
                    scenarios' timeouts + $BOOT_ALLOWANCE s; --run: $RUN_TIMEOUT s)
  --idle-timeout S  --run: kill the lab when CMD prints nothing for S s
                    (default 0: no limit); scenarios: a lab is killed
                    ${LAB_FREEZE_MARGIN:-120} s past a scenario's timeout
                    (LAB_FREEZE_MARGIN); the scenarios it had not finished
                    then run again in a fresh lab, once per run
                    (LAB_FREEZE_RETRIES=${LAB_FREEZE_RETRIES:-1})
  --vfs N, --mem MB, --cpus N, --nvme-extra N
                    lab hardware for --run and --shell (default: vfs 2,
                    mem 2048, cpus 2, nvme-extra 0)

Scenarios print "N passed, N failed" last and exit 1 on any failure. --run
exits with CMD's status, or 125 if the lab died before CMD finished.
EOF
}

# Seconds a boot may take beyond the scenarios' own time limits (boot,
# module loading, power-off).
BOOT_ALLOWANCE=120
RUN_TIMEOUT=600
IDLE_TIMEOUT=0
DEFAULT_SCENARIO_TIMEOUT=60
LAB_DIED_STATUS=125

# Header keys a scenario may declare ("# lab-KEY: VALUE") and their defaults.
declare -A HW_DEFAULT=([vfs]=2 [mem]=2048 [cpus]=2 [nvme-extra]=0)

# ------------------------------------------------------------- scenarios --

# scenario_headers NAME: prints "KEY VALUE" for each "# lab-KEY: VALUE"
# line of scenario NAME, checking keys and values.
scenario_headers() {
    local file=$SCENARIO_SRC/$1.sh key value
    while read -r key value; do
        case $key in
            vfs|mem|cpus|nvme-extra|timeout) ;;
            *) die "$file: unknown header 'lab-$key' (known: lab-vfs, lab-mem, lab-cpus, lab-nvme-extra, lab-timeout)" ;;
        esac
        [[ $value =~ ^[0-9]+$ ]] || die "$file: lab-$key must be a number, not '$value'"
        echo "$key $value"
    done < <(sed -n 's/^# lab-\([a-z-]*\): *\([^ ]*\) *$/\1 \2/p' "$file")
}

# hw_key [KEY=VALUE...]: the hardware key, taking HW_DEFAULT for the keys
# not given, e.g. "vfs=2 mem=2048 cpus=2 nvme-extra=0".
hw_key() {
    local -A given=()
    local kv key out=''
    for kv in "$@"; do given[${kv%%=*}]=${kv#*=}; done
    for key in vfs mem cpus nvme-extra; do
        out+="${out:+ }$key=${given[$key]:-${HW_DEFAULT[$key]}}"
    done
    echo "$out"
}

# scenario_hw NAME: the hardware key of scenario NAME.
scenario_hw() {
    # shellcheck disable=SC2046 # KEY=VALUE words hold no spaces
    hw_key $(scenario_headers "$1" | awk '$1 != "timeout" { print $1 "=" $2 }')
}

scenario_timeout() {
    local t
    t=$(scenario_headers "$1" | awk '$1 == "timeout" { print $2 }')
    echo "${t:-$DEFAULT_SCENARIO_TIMEOUT}"
}

# all_scenarios: every scenario name, in file name order.
all_scenarios() {
    local f
    for f in "$SCENARIO_SRC"/*.sh; do
        f=${f##*/}
        echo "${f%.sh}"
    done
}

# check_scenario NAME: dies unless NAME exists and its headers are valid
# (checked here, outside the subshells that read them later).
check_scenario() {
    [[ $1 =~ ^[A-Za-z0-9_.-]+$ && -f $SCENARIO_SRC/$1.sh ]] ||
        die "no scenario '$1' (known: $(all_scenarios | paste -sd ' '))"
    scenario_headers "$1" >/dev/null
}

# ------------------------------------------------------------------ qemu --

# hw_get HW KEY: a value from a hardware key string.
hw_get() {
    local kv
    for kv in $1; do
        [[ ${kv%%=*} != "$2" ]] || { echo "${kv#*=}"; return; }
    done
}

# qemu_escape PATH: commas are doubled in QEMU option values.
qemu_escape() { echo "${1//,/,,}"; }

# nvme_args HW: the SR-IOV NVMe PF with a shared namespace, plus extra
# plain NVMe controllers. The PF's queue/vector sizes follow QEMU's rules:
# vq_flexible >= 2*vfs, max_ioqpairs >= vq_flexible+2, vi_flexible >= vfs,
# msix_qsize >= vi_flexible+1 (at vfs=2: 8, 13, 4, 8 as in LAB-FACTS).
nvme_args() {
    local vfs extra sriov='' i img
    vfs=$(hw_get "$1" vfs)
    extra=$(hw_get "$1" nvme-extra)
    if [[ $vfs -gt 0 ]]; then
        sriov=",sriov_max_vfs=$vfs,sriov_vq_flexible=$((4 * vfs)),sriov_vi_flexible=$((2 * vfs))"
        sriov+=",max_ioqpairs=$((4 * vfs + 5)),msix_qsize=$((2 * vfs + 4))"
    fi
    img=$RUN_DIR/nvme.img
    truncate -s 64M "$img"
    printf "%s\n" "-drive" "file=$(qemu_escape "$img"),if=none,id=nvm,format=raw"
    printf "%s\n" "-device" "nvme-subsys,id=subsys0"
    printf "%s\n" "-device" "nvme,id=nvme0,serial=deadbeef,subsys=subsys0$sriov"
    printf "%s\n" "-device" "nvme-ns,drive=nvm,nsid=1,shared=true,bus=nvme0"
    for ((i = 1; i <= extra; i++)); do
        img=$RUN_DIR/nvme-extra$i.img
        truncate -s 64M "$img"
        printf "%s\n" "-drive" "file=$(qemu_escape "$img"),if=none,id=nvmx$i,format=raw"
        printf "%s\n" "-device" "nvme,serial=iovmextra$i,drive=nvmx$i"
    done
}

# qemu_args HW INITRD INTERACTIVE: prints QEMU's arguments, one a line.
# Non-interactive: ttyS0 (console) appends to $LOG, ttyS1 and ttyS2 go to
# $RUN_DIR/results and $RUN_DIR/status (see in-vm/lab-init.sh).
qemu_args() {
    local hw=$1 initrd=$2 interactive=$3 append
    append="console=ttyS0 intel_iommu=on rdinit=/init panic=-1"
    printf '%s\n' -machine q35,kernel-irqchip=split,accel=tcg -cpu max \
        -m "$(hw_get "$hw" mem)" -smp "$(hw_get "$hw" cpus)" -no-reboot \
        -device intel-iommu,intremap=on,caching-mode=on \
        -kernel "$KERNEL_DIR/vmlinuz" -initrd "$initrd" -append "$append"
    nvme_args "$hw"
    if [[ $interactive == yes ]]; then
        printf '%s\n' -display none -serial mon:stdio
        return
    fi
    printf '%s\n' -display none -monitor none \
        -chardev "file,id=console,path=$(qemu_escape "$LOG"),append=on" -serial chardev:console \
        -chardev "file,id=results,path=$(qemu_escape "$RUN_DIR/results")" -serial chardev:results \
        -chardev "file,id=status,path=$(qemu_escape "$RUN_DIR/status")" -serial chardev:status
}

# ------------------------------------------------------------------ boot --

# make_initrd MODE [ARG]: the lab initrd plus an appended plan archive
# (see in-vm/lab-init.sh). MODE scenarios: ARG is "NAME:TIMEOUT ...";
# run: ARG is the command; shell: no ARG. Prints the initrd's path.
make_initrd() {
    local mode=$1 arg=${2:-} root=$RUN_DIR/plan
    rm -rf "$root"
    mkdir -p "$root/lab"
    {
        echo "LAB_MODE=$mode"
        [[ $mode != scenarios ]] || echo "LAB_SCENARIOS='$arg'"
    } >"$root/lab/plan"
    [[ $mode != run ]] || printf '%s\n' "$arg" >"$root/lab/cmd.sh"
    pack_cpio "$root" "$RUN_DIR/plan.cpio"
    cat "$LAB_INITRD" "$RUN_DIR/plan.cpio" >"$RUN_DIR/initrd.img"
    echo "$RUN_DIR/initrd.img"
}

# start_lab HW MODE ARG SECS: boots the lab in the background under a
# wall-clock limit of SECS; sets QEMU_PID (the timeout wrapper's pid).
start_lab() {
    local hw=$1 mode=$2 arg=$3 secs=$4 initrd args
    initrd=$(make_initrd "$mode" "$arg")
    mapfile -t args < <(qemu_args "$hw" "$initrd" no)
    : >"$RUN_DIR/results"
    : >"$RUN_DIR/status"
    echo "=== lab.sh $(date -Is): $mode, hardware: $hw, limit ${secs}s" >>"$LOG"
    timeout -k 10 "$secs" qemu-system-x86_64 "${args[@]}" </dev/null >>"$LOG" 2>&1 &
    QEMU_PID=$!
}

# wait_lab: QEMU's exit status (124: killed at the wall-clock limit).
wait_lab() {
    local rc=0
    wait "$QEMU_PID" || rc=$?
    stop_lab
    return $rc
}

# stop_lab: kills what is left of the lab. timeout(1) leads a process group
# holding QEMU, so QEMU goes too even when the timeout process itself died.
stop_lab() {
    [[ -z ${QEMU_PID:-} ]] || kill -KILL -- -"$QEMU_PID" 2>/dev/null || true
    QEMU_PID=
}

# follow FILE: prints FILE as it grows, until QEMU exits.
follow() {
    tail -c +1 -s 0.1 -f --pid="$QEMU_PID" "$1"
}

# lab_died RC [LEVEL]: explains why the lab stopped early (as an error, or
# LEVEL) and shows the console tail.
lab_died() {
    local rc=$1 level=${2:-error} why
    case ${LAB_FROZE:-no}:$rc in
        no:0) why="the lab powered off or panicked before finishing" ;;
        no:124|no:137) why="the lab ran past its wall-clock limit and was killed" ;;
        no:*) why="QEMU exited with status $rc" ;;
        *) why="the lab froze ${LAB_FROZE} and was killed" ;;
    esac
    {
        echo "${0##*/}: $level: $why"
        echo "${0##*/}: console log: $LOG (last 50 lines follow)"
        tail -n 50 "$LOG" | sed 's/^/  | /'
    } >&2
}

# ------------------------------------------------------------- TAP tally --

PASSED=0
FAILED=0
declare -A BEGUN=() ENDED=()
# A frozen lab is the emulator's fault, not a test's (see FREEZE_MARGIN):
# the scenarios it had not finished run again in a fresh lab, this many
# times per run. A second freeze fails the run.
FREEZE_RETRIES=${LAB_FREEZE_RETRIES:-1}
FREEZES=0

# Per-scenario state, reset at "@@lab begin".
CUR=
CUR_PLAN=
CUR_OK=0
CUR_NOTOK=0

# runner_fail NAME N REASON: N failures the runner adds for NAME.
runner_fail() {
    FAILED=$((FAILED + $2))
    echo "not ok - $1: $3"
}

# end_scenario NAME RESULT: RESULT is status=N, timeout=S or died (the lab
# stopped while NAME ran).
end_scenario() {
    local name=$1 result=$2 ran=$((CUR_OK + CUR_NOTOK)) status missing
    PASSED=$((PASSED + CUR_OK))
    FAILED=$((FAILED + CUR_NOTOK))
    missing=$((${CUR_PLAN:-0} - ran))
    # A scenario cut short fails the tests it did not reach, at least one.
    if [[ $result == timeout=* ]]; then
        runner_fail "$name" $((missing > 1 ? missing : 1)) "timed out after ${result#timeout=}s in the lab"
    elif [[ $result == died ]]; then
        runner_fail "$name" $((missing > 1 ? missing : 1)) "the lab died while it ran"
    elif [[ -z $CUR_PLAN ]]; then
        runner_fail "$name" 1 "printed no TAP plan (1..N)"
    elif [[ $missing -gt 0 ]]; then
        runner_fail "$name" $missing "planned $CUR_PLAN tests, ran $ran"
    elif [[ $ran -gt $CUR_PLAN ]]; then
        runner_fail "$name" 1 "planned $CUR_PLAN tests, ran $ran"
    else
        status=${result#status=}
        [[ $status == 0 || $CUR_NOTOK -gt 0 ]] ||
            runner_fail "$name" 1 "exited with status $status"
    fi
    CUR=
}

# tally_line LINE: one line of the results channel.
tally_line() {
    local line=${1%$'\r'} name result
    # A marker glued to output that lacked a final newline.
    if [[ $line == ?*"@@lab "* ]]; then
        tally_line "${line%%@@lab *}"
        tally_line "@@lab ${line#*@@lab }"
        return
    fi
    case $line in
        "@@lab begin "*)
            CUR=${line#@@lab begin }
            BEGUN[$CUR]=1
            CUR_PLAN='' CUR_OK=0 CUR_NOTOK=0
            echo "# --- $CUR"
            return ;;
        "@@lab end "*)
            read -r name result <<<"${line#@@lab end }"
            end_scenario "$name" "$result"
            ENDED[$name]=1
            return ;;
        "@@lab done") LAB_DONE=yes; return ;;
        "ok "*|ok) CUR_OK=$((CUR_OK + 1)) ;;
        "not ok"*) CUR_NOTOK=$((CUR_NOTOK + 1)) ;;
        1..*) CUR_PLAN=${line#1..}; CUR_PLAN=${CUR_PLAN%% *} ;;
    esac
    printf '%s\n' "$line"
}

# A lab can freeze (its QEMU spinning, the in-lab timeouts never firing).
# The host kills it when a scenario runs this long past its own timeout,
# or the lab is this long quiet outside scenarios.
FREEZE_MARGIN=${LAB_FREEZE_MARGIN:-120}

# tally_results: tallies the results channel on stdin until it ends, and
# kills the lab when it stops making progress (see FREEZE_MARGIN).
tally_results() {
    local line pending='' rc deadline=$((SECONDS + BOOT_ALLOWANCE + FREEZE_MARGIN))
    while :; do
        if IFS= read -r -t 5 line; then
            line=$pending$line pending=''
            tally_line "$line"
            case $line in
                "@@lab begin "*) deadline=$((SECONDS + $(scenario_timeout "$CUR") + FREEZE_MARGIN)) ;;
                "@@lab end "*) deadline=$((SECONDS + FREEZE_MARGIN)) ;;
            esac
            continue
        else
            rc=$?     # > 128: no line within 5 s; else the channel ended
        fi
        pending+=$line
        if [[ $rc -le 128 ]]; then        # end of the channel
            [[ -z $pending ]] || tally_line "$pending"
            return
        fi
        if [[ $SECONDS -gt $deadline ]]; then
            LAB_FROZE=${CUR:+in scenario $CUR}; LAB_FROZE=${LAB_FROZE:-outside any scenario (booting or between two)}
            LAB_FROZE+=" (no result ${FREEZE_MARGIN}s past the deadline)"
            kill -KILL -- -"$QEMU_PID" 2>/dev/null || true
            return
        fi
    done
}

# run_group HW NAME...: one boot of the lab running the scenarios NAME.
run_group() {
    local hw=$1 name plan='' secs=0 t rc=0 line
    shift
    for name in "$@"; do
        t=$(scenario_timeout "$name")
        plan+="${plan:+ }$name:$t"
        secs=$((secs + t))
    done
    secs=${TIMEOUT:-$((secs + BOOT_ALLOWANCE))}
    note "booting the lab ($hw) for: $*"
    LAB_DONE=no LAB_FROZE=no
    start_lab "$hw" scenarios "$plan" "$secs"
    tally_results < <(follow "$RUN_DIR/results")
    wait_lab || rc=$?
    if [[ $LAB_FROZE != no && $FREEZES -lt $FREEZE_RETRIES ]]; then
        retry_frozen "$hw" "$rc" "$@"
        return
    fi
    [[ -z $CUR ]] || end_scenario "$CUR" died
    for name in "$@"; do
        [[ -n ${BEGUN[$name]:-} ]] || runner_fail "$name" 1 "not run: the lab died before it"
    done
    if [[ $LAB_DONE != yes ]]; then
        lab_died "$rc"
        LAB_FAILED=yes
    fi
}

# retry_frozen HW RC NAME...: after a freeze, runs again those of NAME
# that had not ended; the frozen one's partial results are dropped (its
# counts only reach the tally when it ends).
retry_frozen() {
    local hw=$1 rc=$2 name
    local -a again=()
    shift 2
    FREEZES=$((FREEZES + 1))
    lab_died "$rc" note
    for name in "$@"; do
        [[ -n ${ENDED[$name]:-} ]] && continue
        again+=("$name")
        unset "BEGUN[$name]"
    done
    CUR=
    note "the lab froze (freeze $FREEZES of at most $FREEZE_RETRIES retried per run): running ${again[*]} again in a fresh lab"
    run_group "$hw" "${again[@]}"
}

# run_scenarios NAME...: groups the scenarios by hardware, boots once per group.
run_scenarios() {
    local name hw
    local -a order=()
    local -A members=()
    [[ $# -gt 0 ]] || mapfile -t -O 0 order < <(all_scenarios)
    [[ $# -eq 0 ]] || order=("$@")
    for name in "${order[@]}"; do
        check_scenario "$name"
    done
    for name in "${order[@]}"; do
        hw=$(scenario_hw "$name")
        [[ -n ${members[$hw]:-} ]] || HW_ORDER+=("$hw")
        members[$hw]+="${members[$hw]:+ }$name"
    done
    LAB_FAILED=no
    for hw in "${HW_ORDER[@]}"; do
        # shellcheck disable=SC2086 # scenario names hold no spaces
        run_group "$hw" ${members[$hw]}
    done
    note "console log: $LOG"
    [[ $FREEZES -eq 0 ]] || note "the lab froze $FREEZES time(s) in this run; the scenarios it cut short ran again (see above)"
    echo "$PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 && $LAB_FAILED == no ]]
}
HW_ORDER=()

# ------------------------------------------------------------ run, shell --

# pass_output IDLE: copies the command's output on stdin to stdout; with
# IDLE > 0, kills the lab when it prints nothing for IDLE seconds.
pass_output() {
    local idle=$1 line pending='' rc last=$SECONDS
    while :; do
        if IFS= read -r -t 5 line; then
            printf '%s\n' "$pending$line"
            pending='' last=$SECONDS
            continue
        else
            rc=$?     # > 128: no line within 5 s; else the output ended
        fi
        [[ -z $line ]] || { pending+=$line; last=$SECONDS; }
        if [[ $rc -le 128 ]]; then
            [[ -z $pending ]] || printf '%s' "$pending"
            return
        fi
        if [[ $idle -gt 0 && $((SECONDS - last)) -gt $idle ]]; then
            LAB_FROZE="running the command (no output for ${idle}s)"
            kill -KILL -- -"$QEMU_PID" 2>/dev/null || true
            return
        fi
    done
}

run_command() {
    local cmd=$1 hw=$2 rc=0 status
    LAB_FROZE=no
    start_lab "$hw" run "$cmd" "${TIMEOUT:-$RUN_TIMEOUT}"
    pass_output "$IDLE_TIMEOUT" < <(follow "$RUN_DIR/results")
    wait_lab || rc=$?
    grep '^# lab: ' "$RUN_DIR/status" >&2 || true
    status=$(sed -n 's/^exit \([0-9]*\)$/\1/p' "$RUN_DIR/status")
    if [[ -z $status ]]; then
        lab_died "$rc"
        return $LAB_DIED_STATUS
    fi
    return "$status"
}

run_shell() {
    local hw=$1 initrd args
    initrd=$(make_initrd shell)
    mapfile -t args < <(qemu_args "$hw" "$initrd" yes)
    note "lab shell ($hw); Ctrl-A x quits QEMU"
    qemu-system-x86_64 "${args[@]}"
}

# ------------------------------------------------------------------ main --

cleanup() {
    stop_lab
    [[ -z ${RUN_DIR:-} ]] || rm -rf "$RUN_DIR"
}

main() {
    local mode=scenarios cmd='' iovm='' log='' with_qemu='' hw
    local -a names=() image_args=() hw_opt=()
    TIMEOUT=
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h|--help) usage; exit 0 ;;
            --build-dir) need_arg "$1" $#; set_build_dir "$2"; image_args+=(--build-dir "$2"); shift ;;
            --iovm) need_arg "$1" $#; iovm=$2; shift ;;
            --with-qemu) with_qemu=yes ;;
            --log) need_arg "$1" $#; log=$2; shift ;;
            --idle-timeout) need_arg "$1" $#; IDLE_TIMEOUT=$2; shift
                [[ $IDLE_TIMEOUT =~ ^[0-9]+$ ]] || die "--idle-timeout needs a number of seconds" ;;
            --timeout) need_arg "$1" $#; TIMEOUT=$2; shift
                [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a number of seconds" ;;
            --run) need_arg "$1" $#; mode=run; cmd=$2; shift ;;
            --shell) mode=shell ;;
            --vfs|--mem|--cpus|--nvme-extra) need_arg "$1" $#
                [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a number"
                hw_opt+=("${1#--}=$2"); shift ;;
            -*) die "unknown option '$1' (see --help)" ;;
            *) names+=("$1") ;;
        esac
        shift
    done
    [[ $mode == scenarios || ${#names[@]} -eq 0 ]] || die "scenario names go without --run/--shell"
    [[ $mode != scenarios || ${#hw_opt[@]} -eq 0 ]] || die "--vfs/--mem/--cpus/--nvme-extra apply to --run and --shell; scenarios declare their hardware in headers"

    if ! command -v qemu-system-x86_64 >/dev/null; then
        echo "qemu-system-x86 is not installed: run 'make deps'" >&2
        exit 2
    fi
    "$LAB_SRC/images.sh" "${image_args[@]}" lab ${iovm:+--iovm "$iovm"} ${with_qemu:+--with-qemu}
    [[ -z $with_qemu ]] || LAB_INITRD=$LAB_BENCH_INITRD

    mkdir -p "$LAB_BUILD/logs"
    LOG=${log:-$LAB_BUILD/logs/lab-$(date +%Y%m%d-%H%M%S).log}
    [[ $LOG == /* ]] || LOG=$PWD/$LOG
    mkdir -p "$(dirname "$LOG")"
    RUN_DIR=$(mktemp -d "$LAB_BUILD/run.XXXXXX")
    trap cleanup EXIT

    hw=$(hw_key "${hw_opt[@]}")
    case $mode in
        scenarios) run_scenarios "${names[@]}" ;;
        run) run_command "$cmd" "$hw" ;;
        shell) run_shell "$hw" ;;
    esac
}

main "$@"
