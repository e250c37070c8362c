# SPDX-License-Identifier: LGPL-2.1-or-later
# Upgrading vfiohook while a VM runs: the domain is started by the 0.1.0
# hook (built from git, journal version 1), the hook file is replaced the
# way a package upgrade replaces it, and destroy runs the new hook, which
# must read the old journal and give everything back.
# vm: second-gpu

OLD=$VFH_BUILD/v0.1.0/hooks/vfiohook-qemu
before=$(snapshot)
check "the 0.1.0 hook was built from git" test -x "$OLD"
NEW=$HOOK HOOK=$OLD
check "libvirtd starts with the 0.1.0 hook in qemu.d" start_libvirtd
HOOK=$NEW
ini gpu <<INI
[devices]
passthrough = auto
INI
check "define a domain with the VGA as managed hostdev" domain gpu $GPU
check "virsh start gpu under 0.1.0" virsh start gpu
same "$GPU on vfio-pci" "$(drv $GPU)" vfio-pci
same "$AUDIO on vfio-pci" "$(drv $AUDIO)" vfio-pci
has "0.1.0 wrote a version 1 journal" "$(journal_of gpu)" "vfiohook-journal 1"
has "with its fields for every kind" "$(journal_of gpu)" "pci-bind what=$AUDIO target=vfio-pci captured=1 was_on=0"

# the package upgrade: the hook file replaced while the VM runs
check "the new hook replaces the old one" cp "$HOOK" /etc/libvirt/hooks/qemu.d/vfiohook
check "vfiohook status (new) reads the old journal" $VFIOHOOK status gpu
has "and shows what it holds" "$LAST_OUT" "bind $AUDIO to vfio-pci (was snd_hda_intel)"
check "virsh destroy gpu under the new hook" virsh destroy gpu
same "$GPU back on bochs-drm" "$(drv $GPU)" bochs-drm
same "$AUDIO back on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel
refuse "the journal is gone" test -e /run/vfiohook/gpu
has "the new hook read the version 1 journal" "$(hooklog)" "gpu: reading a version 1 journal"
same "the host is as before" "$(snapshot)" "$before"

# and the new hook's own cycle after it
check "virsh start gpu under the new hook" virsh start gpu
has "the new hook writes version 2" "$(journal_of gpu)" "vfiohook-journal 2"
check "virsh destroy gpu again" virsh destroy gpu
same "the host is as before after both" "$(snapshot)" "$before"
