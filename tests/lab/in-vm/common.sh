# Helpers shared by the lab's and the default guest's /init (busybox sh).
# Installed as /lib/iovm/common.sh in both initramfs images.

export PATH=/bin:/sbin

# mount_basics: the pseudo file systems every init here needs.
mount_basics() {
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev
}

# load_modules: insmod the modules in /lib/modules/<release>/load.list in
# order. A line "a.ko|b.ko" loads the first one the kernel accepts (the kvm
# vendor module that fits the CPU). Prints one line per failure and returns
# the number of failed lines.
load_modules() {
    local dir list line alt loaded failed err
    dir=/lib/modules/$(uname -r)
    list=$dir/load.list
    [ -f "$list" ] || return 0
    failed=0
    while read -r line; do
        [ -n "$line" ] || continue
        loaded=no
        err=
        for alt in $(echo "$line" | tr '|' ' '); do
            if err=$(insmod "$dir/$alt" 2>&1); then
                loaded=yes
                break
            fi
        done
        if [ $loaded = no ]; then
            echo "insmod $line failed: $err"
            failed=$((failed + 1))
        fi
    done <"$list"
    return $failed
}
