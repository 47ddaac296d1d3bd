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
       ${0##*/} [--build-dir DIR] guest-nic
       ${0##*/} [--build-dir DIR] lab [--iovm PATH|none] [--with-qemu]

  kernel  fetch Debian's $KERNEL_METAPACKAGE kernel package (apt-get
          download) and unpack it into BUILD/lab/kernel/ (once)
  guest   iovm's default guest: BUILD/guest/bzImage, the vmlinux unpacked
          from it (booted through PVH) and initrd.img
  guest-nic  the same on Debian's generic kernel with e1000e, for guests
          given the lab's NIC: BUILD/guest-nic/ (the lab image has it)
  lab     the lab initramfs BUILD/lab/initrd.img, with the iovm binary PATH
          at /opt/iovm/iovm ('none' leaves it out; by default the PATH of
          the previous build is used again); --with-qemu builds
          BUILD/lab/initrd-bench.img instead: the same plus QEMU
          (qemu-system-x86_64, its libraries, the firmware for direct
          kernel boot) for bench/boot.sh

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

# unpack_kernel_package PKG DIR: apt-get download PKG, unpack it into DIR.
unpack_kernel_package() {
    local pkg=$1 dir=$2 tmp deb vmlinuz
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
    rm -rf "$dir"
    mv "$tmp/root" "$dir"
    rm -rf "$tmp"
}

build_kernel() {
    if [[ -f $KERNEL_DIR/.package && -e $KERNEL_DIR/vmlinuz ]]; then
        return 0
    fi
    unpack_kernel_package "$(kernel_package)" "$KERNEL_DIR"
    note "kernel $(kernel_release) unpacked in $KERNEL_DIR"
}

# The generic flavour of the same kernel release: it has the NIC drivers
# (e1000e) the cloud flavour leaves out, for guests given the lab's NIC.
build_generic_kernel() {
    local release
    build_kernel
    [[ -f $GENERIC_KERNEL_DIR/.package && -e $GENERIC_KERNEL_DIR/vmlinuz ]] && return 0
    release=$(kernel_release)
    unpack_kernel_package "linux-image-${release%-cloud-amd64}-amd64" "$GENERIC_KERNEL_DIR"
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

# build_guest_image KERNEL OUT MODULE...: a busybox guest (bzImage and
# initrd.img in OUT) booting KERNEL's kernel with MODULE... loaded.
build_guest_image() {
    local KERNEL_DIR=$1 out=$2 root hash stamp=$2/.inputs
    shift 2
    build_outb
    hash=$(inputs_hash "$KERNEL_DIR/vmlinuz" /bin/busybox "$OUTB" \
        "$IN_VM_SRC"/guest-init.sh "$IN_VM_SRC"/common.sh "$LAB_SRC"/lib.sh "$SELF"
        )-$(echo "$*" | sha256sum | cut -c1-16)
    if up_to_date "$stamp" "$hash" && [[ -f $out/initrd.img ]]; then
        return 0
    fi
    mkdir -p "$out"
    root=$(mktemp -d "$out/rootfs.XXXXXX")
    rootfs_init "$root"
    install -m 755 "$IN_VM_SRC/guest-init.sh" "$root/init"
    install -D -m 644 "$IN_VM_SRC/common.sh" "$root/lib/iovm/common.sh"
    install -m 755 "$OUTB" "$root/bin/iovm-outb"
    [[ $# -eq 0 ]] || rootfs_add_modules "$root" "$@"
    pack_cpio "$root" "$out/initrd.img" gzip
    rm -rf "$root"
    cp "$KERNEL_DIR/vmlinuz" "$out/bzImage"
    echo "$hash" >"$stamp"
    note "guest image: $out/bzImage, $out/initrd.img ($(du -k "$out/initrd.img" | cut -f1) KiB)"
}

# extract_vmlinux BZIMAGE OUT: the uncompressed ELF kernel inside a bzImage
# (its payload, located by the setup header's payload_offset/length), so
# iovm boots it through PVH and the guest does not decompress itself.
extract_vmlinux() {
    local bz=$1 out=$2 sects start len size magic tmp unpack
    [[ $out -nt $bz ]] && return 0
    sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz")
    [[ $sects -ne 0 ]] || sects=4
    start=$(( (sects + 1) * 512 + $(od -An -tu4 -j $((0x248)) -N4 "$bz") ))
    len=$(od -An -tu4 -j $((0x24c)) -N4 "$bz")
    # The build appends the uncompressed size (gzip's own trailer holds it).
    size=$(od -An -tu4 -j $((start + len - 4)) -N4 "$bz")
    magic=$(od -An -tx1 -j "$start" -N4 "$bz" | tr -d ' ')
    case $magic in
        02214c18) unpack="lz4 -dc" ;;
        1f8b*) unpack="gzip -dc"; len=$((len + 4)) ;;
        fd377a58) unpack="xz -dc" ;;
        28b52ffd) unpack="zstd -dc" ;;
        *) die "$bz: unknown kernel compression (magic $magic); iovm boots the bzImage instead" ;;
    esac
    command -v "${unpack%% *}" >/dev/null || die "no ${unpack%% *} to unpack $bz: run 'make deps'"
    tmp=$(mktemp "$out.XXXXXX")
    (tail -c +$((start + 1)) "$bz" || true) | head -c $((len - 4)) | $unpack >"$tmp" ||
        { rm -f "$tmp"; die "cannot unpack the kernel in $bz with $unpack"; }
    if [[ $(stat -c %s "$tmp") -ne $size || $(head -c 4 "$tmp" | od -An -tx1 | tr -d ' ') != 7f454c46 ]]; then
        rm -f "$tmp"
        die "$bz: the unpacked kernel is not a $size-byte ELF file"
    fi
    chmod 644 "$tmp"
    mv "$tmp" "$out"
}

