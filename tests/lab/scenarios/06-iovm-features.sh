#!/bin/sh
# lab-timeout: 400
# The VMM core's options on a Linux guest: the split irqchip (user-space
# I/O APIC), hugetlbfs-backed RAM, NUMA binding, exit counters as JSON, and
# a guest that crashes the kernel ending iovm non-zero.
. /lab/lib.sh
plan 8

[ -x /opt/iovm/iovm ] || bail "no iovm in the lab"


# expect DESC STATUS PATTERN: exit status and a line matching PATTERN.
expect() {
    if [ "$ST" -eq "$2" ] && echo "$OUT" | tr -d '\r' | grep -qE -- "$3"; then
        pass "$1"
    else
        fail "$1" "exit status $ST (want $2), want /$3/ in:" "$(echo "$OUT" | tail -n 15)"
    fi
}

run_iovm --irqchip split --cpus 2 --exec 'grep -c processor /proc/cpuinfo; grep -E "^ *4:.*IO-APIC" /proc/interrupts'
expect "split irqchip: Linux boots on 2 vCPUs" 0 '^2$'
expect "split irqchip: the UART interrupt goes through the user-space I/O APIC" 0 '4:.*IO-APIC.*ttyS0'

echo 160 >/proc/sys/vm/nr_hugepages
free_before=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
run_iovm --mem 256M,hugepages=on --exec 'grep MemTotal /proc/meminfo'
expect "hugepages=on: a 256M guest boots from hugetlbfs" 0 'MemTotal'
free_after=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "$free_before" -ge 128 ] && [ "$free_after" = "$free_before" ]; then
    pass "hugepages are given back when the VM ends ($free_after free)"
else
    fail "hugepages are given back when the VM ends" "before $free_before, after $free_after"
fi
run_iovm --mem 1G,hugepages=on --exec true
expect "hugepages=on without enough pages: exit 2 with the fix" 2 'nr_hugepages'
echo 0 >/proc/sys/vm/nr_hugepages

run_iovm --numa-node 0 --exec 'echo numa-ok'
expect "--numa-node 0 binds and boots" 0 '^numa-ok$'

run_iovm --stats-file /tmp/stats.json --exec true
if [ "$ST" -eq 0 ] && grep -q '"io":' /tmp/stats.json && grep -q '"name": "uart16550"' /tmp/stats.json; then
    pass "--stats-file writes exit counters as JSON"
else
    fail "--stats-file writes exit counters as JSON" "status $ST" "$(cat /tmp/stats.json 2>&1 | head -20)"
fi

run_iovm --exec 'echo c > /proc/sysrq-trigger'
if [ "$ST" -ne 0 ] && [ "$ST" -ne 124 ]; then
    pass "a guest kernel panic ends iovm non-zero (status $ST)"
else
    fail "a guest kernel panic ends iovm non-zero" "status $ST" "$(echo "$OUT" | tail -n 5)"
fi
