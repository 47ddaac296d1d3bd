#!/bin/sh
# /init of the lab (build/lab/initrd.img), the QEMU machine with VT-d,
# SR-IOV NVMe and nested KVM that iovm's lab tests run in.
#
# lab.sh appends a small cpio archive with /lab/plan, which sets:
#   LAB_MODE       scenarios | run | shell (no plan: shell)
#   LAB_SCENARIOS  "NAME:TIMEOUT ..." for scenarios mode
# and, for run mode, /lab/cmd.sh, the command to run.
#
# Channels: ttyS0 is the kernel console (a log file on the host); ttyS1
# carries scenario TAP (with "@@lab" markers) or the run command's output;
# ttyS2 carries the run command's exit status as "exit N".

echo "lab: init reached"
. /lib/iovm/common.sh
mount_basics
mount -t debugfs debugfs /sys/kernel/debug
export PATH=/opt/iovm:/bin:/sbin

MODULE_ERRORS=$(load_modules)
[ -z "$MODULE_ERRORS" ] || echo "$MODULE_ERRORS" | sed 's/^/lab: /'
# THP backing guest RAM soft-locks the lab under the emulated IOMMU.
echo never >/sys/kernel/mm/transparent_hugepage/enabled

LAB_MODE=shell
[ -f /lab/plan ] && . /lab/plan

# open_channel N: fd 3 = /dev/ttySN, raw so bytes pass unchanged (no CR
# added before LF, no echo).
open_channel() {
    stty -F /dev/ttyS"$1" raw -echo
    exec 3>/dev/ttyS"$1"
}

# drain_channel N: wait until the UART has sent all queued output; stty
# applies settings with TCSADRAIN. poweroff -f would cut the queue off.
drain_channel() {
    stty -F /dev/ttyS"$1" raw -echo
}

# run_with_timeout SECS CMD...: runs CMD in its own session so that on
# timeout its whole process group is killed, not just the shell. Sets
# TIMED_OUT to yes or no and returns CMD's status.
run_with_timeout() {
    local secs="$1" pid watcher st
    shift
    rm -f /tmp/lab-timed-out
    setsid "$@" &
    pid=$!
    setsid sh -c "sleep $secs; touch /tmp/lab-timed-out; kill -TERM -$pid;
                  sleep 5; kill -KILL -$pid" 2>/dev/null &
    watcher=$!
    wait $pid
    st=$?
    kill -KILL -$watcher 2>/dev/null
    TIMED_OUT=no
    [ -f /tmp/lab-timed-out ] && TIMED_OUT=yes
    return $st
}

run_scenarios() {
    local entry name secs st
    open_channel 1
    [ -z "$MODULE_ERRORS" ] || echo "$MODULE_ERRORS" | sed 's/^/# lab: /' >&3
    for entry in $LAB_SCENARIOS; do
        name=${entry%:*}
        secs=${entry##*:}
        echo "lab: scenario $name (timeout ${secs}s)"
        echo "@@lab begin $name" >&3
        run_with_timeout "$secs" sh "/lab/scenarios/$name.sh" </dev/null >&3 2>&3
        st=$?
        if [ $TIMED_OUT = yes ]; then
            echo "@@lab end $name timeout=$secs" >&3
        else
            echo "@@lab end $name status=$st" >&3
        fi
    done
    echo "@@lab done" >&3
    drain_channel 1
}

run_command() {
    local st
    open_channel 1
    sh /lab/cmd.sh </dev/null >&3 2>&3
    st=$?
    drain_channel 1
    stty -F /dev/ttyS2 raw -echo
    {
        [ -z "$MODULE_ERRORS" ] || echo "$MODULE_ERRORS" | sed 's/^/# lab: /'
        echo "exit $st"
    } >/dev/ttyS2
    drain_channel 2
}

case $LAB_MODE in
    scenarios) run_scenarios ;;
    run) run_command ;;
    *)
        echo "lab ready: modules loaded, iovm on PATH (/opt/iovm); exit the shell to power off"
        setsid cttyhack sh
        ;;
esac
echo "lab: powering off"
poweroff -f