build_guest() {
    build_kernel
    build_guest_image "$KERNEL_DIR" "$GUEST_DIR" "${GUEST_MODULES[@]}"
    extract_vmlinux "$GUEST_DIR/bzImage" "$GUEST_DIR/vmlinux"
}

# The NIC guest: the generic kernel with e1000e, for passthrough of the
# lab's e1000e (the cloud kernel has no driver for it).
build_guest_nic() {
    build_generic_kernel
    build_guest_image "$GENERIC_KERNEL_DIR" "$GUEST_NIC_DIR" e1000e
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
    { find "$BUILD_DIR/tests/guests" -maxdepth 1 -name '*.elf' 2>/dev/null || true; } | LC_ALL=C sort
}

# Where libpci looks for its ID database on Debian.
PCI_IDS=/usr/share/misc/pci.ids

# bench_tools: the bench programs of this build dir (bench/), if built.
bench_tools() {
    { find "$BUILD_DIR/bench" -maxdepth 1 -type f -perm -u+x 2>/dev/null || true; } | LC_ALL=C sort
}

# The bench scripts that run inside the lab.
BENCH_IN_LAB=$BENCH_SRC/in-lab

# QEMU for the lab image --with-qemu, and the firmware it needs to boot a
# kernel directly on pc, q35 and microvm (SeaBIOS, qboot, option ROMs).
QEMU_BIN=/usr/bin/qemu-system-x86_64
QEMU_FIRMWARE=(bios-256k.bin bios-microvm.bin linuxboot_dma.bin linuxboot.bin
               kvmvapic.bin pvh.bin)

# qemu_firmware: the paths of QEMU_FIRMWARE, each taken from the first of
# QEMU's data directories ('qemu -L help') that holds it.
qemu_firmware() {
    local name dir found
    local -a dirs
    [[ -x $QEMU_BIN ]] || die "no $QEMU_BIN for the lab image --with-qemu: install qemu-system-x86"
    mapfile -t dirs < <("$QEMU_BIN" -L help)
    for name in "${QEMU_FIRMWARE[@]}"; do
        found=''
        for dir in "${dirs[@]}"; do
            [[ -z $found && -f $dir/$name ]] && found=$dir/$name
        done
        [[ -n $found ]] || die "QEMU firmware '$name' not found in: ${dirs[*]}"
        echo "$found"
    done
}

# qemu_inputs: every host file the QEMU in the lab image is made of.
qemu_inputs() {
    echo "$QEMU_BIN"
    program_libs "$QEMU_BIN"
    qemu_firmware
}

# rootfs_add_qemu ROOT: QEMU at the host's path with its libraries, and its
# firmware in /usr/share/qemu/, the first data directory it searches.
rootfs_add_qemu() {
    local root=$1 fw
    rootfs_add_program "$root" "$QEMU_BIN" "$QEMU_BIN"
    mkdir -p "$root/usr/share/qemu"
    for fw in $(qemu_firmware); do
        cp -L "$fw" "$root/usr/share/qemu/${fw##*/}"
    done
}

