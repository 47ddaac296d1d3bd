# bench/boot.sh's report: reads the in-lab bench's output (bench/in-lab/boot.sh)
# and prints the table; writes the same as JSON to the file `json`.
# Variables (-v): json, ratio_target, rss_target (KiB), runs, cmdline,
# host_cpu, host_cpus, host_kernel, date, rev, machines.

# fields(LINE, ARR): ARR[KEY] = VALUE for every KEY=VALUE word of LINE.
function fields(line, arr,    n, i, w, eq) {
    split("", arr)
    n = split(line, w, " ")
    for (i = 1; i <= n; i++)
        if ((eq = index(w[i], "=")) > 1)
            arr[substr(w[i], 1, eq - 1)] = substr(w[i], eq + 1)
}

# sorted(L, KEY, OUT): OUT[1..n] = the values of KEY over label L's boots, ascending.
function sorted(l, key, out,    n, i, j, v) {
    n = count[l]
    for (i = 1; i <= n; i++) {
        v = val[l, key, i] + 0
        for (j = i - 1; j >= 1 && out[j] > v; j--)
            out[j + 1] = out[j]
        out[j + 1] = v
    }
    return n
}

function median(l, key,    s, n) {
    n = sorted(l, key, s)
    if (n == 0) return -1
    return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
}

function minimum(l, key,    s) { return sorted(l, key, s) ? s[1] : -1 }
function maximum(l, key,    s, n) { n = sorted(l, key, s); return n ? s[n] : -1 }

function verdict(ok) { return ok ? "PASS" : "MISS" }

function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }

# list(L, KEY): label L's values of KEY in boot order, as a JSON array.
function list(l, key,    i, v, out) {
    out = ""
    for (i = 1; i <= count[l]; i++) {
        v = val[l, key, i]
        out = out (i > 1 ? ", " : "") (v == "" ? "null" : v)
    }
    return "[" out "]"
}

{ sub(/\r$/, "") }

/^info / {
    fields($0, f)
    for (k in f) info[k] = f[k]
    next
}

/^stats iovm stats: setup / { setup_ms = $5; load_ms = $11; next }
/^stats iovm stats: [0-9]+ exits/ { stats_total = $4; in_devices = 0; next }
/^stats iovm stats: by device/ { in_devices = 1; next }
/^stats   / && !in_devices { reasons = reasons (reasons == "" ? "" : ", ") $2 " " $3; next }
/^stats   (pio|mmio) / {
    dev_n++
    dev_name[dev_n] = $2 " " $3
    dev_count[dev_n] = $4
    next
}

/^boottime label=/ {
    fields($0, f)
    l = f["label"]
    if (!(l in seen)) { seen[l] = 1; labels[++nlabels] = l }
    if (f["ms"] + 0 < 0) { failed[l]++; next }
    i = ++count[l]
    val[l, "ms", i] = f["ms"]
    val[l, "rss_vmm_kib", i] = f["rss_vmm_kib"]
    val[l, "vm_rss_kib", i] = f["vm_rss_kib"]
    val[l, "cpu_ms", i] = f["cpu_ms"]
    val[l, "kvm_exits", i] = f["kvm_exits"]
    val[l, "user_exits", i] = f["kvm_io_exits"] + f["kvm_mmio_exits"]
    val[l, "io_exits", i] = f["kvm_io_exits"]
    val[l, "mmio_exits", i] = f["kvm_mmio_exits"]
}

/^breakdown label=/ {
    fields($0, f)
    l = f["label"]
    bd[++nbd] = l
    bd_ms[l] = f["ms"]
    bd_start[l] = f["kernel_start_ms"]
    bd_kernel[l] = f["kernel_ms"]
    next
}

# kernel_of(L): the kernel file label L boots: iovm and the QEMU M-pvh
# machines the vmlinux (PVH), the others the bzImage.
function kernel_of(l) {
    return (l == "iovm" || l ~ /-pvh$/) ? "vmlinux" : "bzImage"
}

