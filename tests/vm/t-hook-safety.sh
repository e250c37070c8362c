# SPDX-License-Identifier: LGPL-2.1-or-later
# What the hook refuses to take, and how it lives with libvirt: the host's
# only display without [single-gpu], the controller of the mounted root,
# the default-route NIC, a device another running domain holds, a suspend
# reset on a host without S3; a libvirtd restart (reconnect) leaves a
# running VM alone.
# vm:

before=$(snapshot)
check "libvirtd starts with the hook" start_libvirtd

# expect_refused NAME DOMAIN TEXT
expect_refused() {
	_out=$(virsh start $2 2>&1)
	case "$_out" in
	*"$3"*) pass "$1" ;;
	*) fail "$1" "$(echo "$_out" | tail -2 | tr '\n' ' ')" ;;
	esac
	same "$1: the host is untouched" "$(snapshot)" "$before"
	same "$1: $2 is not running" "$(state $2)" "shut off"
}

ini vga <<INI
[devices]
passthrough = auto
INI
domain vga $GPU
expect_refused "the only boot display without [single-gpu]" vga "is the host's boot display and no other GPU would be left; add a [single-gpu] section"

root9p=$(for v in /sys/bus/virtio/devices/virtio*; do [ "$(cat $v/mount_tag 2>/dev/null)" = hostroot ] && basename $(readlink -f $v/..); done)
check "the root file system's virtio device is found ($root9p)" test -n "$root9p"
ini rootdev <<INI
[devices]
passthrough = auto
INI
domain rootdev $root9p
expect_refused "the controller of the mounted root" rootdev "the host needs it (mounted /)"

nicif=$(ls /sys/bus/pci/devices/$NIC1/net/)
ip link set $nicif up && ip route add default dev $nicif
check "a default route via $nicif ($NIC1)" sh -c "ip route | grep -q 'default dev $nicif'"
ini routed <<INI
[devices]
passthrough = $NIC1
INI
domain routed
expect_refused "the default-route NIC" routed "the host needs it (default route via $nicif)"
ip route del default dev $nicif

ini a <<INI
[devices]
passthrough = auto
reset = auto
INI
ini b <<INI
[devices]
passthrough = auto
INI
domain a $NIC2
domain b $NIC2
check "domain a starts with $NIC2" virsh start a
running=$(snapshot)
_out=$(virsh start b 2>&1)
has "domain b is refused $NIC2, held by a" "$_out" "is held by domain 'a'"
same "domain a's devices are untouched by b's refusal" "$(snapshot)" "$running"

# libvirtd restarts: reconnect must not disturb the running VM
pid=$(pgrep -f 'guest=a' | head -1)
stop_libvirtd
check "libvirtd restarts" start_libvirtd
same "domain a still runs after reconnect" "$(state a)" running
same "the same QEMU process" "$(pgrep -f 'guest=a' | head -1)" "$pid"
same "$NIC2 still on vfio-pci" "$(drv $NIC2)" vfio-pci
has "reconnect found the journal consistent" "$(hooklog)" "a reconnect: journal consistent"
check "virsh destroy a" virsh destroy a
same "the host is as before" "$(snapshot)" "$before"
has "the function reset ran at stopped, before release" "$(hooklog)" "a stopped: undo step 2 (function reset of $NIC2 before release): done"

# two domains wanting the same NIC, started at the same moment: the lock
# serialises their hooks, one gets it, the other is told who holds it
virsh start a > /tmp/a.out 2>&1 & pa=$!
virsh start b > /tmp/b.out 2>&1 & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
same "racing starts: exactly one succeeds" "$((ra + rb == 1 ? 1 : 0)) $(( (ra == 0) + (rb == 0) ))" "1 1"
loser=$([ $ra -ne 0 ] && echo a || echo b) winner=$([ $ra -eq 0 ] && echo a || echo b)
has "racing starts: the other is told who holds $NIC2" "$(cat /tmp/$loser.out)" "is held by domain '$winner'"
same "racing starts: the winner runs" "$(state $winner)" running
check "racing starts: destroy the winner" virsh destroy $winner
same "racing starts: the host is as before" "$(snapshot)" "$before"

# a suspend reset on a host without S3 is refused at prepare
ini s3 <<INI
[devices]
passthrough = auto
reset = suspend
INI
domain s3 $NIC2
echo "[s2idle]" > /tmp/mem_sleep; mount --bind /tmp/mem_sleep /sys/power/mem_sleep
expect_refused "reset = suspend without S3" s3 "cannot suspend to RAM (no 'deep' in /sys/power/mem_sleep)"
umount /sys/power/mem_sleep