# rootfs_add_bench ROOT: the bench programs and in-lab scripts in /lab/bench/.
rootfs_add_bench() {
    local root=$1
    mkdir -p "$root/lab/bench"
    bench_tools | xargs -r install -m 755 -t "$root/lab/bench/"
    [[ ! -d $BENCH_IN_LAB ]] || install -m 755 "$BENCH_IN_LAB"/* "$root/lab/bench/"
}

# build_lab IOVM WITH_QEMU: the lab image (WITH_QEMU yes: the bench image).
build_lab() {
    local iovm with_qemu=$2 root hash inputs out=$LAB_INITRD stamp=$LAB_BUILD/.inputs
    iovm=$(lab_iovm "$1")
    if [[ $with_qemu == yes ]]; then
        out=$LAB_BENCH_INITRD
        stamp=$LAB_BUILD/.inputs-bench
    fi
    build_guest
    build_guest_nic
    inputs=(/bin/busybox "$LAB_SRC"/lib.sh "$SELF" "$IN_VM_SRC"/* "$SCENARIO_SRC"/*.sh
            "$GUEST_DIR"/bzImage "$GUEST_DIR"/vmlinux "$GUEST_DIR"/initrd.img
            "$(kernel_modules_dir)"/modules.order
            "$GUEST_NIC_DIR"/bzImage "$GUEST_NIC_DIR"/initrd.img)
    if [[ $iovm != none ]]; then
        mapfile -t -O ${#inputs[@]} inputs < <(echo "$iovm"; program_libs "$iovm")
    fi
    if [[ -d $LAB_FILES ]]; then
        mapfile -t -O ${#inputs[@]} inputs < <(find "$LAB_FILES" -type f | LC_ALL=C sort)
    fi
    # The tiny multiboot test guests meson builds (tests/guests/).
    mapfile -t -O ${#inputs[@]} inputs < <(test_guests)
    mapfile -t -O ${#inputs[@]} inputs < <(bench_tools; find "$BENCH_IN_LAB" -type f 2>/dev/null | LC_ALL=C sort)
    if [[ $with_qemu == yes ]]; then
        mapfile -t -O ${#inputs[@]} inputs < <(qemu_inputs)
    fi
    hash=$(inputs_hash "${inputs[@]}")-$iovm
    if up_to_date "$stamp" "$hash" && [[ -f $out ]]; then
        return 0
    fi
    root=$(mktemp -d "$LAB_BUILD/rootfs.XXXXXX")
    rootfs_init "$root"
    install -m 755 "$IN_VM_SRC/lab-init.sh" "$root/init"
    install -D -m 644 "$IN_VM_SRC/common.sh" "$root/lib/iovm/common.sh"
    rootfs_add_modules "$root" "${LAB_MODULES[@]}"
    [[ $iovm == none ]] || rootfs_add_program "$root" "$iovm" /opt/iovm/iovm
    install -D -m 644 "$GUEST_DIR/bzImage" "$root/opt/iovm/guest/bzImage"
    install -D -m 644 "$GUEST_DIR/vmlinux" "$root/opt/iovm/guest/vmlinux"
    install -D -m 644 "$GUEST_DIR/initrd.img" "$root/opt/iovm/guest/initrd.img"
    install -D -m 644 "$GUEST_NIC_DIR/bzImage" "$root/opt/iovm/guest-nic/bzImage"
    install -D -m 644 "$GUEST_NIC_DIR/initrd.img" "$root/opt/iovm/guest-nic/initrd.img"
    install -D -m 644 "$IN_VM_SRC/scenario-lib.sh" "$root/lab/lib.sh"
    mkdir -p "$root/lab/scenarios"
    install -m 755 "$SCENARIO_SRC"/*.sh "$root/lab/scenarios/"
    [[ ! -d $LAB_FILES ]] || cp -r "$LAB_FILES/." "$root/lab/"
    # The PCI ID database, so `iovm devices` shows names in the lab too.
    [[ ! -e $PCI_IDS ]] || install -D -m 644 "$(readlink -f "$PCI_IDS")" "$root$PCI_IDS"
    mkdir -p "$root/lab/guests"
    test_guests | xargs -r install -m 644 -t "$root/lab/guests/"
    rootfs_add_bench "$root"
    [[ $with_qemu == no ]] || rootfs_add_qemu "$root"
    # Uncompressed: the TCG-emulated lab kernel would spend seconds in gunzip.
    pack_cpio "$root" "$out"
    rm -rf "$root"
    echo "$hash" >"$stamp"
    note "lab image: $out ($(du -k "$out" | cut -f1) KiB, iovm: $iovm)"
}

# ------------------------------------------------------------------ main --

main() {
    local target='' iovm='' with_qemu=no
    while [[ $# -gt 0 ]]; do
        case $1 in
            -h|--help) usage; exit 0 ;;
            --build-dir) need_arg "$1" $#; set_build_dir "$2"; shift ;;
            --iovm) need_arg "$1" $#; iovm=$2; shift ;;
            --with-qemu) with_qemu=yes ;;
            kernel|guest|guest-nic|lab) [[ -z $target ]] || die "one target at a time"; target=$1 ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
        shift
    done
    [[ -z $iovm || $target == lab ]] || die "--iovm applies to the lab target only"
    [[ $with_qemu == no || $target == lab ]] || die "--with-qemu applies to the lab target only"
    case $target in
        kernel) build_kernel ;;
        guest) build_guest ;;
        guest-nic) build_guest_nic ;;
        lab) build_lab "$iovm" "$with_qemu" ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