# ratio_line(A, Q): the A/Q comparison; sets r_med, r_min, r_ok.
function ratio_line(a, q,    need) {
    r_med = median(a, "ms") / median(q, "ms")
    r_min = minimum(a, "ms") / minimum(q, "ms")
    r_ok = r_med <= ratio_target
    printf "  %-24s %-26s %5.2f (min/min %.2f)  %s", a " (" kernel_of(a) ")",
        "/ " q " (" kernel_of(q) ")", r_med, r_min, verdict(r_ok)
    if (!r_ok) {
        need = ratio_target * median(q, "ms")
        printf ": %s would need %.0f ms, %.0f%% less than its %.0f ms", a, need,
            100 * (1 - need / median(a, "ms")), median(a, "ms")
    }
    printf "\n"
}

# pairs: the comparisons, A[i]/Q[i]: iovm as it boots by default against
# every QEMU machine, and against each the iovm boot of the same file.
function pairs(    i, q, same) {
    npairs = 0
    for (i = 1; i <= nlabels; i++) {
        q = labels[i]
        if (q !~ /^qemu-/ || !count[q]) continue
        pa[++npairs] = "iovm"; pq[npairs] = q
        same = kernel_of(q) == "vmlinux" ? "iovm" : "iovm-bzimage"
        if (same != "iovm" && count[same]) { pa[++npairs] = same; pq[npairs] = q }
    }
}

function print_ratios(    i) {
    printf "  time ratio, median over median in this run (target <= %.1f):\n", ratio_target
    for (i = 1; i <= npairs; i++) {
        ratio_line(pa[i], pq[i])
        if (headline == "" || (kernel_of(pa[i]) == kernel_of(pq[i]) && !same_file_done)) {
            headline = headline (headline == "" ? "" : "; same kernel file: ") \
                sprintf("%s/%s %.2f %s", pa[i], pq[i], r_med, verdict(r_ok))
            same_file_done = same_file_done || kernel_of(pa[i]) == kernel_of(pq[i])
        }
    }
    printf "  (the same kernel either way: the Debian bzImage, or the vmlinux unpacked\n"
    printf "   from it by make, which iovm and QEMU enter through PVH, no decompression)\n"
}

function print_header() {
    printf "bench/boot: time from the VMM's start to the guest's /init mark\n"
    printf "  host:   %s, %s CPUs, Linux %s\n", host_cpu, host_cpus, host_kernel
    printf "  lab:    QEMU q35 under TCG (-cpu max) on that host, %s vCPUs, Linux %s, nested KVM (%s, SVM emulated by TCG)\n",
        info["lab_cpus"], info["lab_kernel"], info["lab_kvm_module"]
    printf "  guest:  iovm's default guest (Linux %s as vmlinux or bzImage + busybox initramfs), %s MiB, %s vCPU(s)\n",
        info["lab_kernel"], info["guest_mem_mib"], info["guest_cpus"]
    printf "          cmdline '%s'\n", cmdline
    printf "  qemu:   %s -accel kvm -cpu host, memfd RAM, -nodefaults -serial stdio\n", info["qemu_version"]
    printf "  runs:   %s timed boots per VMM, alternating, after one untimed boot each\n", runs
    printf "  Absolute times in the lab mean little (everything runs under TCG);\n"
    printf "  the ratio measured in the same run is the figure.\n\n"
}

function print_table(    i, l) {
    printf "  %-14s %5s %10s %9s %9s %9s %10s %10s %11s\n", "VMM", "boots", "median ms",
        "min ms", "max ms", "CPU ms", "KVM exits", "user exits", "RSS-RAM KiB"
    for (i = 1; i <= nlabels; i++) {
        l = labels[i]
        if (l ~ /^start-/) continue
        printf "  %-14s %5d %10.1f %9.1f %9.1f %9d %10d %10d %11d%s\n", l, count[l],
            median(l, "ms"), minimum(l, "ms"), maximum(l, "ms"), median(l, "cpu_ms"),
            median(l, "kvm_exits"), median(l, "user_exits"), median(l, "rss_vmm_kib"),
            failed[l] ? sprintf("  (%d failed)", failed[l]) : ""
    }
    printf "  (ms: wall time from the VMM's start to the mark; the other columns are\n"
    printf "   medians sampled at the mark: CPU ms, the VMM process's user + system time,\n"
    printf "   guest time included; KVM exits, all of the VM's exits (KVM debugfs); user\n"
    printf "   exits, those to the VMM process (io + mmio); RSS-RAM, VmRSS minus the\n"
    printf "   resident guest RAM)\n\n"
}

