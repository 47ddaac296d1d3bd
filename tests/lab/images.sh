#!/bin/bash
# Builds and caches the images the lab and iovm's default guest boot.
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SELF=$LAB_SRC/images.sh

usage() {
    cat <<EOF
usage: ${0##*/} [--build-dir DIR] kernel
       ${0##*/} [--build-dir DIR] guest
       ${0##*/} [--build-dir DIR] lab [--iovm PATH|none]

  kernel  fetch Debian's $KERNEL_METAPACKAGE kernel package (apt-get
          download) and unpack it into BUILD/lab/kernel/ (once)
  guest   iovm's default guest: BUILD/guest/bzImage and initrd.img
  lab     the lab initramfs BUILD/lab/initrd.img, with the iovm binary PATH
          at /opt/iovm/iovm ('none' leaves it out; by default the PATH of
          the previous build is used again)

BUILD (default: build/) is relative to the repository root. Every step
builds what it needs first and does nothing when its output is up to date.
EOF
}

# Modules for the default guest's initramfs (names, or "a|b" for the first
# that loads); empty because the guest needs none yet.
GUEST_MODULES=()

# The lab's modules: VFIO and KVM; dependencies are added automatically.
LAB_MODULES=(irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci
             kvm "kvm-amd|kvm-intel")

# ---------------------------------------------------------------- kernel --

# The versioned package behind the metapackage, e.g. linux-image-6.1.0-56-cloud-amd64.
kernel_package() {
    local pkg
    pkg=$(apt-cache depends "$KERNEL_METAPACKAGE" 2>/dev/null |
          awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }') || true
    [[ -n $pkg ]] || die "cannot resolve $KERNEL_METAPACKAGE with apt-cache: run 'apt-get update'"
    echo "$pkg"
}

build_kernel() {
    local pkg tmp deb vmlinuz
    if [[ -f $KERNEL_DIR/.package && -e $KERNEL_DIR/vmlinuz ]]; then
        return 0
    fi
    pkg=$(kernel_package)
    note "fetching kernel package $pkg"
    mkdir -p "$LAB_BUILD"
    tmp=$(mktemp -d "$LAB_BUILD/kernel.tmp.XXXXXX")
    # Without a sandbox user: _apt cannot write into a root-owned temp dir.
    if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); then
        rm -rf "$tmp"
        die "'apt-get download $pkg' failed: check the apt sources, run 'apt-get update' and retry"
    fi
    deb=("$tmp"/*.deb)
    dpkg-deb -x "${deb[0]}" "$tmp/root" || die "cannot unpack ${deb[0]}"
    vmlinuz=("$tmp"/root/boot/vmlinuz-*)
    [[ -f ${vmlinuz[0]} ]] || die "$pkg holds no boot/vmlinuz-*"
    ln -s "boot/${vmlinuz[0]##*/}" "$tmp/root/vmlinuz"
    echo "$pkg" >"$tmp/root/.package"
    rm -rf "$KERNEL_DIR"
    mv "$tmp/root" "$KERNEL_DIR"
    rm -rf "$tmp"
    note "kernel $(kernel_release) unpacked in $KERNEL_DIR"
}

# ----------------------------------------------------------------- guest --

# build_outb: the port-write helper the guest reports its exit status with.
build_outb() {
    local src=$IN_VM_SRC/iovm-outb.c
    [[ $OUTB -nt $src ]] && return 0
    command -v cc >/dev/null || die "no C compiler (cc) to build $OUTB: install gcc"
    mkdir -p "$(dirname "$OUTB")"
    cc -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie -no-pie \
        -O2 -s -Wall -Wextra -o "$OUTB" "$src"
}

build_guest() {
    local root hash stamp=$GUEST_DIR/.inputs
    build_kernel
    build_outb
    hash=$(inputs_hash "$KERNEL_DIR/vmlinuz" /bin/busybox "$OUTB" \
        "$IN_VM_SRC"/guest-init.sh "$IN_VM_SRC"/common.sh "$LAB_SRC"/lib.sh "$SELF"
        )-$(echo "${GUEST_MODULES[*]}" | sha256sum | cut -c1-16)
    if up_to_date "$stamp" "$hash" && [[ -f $GUEST_DIR/initrd.img ]]; then
        return 0
    fi
    mkdir -p "$GUEST_DIR"
    root=$(mktemp -d "$GUEST_DIR/rootfs.XXXXXX")
    rootfs_init "$root"
    install -m 755 "$IN_VM_SRC/guest-init.sh" "$root/init"
    install -D -m 644 "$IN_VM_SRC/common.sh" "$root/lib/iovm/common.sh"
    install -m 755 "$OUTB" "$root/bin/iovm-outb"
    [[ ${#GUEST_MODULES[@]} -eq 0 ]] || rootfs_add_modules "$root" "${GUEST_MODULES[@]}"
    pack_cpio "$root" "$GUEST_DIR/initrd.img" gzip
    rm -rf "$root"
    cp "$KERNEL_DIR/vmlinuz" "$GUEST_DIR/bzImage"
    echo "$hash" >"$stamp"
    note "guest image: $GUEST_DIR/bzImage, $GUEST_DIR/initrd.img ($(du -k "$GUEST_DIR/initrd.img" | cut -f1) KiB)"
}

# ------------------------------------------------------------------- lab --

# Extra files for the lab's /lab/ (scripts the lab's users run, such as a
# demo), copied with their layout. Optional.
LAB_FILES=$LAB_SRC/files

# lab_iovm ARG: the iovm binary to put in the lab ("none" for none); ARG
# empty means the one the previous lab build used.
lab_iovm() {
    local iovm=$1 remembered=$LAB_BUILD/iovm.path
    if [[ -z $iovm ]]; then
        [[ -f $remembered ]] ||
            die "no iovm binary given: pass --iovm PATH (or --iovm none for a lab without iovm)"
        iovm=$(cat "$remembered")
    fi
    if [[ $iovm != none ]]; then
        [[ $iovm == /* ]] || iovm=$(realpath "$iovm")
        [[ -x $iovm ]] || die "iovm binary '$iovm' does not exist or is not executable: build it first"
    fi
    mkdir -p "$LAB_BUILD"
    echo "$iovm" >"$remembered"
    echo "$iovm"
}

# test_guests: the test guest ELFs of this build dir, if built.
test_guests() {
    find "$BUILD_DIR/tests/guests" -maxdepth 1 -name '*.elf' 2>/dev/null | LC_ALL=C sort
}

build_lab() {
    local iovm root hash inputs stamp=$LAB_BUILD/.inputs
    iovm=$(lab_iovm "$1")
    build_guest
    inputs=(/bin/busybox "$LAB_SRC"/lib.sh "$SELF" "$IN_VM_SRC"/* "$SCENARIO_SRC"/*.sh
            "$GUEST_DIR"/bzImage "$GUEST_DIR"/initrd.img "$(kernel_modules_dir)"/modules.order)
    if [[ $iovm != none ]]; then
        mapfile -t -O ${#inputs[@]} inputs < <(echo "$iovm"; program_libs "$iovm")
    fi
    if [[ -d $LAB_FILES ]]; then
        mapfile -t -O ${#inputs[@]} inputs < <(find "$LAB_FILES" -type f | LC_ALL=C sort)
    fi
    # The tiny multiboot test guests meson builds (tests/guests/).
    mapfile -t -O ${#inputs[@]} inputs < <(test_guests)
    hash=$(inputs_hash "${inputs[@]}")-$iovm
    if up_to_date "$stamp" "$hash" && [[ -f $LAB_INITRD ]]; then
        return 0
    fi
    root=$(mktemp -d "$LAB_BUILD/rootfs.XXXXXX")
    rootfs_init "$root"
    install -m 755 "$IN_VM_SRC/lab-init.sh" "$root/init"
    install -D -m 644 "$IN_VM_SRC/common.sh" "$root/lib/iovm/common.sh"
    rootfs_add_modules "$root" "${LAB_MODULES[@]}"
    [[ $iovm == none ]] || rootfs_add_program "$root" "$iovm" /opt/iovm/iovm
    install -D -m 644 "$GUEST_DIR/bzImage" "$root/opt/iovm/guest/bzImage"
    install -D -m 644 "$GUEST_DIR/initrd.img" "$root/opt/iovm/guest/initrd.img"
    install -D -m 644 "$IN_VM_SRC/scenario-lib.sh" "$root/lab/lib.sh"
    mkdir -p "$root/lab/scenarios"
    install -m 755 "$SCENARIO_SRC"/*.sh "$root/lab/scenarios/"
    [[ ! -d $LAB_FILES ]] || cp -r "$LAB_FILES/." "$root/lab/"
    mkdir -p "$root/lab/guests"
    test_guests | xargs -r install -m 644 -t "$root/lab/guests/"
    # Uncompressed: the TCG-emulated lab kernel would spend seconds in gunzip.
    pack_cpio "$root" "$LAB_INITRD"
    rm -rf "$root"
    echo "$hash" >"$stamp"
    note "lab image: $LAB_INITRD ($(du -k "$LAB_INITRD" | cut -f1) KiB, iovm: $iovm)"
}

# ------------------------------------------------------------------ main --

main() {
    local target='' iovm=''
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h|--help) usage; exit 0 ;;
            --build-dir) need_arg "$1" $#; set_build_dir "$2"; shift ;;
            --iovm) need_arg "$1" $#; iovm=$2; shift ;;
            kernel|guest|lab) [[ -z $target ]] || die "one target at a time"; target=$1 ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done
    [[ -z $iovm || $target == lab ]] || die "--iovm applies to the lab target only"
    case $target in
        kernel) build_kernel ;;
        guest) build_guest ;;
        lab) build_lab "$iovm" ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
