# SPDX-License-Identifier: LGPL-2.1-or-later
# Host memory through a real libvirtd on a two-node guest: a domain backed
# by 2 MiB hugepages on node 1 cannot start without the hook (no free
# pages); with it, node 1's pool grows by exactly the domain's pages while
# it runs and shrinks back after, a boot-time reservation is never lowered,
# and two such domains interleaved keep the per-node counts exact; an
# INI's page count, and pages kept after a stop (hugepages = keep).  The
# Looking Glass file: /dev/shm/NAME with the INI's owner, group, mode and
# the XML's size while QEMU maps it, gone after.
# vm: numa

HP=hugepages/hugepages-2048kB/nr_hugepages
N0=/sys/devices/system/node/node0/$HP N1=/sys/devices/system/node/node1/$HP
pools() { echo "node0=$(cat $N0) node1=$(cat $N1)"; }

# libvirt finds hugetlbfs mounts when the daemon starts
mkdir -p /dev/hugepages
check "mount a 2M hugetlbfs" mount -t hugetlbfs -o pagesize=2M hugetlbfs /dev/hugepages
sed -i 's|^#*hugetlbfs_mount = .*|hugetlbfs_mount = "/dev/hugepages"|' /etc/libvirt/qemu.conf
# a boot-time reservation on node 1 the hook must never lower
echo 8 > $N1
same "8 pages reserved on node 1 at 'boot'" "$(pools)" "node0=0 node1=8"
check "libvirtd starts with the hook" start_libvirtd

HUGE="<memoryBacking><hugepages/></memoryBacking><numatune><memory mode='strict' nodeset='1'/></numatune>"
check "define hp (64 MiB of 2M hugepages on node 1)" xdomain hp "$HUGE"
check "define hq (the same)" xdomain hq "$HUGE"

# without an INI file the hook leaves hp alone: QEMU finds 8 free pages of 32
refuse "without an INI file, virsh start hp fails (no free hugepages)" virsh start hp
same "the pools are untouched" "$(pools)" "node0=0 node1=8"
has "QEMU says it could not map its memory" "$LAST_OUT" "Cannot allocate memory"
refuse "hp is not running" test "$(state hp)" = running

ini hp <<INI
# the XML says it all
INI
ini hq <<INI
# the XML says it all
INI
check "vfiohook plan hp --xml" $VFIOHOOK plan hp --xml /tmp/hp.xml
has "the plan reserves 32 pages on node 1" "$LAST_OUT" "1. reserve 32 hugepages of 2048 kB on node 1 (8 before)"

check "with the hook, virsh start hp" virsh start hp
same "node 1 grew by exactly 32 pages, node 0 did not" "$(pools)" "node0=0 node1=40"
has "hp's journal holds the hugepages step" "$(journal_of hp)" "hugepages what=node1%2f2048kB captured=1 count=32 prior=8"
check "hp's QEMU maps hugetlbfs memory" sh -c "grep -q /dev/hugepages /proc/$(qemu_of hp)/maps"
check "virsh destroy hp" virsh destroy hp
same "the pools are exactly as before (the reservation kept)" "$(pools)" "node0=0 node1=8"
refuse "hp's journal is gone" test -e /run/vfiohook/hp

# interleaved: A start, B start, A destroy, B destroy
check "virsh start hp (A)" virsh start hp
same "A running: node1 = 8 + 32" "$(pools)" "node0=0 node1=40"
check "virsh start hq (B)" virsh start hq
same "A and B running: node1 = 8 + 64" "$(pools)" "node0=0 node1=72"
check "virsh destroy hp (A)" virsh destroy hp
same "B alone: node1 = 8 + 32" "$(pools)" "node0=0 node1=40"
same "B still runs" "$(state hq)" running
check "virsh destroy hq (B)" virsh destroy hq
same "both stopped: the pools as before" "$(pools)" "node0=0 node1=8"
refuse "no journal is left" sh -c "ls /run/vfiohook/hp /run/vfiohook/hq 2>/dev/null | grep -q ."

# ---- [memory] pages = N, and hugepages = keep
ini hp <<INI
[memory]
pages = 40
INI
check "virsh start hp with pages = 40" virsh start hp
same "node1 = 8 + 40, not + 32" "$(pools)" "node0=0 node1=48"
check "virsh destroy hp" virsh destroy hp
same "the pools as before" "$(pools)" "node0=0 node1=8"
ini hp <<INI
[memory]
hugepages = keep
INI
check "virsh start hp with hugepages = keep" virsh start hp
same "keep adds only what the 8 free pages lack: node1 = 32" "$(pools)" "node0=0 node1=32"
check "virsh destroy hp" virsh destroy hp
same "the 32 pages are kept after the stop" "$(pools)" "node0=0 node1=32"
refuse "hp's journal is gone all the same" test -e /run/vfiohook/hp
check "virsh start hp again" virsh start hp
same "the restart adds nothing" "$(pools)" "node0=0 node1=32"
check "virsh start hq (hugepages = auto) beside it" virsh start hq
same "hq adds its own 32" "$(pools)" "node0=0 node1=64"
check "virsh destroy hq" virsh destroy hq
same "hq takes back its own 32, hp's kept ones stay" "$(pools)" "node0=0 node1=32"
check "virsh destroy hp" virsh destroy hp
same "still kept" "$(pools)" "node0=0 node1=32"
echo 8 > $N1
same "given back by hand, as the man page says" "$(pools)" "node0=0 node1=8"

# ---- the Looking Glass file
echo 'lguser:x:1234:1234:LG client:/nonexistent:/bin/false' >> /etc/passwd
check "define lg with a 4M ivshmem-plain looking-glass" xdomain lg "" \
	"<shmem name='looking-glass'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>"
ini lg <<INI
[looking-glass]
owner = lguser
group = 0
mode = 0660
INI
refuse "no /dev/shm/looking-glass before" test -e /dev/shm/looking-glass
check "virsh start lg" virsh start lg
same "/dev/shm/looking-glass: size, owner, group, mode" \
	"$(stat -c '%s %u %g %a' /dev/shm/looking-glass 2>&1)" "4194304 1234 0 660"
check "lg's QEMU maps it" sh -c "grep -q /dev/shm/looking-glass /proc/$(qemu_of lg)/maps"
has "lg's journal holds the shm-file step" "$(journal_of lg)" "shm-file"
check "virsh destroy lg" virsh destroy lg
refuse "/dev/shm/looking-glass is gone" test -e /dev/shm/looking-glass
refuse "lg's journal is gone" test -e /run/vfiohook/lg
same "the pools are still as before" "$(pools)" "node0=0 node1=8"