# print_start: the VMM-start boots (start-VMM labels): a tiny PVH guest
# timed to its first output, iovm's against each QEMU machine's.
function print_start(    i, l, r) {
    if (!count["start-iovm"]) return
    printf "\n  the VMM's own start: to the first output of a tiny PVH guest (tests/guests/pvh.S)\n"
    printf "  given the vmlinux as its module (the same bytes to load, no guest kernel work)\n"
    printf "  %-20s %5s %10s %9s %9s %10s\n", "VMM", "boots", "median ms", "min ms", "max ms", "iovm/this"
    for (i = 1; i <= nlabels; i++) {
        l = labels[i]
        if (l !~ /^start-/ || !count[l]) continue
        r = median("start-iovm", "ms") / median(l, "ms")
        start_ratio[l] = r
        printf "  %-20s %5d %10.1f %9.1f %9.1f %10s%s\n", l, count[l], median(l, "ms"),
            minimum(l, "ms"), maximum(l, "ms"), l == "start-iovm" ? "" : sprintf("%.2f", r),
            failed[l] ? sprintf("  (%d failed)", failed[l]) : ""
    }
}

function print_breakdown(    i, l) {
    if (!nbd) return
    printf "\n  where the time goes: one more boot each, with earlyprintk (single boots, noisy)\n"
    printf "  %-14s %10s %14s %16s %10s\n", "VMM", "to mark ms", "kernel starts", "kernel to /init", "rest ms"
    for (i = 1; i <= nbd; i++) {
        l = bd[i]
        printf "  %-14s %10.1f %14.1f %16.1f %10.1f\n", l, bd_ms[l], bd_start[l], bd_kernel[l],
            bd_ms[l] - bd_start[l] - bd_kernel[l]
    }
    printf "  (kernel starts: the kernel proper's first line, after the VMM's start, the\n"
    printf "   firmware and a bzImage's decompression; kernel to /init: the guest's\n"
    printf "   clock (dmesg); rest: early kernel before its clock, /init up to the mark)\n"
}

function print_devices(    i, line) {
    if (!stats_total) return
    line = ""
    for (i = 1; i <= dev_n; i++)
        line = line (i > 1 ? ", " : "") dev_name[i] " " dev_count[i]
    printf "\n  iovm's own start (iovm run --stats, one boot): %.1f ms from its start to the\n", setup_ms
    printf "    vCPUs running, of which %.1f ms loading the kernel and initramfs\n", load_ms
    printf "  iovm exits to user space in one boot up to the mark (iovm run --stats): %d\n", stats_total
    printf "    by reason: %s\n    by device: %s\n", reasons, line
}

