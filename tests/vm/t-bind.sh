# SPDX-License-Identifier: LGPL-2.1-or-later
# The GPU-like VGA+audio group to vfio-pci and back through the library's
# binder (vfiohook bind/restore), on the real kernel.
# vm: 

before=$(snapshot)
g=$(grp $GPU)
gpu_drv=$(drv $GPU) audio_drv=$(drv $AUDIO)
same "the VGA starts on a host driver" "$(drv $GPU)" bochs-drm
same "its audio function starts on snd_hda_intel" "$(drv $AUDIO)" snd_hda_intel
same "VGA and audio share an IOMMU group" "$(grp $AUDIO)" "$g"
has "group $g is not viable while the host drivers hold it" "$($VFIOHOOK group $GPU)" "not viable"
refuse "vfio-pci is not loaded before the first bind" test -d /sys/bus/pci/drivers/vfio-pci

check "bind $GPU to vfio-pci" $VFIOHOOK bind $GPU vfio-pci
same "$GPU is on vfio-pci" "$(drv $GPU)" vfio-pci
same "$GPU driver_override is vfio-pci" "$(ovr $GPU)" vfio-pci
check "vfio-pci was loaded by the library (libkmod)" test -d /sys/bus/pci/drivers/vfio-pci
same "the kernel finds group $g not viable while the audio function is on its host driver" "$($KSTATUS /dev/vfio/$g)" "not viable"
check "bind $AUDIO to vfio-pci" $VFIOHOOK bind $AUDIO vfio-pci
same "$AUDIO is on vfio-pci" "$(drv $AUDIO)" vfio-pci
same "the kernel finds group $g viable once both are on vfio-pci" "$($KSTATUS /dev/vfio/$g)" viable
has "group $g is viable" "$($VFIOHOOK group $GPU)" "group $g: viable"
out=$($VFIOHOOK bind $GPU vfio-pci 2>&1)
has "binding again is a no-op that reports the current state" "$out" "was driver=vfio-pci"
same "still on vfio-pci after the second bind" "$(drv $GPU)" vfio-pci

check "hand $AUDIO back to $audio_drv" $VFIOHOOK restore $AUDIO $audio_drv
check "hand $GPU back to $gpu_drv" $VFIOHOOK restore $GPU $gpu_drv
same "$GPU back on $gpu_drv" "$(drv $GPU)" "$gpu_drv"
same "$AUDIO back on $audio_drv" "$(drv $AUDIO)" "$audio_drv"
same "$GPU driver_override cleared" "$(ovr $GPU)" -
same "$AUDIO driver_override cleared" "$(ovr $AUDIO)" -
refuse "/dev/vfio/$g is gone" test -e /dev/vfio/$g
check "restoring again is a no-op" $VFIOHOOK restore $GPU $gpu_drv
same "the host is as before" "$(snapshot)" "$before"

# the bridge group: a PCIe-to-PCI bridge and the two e1000 behind it
bg=$(grp $E1000_1)
same "both e1000 share the bridge's group" "$(grp $E1000_2)" "$bg"
out=$($VFIOHOOK group $E1000_1)
has "bridge group not viable with e1000 bound" "$out" "not viable"
bridge=$(basename $(dirname $(readlink -f $D/$E1000_1)))
line=$(echo "$out" | grep " $bridge ")
has "the bridge is listed as a member" "$line" "bridge"
case "$line" in *blocks*) fail "the bridge is never a blocker" "$line" ;; *) pass "the bridge is never a blocker" ;; esac
check "bind $E1000_1" $VFIOHOOK bind $E1000_1 vfio-pci
has "one e1000 left: still not viable" "$($VFIOHOOK group $E1000_1)" "not viable"
same "the kernel agrees: group $bg not viable" "$($KSTATUS /dev/vfio/$bg)" "not viable"
check "bind $E1000_2" $VFIOHOOK bind $E1000_2 vfio-pci
has "bridge group viable with both endpoints on vfio-pci" "$($VFIOHOOK group $E1000_1)" "group $bg: viable"
same "the kernel agrees: group $bg viable, bridge and all" "$($KSTATUS /dev/vfio/$bg)" viable
check "restore $E1000_1" $VFIOHOOK restore $E1000_1 e1000
check "restore $E1000_2" $VFIOHOOK restore $E1000_2 e1000
same "the host is as before (bridge group)" "$(snapshot)" "$before"
