# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo (`make demo` streams it; the real-kernel tier runs it as a test:
# every line it shows is checked).  In a systemd guest with a real libvirtd:
# `make install` of the release build, the daemon reloaded as install asks,
# then the main job through the installed hook: a domain with the GPU-like
# VGA (+ its audio function, same IOMMU group), 64 MiB of hugepages and its
# vCPU on CPU 1, two-GPU style (the second display stays with the host).
# Shown: the plan, each step with its time, drivers, hugepages and CPUs
# before, during and after, `vfiohook status` while it runs, the journal
# gone after, and the hook's history in the systemd journal.  Single-GPU
# style is the demo's second part, in a guest with one display:
# t-demo-single.sh.
# vm: systemd second-gpu
# vm-timeout: 1200

. "$VFH_TREE/tests/vm/demo-lib.sh"

say "vfiohook demo: a QEMU/TCG guest (systemd, libvirtd $(libvirtd --version | awk '{ print $NF }'), kernel $(uname -r))"
echo "    a GPU-like VGA and its audio function share one IOMMU group; a second display stays with the host"
drivers
same "the GPU and its audio function share one IOMMU group" "$(grp $AUDIO)" "$(grp $GPU)"

install_release

say "two-GPU style: domain win11 gets the VGA (managed hostdev), 64 MiB of hugepages, its vCPU on CPU 1"
xdomain win11 "<memoryBacking><hugepages/></memoryBacking><numatune><memory mode='strict' nodeset='0'/></numatune><cputune><vcpupin vcpu='0' cpuset='1'/></cputune>" \
	"<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x$(echo $GPU | cut -d: -f2)' slot='0x$(echo $GPU | cut -d: -f3 | cut -d. -f1)' function='0x0'/></source></hostdev>"
ini win11 <<INI
[devices]
passthrough = auto
[memory]
hugepages = auto
[cpus]
isolate = auto
INI
echo "    /etc/libvirt/hooks/vfiohook/win11.ini:"; sed 's/^/      /' /etc/libvirt/hooks/vfiohook/win11.ini
before=$(host_state) res_before=$(host_res)
echo "    before:"; drivers; echo "$res_before"
run "vfiohook plan win11" vfiohook plan win11 --xml /tmp/win11.xml
nsteps=$(echo "$LAST_OUT" | sed -n 's/.*would take \([0-9]*\) steps.*/\1/p')
has "the plan binds the audio function too" "$LAST_OUT" "$AUDIO to vfio-pci"
has "the plan reserves the hugepages" "$LAST_OUT" "reserve 32 hugepages"
timed "virsh start win11 (through the installed hook)" virsh start win11
same "win11 runs" "$(state win11)" running
echo "    during:"; drivers; host_res
same "$GPU on vfio-pci" "$(drv $GPU)" vfio-pci
same "$AUDIO (not in the XML: same group) on vfio-pci" "$(drv $AUDIO)" vfio-pci
same "32 hugepages reserved for it" "$(cat $HP)" 32
same "host work kept off CPU 1 (system.slice)" "$(cg_file system.slice cpuset.cpus.effective)" 0
run "vfiohook status" vfiohook status
has "status shows win11's journal" "$LAST_OUT" "win11"
say "each step, with its time (journalctl -t vfiohook VFIOHOOK_DOMAIN=win11, lines with DURATION_MS)"
steps win11
has "journald has win11's steps" "$(hist win11)" "win11 prepare: step 1/"
same "journald: each of the $nsteps prepare steps has VFIOHOOK_PHASE, STEP and DURATION_MS" \
	"$(fields win11 | awk '$1 == "prepare" && $2 >= 1 && $3 ~ /^[0-9]+\.[0-9]$/' | wc -l)" "$nsteps"
timed "virsh destroy win11" virsh destroy win11
echo "    after:"; drivers; host_res
same "drivers, overrides, consoles: as before" "$(host_state)" "$before"
same "hugepages, CPUs, workqueues: as before" "$(host_res)" "$res_before"
refuse "win11's journal is gone" test -e /run/vfiohook/win11
say "release, step by step"
steps win11 release
same "journald: each of the $nsteps undo steps of release has STEP and DURATION_MS" \
	"$(fields win11 | awk '$1 == "release" && $2 >= 1 && $3 ~ /^[0-9]+\.[0-9]$/' | wc -l)" "$nsteps"

say "done: journalctl -t vfiohook VFIOHOOK_DOMAIN=NAME is one VM's history"
