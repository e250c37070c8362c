# SPDX-License-Identifier: LGPL-2.1-or-later
# CPU isolation under systemd and a real libvirtd, on a guest of 4 CPUs:
# while a domain pinned to CPUs 2-3 runs, system.slice, user.slice and
# init.scope may only use 0-1 (AllowedCPUs set at runtime over the bus),
# no task outside machine.slice may run on 2-3, the movable IRQs and the
# unbound workqueues are off them; after, all of it is exactly as before.
# Two domains on CPUs 2 and 3: each one's CPU comes back when it stops.
# Kernel threads are left out of the task check (per-CPU workers; the
# shared ones follow the workqueue and IRQ masks, checked apart); IRQs the
# kernel refuses to move (per-CPU, managed) must be the ones the hook
# logged as such.
# vm: systemd numa

SL="system.slice user.slice init.scope"
# the state isolation changes (and rt_runtime = unlimited), and must
# leave as it found it
host_cpus() {
	for s in $SL; do echo "$s $(cg_file $s cpuset.cpus) $(cg_file $s cpuset.cpus.effective)"; done
	systemctl show -p AllowedCPUs $SL
	irqs_now
}
effective() { for s in $SL; do [ -d /sys/fs/cgroup/$s ] && echo "$s $(cg_file $s cpuset.cpus.effective)"; done; }
want_eff() { for s in $SL; do [ -d /sys/fs/cgroup/$s ] && echo "$s $1"; done; }

check "libvirtd starts with the hook" start_libvirtd
same "4 CPUs online" "$(cat /sys/devices/system/cpu/online)" 0-3
before=$(host_cpus)
echo "before: $before"

xdomain iso "<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/></cputune>"
ini iso <<INI
[cpus]
isolate = auto
rt_runtime = unlimited
INI
check "virsh start iso (vCPUs pinned to 2 and 3)" virsh start iso
same "the slices may only use 0-1" "$(effective)" "$(want_eff 0-1)"
same "systemd: AllowedCPUs of system.slice" "$(systemctl show -p AllowedCPUs system.slice)" "AllowedCPUs=0-1"
same "systemd: AllowedCPUs of init.scope" "$(systemctl show -p AllowedCPUs init.scope)" "AllowedCPUs=0-1"
same "no task outside machine.slice may run on 2-3" "$(strays "2 3" /machine.slice)" ""
q=$(qemu_of iso)
vcpus=$(for t in /proc/$q/task/*; do case $(cat $t/comm) in CPU*) sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' $t/status ;; esac; done | sort | tr '\n' ' ')
same "QEMU's vCPU threads run on 2 and 3 (no affinity inherited from libvirtd)" "$vcpus" "2 3 "
same "no movable IRQ may go to 2-3" "$(irq_strays "2 3" iso)" ""
echo "refused IRQs: $(cat /tmp/irq-refused 2>/dev/null)"
same "new IRQs avoid 2-3 (default_smp_affinity)" "$(cat /proc/irq/default_smp_affinity)" 3
same "unbound workqueues avoid 2-3" "$(wq_mask workqueue)" "0 1 "
same "writeback avoids 2-3" "$(wq_mask writeback)" "0 1 "
same "real-time throttling off (sched_rt_runtime_us)" "$(cat /proc/sys/kernel/sched_rt_runtime_us)" -1
has "the journal holds the slices" "$(journal_of iso)" "cpu-isolate what=system.slice"
check "virsh destroy iso" virsh destroy iso
same "slices, AllowedCPUs, IRQs, workqueues: exactly as before" "$(host_cpus)" "$before"
refuse "the journal is gone" test -e /run/vfiohook/iso

# two domains, one CPU each, interleaved
xdomain iso2 "<cputune><vcpupin vcpu='0' cpuset='2'/></cputune>"
xdomain iso3 "<cputune><vcpupin vcpu='0' cpuset='3'/></cputune>"
for d in iso2 iso3; do ini $d <<INI
[cpus]
isolate = auto
INI
done
check "virsh start iso2 (CPU 2)" virsh start iso2
same "iso2: the slices use 0-1,3" "$(effective)" "$(want_eff 0-1,3)"
check "virsh start iso3 (CPU 3)" virsh start iso3
same "iso2 and iso3: the slices use 0-1" "$(effective)" "$(want_eff 0-1)"
same "both: no task outside machine.slice on 2-3" "$(strays "2 3" /machine.slice)" ""
same "both: workqueues on 0-1" "$(wq_mask workqueue)" "0 1 "
xdomain iso3b "<cputune><vcpupin vcpu='0' cpuset='3'/></cputune>"
ini iso3b <<INI
[cpus]
isolate = auto
INI
refuse "a third domain on CPU 3 is refused" virsh start iso3b
has "it says which domain has CPU 3" "$LAST_OUT" "CPUs 3 are isolated for domain 'iso3' already"
same "the refused start changed nothing" "$(effective)" "$(want_eff 0-1)"
check "virsh destroy iso2" virsh destroy iso2
same "CPU 2 is back, 3 stays isolated" "$(effective)" "$(want_eff 0-2)"
same "AllowedCPUs of system.slice: 0-2" "$(systemctl show -p AllowedCPUs system.slice)" "AllowedCPUs=0-2"
same "no task outside machine.slice on 3" "$(strays 3 /machine.slice)" ""
same "workqueues on 0-2" "$(wq_mask workqueue)" "0 1 2 "
same "iso3 still runs" "$(state iso3)" running
check "virsh destroy iso3" virsh destroy iso3
same "both stopped: exactly as before" "$(host_cpus)" "$before"
refuse "no journal is left" sh -c "ls /run/vfiohook/iso2 /run/vfiohook/iso3 2>/dev/null | grep -q ."
