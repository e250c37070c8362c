# SPDX-License-Identifier: LGPL-2.1-or-later
# The vfiohook command on the real kernel with a real libvirtd: `groups`
# shows the kernel's IOMMU groups as /sys/kernel/iommu_groups has them;
# `check` flags a hook installed after libvirtd started (and passes once
# libvirtd restarted, or reloaded in a systemd guest), a world-writable INI file and a missing hugetlbfs;
# `check DOMAIN` reads the XML from libvirtd itself; `plan DOMAIN` lists
# exactly the steps the hook then journals on a real start.
# vm: second-gpu

before=$(snapshot)

# ---- groups against the kernel's own view
cli_pairs=$($VFIOHOOK groups | awk '/^group /{g=$2; sub(":", "", g)}
	/^  [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:/{print g, $1}' | sort)
sys_pairs=$(for g in /sys/kernel/iommu_groups/*; do
	for d in $g/devices/*; do echo "$(basename $g) $(basename $d)"; done; done | sort)
same "groups: every group and member as /sys/kernel/iommu_groups" "$cli_pairs" "$sys_pairs"
check "groups: at least one group" test -n "$sys_pairs"
has "groups: the GPU is marked" "$($VFIOHOOK groups)" "  $GPU "
has "groups: its audio function goes with it" "$($VFIOHOOK groups)" "with $GPU"
check "groups --json exits 0" sh -c "$VFIOHOOK groups --json > /tmp/groups.json"
has "groups --json names the GPU's group" "$(cat /tmp/groups.json)" "\"group\": $(grp $GPU),"

# ---- the host doctor: the hook and libvirtd's start
check "libvirtd starts with the hook" start_libvirtd
out=$($VFIOHOOK check)
has "check: the hook is installed" "$out" "ok    hook: installed: /etc/libvirt/hooks/qemu.d/vfiohook"
has "check: libvirtd started after it" "$out" "ok    libvirtd: started after the hook was installed"
# reinstalled while libvirtd runs: libvirtd keeps running the hooks it found
cp "$HOOK" /etc/libvirt/hooks/qemu.d/vfiohook.new
mv /etc/libvirt/hooks/qemu.d/vfiohook.new /etc/libvirt/hooks/qemu.d/vfiohook
refuse "check fails with a hook newer than libvirtd" $VFIOHOOK check
has "check: it says to reload libvirtd" "$($VFIOHOOK check)" "fix: systemctl reload libvirtd (or restart it: systemctl restart libvirtd)"
restart() { stop_libvirtd && start_libvirtd_only; }
check "libvirtd restarts" restart
refuse "check: no failure about the hook after the restart" sh -c "$VFIOHOOK check | grep -q '^fail  hook'"
# reinstalled again, then `systemctl reload libvirtd` (what make install
# RELOAD=yes does): the start time stays, check reads the reload from
# systemd's journal.  This guest is bare (no "systemd" on the vm: line: no
# systemd, no journald), so the reload case is asserted only in a systemd
# guest; here check still fails, with the reload fix.
cp "$HOOK" /etc/libvirt/hooks/qemu.d/vfiohook.new
mv /etc/libvirt/hooks/qemu.d/vfiohook.new /etc/libvirt/hooks/qemu.d/vfiohook
if [ "$VFH_INIT" = systemd ]; then
	check "libvirtd reloads" systemctl reload libvirtd.service
	has "check: libvirtd reloaded after the hook" "$($VFIOHOOK check)" "ok    libvirtd: reloaded after the hook was installed (at "
	refuse "check: no failure about the hook after the reload" sh -c "$VFIOHOOK check | grep -q '^fail  hook'"
else
	# (no journald: "no systemd journal readable to show a reload", unless
	# the image carries journal files, which hold no reload of this boot)
	has "check: still the reload fix (bare guest)" "$($VFIOHOOK check)" "fix: systemctl reload libvirtd (or restart it: systemctl restart libvirtd)"
	check "libvirtd restarts (bare guest: no reload through systemd)" restart
fi

# a world-writable INI file
ini gpu <<INI
[devices]
passthrough = auto
INI
chmod 666 /etc/libvirt/hooks/vfiohook/gpu.ini
has "check: a world-writable INI file fails" "$($VFIOHOOK check)" "fail  gpu.ini: group- or world-writable"
chmod 644 /etc/libvirt/hooks/vfiohook/gpu.ini
refuse "check: no failure about it once 0644" sh -c "$VFIOHOOK check | grep -q '^fail  gpu.ini'"

# hugetlbfs: mounted, then not (the mounts there before are put back)
had=$(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
mkdir -p /tmp/hp
mount -t hugetlbfs -o pagesize=2M none /tmp/hp
has "check: hugetlbfs mounted" "$($VFIOHOOK check)" "ok    hugepages 2M: hugetlbfs at"
for m in /tmp/hp $had; do umount $m; done
has "check: a missing hugetlbfs is flagged" "$($VFIOHOOK check)" "warn  hugepages 2M: no hugetlbfs mounted for this size"
for m in $had; do mount -t hugetlbfs none $m; done

# ---- a domain: its XML from libvirtd, its plan against what the hook journals
check "define a domain with the VGA as managed hostdev" domain gpu $GPU
out=$($VFIOHOOK check gpu 2>&1)
has "check gpu: the XML from libvirtd gives a plan" "$out" "gpu: this host can run its plan ("
same "check gpu: the same as with --xml" "$out" "$($VFIOHOOK check gpu --xml /tmp/gpu.xml 2>&1)"
has "check of a domain libvirt lacks says so" "$(ini nosuch </dev/null; $VFIOHOOK check nosuch 2>&1)" "libvirt has no domain 'nosuch'"
rm -f /etc/libvirt/hooks/vfiohook/nosuch.ini
plan=$($VFIOHOOK plan gpu | sed -n 's/^ *[0-9]*\. //p')
check "plan gpu lists steps" test -n "$plan"
check "virsh start gpu" virsh start gpu
journaled=$($VFIOHOOK status gpu | sed -n 's/^ *[0-9]*\. done    //p')
same "the hook journals exactly the planned steps" "$journaled" "$plan"
has "status shows what the domain holds" "$($VFIOHOOK status gpu)" "holds: pci $GPU, pci $AUDIO"
check "virsh destroy gpu" virsh destroy gpu
same "status: nothing held after destroy" "$($VFIOHOOK status gpu)" "gpu: no journal (nothing held)"
same "the host is as before" "$(snapshot)" "$before"
