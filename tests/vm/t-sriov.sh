# SPDX-License-Identifier: LGPL-2.1-or-later
# SR-IOV on the real kernel: QEMU's NVMe controller (boot --sriov) gives
# two virtual functions once sriov_numvfs is 2.  They sit in their PF's
# slot (03:00.1, 03:00.2) but each in its own IOMMU group.  A VF given as
# <interface type='hostdev'> (how VFs are handed to VMs, with managed
# omitted) or as a <hostdev> is bound alone and given back; the PF and the
# other VF are never touched; the PF itself is refused while its VFs
# exist (its driver would take them all away).
# vm: sriov

PF=$(dev 1b36:0010)
check "the NVMe controller offers 2 VFs" test "$(cat $D/$PF/sriov_totalvfs)" = 2
check "2 VFs enabled" sh -c "echo 2 > $D/$PF/sriov_numvfs"
settle
_l=$(readlink $D/$PF/virtfn0); VF1=${_l##*/}
_l=$(readlink $D/$PF/virtfn1); VF2=${_l##*/}
echo "PF=$PF VF1=$VF1 VF2=$VF2"
same "VF1 shares its PF's slot" "${VF1%.*}" "${PF%.*}"
refuse "VF1 is in a group of its own" test "$(grp $VF1)" = "$(grp $PF)"
refuse "VF2 too" test "$(grp $VF2)" = "$(grp $VF1)"
before=$(snapshot)
pfdrv=$(drv $PF) vfdrv=$(drv $VF1)
check "libvirtd starts with the hook" start_libvirtd
ini sriov <<INI
[devices]
passthrough = auto
INI
addr_xml() {
	_b=$(echo $1 | cut -d: -f2); _s=$(echo $1 | cut -d: -f3 | cut -d. -f1); _f=${1##*.}
	echo "<address type='pci' domain='0x0000' bus='0x$_b' slot='0x$_s' function='0x$_f'/>"
}
IF="<interface type='hostdev'><source>$(addr_xml $VF1)</source><mac address='52:54:00:6d:90:02'/></interface>"
xdomain sriov "" "$IF"

# the hook as libvirt runs it, on the <interface type='hostdev'> form
check "prepare: the VF of <interface type='hostdev'>" sh -c "$HOOK sriov prepare begin - < /tmp/sriov.xml"
same "$VF1 on vfio-pci" "$(drv $VF1)" vfio-pci
same "$PF still on $pfdrv" "$(drv $PF)" "$pfdrv"
same "$VF2 untouched" "$(drv $VF2) $(ovr $VF2)" "$vfdrv -"
same "the PF keeps its 2 VFs" "$(cat $D/$PF/sriov_numvfs)" 2
has "the journal binds the VF" "$(journal_of sriov)" "pci-bind what=$VF1"
refuse "and nothing of the PF" sh -c "journal_of() { cat /run/vfiohook/\$1/journal; }; journal_of sriov | grep -q 'what=$PF'"
same "the kernel finds the VF's group viable" "$($KSTATUS /dev/vfio/$(grp $VF1))" viable
check "release" sh -c "$HOOK sriov release end - < /tmp/sriov.xml"
same "the host is as before" "$(snapshot)" "$before"

# libvirtd starting it: libvirt sets a MAC on a network VF; an NVMe VF has
# no network PF, so libvirt itself may refuse: either way the hook's
# prepare ran first and the host ends as before
virsh start sriov > /tmp/start.out 2>&1; rc=$?
echo "virsh start sriov (interface): rc=$rc: $(cat /tmp/start.out)"
[ $rc -eq 0 ] && virsh destroy sriov
same "after libvirtd's start (rc $rc) and stop: the host is as before" "$(snapshot)" "$before"
refuse "no journal left" test -e /run/vfiohook/sriov/journal

# the other VF as a managed <hostdev>: a domain runs with it
xdomain vf2 "" "<hostdev mode='subsystem' type='pci' managed='yes'><source>$(addr_xml $VF2)</source></hostdev>"
ini vf2 <<INI
[devices]
passthrough = auto
INI
check "virsh start vf2 (a VF as <hostdev>)" virsh start vf2
same "vf2 runs" "$(state vf2)" running
same "$VF2 on vfio-pci" "$(drv $VF2)" vfio-pci
check "its QEMU holds the VF's group" sh -c "ls -l /proc/$(qemu_of vf2)/fd | grep -q /dev/vfio/$(grp $VF2)"
same "$PF still on $pfdrv while it runs" "$(drv $PF)" "$pfdrv"
check "virsh destroy vf2" virsh destroy vf2
same "the host is as before after vf2" "$(snapshot)" "$before"

# the PF itself: refused while its VFs exist, nothing changed
xdomain pf "" "<hostdev mode='subsystem' type='pci' managed='yes'><source>$(addr_xml $PF)</source></hostdev>"
ini pf <<INI
[devices]
passthrough = auto
INI
refuse "virsh start pf (the PF, VFs enabled) is refused" virsh start pf
has "the refusal says why" "$LAST_OUT" "SR-IOV physical function with 2 virtual functions enabled"
same "the PF keeps its VFs" "$(cat $D/$PF/sriov_numvfs)" 2
same "the host is as before the refusal" "$(snapshot)" "$before"

check "VFs disabled again" sh -c "echo 0 > $D/$PF/sriov_numvfs"
