# SPDX-License-Identifier: LGPL-2.1-or-later
# The two-GPU workstation through a real libvirtd: the VGA function is a
# managed hostdev; the hook takes its whole group (the HDMI-audio-like
# function too) to vfio-pci at prepare, libvirt starts QEMU, and destroy
# brings both back to their host drivers, journal gone.
# vm: second-gpu

before=$(snapshot)
check "libvirtd starts with the hook in qemu.d" start_libvirtd
ini gpu <<INI
# two GPUs: the VM gets the second one
[devices]
passthrough = auto
INI
check "define a domain with the VGA as managed hostdev" domain gpu $GPU
check "virsh start gpu" virsh start gpu
same "the domain runs" "$(state gpu)" running
same "$GPU on vfio-pci while it runs" "$(drv $GPU)" vfio-pci
same "$AUDIO (same group, not in the XML) on vfio-pci while it runs" "$(drv $AUDIO)" vfio-pci
check "a QEMU process holds the VFIO group" sh -c "ls -l /proc/\$(pgrep -f 'guest=gpu' | head -1)/fd | grep -q /dev/vfio/$(grp $GPU)"
has "the journal records both binds" "$(journal_of gpu)" "pci-bind what=$AUDIO"
has "and that prepare finished" "$(journal_of gpu)" "prepared"
has "the steps are logged with durations" "$(hooklog)" "gpu prepare: step 2/2 bind $AUDIO to vfio-pci (was snd_hda_intel): done in"
check "virsh destroy gpu" virsh destroy gpu
same "$GPU back on bochs-drm" "$(drv $GPU)" bochs-drm
same "$AUDIO back on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel
refuse "the journal is gone" test -e /run/vfiohook/gpu
same "the host is as before" "$(snapshot)" "$before"

# again: a second cycle works the same (nothing left behind by the first)
check "virsh start gpu again" virsh start gpu
same "$AUDIO on vfio-pci the second time" "$(drv $AUDIO)" vfio-pci
check "virsh shutdown-like destroy again" virsh destroy gpu
same "the host is as before after two cycles" "$(snapshot)" "$before"

# a release without a journal, twice: nothing happens
check "a stray release is a no-op" sh -c "$HOOK gpu release end - < /tmp/gpu.xml"
same "the host is unchanged by the stray release" "$(snapshot)" "$before"

# installed as hooks/qemu instead of qemu.d/vfiohook: the same behaviour
rm /etc/libvirt/hooks/qemu.d/vfiohook
cp "$HOOK" /etc/libvirt/hooks/qemu
stop_libvirtd
check "libvirtd restarts with the hook as hooks/qemu" start_libvirtd_only
check "virsh start gpu (hooks/qemu)" virsh start gpu
same "$AUDIO on vfio-pci (hooks/qemu)" "$(drv $AUDIO)" vfio-pci
check "virsh destroy gpu (hooks/qemu)" virsh destroy gpu
same "the host is as before (hooks/qemu)" "$(snapshot)" "$before"
