# SPDX-License-Identifier: LGPL-2.1-or-later
# Soak: two domains started and destroyed through a real libvirtd, over and
# over, in both orders -- "sgpu" takes the host's only GPU single-GPU style
# (display manager stopped, console and module let go), "nic" takes a NIC
# with hugepages on node 1 and CPU 3 isolated.  Every cycle runs A start,
# B start, A destroy, B destroy, then B start, A start, B destroy, A
# destroy; every third cycle (from the first) injects a failure or a
# SIGKILL into one domain's prepare first, every fourth (from the first)
# restarts libvirtd while both run.  After every
# cycle the host must be exactly as before: driver links and overrides,
# vtconsoles, /dev/vfio, loaded modules, the display manager, per-node
# hugepages, the slices' cpusets and AllowedCPUs, IRQ affinities and the
# kernel masks, /dev/shm, and no journal left.
#
# Cycles: vfh.soak=N on the guest's command line (VFH_SOAK_CYCLES; `make
# soak` asks 200), else 1 (what `make check` runs: a fault, both orders
# and a libvirtd restart, every cycle's kind of event once).
# vm: systemd numa
# vm-timeout: 1200

cycles=$(arg vfh.soak); cycles=${cycles:-1}
SL="system.slice user.slice init.scope"

display_manager
mkdir -p /dev/hugepages
mount -t hugetlbfs -o pagesize=2M hugetlbfs /dev/hugepages
sed -i 's|^#*hugetlbfs_mount = .*|hugetlbfs_mount = "/dev/hugepages"|' /etc/libvirt/qemu.conf
# vfio-pci stays loaded once a device used it: load it before looking
modprobe vfio-pci

# what the host must be after every cycle; IRQ numbers apart (irqs())
host() {
	snapshot
	echo "display-manager $(systemctl is-active display-manager.service)"
	echo "modules $(cut -d' ' -f1 /proc/modules | sort | tr '\n' ' ')"
	echo "hugepages $(cat /sys/devices/system/node/node*/hugepages/hugepages-2048kB/nr_hugepages | tr '\n' ' ')"
	for s in $SL; do echo "$s $(cg_file $s cpuset.cpus) $(cg_file $s cpuset.cpus.effective)"; done
	systemctl show -p AllowedCPUs $SL
	echo "default $(cat /proc/irq/default_smp_affinity)"
	echo "workqueue $(cat /sys/devices/virtual/workqueue/cpumask)"
	echo "writeback $(cat /sys/bus/workqueue/devices/writeback/cpumask)"
	echo "shm $(ls /dev/shm | tr '\n' ' ')"
	echo "journals $(ls /run/vfiohook 2>/dev/null | grep -v '^lock$' | tr '\n' ' ')"
}
# every IRQ's affinity: a device given back may get new MSI vectors, so
# these are compared from the first full cycle on
irqs() { for _d in /proc/irq/[0-9]*; do echo "${_d##*/} $(cat $_d/smp_affinity_list)"; done | sort -n; }

