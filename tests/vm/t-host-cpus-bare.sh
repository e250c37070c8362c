# SPDX-License-Identifier: LGPL-2.1-or-later
# CPU isolation without systemd (cgroup v2 written directly) through a real
# libvirtd.  This guest's init runs everything in the root cgroup: the hook
# refuses to start, and says why, until the host's processes are in a
# top-level cgroup (/host here, as an init using cgroups would make);
# then /host's cpuset.cpus excludes the domain's CPUs while it runs and
# gives them back after (see below for what cannot be exactly as before).
# vm: numa

CG=/sys/fs/cgroup
check "libvirtd starts with the hook" start_libvirtd
xdomain iso "<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/></cputune>"
ini iso <<INI
[cpus]
isolate = auto
INI
refuse "every process in the root cgroup: virsh start is refused" virsh start iso
has "virsh says why" "$LAST_OUT" "this host has none (its processes are in the root cgroup)"
refuse "iso is not running" test "$(state iso)" = running

# as an init using cgroups would: every process that can move, in /host
mkdir $CG/host
for p in $(cat $CG/cgroup.procs); do echo $p > $CG/host/cgroup.procs 2>/dev/null; done
same "only kernel threads are left in the root cgroup" \
	"$(for p in $(cat $CG/cgroup.procs); do read -r st < /proc/$p/stat; set -- ${st##*) }; [ $(( $7 & 0x200000 )) -ne 0 ] || echo $p; done)" ""
# strays_not_all CGROUP: its tasks not allowed on every online CPU
strays_not_all() {
	for p in $(cat $CG$1/cgroup.procs); do
		l=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/$p/status 2>/dev/null)
		[ -z "$l" ] || [ "$l" = "$(cat /sys/devices/system/cpu/online)" ] || echo "$p [$l]"
	done
}
host_cg() {
	echo "root subtree_control: $(cat $CG/cgroup.subtree_control)"
	echo "host cgroup cpuset.cpus: $(cg_file host cpuset.cpus)"
	echo "host cgroup cpuset.cpus.effective: $(cg_file host cpuset.cpus.effective)"
	irqs_now
}
before=$(host_cg)
echo "before: $before"

check "virsh start iso (vCPUs pinned to 2 and 3)" virsh start iso
same "/host's cpuset.cpus" "$(cg_file host cpuset.cpus)" 0-1
same "/host's cpuset.cpus.effective" "$(cg_file host cpuset.cpus.effective)" 0-1
same "no task outside /machine may run on 2-3" "$(strays "2 3" /machine)" ""
q=$(qemu_of iso)
vcpus=$(for t in /proc/$q/task/*; do case $(cat $t/comm) in CPU*) sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' $t/status ;; esac; done | sort | tr '\n' ' ')
same "QEMU's vCPU threads run on 2 and 3" "$vcpus" "2 3 "
same "no movable IRQ may go to 2-3" "$(irq_strays "2 3" iso)" ""
echo "refused IRQs: $(cat /tmp/irq-refused 2>/dev/null)"
same "unbound workqueues avoid 2-3" "$(wq_mask workqueue)" "0 1 "
has "the journal holds /host" "$(journal_of iso)" "cpu-isolate what=cgroup:host"
check "virsh destroy iso" virsh destroy iso
echo "after: $(host_cg)"; hooklog | grep -i 'cgroup\|cpuset'
same "IRQs, workqueues: exactly as before" "$(irqs_now)" "$(echo "$before" | grep -v '^root\|^host')"
# The root's cgroup.subtree_control cannot be as before: libvirt's own
# /machine enabled cpu, io, memory there and passes cpuset on to its VMs
# (taking it away is -EBUSY); and Linux 6.1 refuses to empty cpuset.cpus
# of a cgroup with tasks (-ENOSPC).  The hook leaves cpuset on and gives
# /host all of its parent's CPUs: what it had.
same "/host's cpuset.cpus: all CPUs again" "$(cg_file host cpuset.cpus)" "0-3"
same "/host's cpuset.cpus.effective: all CPUs again" "$(cg_file host cpuset.cpus.effective)" "0-3"
same "no task in /host is kept off a CPU" "$(strays_not_all /host)" ""
has "cpuset stays on below the root only because libvirt's /machine uses it" \
	"$(cg_file machine cgroup.subtree_control)" cpuset
has "the hook said why" "$(hooklog)" "cgroup host: cpuset stays enabled below the root: another cgroup uses it now"
refuse "the journal is gone" test -e /run/vfiohook/iso

# the test's own setup undone: every process back in the root cgroup, /host
# gone (the next test in this guest starts from the guest as it booted)
for p in $(cat $CG/host/cgroup.procs); do echo $p > $CG/cgroup.procs 2>/dev/null; done
check "/host removed" rmdir $CG/host