function write_json(    i, l, q, sep) {
    printf "{\n  \"bench\": \"boot\",\n  \"date\": %s,\n  \"revision\": %s,\n", jstr(date), jstr(rev) >json
    printf "  \"machine\": {\"host_cpu\": %s, \"host_cpus\": %d, \"host_kernel\": %s,\n", jstr(host_cpu), host_cpus, jstr(host_kernel) >json
    printf "    \"lab\": \"QEMU q35, TCG, -cpu max, nested KVM\", \"lab_cpus\": %d, \"lab_kernel\": %s, \"lab_kvm_module\": %s},\n",
        info["lab_cpus"], jstr(info["lab_kernel"]), jstr(info["lab_kvm_module"]) >json
    printf "  \"guest\": {\"mem_mib\": %d, \"cpus\": %d, \"cmdline\": %s, \"qemu_version\": %s, \"qemu_machines\": %s},\n",
        info["guest_mem_mib"], info["guest_cpus"], jstr(cmdline), jstr(info["qemu_version"]), jstr(machines) >json
    printf "  \"runs\": %d,\n  \"vmms\": {", runs >json
    for (i = 1; i <= nlabels; i++) {
        l = labels[i]
        printf "%s\n    %s: {\"boots\": %d, \"failed\": %d, \"median_ms\": %.1f, \"min_ms\": %.1f, \"max_ms\": %.1f,\n",
            (i > 1 ? "," : ""), jstr(l), count[l], failed[l], median(l, "ms"), minimum(l, "ms"), maximum(l, "ms") >json
        printf "      \"ms\": %s,\n      \"cpu_ms\": %s,\n      \"rss_vmm_kib\": %s,\n      \"vm_rss_kib\": %s,\n",
            list(l, "ms"), list(l, "cpu_ms"), list(l, "rss_vmm_kib"), list(l, "vm_rss_kib") >json
        printf "      \"kvm_exits\": %s,\n      \"kvm_io_exits\": %s,\n      \"kvm_mmio_exits\": %s}",
            list(l, "kvm_exits"), list(l, "io_exits"), list(l, "mmio_exits") >json
    }
    printf "\n  },\n  \"ratio_target\": %s,\n  \"ratios\": {", ratio_target >json
    sep = ""
    for (i = 1; i <= npairs; i++) {
        printf "%s\n    %s: {\"median\": %.3f, \"min\": %.3f, \"kernels\": %s, \"result\": %s}",
            sep, jstr(pa[i] "/" pq[i]), median(pa[i], "ms") / median(pq[i], "ms"),
            minimum(pa[i], "ms") / minimum(pq[i], "ms"),
            jstr(kernel_of(pa[i]) "/" kernel_of(pq[i])),
            jstr(verdict(median(pa[i], "ms") / median(pq[i], "ms") <= ratio_target)) >json
        sep = ","
    }
    printf "\n  },\n  \"vmm_start_ratios\": {" >json
    sep = ""
    for (l in start_ratio) {
        if (l == "start-iovm") continue
        printf "%s\n    %s: %.3f", sep, jstr("start-iovm/" l), start_ratio[l] >json
        sep = ","
    }
    printf "\n  },\n  \"headline\": %s,\n", jstr(headline) >json
    printf "  \"iovm_rss_vmm\": {\"median_kib\": %d, \"max_kib\": %d, \"target_kib\": %d, \"result\": %s},\n",
        median("iovm", "rss_vmm_kib"), maximum("iovm", "rss_vmm_kib"), rss_target,
        jstr(verdict(maximum("iovm", "rss_vmm_kib") < rss_target)) >json
    printf "  \"breakdown\": {" >json
    for (i = 1; i <= nbd; i++)
        printf "%s\n    %s: {\"ms\": %.1f, \"kernel_start_ms\": %.1f, \"kernel_to_init_ms\": %.1f}",
            (i > 1 ? "," : ""), jstr(bd[i]), bd_ms[bd[i]], bd_start[bd[i]], bd_kernel[bd[i]] >json
    printf "\n  },\n" >json
    printf "  \"iovm_setup_ms\": %s, \"iovm_load_ms\": %s,\n", setup_ms + 0, load_ms + 0 >json
    printf "  \"iovm_user_exits_by_device\": {" >json
    for (i = 1; i <= dev_n; i++)
        printf "%s%s: %d", (i > 1 ? ", " : ""), jstr(dev_name[i]), dev_count[i] >json
    printf "}\n}\n" >json
    close(json)
}

END {
    if (!count["iovm"]) { print "boot-report: no iovm boot measured" >"/dev/stderr"; exit 1 }
    print_header()
    print_table()
    headline = ""
    pairs()
    print_ratios()
    rss_max = maximum("iovm", "rss_vmm_kib")
    printf "  iovm RSS without guest RAM: %.1f MiB median, %.1f MiB max   target < %d MiB  %s",
        median("iovm", "rss_vmm_kib") / 1024, rss_max / 1024, rss_target / 1024,
        verdict(rss_max < rss_target)
    if (rss_max >= rss_target)
        printf ": %.1f MiB over", (rss_max - rss_target) / 1024
    printf "\n"
    print_start()
    print_breakdown()
    print_devices()
    write_json()
}
