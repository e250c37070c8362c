# SPDX-License-Identifier: LGPL-2.1-or-later
# A write into a driver that does not return (a driver stuck in remove),
# through a real libvirtd: the test build's hook makes the NIC's unbind
# wait on a FIFO when /run/vfiohook-test.fault says block-write=...; the
# write only goes to the kernel once the test opens that FIFO (the driver
# "returns").  virsh start fails at the write bound with a line naming the
# write and saying what to do; the journal marks the step in doubt;
# recover refuses while the write is in flight, and once it has returned
# (the real unbind then happens, late) gives the NIC back to e1000e.
# vm: systemd

FIFO=/run/vfiohook-test.release
BOUND_MS=5000
before=$(snapshot)
check "libvirtd starts with the hook" start_libvirtd
ini stuck <<INI
[devices]
passthrough = $NIC2
write_ms = $BOUND_MS
INI
check "define a domain with a NIC" domain stuck $NIC2
# what a start failing at once costs here (libvirtd, the hook's prepare,
# stopped and release): the baseline the stuck start is measured against
echo "fail-at=1" > /run/vfiohook-test.fault
t0=$(date +%s%N)
refuse "virsh start failing at once (the baseline)" virsh start stuck
base=$((($(date +%s%N) - t0) / 1000000))
echo "measured: a start failing at once takes $base ms"

mkfifo $FIFO
echo "block-write=bus/pci/drivers/e1000e/unbind" > /run/vfiohook-test.fault
t0=$(date +%s%N)
refuse "virsh start while the NIC's unbind does not return" virsh start stuck
ms=$((($(date +%s%N) - t0) / 1000000))
echo "measured: virsh start failed after $ms ms (write bound $BOUND_MS ms)"
has "the error names the stuck write and the bound" "$LAST_OUT" \
	"writing $NIC2 to /sys/bus/pci/drivers/e1000e/unbind did not return within 5 s (the write bound): the driver is stuck in remove"
has "and says what to do" "$LAST_OUT" "run 'vfiohook recover stuck' once the write has returned"
check "the start failed at the bound: ${ms} ms = baseline $base ms + $((ms - base)) ms" \
	test $((ms - base)) -ge $((BOUND_MS - 1000)) -a $((ms - base)) -lt $((BOUND_MS + 5000))
hooklog | grep -E "in doubt after|stuck (stopped|release)" | tail -3
same "$NIC2 is still on e1000e" "$(drv $NIC2)" e1000e
writer=$(journal_of stuck | sed -n 's/^doubt [0-9]* pid=\([0-9]*\) start=[0-9]*$/\1/p')
check "the journal marks the step in doubt, naming the writer ($writer)" test -n "$writer"
check "the writer still waits in the write" kill -0 "$writer"
# its one descriptor: the write end of the pipe the hook waited on
same "it holds one descriptor, fd 0" "$(ls /proc/$writer/fd)" 0
pipe=$(readlink /proc/$writer/fd/0)
has "fd 0 is the writer's own pipe" "$pipe" "pipe:["
same "nothing of libvirt's or the hook's: no other process holds that pipe" \
	"$(for f in /proc/[0-9]*/fd/*; do [ "$(readlink $f 2>/dev/null)" = "$pipe" ] && echo "${f%/fd/*}"; done)" "/proc/$writer"
check "vfiohook status shows the step in doubt" sh -c "$VFIOHOOK status stuck | grep -q ' doubt '"
t0=$(date +%s%N)
$VFIOHOOK status stuck > /dev/null
base2=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
refuse "vfiohook recover while the write is in flight" $VFIOHOOK recover stuck
ms2=$((($(date +%s%N) - t0) / 1000000))
has "it says the write has not returned" "$LAST_OUT" "its write to the kernel has not returned yet (process $writer"
check "and says so at once, without waiting the bound (${ms2} ms; vfiohook status: $base2 ms)" \
	test $ms2 -lt $((base2 + BOUND_MS / 2))
check "the journal is kept" test -e /run/vfiohook/stuck/journal

# the driver returns: the write reaches the kernel, late
: > $FIFO
check "the writer ends" timeout 30 tail --pid="$writer" -f /dev/null
same "the late unbind took effect" "$(drv $NIC2)" -
check "vfiohook recover" $VFIOHOOK recover stuck
same "$NIC2 is back on e1000e" "$(drv $NIC2)" e1000e
refuse "no journal is left" test -e /run/vfiohook/stuck
rm -f /run/vfiohook-test.fault $FIFO
same "the host is as before" "$(snapshot)" "$before"
check "without the fault virsh start works" virsh start stuck
same "$NIC2 is on vfio-pci" "$(drv $NIC2)" vfio-pci
check "virsh destroy" virsh destroy stuck
same "the host is as before at the end" "$(snapshot)" "$before"