hostdev() {
	_b=$(echo $1 | cut -d: -f2); _s=$(echo $1 | cut -d: -f3 | cut -d. -f1); _f=${1##*.}
	echo "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x$_b' slot='0x$_s' function='0x$_f'/></source></hostdev>"
}

before=$(host)
check "libvirtd starts with the hook" start_libvirtd
check "define sgpu (the only GPU, with its audio function)" domain sgpu $GPU $AUDIO
ini sgpu <<INI
[devices]
passthrough = auto
[single-gpu]
stop_units = display-manager.service
unload_modules = bochs
INI
check "define nic (a NIC, 64 MiB of hugepages on node 1, vCPU on CPU 3)" xdomain nic \
	"<cputune><vcpupin vcpu='0' cpuset='3'/></cputune><memoryBacking><hugepages/></memoryBacking><numatune><memory mode='strict' nodeset='1'/></numatune>" \
	"$(hostdev $NIC2)"
ini nic <<INI
[devices]
passthrough = auto
[cpus]
isolate = auto
INI

lost=0 faults=0 slowest=0 slowest_at=0
# step NAME CMD...: a cycle's step; a failure counts as lost
step() {
	_n=$1; shift
	if ! _o=$("$@" 2>&1); then
		lost=$((lost + 1)); fail "cycle $c: $_n" "$(echo "$_o" | tail -2 | tr '\n' ' ')"
	fi
}
expect() {
	if [ "$2" != "$3" ]; then
		lost=$((lost + 1)); same "cycle $c: $1" "$2" "$3"
	fi
}
running() { [ "$(state $1)" = running ]; }

# a fault in cycles 1, 4, 7...: over the kinds of both domains, a failure
# at apply, then (next time) a SIGKILL right after it
kinds="unit-stop:sgpu vtcon-unbind:sgpu pci-bind:sgpu module-unload:sgpu hugepages:nic cpu-isolate:nic cpumask:nic pci-bind:nic"
nth() { echo $kinds | tr ' ' '\n' | sed -n "$(( ($1 % $(echo $kinds | wc -w)) + 1 ))p"; }

c=1 irq_base=
while [ $c -le $cycles ]; do
	t0=$(date +%s)
	if [ $(( (c - 1) % 3)) -eq 0 ]; then
		k=$(nth $(( (c - 1) / 3))) kind=${k%%:*} dom=${k##*:}
		if [ $(( (c - 1) / 3 % 2)) -eq 0 ]; then fault="fail-apply=$kind"; else fault="kill-after=$kind"; fi
		echo "$fault" > /run/vfiohook-test.fault
		faults=$((faults + 1))
		if virsh start $dom > /tmp/fault.out 2>&1; then
			lost=$((lost + 1)); fail "cycle $c: $fault: virsh start $dom succeeded"
			virsh destroy $dom > /dev/null 2>&1
		fi
		rm -f /run/vfiohook-test.fault
		expect "$fault into $dom: the host as before" "$(host)" "$before"
	fi
	# A then B, A out first
	step "virsh start sgpu" virsh start sgpu
	step "virsh start nic" virsh start nic
	if [ $((c % 4)) -eq 1 ]; then
		step "libvirtd restarts while both run" start_libvirtd_only
		step "sgpu still runs after the restart" running sgpu
		step "nic still runs after the restart" running nic
	fi
	expect "GPU on vfio-pci while sgpu runs" "$(drv $GPU)" vfio-pci
	expect "NIC on vfio-pci while nic runs" "$(drv $NIC2)" vfio-pci
	step "virsh destroy sgpu" virsh destroy sgpu
	step "virsh destroy nic" virsh destroy nic
	expect "after A, B / A, B: the host as before" "$(host)" "$before"
	# B then A, B out first
	step "virsh start nic (B first)" virsh start nic
	step "virsh start sgpu" virsh start sgpu
	step "virsh destroy nic" virsh destroy nic
	step "virsh destroy sgpu" virsh destroy sgpu
	expect "after B, A / B, A: the host as before" "$(host)" "$before"
	if [ -z "$irq_base" ]; then irq_base=$(irqs); else expect "IRQ affinities as after cycle 1" "$(irqs)" "$irq_base"; fi
	dt=$(( $(date +%s) - t0 ))
	[ $dt -gt $slowest ] && slowest=$dt slowest_at=$c
	echo "soak: cycle $c done in $dt s (lost so far: $lost)"
	c=$((c + 1))
done
# races: hooks for two domains at once.  nic and race want CPU 3: exactly
# one runs, the other's start fails naming the winner; race and race2 both
# want hugepages on node 1 (different CPUs): both run, the pool exact.
xdomain race "<cputune><vcpupin vcpu='0' cpuset='3'/></cputune><memoryBacking><hugepages/></memoryBacking><numatune><memory mode='strict' nodeset='1'/></numatune>"
xdomain race2 "<cputune><vcpupin vcpu='0' cpuset='2'/></cputune><memoryBacking><hugepages/></memoryBacking><numatune><memory mode='strict' nodeset='1'/></numatune>"
for d in race race2; do ini $d <<INI
[cpus]
isolate = auto
INI
done
pages_before=$(cat /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages)
virsh start nic > /tmp/race-nic.out 2>&1 & p1=$!
virsh start race > /tmp/race-race.out 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
same "race for CPU 3: exactly one start succeeds" "$(( (r1 == 0) + (r2 == 0) ))" 1
has "the loser is told who holds CPU 3" "$(cat /tmp/race-nic.out /tmp/race-race.out)" "isolated for domain"
if [ $r1 -eq 0 ]; then winner=nic; else winner=race; fi
same "only the winner runs" "$(virsh -q list --name | grep . | tr '\n' ' ')" "$winner "
virsh destroy nic > /dev/null 2>&1; virsh destroy race > /dev/null 2>&1
same "after the CPU race: the host as before" "$(host)" "$before"
virsh start race > /tmp/race-1.out 2>&1 & p1=$!
virsh start race2 > /tmp/race-2.out 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
same "race for node 1's pool: both start" "$r1 $r2" "0 0"
same "the pool grew by both domains' pages" \
	"$(cat /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages)" "$((pages_before + 64))"
check "virsh destroy race" virsh destroy race
check "virsh destroy race2" virsh destroy race2
same "after the pool race: the host as before" "$(host)" "$before"

same "soak: $cycles cycles, $faults faults injected, 0 lost (slowest cycle: $slowest s, cycle $slowest_at)" "$lost" 0
same "soak: the host as before at the end" "$(host)" "$before"
