# shellcheck shell=bash
# Host-side helpers shared by images.sh and lab.sh. Source it; do not run it.
# shellcheck disable=SC2034 # the variables set here are used by those scripts

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$LAB_SRC/../.." && pwd)
IN_VM_SRC=$LAB_SRC/in-vm
SCENARIO_SRC=$LAB_SRC/scenarios
BENCH_SRC=$REPO_ROOT/bench

# The Debian metapackage whose kernel both the lab and the default guest run.
KERNEL_METAPACKAGE=linux-image-cloud-amd64

die() { echo "${0##*/}: error: $*" >&2; exit 1; }
note() { echo "${0##*/}: $*" >&2; }

# set_build_dir DIR: all build outputs live under DIR (relative paths are
# taken from the repository root, so the scripts work from any cwd).
set_build_dir() {
    case $1 in
        /*) BUILD_DIR=$1 ;;
        *) BUILD_DIR=$REPO_ROOT/$1 ;;
    esac
    LAB_BUILD=$BUILD_DIR/lab
    KERNEL_DIR=$LAB_BUILD/kernel
    GUEST_DIR=$BUILD_DIR/guest
    GENERIC_KERNEL_DIR=$LAB_BUILD/kernel-generic
    GUEST_NIC_DIR=$BUILD_DIR/guest-nic
    LAB_INITRD=$LAB_BUILD/initrd.img
    LAB_BENCH_INITRD=$LAB_BUILD/initrd-bench.img
    OUTB=$LAB_BUILD/tools/iovm-outb
}
set_build_dir build

# need_arg OPTION NARGS_LEFT: option parsing guard for "--opt VALUE".
need_arg() {
    [[ $2 -ge 2 ]] || die "$1 needs a value (see --help)"
}

# ---------------------------------------------------------------- kernel --

kernel_release() {
    local dirs=("$KERNEL_DIR"/lib/modules/*/)
    [[ -d ${dirs[0]} ]] || die "no unpacked kernel in $KERNEL_DIR: run 'tests/lab/images.sh kernel'"
    basename "${dirs[0]}"
}

kernel_modules_dir() {
    echo "$KERNEL_DIR/lib/modules/$(kernel_release)"
}

# ko_find NAME: path of module NAME relative to the modules dir. Module
# names treat '-' and '_' as the same character, as the kernel does.
ko_find() {
    local mdir name pattern hit
    mdir=$(kernel_modules_dir)
    name=$1
    pattern=${name//[-_]/[-_]}.ko
    hit=$(cd "$mdir" && find kernel -name "$pattern" -print -quit)
    [[ -n $hit ]] || die "kernel module '$name' not found under $mdir/kernel"
    echo "$hit"
}

# ko_depends FILE: the module names FILE needs loaded first. The
# NUL-separated .modinfo strings are read directly because the host may not
# have kmod's modinfo and the unpacked package carries no modules.dep.
ko_depends() {
    tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | tr ',' ' '
}

# modules_visit NAME: prints the paths of NAME's dependencies, then NAME's,
# skipping those in MODULES_SEEN (and adding the printed ones to it).
declare -A MODULES_SEEN=()
modules_visit() {
    local path dep
    path=$(ko_find "$1")
    [[ -z ${MODULES_SEEN[$path]:-} ]] || return 0
    for dep in $(ko_depends "$(kernel_modules_dir)/$path"); do
        modules_visit "$dep"
    done
    MODULES_SEEN[$path]=1
    echo "$path"
}

# modules_resolve ENTRY...: prints a load list, one line per ENTRY, preceded
# by the lines of every dependency not printed yet. An ENTRY is a module
# name or "a|b" (load the first of a, b that the kernel accepts, e.g. the
# kvm vendor module). Each line holds paths relative to the modules dir.
modules_resolve() {
    local entry line alt dep
    MODULES_SEEN=()
    for entry in "$@"; do
        if [[ $entry != *"|"* ]]; then
            modules_visit "$entry"
            continue
        fi
        line=''
        for alt in ${entry//|/ }; do
            for dep in $(ko_depends "$(kernel_modules_dir)/$(ko_find "$alt")"); do
                modules_visit "$dep"
            done
            line+="${line:+|}$(ko_find "$alt")"
        done
        echo "$line"
    done
}

# ---------------------------------------------------------------- rootfs --

# rootfs_init ROOT: turns the empty directory ROOT into a busybox root:
# applet links, mount points and a console node (the kernel opens
# /dev/console for init before devtmpfs is mounted).
rootfs_init() {
    local root=$1 applet
    mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,lib,root,run}
    ln -s bin "$root/sbin"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
    done
    if [[ $(id -u) == 0 ]]; then
        mknod -m 600 "$root/dev/console" c 5 1
    fi
}

# rootfs_add_modules ROOT ENTRY...: copies the modules (with dependencies)
# and writes the ordered load list that in-vm/common.sh's load_modules reads.
rootfs_add_modules() {
    local root=$1 mdir rel dest list path
    shift
    mdir=$(kernel_modules_dir)
    dest=$root/lib/modules/$(kernel_release)
    mkdir -p "$dest"
    list=$(modules_resolve "$@")
    for path in $(tr '|' ' ' <<<"$list"); do
        rel=$path
        mkdir -p "$dest/$(dirname "$rel")"
        cp "$mdir/$rel" "$dest/$rel"
    done
    echo "$list" >"$dest/load.list"
}

# rootfs_add_program ROOT SRC DEST: copies program SRC to DEST inside ROOT,
# with every shared library ldd lists (and the ELF interpreter) at the same
# paths as on the host, so a dynamically linked binary runs there as-is.
rootfs_add_program() {
    local root=$1 src=$2 dest=$3 lib
    [[ -f $src && -x $src ]] || die "program '$src' does not exist or is not executable"
    mkdir -p "$root/$(dirname "$dest")"
    cp -L "$src" "$root$dest"
    for lib in $(program_libs "$src"); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}

# program_libs FILE: absolute paths of the shared libraries FILE loads
# (none for scripts and static binaries).
program_libs() {
    local out
    # ldd fails for scripts and static programs; they need no libraries.
    out=$(ldd "$1" 2>/dev/null) || return 0
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"
}

# pack_cpio ROOT OUT [gzip]: a newc archive of ROOT, owned by root.
# Written aside and renamed, so a concurrent reader never sees half a file.
pack_cpio() {
    local root=$1 out=$2 compress=${3:-} tmp
    tmp=$(mktemp "$out.XXXXXX")
    (
        cd "$root" || exit 1
        find . -mindepth 1 | LC_ALL=C sort |
            cpio --quiet -o -H newc -R 0:0
    ) | if [[ $compress == gzip ]]; then gzip -6 -n; else cat; fi >"$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$out"
}

# ------------------------------------------------------------------ cache --

# inputs_hash FILE...: changes whenever any FILE's path, size or mtime
# does; cheap enough to run on every build to decide whether to rebuild.
inputs_hash() {
    stat -L -c '%n %s %Y' "$@" | sha256sum | cut -d' ' -f1
}

# up_to_date STAMP HASH: true if STAMP holds HASH.
up_to_date() {
    [[ -f $1 && $(cat "$1") == "$2" ]]
}
