#!/usr/bin/env bash
# VMM tests on this machine's own /dev/kvm with tiny purpose-built guests,
# plus the bad-input contract of `iovm run`. Prints TAP.
# usage: run-guests.sh IOVM GUEST_DIR [LINUX_GUEST_DIR]
set -u
iovm=$1
guests=$2
# IOVM_TEST_GUEST_DIR lets a second build (ASan) use the guest image
# that `make` built for the first.
linux=${IOVM_TEST_GUEST_DIR:-${3:-}}
n=0
fails=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# check DESC EXPECTED_RC STDOUT_PATTERN STDERR_PATTERN -- CMD...
check() {
	local desc=$1 want_rc=$2 out_pat=$3 err_pat=$4
	shift 5
	local out err rc
	out=$(timeout 60 "$@" 2>/tmp/iovm-vmtest-err.$$) ; rc=$?
	err=$(cat /tmp/iovm-vmtest-err.$$); rm -f /tmp/iovm-vmtest-err.$$
	if [ "$rc" != "$want_rc" ]; then
		not_ok "$desc" "exit code $rc, expected $want_rc" "stdout: $out" "stderr: $err"
	elif [ -n "$out_pat" ] && ! grep -qE -- "$out_pat" <<<"$out"; then
		not_ok "$desc" "stdout lacks /$out_pat/" "stdout: $out"
	elif [ -n "$err_pat" ] && ! grep -qE -- "$err_pat" <<<"$err"; then
		not_ok "$desc" "stderr lacks /$err_pat/" "stderr: $err"
	else
		ok "$desc"
	fi
}

if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm -a -w /dev/kvm ]; then
	echo "1..0 # SKIP /dev/kvm is missing or not accessible on this machine"
	exit 0
fi

echo "1..21"
check "hello guest prints on the UART and powers off (exit 0)" 0 \
	"^Hello from the iovm test guest" "" -- "$iovm" run --kernel "$guests/hello.elf"
check "debug-exit port: 0x10 gives exit status 33" 33 "" "" -- \
	"$iovm" run --kernel "$guests/debug_exit.elf" --debug-exit
check "without --debug-exit the port is absent and the guest powers off" 0 "" "" -- \
	"$iovm" run --kernel "$guests/debug_exit.elf"
check "triple fault ends the VM non-zero with a reason" 1 "" "vCPU 0" -- \
	"$iovm" run --kernel "$guests/triple_fault.elf"
check "PCI host bridge reads the same through CF8/CFC and ECAM" 0 \
	"^cf8 00081b36 ecam 00081b36" "" -- "$iovm" run --kernel "$guests/pci_probe.elf"
check "--cpus 2 boots (APs wait for SIPI)" 0 "^Hello" "" -- \
	"$iovm" run --kernel "$guests/hello.elf" --cpus 2
check "--stats prints exit counters by reason and device" 0 "" "uart16550" -- \
	"$iovm" run --kernel "$guests/hello.elf" --stats

tmp=$(mktemp -d)
# PVH: a 64-bit ELF entered at its Xen note's 32-bit entry, ebx = start_info.
printf 'not really an initrd' >"$tmp/small.initrd"
check "PVH ELF kernel: hvm_start_info with command line, initrd module, memory map" 0 \
	"^pvh start_info ok, cmdline: hello pvh$" "" -- \
	"$iovm" run --kernel "$guests/pvh.elf" --cmdline "hello pvh" --initrd "$tmp/small.initrd"
check "PVH: one module (the initrd) and a 5-entry memory map" 0 \
	"^modules 00000001 memmap 00000005$" "" -- \
	"$iovm" run --kernel "$guests/pvh.elf" --initrd "$tmp/small.initrd"
objcopy -R .note.Xen "$guests/pvh.elf" "$tmp/nonote.elf"
check "a 64-bit ELF without a PVH note: exit 2, says how to fix" 2 "" \
	"nonote.elf: ELF kernel has no PVH entry note .*CONFIG_PVH=y" -- \
	"$iovm" run --kernel "$tmp/nonote.elf"
head -c 4096 /dev/urandom >"$tmp/notakernel"
head -c $((64 * 1024 * 1024)) /dev/zero >"$tmp/big.initrd"
check "a kernel that is not a bzImage: exit 2, named" 2 "" "notakernel: not a Linux bzImage" -- \
	"$iovm" run --kernel "$tmp/notakernel"
check "a missing kernel file: exit 2" 2 "" "cannot open .*/missing" -- \
	"$iovm" run --kernel "$tmp/missing"
check "--mem that does not parse: exit 2" 2 "" "--mem 'lots' is not a size" -- \
	"$iovm" run --kernel "$guests/hello.elf" --mem lots
check "--cpus 0: exit 2" 2 "" "--cpus '0' is not valid" -- \
	"$iovm" run --kernel "$guests/hello.elf" --cpus 0
check "--cpus above KVM's maximum: exit 2" 2 "" "--cpus 1000 is out of range" -- \
	"$iovm" run --kernel "$guests/hello.elf" --cpus 1000
check "--mem above host memory: exit 2" 2 "" "more than this host's memory" -- \
	"$iovm" run --kernel "$guests/hello.elf" --mem 64T

# A signal stops the VM cleanly: exit 128+N, the reason on stderr.
"$iovm" run --kernel "$guests/spin.elf" >"$tmp/spin.out" 2>"$tmp/spin.err" &
pid=$!
for _ in $(seq 50); do grep -q spinning "$tmp/spin.out" && break; sleep 0.1; done
kill -TERM $pid
wait $pid; rc=$?
if [ $rc = 143 ] && grep -q "stopped by signal 15" "$tmp/spin.err"; then
	ok "SIGTERM stops a running VM with exit 143"
else
	not_ok "SIGTERM stops a running VM with exit 143" "exit $rc" "$(cat "$tmp/spin.err")"
fi

check "no permission on /dev/kvm: exit 2, says how to fix" 2 "" "no permission to open /dev/kvm" -- \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$iovm" run --kernel "$guests/hello.elf"
check "no /dev/kvm: exit 2, says how to fix" 2 "" "/dev/kvm does not exist" -- \
	unshare --mount sh -c 'mount -t tmpfs none /dev && exec "$0" run --kernel "$1"' \
	"$iovm" "$guests/hello.elf"

# Linux-only checks need the default guest's bzImage (built by `make`).
if [ -n "$linux" ] && [ -f "$linux/bzImage" ]; then
	check "an initrd larger than guest RAM: exit 2, named" 2 "" "initrd \(64 MiB\) does not fit in guest RAM \(64 MiB\)" -- \
		"$iovm" run --kernel "$linux/bzImage" --initrd "$tmp/big.initrd" --mem 64M
	if grep -qwE 'vmx|svm' /proc/cpuinfo; then
		ok "# SKIP this host has hardware virtualization: the PVM boot watchdog does not apply"
	else
		check "Linux on a KVM without vmx/svm: bounded wait, then a clear error" 1 "" "no hardware virtualization.*lab" -- \
			"$iovm" run --kernel "$linux/bzImage" --initrd "$linux/initrd.img" --boot-timeout 3
	fi
else
	ok "# SKIP no default guest image in '$linux' (run make): initrd size check"
	ok "# SKIP no default guest image in '$linux' (run make): boot watchdog check"
fi
rm -rf "$tmp"
exit 0
